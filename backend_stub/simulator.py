"""The demo district over time: units on patrol, status changes, alerts and radio traffic.

Sans-I/O and clock-injected: :meth:`DistrictSimulator.tick` takes the time to advance to and
returns event bodies (no ``seq``/``ts``; the caller's event log assigns those). Units move
lazily: a unit's state is advanced only when it reports, so a tick costs in proportion to the
reports it contains, not to the number of units. Reports are staggered by a per-unit phase so
a large fleet reports in an even stream rather than in bursts.

Foot patrols carry no GPS of their own: they are located through their PDT radio, whose GPS
reports (short-data ``radio.call`` events carrying the fix) come about once a minute and move
the unit (``unit.position`` with source ``pdt``); any radio's data or status message moves its
unit the same way. :meth:`DistrictSimulator.follow` takes over what operators decide
(dispatch, reassignment, release, cancel, merge) from the committed events.
"""

from __future__ import annotations

import bisect
import math
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

from backend_stub.district import District, UnitSeed

__all__ = ["PDT_GPS_S", "UNIT_STATUSES", "DistrictSimulator", "format_ts"]

#: Unit statuses of the wire contract.
UNIT_STATUSES = frozenset({"available", "dispatched", "en_route", "on_scene", "busy", "off_duty"})
# Only these flip at random; dispatch statuses belong to the dispatcher.
_RANDOM_STATUSES = frozenset({"available", "busy", "off_duty"})
_ARRIVED_M = 40.0
_M_PER_DEG = 111_320.0
_COS_LAT = 0.7683  # cos(39.82°), good enough for a 15 km district
_MAX_STEP_S = 600.0  # movement and arrivals catch up at most this far after a pause
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
# Status transition rates per second ("a few changes per hour per unit").
_TO_BUSY = 1.2 / 3600
_TO_OFF = 0.12 / 3600
_BUSY_END = 5.0 / 3600
_OFF_END = 1.5 / 3600

_ALERT_KINDS = (
    ("call_110", 0.55),
    ("video_analytics", 0.12),
    ("efence", 0.10),
    ("plate_match", 0.10),
    ("face_match", 0.08),
    ("radio_emergency", 0.01),
)
# (case, base priority, weight, what the caller says)
_CASES_110 = (
    ("入室盗窃", 2, 8, "家中被盗，门锁有撬动痕迹"),
    ("交通事故", 3, 14, "两车相撞，暂无人员受伤，道路部分堵塞"),
    ("交通事故（有人受伤）", 2, 4, "电动车与轿车相撞，骑车人倒地受伤"),
    ("打架斗殴", 2, 7, "有多人在路边打架，有人手持棍棒"),
    ("纠纷", 4, 14, "与邻居发生纠纷，请求民警到场调解"),
    ("电信诈骗", 3, 8, "接到冒充客服的电话，已向对方转账"),
    ("噪音扰民", 4, 8, "楼上深夜噪音扰民，多次沟通无果"),
    ("走失人员", 3, 5, "家中老人外出未归，身穿深色外套"),
    ("可疑人员", 3, 6, "有可疑人员在小区内徘徊并查看车辆"),
    ("抢劫", 1, 1, "被人持刀抢走手机，嫌疑人往东逃跑"),
    ("火情", 1, 1, "居民楼有浓烟冒出"),
    ("醉酒滋事", 3, 6, "有醉酒人员在饭店内闹事"),
    ("电动车被盗", 4, 8, "停在楼下的电动车被盗"),
)
_FACE_LISTS = (("在逃人员", 2), ("涉毒前科人员", 3), ("重点关注人员", 3), ("走失老人", 3))
_PLATE_REASONS = ("涉嫌盗抢车辆", "套牌嫌疑", "肇事逃逸", "涉案车辆")
_VIDEO_EVENTS = (
    ("人员聚集", 3),
    ("烟火检测", 2),
    ("车辆违停", 4),
    ("人员倒地", 3),
    ("打架行为", 2),
)
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡郭高"
_PHONE_PREFIXES = ("138", "139", "150", "151", "152", "158", "159", "183", "186", "135", "177")
_PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
_RADIO_KINDS = (("group", 0.75), ("individual", 0.10), ("status", 0.07), ("data", 0.06))
_RADIO_EMERGENCY_P = 0.002  # about two emergency alarms an hour at the default rate
PDT_GPS_S = 60.0
"""Default interval of the GPS reports of units located only through their PDT radio."""

