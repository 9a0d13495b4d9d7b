"""A dispatched simulated unit drives to the scene, reports on scene, then reports back."""

from __future__ import annotations

from backend_stub.district import build_district
from backend_stub.simulator import DistrictSimulator
from console.geo import haversine_m

T0 = 1_795_880_000.0


def test_dispatched_unit_goes_en_route_arrives_and_reports_back() -> None:
    district = build_district(7, n_units=20)
    sim = DistrictSimulator(
        district, seed=3, position_hz=1.0, alert_rate=0, radio_rate=0, clock=lambda: T0
    )
    unit = next(u for u in district.units if u.kind == "patrol_car")
    scene = district.nodes[district.graph[unit.node][0]]
    lat, lon = scene.lat + 0.0004, scene.lon + 0.0004  # a little off the junction
    sim.dispatch(unit.id, "A-000042", lat, lon)
    statuses: list[tuple[float, str]] = []
    last_pos = None
    t = T0
    while t < T0 + 1800 and not any(s == "available" for _, s in statuses):
        t += 0.5
        for e in sim.tick(t):
            if e.get("unit_id") != unit.id:
                continue
            if e["type"] == "unit.status":
                assert e["alert_id"] == "A-000042"
                statuses.append((t, e["status"]))
            elif e["type"] == "unit.position" and statuses and statuses[-1][1] == "on_scene":
                last_pos = (e["lat"], e["lon"])
    assert [s for _, s in statuses] == ["en_route", "on_scene", "available"]
    assert statuses[0][0] - T0 <= 21  # leaves within the turn-out time
    assert last_pos is not None and haversine_m(last_pos[0], last_pos[1], lat, lon) < 60
    handled = statuses[2][0] - statuses[1][0]
    assert 110 <= handled <= 370


