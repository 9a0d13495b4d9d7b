"""What the parts of the district simulator share: unit state, id series, arrivals, geometry.

A unit's whole simulated state is one :class:`Mover`, owned by the movement part and read or
changed by the others (a dispatch gives it a :class:`Response`, an alert or a radio call is
placed where it is). Alert and radio call ids are issued from :class:`Numbering` series; alerts
and radio calls arrive as :class:`Arrivals`, Poisson streams each with a random stream of its
own, so they do not depend on how often the simulator is ticked.
"""

from __future__ import annotations

import math
import random
from abc import ABC, abstractmethod
from typing import Any

from console.protocol import schema

__all__ = [
    "COS_LAT",
    "MAX_STEP_S",
    "M_PER_DEG",
    "PDT_GPS_S",
    "RANDOM_STATUSES",
    "UNIT_STATUSES",
    "Arrivals",
    "Mover",
    "Numbering",
    "Response",
    "gap",
    "locate",
    "near",
    "pick",
    "stream",
]

#: Unit statuses of the wire contract.
UNIT_STATUSES = frozenset(schema.UNIT_STATUSES)
#: Only these flip at random; dispatch statuses belong to the dispatcher.
RANDOM_STATUSES = frozenset({"available", "busy", "off_duty"})
M_PER_DEG = 111_320.0
COS_LAT = 0.7683  # cos(39.82°), good enough for a 15 km district
MAX_STEP_S = 600.0  # movement and arrivals catch up at most this far after a pause
PDT_GPS_S = 60.0
"""Default interval of the GPS reports of units located only through their PDT radio."""


class Response:
    """A unit's part in an incident: 出警 after a short delay, drive, 到场, handle, 反馈.

    Args:
        alert_id: The incident's alert.
        lat: Latitude of the scene.
        lon: Longitude of the scene.
        due: When the current phase ends (leaving, then finishing on scene).
    """

    __slots__ = ("alert_id", "due", "lat", "lon", "phase")

    def __init__(self, alert_id: str, lat: float, lon: float, due: float) -> None:
        self.alert_id, self.lat, self.lon, self.due = alert_id, lat, lon, due
        self.phase = "dispatched"