_ts_cache: dict[int, str] = {}


def format_ts(epoch_s: float) -> str:
    """Format seconds since the epoch as RFC 3339 UTC with milliseconds.

    Args:
        epoch_s: Seconds since the epoch.

    Returns:
        A string such as ``"2026-11-28T16:40:54.123Z"``.
    """
    sec = math.floor(epoch_s)
    ms = min(999, int((epoch_s - sec) * 1000))
    prefix = _ts_cache.get(sec)
    if prefix is None:
        if len(_ts_cache) > 4096:
            _ts_cache.clear()
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
        _ts_cache[sec] = prefix
    return f"{prefix}.{ms:03d}Z"


class _Response:
    """A unit's part in an incident: 出警 after a short delay, drive, 到场, handle, 反馈."""

    __slots__ = ("alert_id", "due", "lat", "lon", "phase")

    def __init__(self, alert_id: str, lat: float, lon: float, due: float) -> None:
        self.alert_id, self.lat, self.lon, self.due = alert_id, lat, lon, due
        self.phase = "dispatched"


class _Mover:
    """Mutable movement state of one unit: a straight segment from ``a`` to ``b``."""

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
        self.response: _Response | None = None

    def set_segment(self, a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> None:
        self.a_lat, self.a_lon, self.b_lat, self.b_lon = a_lat, a_lon, b_lat, b_lon
        dy = (b_lat - a_lat) * _M_PER_DEG
        dx = (b_lon - a_lon) * _M_PER_DEG * _COS_LAT
        self.seg_len = math.hypot(dx, dy)
        self.seg_pos = 0.0
        if self.seg_len > 0:
            self.heading = math.degrees(math.atan2(dx, dy)) % 360.0


class DistrictSimulator:
    """Simulates a :class:`District` over time, deterministically from a seed.

    Args:
        district: The district to simulate.
        seed: Seed of all randomness; the same seed and the same ``tick`` calls give the
            same events.
        position_hz: Position reports per unit per second.
        alert_rate: Mean alerts per second (Poisson).
        radio_rate: Mean radio calls per second (Poisson).
        clock: Gives the start time (seconds since the epoch), and the time for ``tick()``
            called without an argument.
        first_alert_number: Number of the first alert id (``A-000001`` by default). A
            restarted backend passes one past the highest number it has issued.
        first_radio_number: Number of the first radio call id (``R-000001`` by default).
        radio_audio: Gives the recorded-audio URL of a voice call (call id, kind); None: no
            audio.
        pdt_gps_s: Interval of the GPS reports of units located only through their PDT radio
            (foot patrols): each report is a ``radio.call`` of kind ``data`` carrying the
            position, then the ``unit.position`` (source ``pdt``) it gives. At least the
            position period; ``math.inf``: such units never report.
    """

    def __init__(
        self,
        district: District,
        *,
        seed: int,
        position_hz: float = 0.2,
        alert_rate: float = 0.05,
        radio_rate: float = 0.3,
        clock: Callable[[], float] = time.time,
        first_alert_number: int = 1,
        first_radio_number: int = 1,
        radio_audio: Callable[[str, str], str] | None = None,
        pdt_gps_s: float = PDT_GPS_S,
    ) -> None:
        if position_hz <= 0:
            raise ValueError("position_hz must be positive")
        if alert_rate < 0 or radio_rate < 0:
            raise ValueError("rates must not be negative")
        if not pdt_gps_s > 0:
            raise ValueError("pdt_gps_s must be positive")
        self.district = district
        self._clock = clock
        self._period = 1.0 / position_hz
        self._gps_period = max(self._period, pdt_gps_s)
        self._alert_rate = alert_rate
        self._radio_rate = radio_rate
        self.next_alert_number = first_alert_number
        self.next_radio_number = first_radio_number
        self._radio_audio = radio_audio
        # Separate streams, so alerts and radio calls do not depend on how often tick is called.
        self._seed = seed
        self._rng = random.Random(f"{seed}:move")
        # The alert and radio streams start where the id counters stand, so a restarted
        # backend (which passes its counters) does not replay the alerts it already raised.
        self._arng = _stream(seed, "alert", first_alert_number)
        self._rrng = _stream(seed, "radio", first_radio_number)
        self._t = float(clock())
        self._nlat = [district.nodes[i].lat for i in range(len(district.nodes))]
        self._nlon = [district.nodes[i].lon for i in range(len(district.nodes))]
        self._graph = [district.graph[i] for i in range(len(district.nodes))]
        n_points = min(_PATROL_POINTS, len(district.nodes))
        self._points = sorted(self._rng.sample(range(len(district.nodes)), n_points))
        self._hops = {p: district.next_hops_to(p) for p in self._points}
        self._movers = [self._make_mover(seed_unit) for seed_unit in district.units]
        self._by_id = {m.id: m for m in self._movers}
        order = list(range(len(self._movers)))
        self._rng.shuffle(order)
        n = max(1, len(order))
        self._by_phase = [self._movers[k] for k in order]
        self._phases = [self._period * (k + 0.5) / n for k in range(len(order))]
        self._next_alert_t = self._t + self._gap(self._arng, alert_rate)
        self._next_radio_t = self._t + self._gap(self._rrng, radio_rate)

    # -- public --------------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """The simulated time reached so far, seconds since the epoch."""
        return self._t

    def initial_events(self) -> list[dict[str, Any]]:
        """``unit.upsert`` for every unit, then ``camera.upsert`` and grid ``layer.upsert``."""
        events: list[dict[str, Any]] = [
            {"type": "unit.upsert", "unit": {**m.wire, "status": m.status}} for m in self._movers
        ]
        events += [{"type": "camera.upsert", "camera": c} for c in self.district.to_wire_cameras()]
        events += [
            {"type": "layer.upsert", "layer": layer} for layer in self.district.to_wire_layers()
        ]
        return events

    def restore(
        self,
        units: dict[str, dict[str, Any]],
        positions: dict[str, dict[str, Any]],
        *,
        next_alert_number: int | None = None,
        next_radio_number: int | None = None,
    ) -> None:
        """Continue from persisted state after a restart.

        Args:
            units: Unit wire dicts by unit id; their ``status`` is taken over.
            positions: ``unit.position`` bodies by unit id; units continue from there.
            next_alert_number: Number of the next alert id, so ids are never reused; the
                alert stream continues from it (no replay of the alerts raised before).
            next_radio_number: Number of the next radio call id (the backend, which keeps no
                radio calls, passes its committed ``seq`` + 1: never below any id issued);
                the radio stream continues from it.

        Units absent from the dicts, and unknown ids, keep their seeded state.
        """
        for uid, data in units.items():
            m = self._by_id.get(uid)
            status = data.get("status")
            if m is not None and isinstance(status, str) and status in UNIT_STATUSES:
                m.status = status
        for uid, pos in positions.items():
            m = self._by_id.get(uid)
            lat, lon = pos.get("lat"), pos.get("lon")
            if m is None or not isinstance(lat, int | float) or not isinstance(lon, int | float):
                continue
            lat, lon = float(lat), float(lon)
            m.lat, m.lon = lat, lon
            if m.drone:
                m.set_segment(lat, lon, m.b_lat, m.b_lon)
            else:
                node = self.district.nearest_node(lat, lon)
                m.set_segment(lat, lon, self._nlat[node], self._nlon[node])
                m.node, m.prev = node, -1
            heading = pos.get("heading_deg")
            if isinstance(heading, int | float):
                m.heading = float(heading) % 360.0
            m.dwell_until = 0.0
        if next_alert_number is not None and next_alert_number > self.next_alert_number:
            self.next_alert_number = next_alert_number
            self._arng = _stream(self._seed, "alert", next_alert_number)
            self._next_alert_t = self._t + self._gap(self._arng, self._alert_rate)
        if next_radio_number is not None and next_radio_number > self.next_radio_number:
            self.next_radio_number = next_radio_number
            self._rrng = _stream(self._seed, "radio", next_radio_number)
            self._next_radio_t = self._t + self._gap(self._rrng, self._radio_rate)

    def set_unit_status(self, unit_id: str, status: str) -> None:
        """Take over a status set from outside (a dispatch), so the simulation agrees.

        Raises:
            KeyError: Unknown unit.
            ValueError: Unknown status.
        """
        if status not in UNIT_STATUSES:
            raise ValueError(status)
        m = self._by_id[unit_id]
        m.status = status
        m.status_t = self._t

    def dispatch(self, unit_id: str, alert_id: str, lat: float, lon: float) -> None:
        """Send a unit to an incident: it leaves within 5–20 s (``en_route``), drives there
        over the streets, reports ``on_scene``, handles it for 2–6 min, then reports back
        available with the alert id (the unit's 反馈). Unknown units are ignored.
        """
        m = self._by_id.get(unit_id)
        if m is None:
            return
        m.status, m.status_t = "dispatched", self._t
        m.response = _Response(alert_id, lat, lon, self._t + self._rng.uniform(5.0, 20.0))
        m.dwell_until = 0.0
        if not m.drone:
            m.target = self.district.nearest_node(lat, lon)
            m.hops = self.district.next_hops_to(m.target)

    def release(self, unit_id: str) -> None:
        """End a unit's part in an incident (released or the incident closed): it stops
        driving there and resumes patrol."""
        m = self._by_id.get(unit_id)
        if m is not None and m.response is not None:
            m.response = None
            m.status, m.status_t = "available", self._t
            m.dwell_until = 0.0
            if not m.drone:
                self._new_target(m)

    def follow(self, events: list[dict[str, Any]], alerts: Mapping[str, dict[str, Any]]) -> None:
        """Take over what operators decided (committed events), so simulated units obey.

        * ``unit.status`` dispatched to an alert: the unit drives there, also when it was
          serving another incident (reassigned).
        * ``unit.status`` available/busy/off_duty with no alert id while the unit serves an
          incident (``alert.release_unit``, ``alert.cancel``): it stops driving there and
          resumes patrol. The unit's own reports carry their alert id and change nothing.
        * ``alert.updated`` merged into another alert: its units drive to the main incident;
          closed or back to acknowledged: its units are released.

        Args:
            events: Committed event bodies, in order.
            alerts: Current alerts (wire dicts) by id, for where an incident is.
        """
        for event in events:
            kind = event["type"]
            if kind == "unit.status":
                self._follow_status(event, alerts)
            elif kind == "alert.updated":
                alert = event["alert"]
                main = alerts.get(alert.get("merged_into") or "")
                for unit_id in alert["unit_ids"]:
                    m = self._by_id.get(unit_id)
                    if m is None or m.response is None or m.response.alert_id != alert["id"]:
                        continue
                    if main is not None and main["status"] != "closed":
                        self._redirect(m, main["id"], main["lat"], main["lon"])
                    elif alert["status"] in ("closed", "acknowledged"):
                        self.release(unit_id)

    def _follow_status(self, event: dict[str, Any], alerts: Mapping[str, dict[str, Any]]) -> None:
        m = self._by_id.get(event["unit_id"])
        if m is None:
            return
        status, alert_id = event["status"], event.get("alert_id")
        if status == "dispatched":
            alert = alerts.get(alert_id or "")
            if alert is not None and (m.response is None or m.response.alert_id != alert["id"]):
                self.dispatch(m.id, alert["id"], alert["lat"], alert["lon"])
        elif status in _RANDOM_STATUSES and alert_id is None:
            if m.response is not None:
                self.release(m.id)
            if m.status != status:
                m.status, m.status_t = status, self._t

    def _redirect(self, m: _Mover, alert_id: str, lat: float, lon: float) -> None:
        """Make a responding unit's incident another one (its duplicate was merged into it).

        A unit on its way drives to the main incident; one on scene finishes there and
        reports back to the main incident.
        """
        r = m.response
        assert r is not None
        r.alert_id = alert_id
        if r.phase == "on_scene":
            return
        r.lat, r.lon = lat, lon
        if m.drone:
            if r.phase == "en_route":
                m.set_segment(m.lat, m.lon, lat, lon)
        else:
            m.target = self.district.nearest_node(lat, lon)
            m.hops = self.district.next_hops_to(m.target)

    def tick(self, now: float | None = None) -> list[dict[str, Any]]:
        """Advance the world to ``now`` and return the events that happened.

        Alerts and radio calls come first (in time order), then position reports (in time
        order, each unit at most once per tick, with its ``unit.status`` change, if any, just
        before it). A time at or before the current one returns nothing.

        Args:
            now: Seconds since the epoch; the injected clock's time if omitted.

        Returns:
            Event bodies with ``type`` and the fields of the contract, without ``seq``/``ts``.
        """
        if now is None:
            now = float(self._clock())
        last = self._t
        if now <= last:
            return []
        self._t = now
        events: list[dict[str, Any]] = []
        self._arrivals(max(last, now - _MAX_STEP_S), now, events)
        self._positions(last, now, events)
        return events

    # -- positions -----------------------------------------------------------------------------

    def _positions(self, last: float, now: float, events: list[dict[str, Any]]) -> None:
        period, phases, movers = self._period, self._phases, self._by_phase
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
        rnd = self._rng.random
        fmt = format_ts
        advance = self._advance
        append = events.append
        for lo, hi, base in ranges:
            for k in range(lo, hi):
                m = movers[k]
                t = base + phases[k]
                if m.response is not None:
                    self._respond(m, t, events)
                elif m.status in _RANDOM_STATUSES:
                    self._maybe_change_status(m, t, events)
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
                jitter = acc / _M_PER_DEG
                speed = m.speed_ms * 3.6 if m.moving else 0.0
                m.speed_ms = m.base_ms * (0.8 + 0.35 * rnd())
                fix_lat = round(lat + (rnd() - 0.5) * jitter, 6)
                fix_lon = round(lon + (rnd() - 0.5) * jitter / _COS_LAT, 6)
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

    def _respond(self, m: _Mover, t: float, events: list[dict[str, Any]]) -> None:
        r = m.response
        assert r is not None
        if r.phase == "dispatched" and t >= r.due:
            r.phase = "en_route"
            m.status, m.dwell_until = "en_route", 0.0
            if m.drone:
                m.set_segment(m.lat, m.lon, r.lat, r.lon)
            events.append(
                {
                    "type": "unit.status",
                    "unit_id": m.id,
                    "status": "en_route",
                    "alert_id": r.alert_id,
                }
            )
        elif r.phase == "en_route" and _near(m.lat, m.lon, r.lat, r.lon, _ARRIVED_M):
            r.phase, r.due = "on_scene", t + self._rng.uniform(120.0, 360.0)
            m.status, m.dwell_until = "on_scene", r.due
            events.append(
                {
                    "type": "unit.status",
                    "unit_id": m.id,
                    "status": "on_scene",
                    "alert_id": r.alert_id,
                }
            )
        elif r.phase == "on_scene" and t >= r.due:
            m.response, m.status, m.status_t = None, "available", t
            self._new_target(m)
            events.append(
                {
                    "type": "unit.status",
                    "unit_id": m.id,
                    "status": "available",
                    "alert_id": r.alert_id,
                }
            )

    def _maybe_change_status(self, m: _Mover, t: float, events: list[dict[str, Any]]) -> None:
        dt = min(t - m.status_t, _MAX_STEP_S)
        m.status_t = t
        r = self._rng.random()
        new = m.status
        if m.status == "available":
            if r < _TO_BUSY * dt:
                new = "busy"
            elif r < (_TO_BUSY + _TO_OFF) * dt:
                new = "off_duty"
        elif m.status == "busy":
            if r < _BUSY_END * dt:
                new = "available"
        elif r < _OFF_END * dt:
            new = "available"
        if new != m.status:
            m.status = new
            events.append({"type": "unit.status", "unit_id": m.id, "status": new})

    def _advance(self, m: _Mover, t: float) -> None:
        dt = t - m.last_t
        if dt <= 0:
            return
        m.last_t = t
        if m.status == "off_duty":
            m.moving = False
            return
        dt = min(dt, _MAX_STEP_S)
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

    def _next_segment(self, m: _Mover, t: float) -> bool:
        """Start the next segment at the end of the current one; True if the unit stops."""
        rng = self._rng
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
            if _near(m.b_lat, m.b_lon, r.lat, r.lon, 1.0):
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
                self._new_target(m)
            nxt = m.hops[cur]
            if nxt < 0 or nxt == cur:
                nxt = nbrs[rng.randrange(len(nbrs))]
        m.set_segment(self._nlat[cur], self._nlon[cur], self._nlat[nxt], self._nlon[nxt])
        m.prev, m.node = cur, nxt
        return dwell

    def _new_target(self, m: _Mover) -> None:
        points = self._points
        target = points[self._rng.randrange(len(points))]
        if target == m.node and len(points) > 1:
            target = points[(points.index(target) + 1) % len(points)]
        m.target = target
        m.hops = self._hops[target]

    def _make_mover(self, seed_unit: UnitSeed) -> _Mover:
        rng = self._rng
        m = _Mover()
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
        m.last_t = m.status_t = self._t
        # Radio-only units start reporting at staggered times within one GPS interval.
        m.gps_due = self._t + rng.random() * self._gps_period if m.pdt else 0.0
        m.node = seed_unit.node
        home_lat, home_lon = self._nlat[m.node], self._nlon[m.node]
        if m.drone:
            node = rng.randrange(len(self._nlat))
            m.set_segment(home_lat, home_lon, self._nlat[node], self._nlon[node])
        else:
            self._new_target(m)
            m.set_segment(home_lat, home_lon, home_lat, home_lon)  # leaves at the first move
        m.lat, m.lon = home_lat, home_lon
        return m

    # -- alerts and radio ----------------------------------------------------------------------

    @staticmethod
    def _gap(rng: random.Random, rate: float) -> float:
        return rng.expovariate(rate) if rate > 0 else math.inf

    def _arrivals(self, start: float, now: float, events: list[dict[str, Any]]) -> None:
        if self._next_alert_t < start:
            self._next_alert_t = start + self._gap(self._arng, self._alert_rate)
        if self._next_radio_t < start:
            self._next_radio_t = start + self._gap(self._rrng, self._radio_rate)
        while min(self._next_alert_t, self._next_radio_t) <= now:
            if self._next_alert_t <= self._next_radio_t:
                t = self._next_alert_t
                events.append({"type": "alert.new", "alert": self._make_alert(t)})
                self._next_alert_t = t + self._gap(self._arng, self._alert_rate)
            else:
                t = self._next_radio_t
                self._make_radio(t, events)
                self._next_radio_t = t + self._gap(self._rrng, self._radio_rate)

    def _make_alert(self, t: float, unit: _Mover | None = None) -> dict[str, Any]:
        rng, d = self._arng, self.district
        kind = "radio_emergency" if unit else _pick(rng, _ALERT_KINDS)
        if kind == "radio_emergency" and unit is None:
            unit = self._by_phase[rng.randrange(len(self._by_phase))] if self._by_phase else None
            if unit is None:
                kind = "call_110"
        cam = d.cameras[rng.randrange(len(d.cameras))] if d.cameras else None
        if unit is not None:
            self._advance(unit, t)
            lat, lon = _locate(unit)
        elif kind in ("face_match", "plate_match", "video_analytics") and cam is not None:
            lat, lon = _offset(rng, cam.lat, cam.lon, 30.0)
        else:
            node = d.nodes[rng.randrange(len(d.nodes))]
            lat, lon = _offset(rng, node.lat, node.lon, 80.0)
        lat, lon = round(lat, 6), round(lon, 6)
        address = d.address_near(lat, lon)
        grid = d.grid_at(lat, lon)
        cam_name = cam.name if cam else "路口"
        if kind == "call_110":
            case = rng.choices(_CASES_110, [c[2] for c in _CASES_110])[0]
            priority = (
                case[1] if case[1] == 1 else min(4, max(2, case[1] + rng.choice((-1, 0, 0, 0, 1))))
            )
            title = f"110报警：{case[0]}"
            phone = rng.choice(_PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            who = rng.choice(_SURNAMES) + rng.choice(("先生", "女士"))
            description = f"报警人{who}（{phone}）称：{case[3]}。地点：{address}。"
        elif kind == "efence":
            priority, title = 3, "电子围栏越界告警"
            area = grid.name if grid else "重点区域"
            description = f"{area}重点部位电子围栏检测到人员越界，请核实。"
        elif kind == "face_match":
            who, priority = rng.choice(_FACE_LISTS)
            title = f"人脸比对命中：{who}"
            description = (
                f"{cam_name}抓拍人脸与{who}库比对命中，相似度{rng.uniform(0.86, 0.98):.2f}。"
            )
        elif kind == "plate_match":
            plate = "蒙K·" + "".join(rng.choice(_PLATE_CHARS) for _ in range(5))
            priority, title = rng.choice((2, 3)), f"车牌布控命中：{plate}"
            why = rng.choice(_PLATE_REASONS)
            description = f"{cam_name}识别布控车辆{plate}（{why}），请拦截核查。"
        elif kind == "video_analytics":
            what, priority = rng.choice(_VIDEO_EVENTS)
            title = f"视频分析：{what}"
            description = f"{cam_name}视频分析检测到{what}，置信度{rng.uniform(0.7, 0.97):.2f}。"
        else:
            assert unit is not None
            priority, title = 1, f"电台紧急告警：{unit.callsign}"
            description = f"{unit.callsign}（PDT {unit.radio_id}）触发紧急报警按钮。"
        number = self.next_alert_number
        self.next_alert_number += 1
        created = format_ts(t)
        return {
            "id": f"A-{number:06d}",
            "kind": kind,
            "priority": priority,
            "title": title,
            "description": description,
            "lat": lat,
            "lon": lon,
            "address": address,
            "grid_id": grid.id if grid else "",
            "status": "new",
            "created_ts": created,
            "version": 1,
            "owner": None,
            "unit_ids": [],
            "camera_ids": d.cameras_near(lat, lon, 300.0, 4),
            "history": [
                {"ts": created, "operator": None, "action": "created", "note": _NOTES[kind]}
            ],
        }

    def _make_radio(self, t: float, events: list[dict[str, Any]]) -> None:
        rng, movers = self._rrng, self._by_phase
        if not movers:
            return
        src = movers[rng.randrange(len(movers))]
        for _ in range(4):
            if src.status != "off_duty":
                break
            src = movers[rng.randrange(len(movers))]
        kind = "emergency" if rng.random() < _RADIO_EMERGENCY_P else _pick(rng, _RADIO_KINDS)
        talkgroup = "1001" if rng.random() < 0.12 else src.talkgroup
        target = None
        if kind == "individual":
            other = movers[rng.randrange(len(movers))]
            target = other.radio_id if other is not src else None
            kind = "individual" if target else "group"
        voice = kind in ("group", "individual", "emergency")
        duration = round(2.0 + 23.0 * rng.random() ** 2, 1) if voice else 0.0
        self._advance(src, t)
        src_lat, src_lon = _locate(src)
        number = self.next_radio_number
        self.next_radio_number += 1
        call = {
            "id": f"R-{number:06d}",
            "talkgroup": talkgroup,
            "source_radio_id": src.radio_id,
            "target_radio_id": target,
            "kind": kind,
            "start_ts": format_ts(t),
            "duration_s": duration,
            "audio_url": (
                self._radio_audio(f"R-{number:06d}", kind) if voice and self._radio_audio else None
            ),
            "lat": round(src_lat, 6),
            "lon": round(src_lon, 6),
            "encrypted": False,
        }
        events.append({"type": "radio.call", "call": call})
        if kind in ("data", "status"):
            # Short data and status messages carry the radio's GPS fix: the unit moves there.
            events.append(self._pdt_position(src, t, round(src_lat, 6), round(src_lon, 6)))
            if src.pdt:
                src.gps_due = t + self._gps_period
        elif kind == "emergency":
            events.append({"type": "alert.new", "alert": self._make_alert(t, src)})

    def _gps_call(self, m: _Mover, t: float, lat: float, lon: float) -> dict[str, Any]:
        """A PDT GPS report of ``m``: a short-data ``radio.call`` carrying its position."""
        number = self.next_radio_number
        self.next_radio_number += 1
        call = {
            "id": f"R-{number:06d}",
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

    def _pdt_position(self, m: _Mover, t: float, lat: float, lon: float) -> dict[str, Any]:
        """The ``unit.position`` a radio's GPS report gives its unit."""
        speed = m.speed_ms * 3.6 if m.moving else 0.0
        return {
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


_NOTES = {
    "call_110": "110接警平台推送",
    "efence": "电子围栏系统推送",
    "face_match": "人脸识别系统推送",
    "plate_match": "卡口车牌识别系统推送",
    "video_analytics": "视频智能分析系统推送",
    "radio_emergency": "PDT系统紧急告警",
}


def _stream(seed: int, name: str, counter: int) -> random.Random:
    # Counter 1 (a fresh district) keeps the stream the seed alone always gave.
    return random.Random(f"{seed}:{name}" if counter <= 1 else f"{seed}:{name}:{counter}")


def _near(lat1: float, lon1: float, lat2: float, lon2: float, metres: float) -> bool:
    dy = (lat2 - lat1) * _M_PER_DEG
    dx = (lon2 - lon1) * _M_PER_DEG * _COS_LAT
    return dx * dx + dy * dy <= metres * metres


def _locate(m: _Mover) -> tuple[float, float]:
    """Where a mover is now on its segment (also remembered on the mover)."""
    f = m.seg_pos / m.seg_len if m.seg_len > 0 else 1.0
    m.lat = m.a_lat + (m.b_lat - m.a_lat) * f
    m.lon = m.a_lon + (m.b_lon - m.a_lon) * f
    return m.lat, m.lon


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    r = rng.random() * sum(w for _, w in table)
    for name, w in table:
        r -= w
        if r < 0:
            return name
    return table[-1][0]


def _offset(rng: random.Random, lat: float, lon: float, max_m: float) -> tuple[float, float]:
    d = max_m * math.sqrt(rng.random())
    a = rng.uniform(0.0, 2 * math.pi)
    return lat + d * math.cos(a) / _M_PER_DEG, lon + d * math.sin(a) / (_M_PER_DEG * _COS_LAT)
