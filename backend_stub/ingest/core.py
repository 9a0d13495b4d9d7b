"""The one ingest path: positions, radio calls and alarms from every door into the event log.

A door (OsmAnd over HTTP, Cursor-on-Target, JT/T 808, rdio-scanner uploads, CAP, JSON alarms,
the demo simulator) decodes its protocol, then calls :class:`Ingest`:

* :meth:`Ingest.position` takes a :class:`Fix` of a *device* (``jt808:013912345678``). The
  device must be named in some unit's ``device_ids`` (the inventory); the fix must be in range,
  not more than 5 minutes in the future, and newer than the unit's last fix (old fixes never
  move a unit back in time). Accepted fixes are appended in batches every 50 ms.
* radio calls and alarms (``doors/rdio.py``, ``doors/cap.py``, ``doors/alarms.py``) are checked
  against the talkgroups and their idempotency keys there, counted with :meth:`Ingest.count`,
  and appended (alerts decided by the writer against the committed state).

A refusal raises :class:`~backend_stub.state.Refused` (its ``code`` — invalid, unregistered,
future, stale, rate_limited, ... — tells the door how to say no in its own terms)
and changes nothing. Every outcome is counted per feed — the source a key names, or the door —
and the counts are written to the sources table every few seconds for the sources view. A device
that is not in the inventory is remembered in :attr:`Ingest.unregistered` ("terminal
013900000000 tried 3 times") so a commander can assign it to a unit.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from backend_stub.state import Refused
from console.protocol.codec import ProtocolError, format_ts, validate_event

if TYPE_CHECKING:
    from backend_stub.server import Backend

__all__ = ["Fix", "Ingest", "Refused"]

log = logging.getLogger("backend.ingest")

Wire = dict[str, Any]
#: A fix more than this far in the future (device clock wrong, or a forgery) is refused.
MAX_FUTURE_S = 300.0
FLUSH_S = 0.05
COUNTS_FLUSH_S = 2.0
#: Per device: fixes a second it may send, and the burst it may save up.
DEVICE_RATE = (5.0, 100.0)  # a JT/T 808 batch (0x0704) after a coverage gap fits in the burst
#: Per keyed source (a radio recorder, a CAP or alarm platform): messages a second, burst.
SOURCE_RATE = (500.0, 1000.0)
UNREGISTERED_KEPT = 1000
POSITION_DOORS = ("jt808", "cot", "osmand", "pdt", "sim")


class Fix(NamedTuple):
    """One position report of a device, decoded from any door (WGS-84, epoch seconds).

    A named tuple: one is made per fix (10,000 a second), and a frozen dataclass costs
    several times as much to make.
    """

    device: str
    lat: float
    lon: float
    fix_ts: float
    speed_kmh: float | None = None
    heading_deg: float | None = None
    alt_m: float | None = None
    accuracy_m: float | None = None


@dataclass
class FeedCounts:
    """What one feed (a source, or a door without keys) has sent since the last flush."""

    accepted: int = 0
    refused: int = 0
    last_error: str = ""
    last_seen: float = 0.0


@dataclass
class Unregistered:
    """A device that reported but is named by no unit."""

    device: str
    door: str
    attempts: int = 0
    first_seen: float = 0.0
    last_seen: float = 0.0
    last_position: tuple[float, float] | None = None

    def to_wire(self) -> Wire:
        """As ``device.unregistered`` answers it."""
        return {
            "device": self.device,
            "door": self.door,
            "attempts": self.attempts,
            "first_seen": format_ts(self.first_seen),
            "last_seen": format_ts(self.last_seen),
            "last_position": list(self.last_position) if self.last_position else None,
        }


@dataclass
class _Bucket:
    tokens: float
    last: float


@dataclass
class Ingest:
    """The ingest path of one backend process.

    Args:
        backend: the backend whose event log this feeds (its committed state is the inventory
            the devices are checked against).
        clock: epoch seconds (injected for tests).
    """

    backend: Backend
    clock: Callable[[], float] = time.time
    max_future_s: float = MAX_FUTURE_S
    device_rate: tuple[float, float] = DEVICE_RATE
    unregistered: OrderedDict[str, Unregistered] = field(default_factory=OrderedDict)
    counts: dict[str, FeedCounts] = field(default_factory=dict)
    _device_unit: dict[str, str] = field(default_factory=dict)
    _unit_devices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _last_fix: dict[str, float] = field(default_factory=dict)
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _pending: list[Wire] = field(default_factory=list)
    _flushing: bool = False

    def __post_init__(self) -> None:
        self._reindex(self.backend.state.units.values())
        for unit_id, pos in self.backend.state.positions.items():
            self._last_fix[unit_id] = _epoch(pos.get("fix_ts") or pos.get("ts"))
        self.backend.on_commit(self._on_commit)

    # ---------------------------------------------------------------- inventory index

    def _reindex(self, units: Iterable[Wire]) -> None:
        for unit in units:
            devices = tuple(unit.get("device_ids") or ())
            if devices:
                self._unit_devices[unit["id"]] = devices
            for device in devices:
                self._device_unit[device] = unit["id"]
                self.unregistered.pop(device, None)

    def _on_commit(self, events: list[Wire]) -> None:
        upserts = []
        for event in events:
            kind = event["type"]
            if kind == "unit.upsert":
                upserts.append(event["unit"])
            elif kind == "unit.retired":
                self._forget_unit(event["unit_id"])
        for unit in upserts:
            self._forget_unit(unit["id"])
        self._reindex(upserts)

    def _forget_unit(self, unit_id: str) -> None:
        for device in self._unit_devices.pop(unit_id, ()):
            if self._device_unit.get(device) == unit_id:
                del self._device_unit[device]

    def unit_of(self, device: str) -> str | None:
        """The unit whose ``device_ids`` names ``device``, if any."""
        return self._device_unit.get(device)

    def device_of(self, unit_id: str) -> str | None:
        """A device of ``unit_id`` (the first its inventory names)."""
        devices = self._unit_devices.get(unit_id)
        return devices[0] if devices else None

    # ---------------------------------------------------------------- counting

    def count(self, feed: str, *, error: str = "", accepted: int = 1) -> None:
        """Count one message of ``feed`` (a source name or a door) as refused with ``error``,
        or ``accepted`` messages of it as accepted."""
        counts = self.counts.get(feed)
        if counts is None:
            counts = self.counts[feed] = FeedCounts()
        counts.last_seen = self.clock()
        if error:
            counts.refused += 1
            counts.last_error = error
        else:
            counts.accepted += accepted

    def take_counts(self) -> dict[str, FeedCounts]:
        """The counts since the last call (for the sources table), and start afresh."""
        counts, self.counts = self.counts, {}
        return counts

    def allow_source(self, name: str) -> bool:
        """Take one message of a keyed source from its bucket (:data:`SOURCE_RATE`); False
        when it sends too fast (the door answers 429 and the message changes nothing)."""
        if self._allow(f"source:{name}", SOURCE_RATE):
            return True
        self.count(name, error="too many messages a second")
        return False

    def _allow(self, key: str, limits: tuple[float, float] | None = None) -> bool:
        rate, burst = limits or self.device_rate
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) > 100_000:
                self._buckets.clear()
            bucket = self._buckets[key] = _Bucket(burst, now)
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.last) * rate)
        bucket.last = now
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True

    # ---------------------------------------------------------------- positions

    def check_fix(self, fix: Fix, door: str) -> Wire:
        """The ``unit.position`` body of an acceptable fix (no side effect but the rate bucket).

        Raises:
            Refused: invalid, unregistered, future, stale or rate_limited.
        """
        lat, lon, ts = fix.lat, fix.lon, fix.fix_ts
        # Range checks alone refuse NaN and infinities (every comparison with NaN is false),
        # and what is not a number at all raises TypeError. Hot: once a fix, 10,000 a second.
        try:
            position_ok = -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0
        except TypeError:
            position_ok = False
        if not position_ok:
            raise Refused("invalid", f"position {lat}, {lon} is out of range")
        try:
            time_ok = 0.0 < ts < math.inf
        except TypeError:
            time_ok = False
        if not time_ok:
            raise Refused("invalid", "the fix has no valid time")
        if ts > self.clock() + self.max_future_s:
            raise Refused("future", f"the fix is from the future ({format_ts(ts)})")
        unit_id = self._device_unit.get(fix.device)
        if unit_id is None:
            raise Refused("unregistered", f"device {fix.device} is not assigned to a unit")
        if ts <= self._last_fix.get(unit_id, 0.0):
            raise Refused("stale", f"older than the unit's last fix ({format_ts(ts)})")
        if not self._allow(fix.device):
            raise Refused("rate_limited", f"device {fix.device} sends too fast")
        body: Wire = {
            "type": "unit.position",
            "unit_id": unit_id,
            "lat": round(lat, 7),
            "lon": round(lon, 7),
            "source": door,
            "fix_ts": format_ts(ts),
        }
        if fix.speed_kmh is not None and _finite(fix.speed_kmh):
            body["speed_kmh"] = round(min(max(fix.speed_kmh, 0.0), 2000.0), 1)
        if fix.heading_deg is not None and _finite(fix.heading_deg):
            body["heading_deg"] = round(fix.heading_deg % 360.0, 1)
        if fix.alt_m is not None and _finite(fix.alt_m) and -1000 <= fix.alt_m <= 100_000:
            body["alt_m"] = round(fix.alt_m, 1)
        if fix.accuracy_m is not None and _finite(fix.accuracy_m) and fix.accuracy_m >= 0:
            body["accuracy_m"] = round(min(fix.accuracy_m, 100_000.0), 1)
        self._last_fix[unit_id] = ts
        return body

    def position(self, fix: Fix, door: str, feed: str | None = None) -> str:
        """Take one fix from a door; returns the unit it moves (appended within 50 ms).

        Raises:
            Refused: the fix changes nothing; it is counted (and an unknown device remembered).
        """
        feed = feed or door
        try:
            body = self.check_fix(fix, door)
        except Refused as exc:
            self.count(feed, error=exc.message)
            if exc.code == "unregistered":
                self._remember(fix, door)
            raise
        self.count(feed)
        self._pending.append(body)
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().call_later(FLUSH_S, self._flush)
        return str(body["unit_id"])

    def _flush(self) -> None:
        self._flushing = False
        pending, self._pending = self._pending, []
        if pending:
            self.backend.append(pending)

    def refuse_device(self, device: str, door: str, reason: str, feed: str | None = None) -> None:
        """Count a refusal that happened before a fix (a JT/T 808 register of an unknown
        terminal) and remember the device."""
        self.count(feed or door, error=reason)
        self._remember(Fix(device, math.nan, math.nan, 0.0), door)

    def _remember(self, fix: Fix, door: str) -> None:
        now = self.clock()
        entry = self.unregistered.pop(fix.device, None)
        if entry is None:
            entry = Unregistered(fix.device, door, first_seen=now)
        entry.attempts += 1
        entry.last_seen = now
        if _finite(fix.lat) and _finite(fix.lon):
            entry.last_position = (round(fix.lat, 6), round(fix.lon, 6))
        self.unregistered[fix.device] = entry  # newest last
        while len(self.unregistered) > UNREGISTERED_KEPT:
            self.unregistered.popitem(last=False)

    def simulated(self, events: list[Wire]) -> list[Wire]:
        """The simulator's events through the same checks as the doors'.

        Its fixes go by each unit's device (as a terminal's would); its radio calls must be on
        a talkgroup of the inventory (as an rdio-scanner upload must); its alerts must be
        valid events of the protocol (as a CAP or JSON alarm must). What fails a check is
        dropped and counted under ``sim`` with the reason; what passes is counted as accepted.
        Returns the events to append, in order.
        """
        out: list[Wire] = []
        fixes = 0
        for event in events:
            kind = event["type"]
            if kind == "radio.call" or kind == "alert.new":
                reason = self._simulated_refusal(event)
                self.count("sim", error=reason)
                if not reason:
                    out.append(event)
                continue
            if kind != "unit.position":
                out.append(event)
                continue
            unit_id = event["unit_id"]
            device = self.device_of(unit_id)
            door = "pdt" if event.get("source") == "pdt" else "sim"
            try:
                if device is None:
                    raise Refused("unregistered", f"unit {unit_id} has no device")
                body = self.check_fix(
                    Fix(
                        device,
                        event["lat"],
                        event["lon"],
                        _epoch(event["fix_ts"]),
                        event.get("speed_kmh"),
                        event.get("heading_deg"),
                        event.get("alt_m"),
                        event.get("accuracy_m"),
                    ),
                    door,
                )
            except Refused as exc:
                self.count("sim", error=exc.message)
                continue
            fixes += 1
            out.append(body)
        if fixes:
            self.count("sim", accepted=fixes)  # once a tick, not once a fix
        return out

    def _simulated_refusal(self, event: Wire) -> str:
        """Why a simulated radio call or alert is refused ("" when it is not)."""
        if event["type"] == "radio.call":
            talkgroup = event["call"].get("talkgroup")
            if talkgroup not in self.backend.state.talkgroups:
                return f"radio call on talkgroup {talkgroup}, which the inventory does not list"
        try:
            checked([event], format_ts(self.clock()))
        except Refused as exc:
            return exc.message
        return ""


def checked(bodies: list[Wire], ts: str) -> list[Wire]:
    """``bodies`` unchanged, once each validates as an event of the protocol.

    Raises:
        Refused: ``invalid``, what the schema says (the door answers 400).
    """
    for body in bodies:
        event = {"type": body["type"], "seq": 0, "ts": ts}
        event.update((k, v) for k, v in body.items() if k != "type")
        try:
            validate_event(event)
        except ProtocolError as exc:
            raise Refused("invalid", f"the {body['type']} it makes is invalid: {exc}") from None
    return bodies


def _finite(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _epoch(ts: Any) -> float:
    from console.protocol.codec import parse_ts

    if not isinstance(ts, str):
        return 0.0
    try:
        return parse_ts(ts)
    except ValueError:
        return 0.0
