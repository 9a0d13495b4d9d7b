"""The district simulator: rates, bounds, event shapes, determinism and restarts."""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

import pytest

from backend_stub.district import CORE_BOX, District, build_district
from backend_stub.simulator import PDT_GPS_S, DistrictSimulator
from console.geo import haversine_m
from console.protocol.codec import format_ts

T0 = 1_795_000_000.0  # 2026-11-18, injected; nothing here reads the wall clock
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture(scope="module")
def district() -> District:
    return build_district(seed=7, n_units=200)


def _sim(district: District, **kw: Any) -> DistrictSimulator:
    kw.setdefault("seed", 11)
    return DistrictSimulator(district, clock=lambda: T0, **kw)


def _expected_positions(district: District, hz: float, seconds: float) -> float:
    """Reports in ``seconds``: each unit at ``hz``; foot patrols (radio-only) once a GPS period."""
    radio_only = sum(u.kind == "foot" for u in district.units)
    gps_s = max(1.0 / hz, PDT_GPS_S)
    return (len(district.units) - radio_only) * hz * seconds + radio_only * seconds / gps_s


def _run(sim: DistrictSimulator, seconds: float, step: float = 0.1) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for k in range(1, round(seconds / step) + 1):
        events += sim.tick(T0 + k * step)
    return events


def test_format_ts() -> None:
    assert format_ts(0.0) == "1970-01-01T00:00:00.000Z"
    assert format_ts(1_795_000_000.1239) == "2026-11-18T11:06:40.123Z"


def test_position_rate_is_units_times_hz_in_even_slices(district: District) -> None:
    sim = _sim(district, position_hz=1.0, alert_rate=0, radio_rate=0)
    per_tick = []
    total = 0
    for k in range(1, 601):
        n = sum(e["type"] == "unit.position" for e in sim.tick(T0 + k * 0.1))
        per_tick.append(n)
        total += n
    expected = _expected_positions(district, 1.0, 60)
    assert abs(total - expected) <= 0.1 * expected
    # Staggered phases: every 100 ms slice carries about a tenth of the fleet, no bursts.
    assert max(per_tick) <= 0.15 * len(district.units)
    assert min(per_tick[10:]) >= 0.05 * len(district.units)


def test_slow_rate_and_coarse_ticks(district: District) -> None:
    sim = _sim(district, position_hz=0.2, alert_rate=0, radio_rate=0)
    events = _run(sim, 60.0, step=1.0)
    positions = [e for e in events if e["type"] == "unit.position"]
    expected = _expected_positions(district, 0.2, 60)
    assert abs(len(positions) - expected) <= 0.1 * expected
    # A long pause gives each unit one fresh report, not a backlog.
    late = sim.tick(T0 + 3600.0)
    counts = Counter(e["unit_id"] for e in late if e["type"] == "unit.position")
    assert len(counts) == len(district.units) and max(counts.values()) == 1


def test_positions_stay_in_district_and_units_move(district: District) -> None:
    sim = _sim(district, position_hz=1.0, alert_rate=0, radio_rate=0)
    events = _run(sim, 120.0, step=0.5)
    west, south, east, north = CORE_BOX
    first: dict[str, dict[str, Any]] = {}
    last: dict[str, dict[str, Any]] = {}
    for e in events:
        if e["type"] != "unit.position":
            continue
        assert south <= e["lat"] <= north and west <= e["lon"] <= east
        assert 0 <= e["heading_deg"] < 360
        assert e["source"] in {"gps", "beidou", "pdt"}
        assert e["accuracy_m"] > 0 and e["speed_kmh"] >= 0
        assert TS.match(e["fix_ts"])
        first.setdefault(e["unit_id"], e)
        last[e["unit_id"]] = e
    kinds = {u.id: u.kind for u in district.units}
    moved = {
        uid
        for uid in last
        if haversine_m(first[uid]["lat"], first[uid]["lon"], last[uid]["lat"], last[uid]["lon"])
        > 100
    }
    cars = [uid for uid, kind in kinds.items() if kind == "patrol_car"]
    assert len(moved & set(cars)) >= 0.6 * len(cars)
    car_speeds = [
        e["speed_kmh"]
        for e in events
        if e["type"] == "unit.position" and e["unit_id"] in cars and e["speed_kmh"]
    ]
    assert 25 <= sum(car_speeds) / len(car_speeds) <= 55
    for uid, kind in kinds.items():
        if kind == "foot":  # 2 minutes on foot is at most ~250 m
            d = haversine_m(
                first[uid]["lat"], first[uid]["lon"], last[uid]["lat"], last[uid]["lon"]
            )
            assert d < 300