def _setup() -> tuple[DistrictSimulator, str, tuple[float, float], tuple[float, float]]:
    """A simulator, a patrol car, and two incidents about 1-3 km from it."""
    district = build_district(7, n_units=20)
    sim = DistrictSimulator(
        district, seed=3, position_hz=1.0, alert_rate=0, radio_rate=0, clock=lambda: T0
    )
    unit = next(u for u in district.units if u.kind == "patrol_car")
    home = district.nodes[unit.node]
    nodes = [district.nodes[i] for i in range(len(district.nodes))]
    far = [n for n in nodes if 1000 < haversine_m(home.lat, home.lon, n.lat, n.lon) < 3000]
    a, b = far[0], far[len(far) // 2]
    return sim, unit.id, (a.lat, a.lon), (b.lat, b.lon)


def _alert(alert_id: str, where: tuple[float, float], **kw: object) -> dict:
    return {"id": alert_id, "lat": where[0], "lon": where[1], "status": "dispatched",
            "unit_ids": [], **kw}  # fmt: skip


def _until(sim: DistrictSimulator, t: float, unit_id: str, stop, limit: float = 1800):  # type: ignore[no-untyped-def]
    """Tick until ``stop(event)`` for an event of the unit; returns (time, events of the unit)."""
    seen = []
    end = t + limit
    while t < end:
        t += 0.5
        for e in sim.tick(t):
            if e.get("unit_id") == unit_id:
                seen.append(e)
                if stop(e):
                    return t, seen
    return t, seen


def test_released_unit_stops_driving_to_the_incident_and_patrols() -> None:
    sim, uid, a, _b = _setup()
    alerts = {"A-1": _alert("A-1", a, unit_ids=[uid])}
    sim.follow([{"type": "unit.status", "unit_id": uid, "status": "dispatched",
                 "alert_id": "A-1"}], alerts)  # fmt: skip
    t, _ = _until(sim, T0, uid, lambda e: e.get("status") == "en_route")
    assert t - T0 <= 21
    # alert.release_unit (or alert.cancel): the backend makes the unit available.
    alerts["A-1"] = _alert("A-1", a, status="acknowledged")
    sim.follow(
        [
            {"type": "alert.updated", "alert": alerts["A-1"]},
            {"type": "unit.status", "unit_id": uid, "status": "available", "alert_id": None},
        ],
        alerts,
    )
    _, after = _until(sim, t, uid, lambda e: False, limit=900)
    assert not [e for e in after if e["type"] == "unit.status"]  # never arrives, never reports
    fixes = [(e["lat"], e["lon"]) for e in after if e["type"] == "unit.position"]
    assert len(fixes) > 800
    closest = min(haversine_m(lat, lon, *a) for lat, lon in fixes)
    assert closest > 60  # it did not drive on to the scene ...
    assert haversine_m(*fixes[0], *fixes[-1]) > 200  # ... but it patrols


def test_reassigned_unit_drives_to_the_new_incident() -> None:
    sim, uid, a, b = _setup()
    alerts = {"A-1": _alert("A-1", a, unit_ids=[uid]), "A-2": _alert("A-2", b)}
    sim.follow([{"type": "unit.status", "unit_id": uid, "status": "dispatched",
                 "alert_id": "A-1"}], alerts)  # fmt: skip
    t, _ = _until(sim, T0, uid, lambda e: e.get("status") == "en_route")
    # Dispatched to A-2 while serving A-1: A-1 loses it, and it goes to A-2.
    alerts["A-1"] = _alert("A-1", a, status="acknowledged")
    alerts["A-2"] = _alert("A-2", b, unit_ids=[uid])
    sim.follow(
        [
            {"type": "alert.updated", "alert": alerts["A-1"]},
            {"type": "alert.updated", "alert": alerts["A-2"]},
            {"type": "unit.status", "unit_id": uid, "status": "dispatched", "alert_id": "A-2"},
        ],
        alerts,
    )
    # Its own late report for A-1 (in flight when it was reassigned) changes nothing.
    sim.follow([{"type": "unit.status", "unit_id": uid, "status": "en_route",
                 "alert_id": "A-1"}], alerts)  # fmt: skip
    t, seen = _until(sim, t, uid, lambda e: e.get("status") == "on_scene")
    statuses = [(e["status"], e["alert_id"]) for e in seen if e["type"] == "unit.status"]
    assert statuses == [("en_route", "A-2"), ("on_scene", "A-2")]
    last = [e for e in seen if e["type"] == "unit.position"][-1]
    assert haversine_m(last["lat"], last["lon"], *b) < 80


def test_units_of_a_merged_alert_go_to_the_main_incident() -> None:
    sim, uid, a, b = _setup()
    alerts = {"A-1": _alert("A-1", a, unit_ids=[uid]), "A-2": _alert("A-2", b)}
    sim.follow([{"type": "unit.status", "unit_id": uid, "status": "dispatched",
                 "alert_id": "A-1"}], alerts)  # fmt: skip
    gone = _alert("A-1", a, status="closed", unit_ids=[uid], merged_into="A-2")
    alerts["A-1"], alerts["A-2"] = gone, _alert("A-2", b, unit_ids=[uid])
    sim.follow([{"type": "alert.updated", "alert": gone},
                {"type": "alert.updated", "alert": alerts["A-2"]}], alerts)  # fmt: skip
    _, seen = _until(sim, T0, uid, lambda e: e.get("status") == "on_scene")
    statuses = [(e["status"], e["alert_id"]) for e in seen if e["type"] == "unit.status"]
    assert statuses == [("en_route", "A-2"), ("on_scene", "A-2")]


def test_restarted_simulator_does_not_replay_its_alerts_or_calls() -> None:
    district = build_district(7, n_units=20)

    def run(sim: DistrictSimulator) -> tuple[list[dict], list[dict]]:
        events = []
        for k in range(1, 601):
            events += sim.tick(T0 + 1000 + k)
        alerts = [e["alert"] for e in events if e["type"] == "alert.new"]
        calls = [e["call"] for e in events if e["type"] == "radio.call"]
        return alerts, calls

    def content(items: list[dict], *drop: str) -> list[dict]:
        return [{k: v for k, v in i.items() if k not in ("id", *drop)} for i in items[:5]]

    def fresh() -> DistrictSimulator:
        return DistrictSimulator(
            district, seed=3, alert_rate=0.05, radio_rate=0.3, clock=lambda: T0 + 1000
        )

    first_alerts, first_calls = run(fresh())
    assert len(first_alerts) >= 5 and len(first_calls) >= 5
    # The same seed without the restored counters gives the same stream again ...
    again_alerts, again_calls = run(fresh())
    assert content(again_alerts) == content(first_alerts)
    assert content(again_calls, "audio_url") == content(first_calls, "audio_url")
    # ... a restart continues from the backend's counters: new alerts, new calls, new ids.
    sim = fresh()
    sim.restore({}, {}, next_alert_number=len(first_alerts) + 1, next_radio_number=90_001)
    alerts, calls = run(sim)
    assert alerts[0]["id"] == f"A-{len(first_alerts) + 1:06d}" and calls[0]["id"] == "R-090001"
    titles = [a["description"] for a in first_alerts]
    assert not any(a["description"] in titles for a in alerts[:5])
    assert content(calls, "audio_url", "start_ts") != content(first_calls, "audio_url", "start_ts")
