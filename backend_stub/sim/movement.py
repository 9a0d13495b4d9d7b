"""Units moving along the street graph, their position reports and their PDT GPS reports.

Units move lazily: a unit's state is advanced only when it reports (or an alert or a radio
call needs where it is), so a tick costs in proportion to the reports it contains, not to
the number of units. Reports are staggered by a per-unit phase so a large fleet reports in an
even stream rather than in bursts. Street units drive from patrol point to patrol point over
the graph (or to a scene they were sent to), foot patrols wander, drones fly straight.

Foot patrols carry no GPS of their own: they are located through their PDT radio, whose GPS
reports (short-data ``radio.call`` events carrying the fix) come about once a GPS interval.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable
from typing import Any

from backend_stub.district import District, UnitSeed
from backend_stub.sim.common import (
    COS_LAT,
    M_PER_DEG,
    MAX_STEP_S,
    Mover,
    Numbering,
    locate,
    near,
)
from console.protocol.codec import format_ts

__all__ = ["Movement", "React"]

_PATROL_POINTS = 96
_SPEED_KMH: dict[str, tuple[float, float]] = {
    "patrol_car": (30.0, 50.0),
    "foot": (4.0, 6.0),
    "motorcycle": (30.0, 40.0),
    "traffic": (25.0, 35.0),
    "swat": (35.0, 45.0),
    "drone": (55.0, 65.0),
}
_SOURCES: dict[str, tuple[str, ...]] = {
    "patrol_car": ("gps", "beidou"),
    "foot": ("pdt",),
    "motorcycle": ("beidou", "gps"),
    "traffic": ("gps", "beidou"),
    "swat": ("beidou",),
    "drone": ("gps",),
}
_ACCURACY_M = {"gps": 5.0, "beidou": 4.0, "pdt": 15.0}

React = Callable[[Mover, float, list[dict[str, Any]]], None]
"""What happens to a unit's status just before it reports: ``(mover, time, events)``."""