class Mover:
    """Mutable state of one unit; it moves on a straight segment from ``a`` to ``b``."""

    __slots__ = (
        "a_lat",
        "a_lon",
        "acc",
        "b_lat",
        "b_lon",
        "base_ms",
        "callsign",
        "drone",
        "dwell_until",
        "foot",
        "gps_due",
        "heading",
        "hops",
        "id",
        "last_t",
        "lat",
        "lon",
        "moving",
        "node",
        "pdt",
        "prev",
        "radio_id",
        "response",
        "seg_len",
        "seg_pos",
        "source",
        "speed_ms",
        "status",
        "status_t",
        "talkgroup",
        "target",
        "wire",
    )

    def __init__(self) -> None:
        self.a_lat = self.a_lon = self.b_lat = self.b_lon = 0.0
        self.seg_len = self.seg_pos = self.heading = 0.0
        self.lat = self.lon = 0.0
        self.speed_ms = self.base_ms = self.acc = 0.0
        self.last_t = self.status_t = self.dwell_until = self.gps_due = 0.0
        self.node = self.prev = self.target = -1
        self.hops: list[int] = []
        self.moving = True
        self.drone = self.foot = self.pdt = False
        self.id = self.callsign = self.radio_id = self.talkgroup = self.source = ""
        self.status = "available"
        self.wire: dict[str, Any] = {}
        self.response: Response | None = None

    def set_segment(self, a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> None:
        """Start a new segment at its beginning; the heading is kept for a zero-length one.

        Args:
            a_lat: Latitude of the start.
            a_lon: Longitude of the start.
            b_lat: Latitude of the end.
            b_lon: Longitude of the end.
        """
        self.a_lat, self.a_lon, self.b_lat, self.b_lon = a_lat, a_lon, b_lat, b_lon
        dy = (b_lat - a_lat) * M_PER_DEG
        dx = (b_lon - a_lon) * M_PER_DEG * COS_LAT
        self.seg_len = math.hypot(dx, dy)
        self.seg_pos = 0.0
        if self.seg_len > 0:
            self.heading = math.degrees(math.atan2(dx, dy)) % 360.0


class Numbering:
    """A series of ids such as ``A-000001``, shared by the parts that issue them.

    Args:
        prefix: The ids' prefix (``"A"``, ``"R"``).
        first: Number of the first id.
    """

    __slots__ = ("next_number", "prefix")

    def __init__(self, prefix: str, first: int) -> None:
        self.prefix = prefix
        self.next_number = first

    def issue(self) -> str:
        """Take the next id.

        Returns:
            The id, such as ``"R-000042"``.
        """
        number = self.next_number
        self.next_number += 1
        return f"{self.prefix}-{number:06d}"


class Arrivals(ABC):
    """A Poisson stream of simulated events (alerts, radio calls).

    Its random stream starts where its id series stands, so a restarted backend (which
    passes its counters) does not replay what it already raised.

    Args:
        seed: Seed of the simulation.
        name: Name of the random stream (``"alert"``, ``"radio"``).
        rate: Mean arrivals per second; 0: none.
        ids: The id series of what arrives.
        start: Simulated time the stream starts at.
    """

    def __init__(self, seed: int, name: str, rate: float, ids: Numbering, start: float) -> None:
        self._seed, self._name, self._rate, self.ids = seed, name, rate, ids
        self.rng = stream(seed, name, ids.next_number)
        self.next_t = start + gap(self.rng, rate)

    def skip_to(self, start: float) -> None:
        """Drop arrivals due before ``start`` (after a pause): the next one comes after it.

        Args:
            start: The earliest time to catch up from.
        """
        if self.next_t < start:
            self.next_t = start + gap(self.rng, self._rate)

    def arrive(self, events: list[dict[str, Any]]) -> None:
        """Make the arrival due at :attr:`next_t`, and draw the time of the next one.

        Args:
            events: Where the arrival's events are appended.
        """
        t = self.next_t
        self.emit(t, events)
        self.next_t = t + gap(self.rng, self._rate)

    def restart(self, number: int | None, now: float) -> None:
        """Continue the id series (and its random stream) from ``number`` if that is higher.

        Args:
            number: Number of the next id; None: keep the series.
            now: The simulated time the stream continues from.
        """
        if number is not None and number > self.ids.next_number:
            self.ids.next_number = number
            self.rng = stream(self._seed, self._name, number)
            self.next_t = now + gap(self.rng, self._rate)

    @abstractmethod
    def emit(self, t: float, events: list[dict[str, Any]]) -> None:
        """Make one arrival.

        Args:
            t: Its time.
            events: Where its events are appended.
        """


def stream(seed: int, name: str, counter: int) -> random.Random:
    """The random stream ``name`` of a simulation, continued from an id counter.

    Args:
        seed: Seed of the simulation.
        name: Name of the stream.
        counter: Number of the next id; 1 (a fresh district) keeps the stream the seed alone
            always gave.

    Returns:
        A seeded random generator.
    """
    return random.Random(f"{seed}:{name}" if counter <= 1 else f"{seed}:{name}:{counter}")


def gap(rng: random.Random, rate: float) -> float:
    """Time to the next event of a Poisson stream.

    Args:
        rng: The stream's random generator.
        rate: Mean events per second.

    Returns:
        Seconds; ``math.inf`` for a rate of 0.
    """
    return rng.expovariate(rate) if rate > 0 else math.inf


def near(lat1: float, lon1: float, lat2: float, lon2: float, metres: float) -> bool:
    """Whether two points are at most ``metres`` apart (flat approximation).

    Args:
        lat1: Latitude of the first point.
        lon1: Longitude of the first point.
        lat2: Latitude of the second point.
        lon2: Longitude of the second point.
        metres: The distance.

    Returns:
        True if they are that close.
    """
    dy = (lat2 - lat1) * M_PER_DEG
    dx = (lon2 - lon1) * M_PER_DEG * COS_LAT
    return dx * dx + dy * dy <= metres * metres


def locate(m: Mover) -> tuple[float, float]:
    """Where a mover is now on its segment (also remembered on the mover).

    Args:
        m: The mover.

    Returns:
        Latitude and longitude.
    """
    f = m.seg_pos / m.seg_len if m.seg_len > 0 else 1.0
    m.lat = m.a_lat + (m.b_lat - m.a_lat) * f
    m.lon = m.a_lon + (m.b_lon - m.a_lon) * f
    return m.lat, m.lon


def pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    """Pick a name from a table of weights.

    Args:
        rng: The random generator.
        table: ``(name, weight)`` pairs.

    Returns:
        One of the names.
    """
    r = rng.random() * sum(w for _, w in table)
    for name, w in table:
        r -= w
        if r < 0:
            return name
    return table[-1][0]