def test_alert_arrivals_match_rate_and_shape(district: District) -> None:
    sim = _sim(district, alert_rate=0.05, radio_rate=0, position_hz=0.05)
    alerts = [e["alert"] for e in _run(sim, 3 * 3600.0, step=5.0) if e["type"] == "alert.new"]
    expected = 0.05 * 3 * 3600
    assert 0.75 * expected <= len(alerts) <= 1.25 * expected
    keys = {
        "id", "kind", "priority", "title", "description", "lat", "lon", "address", "grid_id",
        "status", "created_ts", "version", "owner", "unit_ids", "camera_ids", "history",
    }  # fmt: skip
    ids = [a["id"] for a in alerts]
    assert ids == [f"A-{n:06d}" for n in range(1, len(alerts) + 1)]
    kinds = Counter(a["kind"] for a in alerts)
    assert kinds.most_common(1)[0][0] == "call_110"
    assert sum(a["priority"] == 1 for a in alerts) < 0.2 * len(alerts)
    cams = {c.id: c for c in district.cameras}
    for a in alerts:
        assert set(a) == keys
        assert a["status"] == "new" and a["version"] == 1 and a["owner"] is None
        assert a["unit_ids"] == [] and 1 <= a["priority"] <= 4
        assert district.grid_at(a["lat"], a["lon"]) is not None
        assert a["grid_id"] == district.grid_at(a["lat"], a["lon"]).id  # type: ignore[union-attr]
        assert "交叉口" in a["address"] and TS.match(a["created_ts"])
        assert len(a["camera_ids"]) <= 4
        for cid in a["camera_ids"]:
            cam = cams[cid]
            assert haversine_m(a["lat"], a["lon"], cam.lat, cam.lon) <= 300
        assert a["history"] == [
            {
                "ts": a["created_ts"],
                "operator": None,
                "action": "created",
                "note": a["history"][0]["note"],
            }
        ]
        if a["kind"] == "call_110":
            assert a["title"].startswith("110报警：") and "报警人" in a["description"]
            assert re.search(r"1\d{10}", a["description"])


def test_radio_calls_shape_and_rate(district: District) -> None:
    # GPS reports of radio-only units have their own test: off here, to count the traffic.
    sim = _sim(district, alert_rate=0, radio_rate=0.3, position_hz=0.05, pdt_gps_s=math.inf)
    events = _run(sim, 3600.0, step=5.0)
    calls = [e["call"] for e in events if e["type"] == "radio.call"]
    assert 0.8 * 1080 <= len(calls) <= 1.2 * 1080
    radios = {u.radio_id: u for u in district.units}
    tgs = {t.id for t in district.talkgroups}
    kinds = Counter(c["kind"] for c in calls)
    assert kinds.most_common(1)[0][0] == "group"
    for c in calls:
        assert set(c) == {
            "id", "talkgroup", "source_radio_id", "target_radio_id", "kind", "start_ts",
            "duration_s", "audio_url", "lat", "lon", "encrypted",
        }  # fmt: skip
        assert c["id"].startswith("R-") and c["talkgroup"] in tgs
        assert c["source_radio_id"] in radios and c["encrypted"] is False
        if c["kind"] in ("group", "emergency"):
            assert c["target_radio_id"] is None
        if c["kind"] == "individual":
            assert c["target_radio_id"] in radios
        if c["kind"] in ("status", "data"):
            assert c["duration_s"] == 0
        else:
            assert 2 <= c["duration_s"] <= 25
    emergencies = sum(c["kind"] == "emergency" for c in calls)
    radio_alerts = [e for e in events if e["type"] == "alert.new"]
    assert len(radio_alerts) == emergencies
    assert all(e["alert"]["kind"] == "radio_emergency" for e in radio_alerts)