class Movement:
    """The units of a district, where they go, and their position reports.

    Args:
        district: The district.
        rng: The movement's random stream (shared with the units' status decisions).
        period: Seconds between two position reports of a unit.
        gps_period: Seconds between two GPS reports of a unit located only through its PDT
            radio.
        start: The simulated start time.
        radio_ids: The radio call ids, which the PDT GPS reports take from.
    """

    def __init__(
        self,
        district: District,
        rng: random.Random,
        *,
        period: float,
        gps_period: float,
        start: float,
        radio_ids: Numbering,
    ) -> None:
        self.rng = rng
        self._district = district
        self._period = period
        self._gps_period = gps_period
        self._radio_ids = radio_ids
        self._nlat = [district.nodes[i].lat for i in range(len(district.nodes))]
        self._nlon = [district.nodes[i].lon for i in range(len(district.nodes))]
        self._graph = [district.graph[i] for i in range(len(district.nodes))]
        n_points = min(_PATROL_POINTS, len(district.nodes))
        self._points = sorted(rng.sample(range(len(district.nodes)), n_points))
        self._hops = {p: district.next_hops_to(p) for p in self._points}
        self.movers = [self._make_mover(seed_unit, start) for seed_unit in district.units]
        """The units, in the district's order."""
        self.by_id = {m.id: m for m in self.movers}
        """The units by id."""
        order = list(range(len(self.movers)))
        rng.shuffle(order)
        n = max(1, len(order))
        self.by_phase = [self.movers[k] for k in order]
        """The units in the order they report in within a period."""
        self._phases = [self._period * (k + 0.5) / n for k in range(len(order))]

    def restore(self, positions: dict[str, dict[str, Any]]) -> None:
        """Continue units from persisted positions; unknown ids and bad positions are skipped.

        Args:
            positions: ``unit.position`` bodies by unit id.
        """
        for uid, pos in positions.items():
            m = self.by_id.get(uid)
            lat, lon = pos.get("lat"), pos.get("lon")
            if m is None or not isinstance(lat, int | float) or not isinstance(lon, int | float):
                continue
            lat, lon = float(lat), float(lon)
            m.lat, m.lon = lat, lon
            if m.drone:
                m.set_segment(lat, lon, m.b_lat, m.b_lon)
            else:
                node = self._district.nearest_node(lat, lon)
                m.set_segment(lat, lon, self._nlat[node], self._nlon[node])
                m.node, m.prev = node, -1
            heading = pos.get("heading_deg")
            if isinstance(heading, int | float):
                m.heading = float(heading) % 360.0
            m.dwell_until = 0.0

    def head_for(self, m: Mover, lat: float, lon: float) -> None:
        """Route a street unit to the junction nearest a place.

        Args:
            m: The unit (not a drone).
            lat: Latitude of the place.
            lon: Longitude of the place.
        """
        m.target = self._district.nearest_node(lat, lon)
        m.hops = self._district.next_hops_to(m.target)

    def new_target(self, m: Mover) -> None:
        """Send a street unit on to a random patrol point (not the junction it is heading to).

        Args:
            m: The unit.
        """
        points = self._points
        target = points[self.rng.randrange(len(points))]
        if target == m.node and len(points) > 1:
            target = points[(points.index(target) + 1) % len(points)]
        m.target = target
        m.hops = self._hops[target]

    def locate_now(self, m: Mover, t: float) -> tuple[float, float]:
        """Advance a unit to ``t`` and tell where it is.

        Args:
            m: The unit.
            t: The time.

        Returns:
            Latitude and longitude.
        """
        self._advance(m, t)
        return locate(m)

    def radio_fix(self, m: Mover, t: float, lat: float, lon: float) -> dict[str, Any]:
        """The ``unit.position`` (source ``pdt``) a GPS fix from a unit's radio gives it.

        A unit located only through its radio has its next GPS report one interval later.

        Args:
            m: The unit.
            t: Time of the fix.
            lat: Latitude of the fix.
            lon: Longitude of the fix.

        Returns:
            The event body.
        """
        speed = m.speed_ms * 3.6 if m.moving else 0.0
        position = {
            "type": "unit.position",
            "unit_id": m.id,
            "lat": lat,
            "lon": lon,
            "speed_kmh": round(speed, 1),
            "heading_deg": round(m.heading, 1) % 360.0,
            "accuracy_m": _ACCURACY_M["pdt"],
            "source": "pdt",
            "fix_ts": format_ts(t),
        }
        if m.pdt:
            m.gps_due = t + self._gps_period
        return position

    def positions(
        self, last: float, now: float, events: list[dict[str, Any]], react: React
    ) -> None:
        """Append the position reports due after ``last`` up to ``now``, in time order.

        Each unit reports at most once; a unit located only through its radio reports only
        when its GPS report is due, as a short-data ``radio.call`` then the position.

        Args:
            last: The time reached before.
            now: The time to advance to.
            events: Where the reports are appended.
            react: Called for each unit due to report before it moves (status changes).
        """
        period, phases, movers = self._period, self._phases, self.by_phase
        n = len(movers)
        if n == 0:
            return
        b = now % period
        i1 = bisect.bisect_right(phases, b)
        if now - last >= period:
            ranges = [(i1, n, now - b - period), (0, i1, now - b)]
        else:
            a = last % period
            if a < b:
                ranges = [(bisect.bisect_right(phases, a), i1, now - b)]
            else:
                ranges = [(bisect.bisect_right(phases, a), n, now - b - period), (0, i1, now - b)]
        rnd = self.rng.random
        fmt = format_ts
        advance = self._advance
        append = events.append
        for lo, hi, base in ranges:
            for k in range(lo, hi):
                m = movers[k]
                t = base + phases[k]
                react(m, t, events)
                advance(m, t)
                f = m.seg_pos / m.seg_len if m.seg_len > 0 else 1.0
                lat = m.a_lat + (m.b_lat - m.a_lat) * f
                lon = m.a_lon + (m.b_lon - m.a_lon) * f
                m.lat, m.lon = lat, lon
                if m.pdt:
                    # Located only through its radio: a GPS report now and then.
                    if t < m.gps_due:
                        continue
                    m.gps_due = t + self._gps_period
                acc = m.acc * (0.7 + 0.6 * rnd())
                jitter = acc / M_PER_DEG
                speed = m.speed_ms * 3.6 if m.moving else 0.0
                m.speed_ms = m.base_ms * (0.8 + 0.35 * rnd())
                fix_lat = round(lat + (rnd() - 0.5) * jitter, 6)
                fix_lon = round(lon + (rnd() - 0.5) * jitter / COS_LAT, 6)
                position = {
                    "type": "unit.position",
                    "unit_id": m.id,
                    "lat": fix_lat,
                    "lon": fix_lon,
                    "speed_kmh": round(speed, 1),
                    "heading_deg": round(m.heading, 1) % 360.0,
                    "accuracy_m": round(acc, 1),
                    "source": m.source,
                    "fix_ts": fmt(t),
                }
                if m.pdt:
                    append(self._gps_call(m, t, fix_lat, fix_lon))
                append(position)

    def _gps_call(self, m: Mover, t: float, lat: float, lon: float) -> dict[str, Any]:
        """A PDT GPS report of ``m``: a short-data ``radio.call`` carrying its position."""
        call = {
            "id": self._radio_ids.issue(),
            "talkgroup": m.talkgroup,
            "source_radio_id": m.radio_id,
            "target_radio_id": None,
            "kind": "data",
            "start_ts": format_ts(t),
            "duration_s": 0.0,
            "audio_url": None,
            "lat": lat,
            "lon": lon,
            "encrypted": False,
        }
        return {"type": "radio.call", "call": call}

    def _advance(self, m: Mover, t: float) -> None:
        """Move a unit on to ``t`` (at most :data:`MAX_STEP_S`), dwelling where it stops."""
        dt = t - m.last_t
        if dt <= 0:
            return
        m.last_t = t
        if m.status == "off_duty":
            m.moving = False
            return
        dt = min(dt, MAX_STEP_S)
        if m.dwell_until > t - dt:
            if m.dwell_until >= t:
                m.moving = False
                return
            dt = t - m.dwell_until
        m.moving = True
        dist = m.speed_ms * dt
        for _ in range(10_000):
            rem = m.seg_len - m.seg_pos
            if dist < rem:
                m.seg_pos += dist
                return
            dist -= rem
            m.seg_pos = m.seg_len
            if self._next_segment(m, t):
                m.moving = False
                return

    def _next_segment(self, m: Mover, t: float) -> bool:
        """Start the next segment at the end of the current one; True if the unit stops."""
        rng = self.rng
        dwell = False
        if m.drone:
            if rng.random() < 0.7:
                m.dwell_until = t + rng.uniform(30.0, 180.0)
                dwell = True
            node = rng.randrange(len(self._nlat))
            m.set_segment(m.b_lat, m.b_lon, self._nlat[node], self._nlon[node])
            return dwell
        cur = m.node
        nbrs = self._graph[cur]
        r = m.response
        if r is not None and r.phase != "dispatched":
            if near(m.b_lat, m.b_lon, r.lat, r.lon, 1.0):
                m.set_segment(r.lat, r.lon, r.lat, r.lon)  # at the scene: stay
                return True
            if m.drone or cur == m.target:
                m.set_segment(m.b_lat, m.b_lon, r.lat, r.lon)  # junction → the scene itself
                return False
            nxt = m.hops[cur]
            if nxt < 0 or nxt == cur:
                nxt = nbrs[rng.randrange(len(nbrs))]
            m.set_segment(self._nlat[cur], self._nlon[cur], self._nlat[nxt], self._nlon[nxt])
            m.prev, m.node = cur, nxt
            return False
        if r is not None:  # waiting to leave: hold position
            m.set_segment(m.b_lat, m.b_lon, m.b_lat, m.b_lon)
            return True
        if m.foot:
            options = [v for v in nbrs if v != m.prev] or list(nbrs)
            nxt = options[rng.randrange(len(options))]
            if rng.random() < 0.05:
                m.dwell_until = t + rng.uniform(30.0, 120.0)
                dwell = True
        else:
            if cur == m.target:
                if rng.random() < 0.5:
                    m.dwell_until = t + rng.uniform(20.0, 300.0)
                    dwell = True
                self.new_target(m)
            nxt = m.hops[cur]
            if nxt < 0 or nxt == cur:
                nxt = nbrs[rng.randrange(len(nbrs))]
        m.set_segment(self._nlat[cur], self._nlon[cur], self._nlat[nxt], self._nlon[nxt])
        m.prev, m.node = cur, nxt
        return dwell

    def _make_mover(self, seed_unit: UnitSeed, start: float) -> Mover:
        """The initial state of a unit, at its home junction at ``start``."""
        rng = self.rng
        m = Mover()
        m.id, m.callsign, m.radio_id = seed_unit.id, seed_unit.callsign, seed_unit.radio_id
        m.talkgroup = seed_unit.talkgroup
        m.wire = {
            "id": seed_unit.id,
            "callsign": seed_unit.callsign,
            "kind": seed_unit.kind,
            "radio_id": seed_unit.radio_id,
            "talkgroup": seed_unit.talkgroup,
            "grid_id": seed_unit.grid_id,
        }
        lo, hi = _SPEED_KMH.get(seed_unit.kind, (30.0, 50.0))
        m.base_ms = rng.uniform(lo, hi) / 3.6
        m.speed_ms = m.base_ms
        sources = _SOURCES.get(seed_unit.kind, ("gps",))
        m.source = sources[rng.randrange(len(sources))]
        m.acc = _ACCURACY_M[m.source]
        m.drone = seed_unit.kind == "drone"
        m.foot = seed_unit.kind == "foot"
        m.pdt = m.source == "pdt"
        m.last_t = m.status_t = start
        # Radio-only units start reporting at staggered times within one GPS interval.
        m.gps_due = start + rng.random() * self._gps_period if m.pdt else 0.0
        m.node = seed_unit.node
        home_lat, home_lon = self._nlat[m.node], self._nlon[m.node]
        if m.drone:
            node = rng.randrange(len(self._nlat))
            m.set_segment(home_lat, home_lon, self._nlat[node], self._nlon[node])
        else:
            self.new_target(m)
            m.set_segment(home_lat, home_lon, home_lat, home_lon)  # leaves at the first move
        m.lat, m.lon = home_lat, home_lon
        return m
