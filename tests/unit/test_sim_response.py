"""A dispatched simulated unit drives to the scene, reports on scene, then reports back."""

from __future__ import annotations

from backend_stub.district import build_district, distance_m
from backend_stub.simulator import DistrictSimulator

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
    assert last_pos is not None and distance_m(last_pos[0], last_pos[1], lat, lon) < 60
    handled = statuses[2][0] - statuses[1][0]
    assert 110 <= handled <= 370