def test_unit_status_changes_are_occasional(district: District) -> None:
    sim = _sim(district, alert_rate=0, radio_rate=0, position_hz=0.2)
    events = _run(sim, 3600.0, step=2.0)
    changes = [e for e in events if e["type"] == "unit.status"]
    per_unit_hour = len(changes) / len(district.units)
    assert 0.5 <= per_unit_hour <= 6
    assert {e["status"] for e in changes} <= {"available", "busy", "off_duty"}
    assert all(set(e) == {"type", "unit_id", "status"} for e in changes)
    status = {u.id: "available" for u in district.units}
    for e in changes:
        status[e["unit_id"]] = e["status"]
    assert sum(s == "available" for s in status.values()) > 0.6 * len(status)


def test_initial_events(district: District) -> None:
    events = _sim(district).initial_events()
    types = Counter(e["type"] for e in events)
    assert types == {
        "unit.upsert": len(district.units),
        "camera.upsert": len(district.cameras),
        "layer.upsert": len(district.grids),
    }
    unit = next(e["unit"] for e in events if e["type"] == "unit.upsert")
    assert set(unit) == {"id", "callsign", "kind", "radio_id", "talkgroup", "grid_id", "status"}


def test_same_seed_same_ticks_same_events(district: District) -> None:
    def run(seed: int) -> list[dict[str, Any]]:
        sim = _sim(district, seed=seed, position_hz=1.0, alert_rate=0.2, radio_rate=0.5)
        return _run(sim, 30.0, step=0.25)

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_past_or_repeated_time_gives_nothing(district: District) -> None:
    sim = _sim(district, position_hz=1.0)
    assert sim.tick(T0 + 1.0)
    assert sim.tick(T0 + 1.0) == []
    assert sim.tick(T0 + 0.5) == []
    assert sim.now == T0 + 1.0


def test_restore_keeps_statuses_positions_and_ids(district: District) -> None:
    sim = _sim(district, position_hz=1.0, alert_rate=0.5, radio_rate=0.5)
    events = _run(sim, 30.0, step=0.5)
    positions = {e["unit_id"]: e for e in events if e["type"] == "unit.position"}
    units = {u["id"]: {**u, "status": "available"} for u in district.to_wire_units()}
    restored_unit = district.units[0].id
    units[restored_unit]["status"] = "on_scene"
    top_alert = max(int(e["alert"]["id"][2:]) for e in events if e["type"] == "alert.new")
    top_radio = max(int(e["call"]["id"][2:]) for e in events if e["type"] == "radio.call")
    kept = dict(list(positions.items())[:100])

    fresh = DistrictSimulator(
        district, seed=11, position_hz=1.0, alert_rate=1.0, radio_rate=1.0, clock=lambda: T0 + 60.0
    )
    fresh.restore(units, kept, next_alert_number=top_alert + 1, next_radio_number=top_radio + 1)
    upserts = {
        e["unit"]["id"]: e["unit"] for e in fresh.initial_events() if e["type"] == "unit.upsert"
    }
    assert upserts[restored_unit]["status"] == "on_scene"

    after = []
    for k in range(1, 41):
        after += fresh.tick(T0 + 60.0 + k * 0.5)
    first_report: dict[str, dict[str, Any]] = {}
    for e in after:
        if e["type"] == "unit.position":
            first_report.setdefault(e["unit_id"], e)
    radio_only = {u.id for u in district.units if u.kind == "foot"}
    for uid, before in kept.items():
        if uid in radio_only and uid not in first_report:
            continue  # reports through its radio once a minute
        now = first_report[uid]
        # at most ~1 s of driving (plus GPS noise) from where it was persisted
        assert haversine_m(before["lat"], before["lon"], now["lat"], now["lon"]) < 60
    # A unit set by the dispatcher keeps its status; random changes leave it alone.
    assert not [e for e in after if e["type"] == "unit.status" and e["unit_id"] == restored_unit]
    new_alerts = [int(e["alert"]["id"][2:]) for e in after if e["type"] == "alert.new"]
    new_calls = [int(e["call"]["id"][2:]) for e in after if e["type"] == "radio.call"]
    assert new_alerts and min(new_alerts) == top_alert + 1
    assert new_calls and min(new_calls) == top_radio + 1


def test_set_unit_status_is_validated(district: District) -> None:
    sim = _sim(district)
    sim.set_unit_status("U0001", "dispatched")
    unit = next(e["unit"] for e in sim.initial_events() if e["type"] == "unit.upsert")
    assert unit["status"] == "dispatched"
    with pytest.raises(ValueError):
        sim.set_unit_status("U0001", "sleeping")
    with pytest.raises(KeyError):
        sim.set_unit_status("U9999", "busy")


def test_radio_gps_reports_move_radio_only_units(district: District) -> None:
    """A foot patrol is located only through its PDT radio: each GPS report is a data call
    carrying the fix, and the unit moves to it (a ``unit.position`` with source ``pdt``)."""
    sim = _sim(district, position_hz=1.0, alert_rate=0, radio_rate=0)
    events = _run(sim, 900.0, step=1.0)
    foot = next(u for u in district.units if u.kind == "foot")
    mine = [
        e
        for e in events
        if e.get("unit_id") == foot.id
        or (e["type"] == "radio.call" and e["call"]["source_radio_id"] == foot.radio_id)
    ]
    positions = [e for e in mine if e["type"] == "unit.position"]
    calls = [e["call"] for e in mine if e["type"] == "radio.call"]
    assert 13 <= len(positions) <= 17  # one a minute, not one a second
    assert len(calls) == len(positions)
    for call, pos in zip(calls, positions, strict=True):
        assert call["kind"] == "data" and call["duration_s"] == 0 and call["audio_url"] is None
        assert (call["lat"], call["lon"]) == (pos["lat"], pos["lon"])
        assert call["start_ts"] == pos["fix_ts"] and pos["source"] == "pdt"
        assert call["talkgroup"] == foot.talkgroup
    # each report comes right before the position it gives
    for i, e in enumerate(events):
        if e["type"] == "radio.call" and e["call"]["source_radio_id"] == foot.radio_id:
            assert events[i + 1]["type"] == "unit.position"
            assert events[i + 1]["unit_id"] == foot.id
    moved = haversine_m(
        positions[0]["lat"], positions[0]["lon"], positions[-1]["lat"], positions[-1]["lon"]
    )
    assert moved > 100  # it walks (4-6 km/h for 15 min), seen only through its radio


def test_data_and_status_calls_move_the_radios_unit(district: District) -> None:
    sim = _sim(district, position_hz=0.05, alert_rate=0, radio_rate=2.0, pdt_gps_s=math.inf)
    events = _run(sim, 600.0, step=1.0)
    unit_of = {u.radio_id: u.id for u in district.units}
    short = 0
    for i, e in enumerate(events):
        if e["type"] != "radio.call" or e["call"]["kind"] not in ("data", "status"):
            continue
        short += 1
        call, pos = e["call"], events[i + 1]
        assert pos["type"] == "unit.position" and pos["source"] == "pdt"
        assert pos["unit_id"] == unit_of[call["source_radio_id"]]
        assert (pos["lat"], pos["lon"]) == (call["lat"], call["lon"])
        assert pos["fix_ts"] == call["start_ts"]
    assert short > 50
