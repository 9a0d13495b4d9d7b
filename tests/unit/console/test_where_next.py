"""console.where_next: a where-next answer as the rows an operator reads, the map's overlay and
the incident the units go to (no Qt, no sockets)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from console import where_next
from console.domain.model import AlertStatus
from console.protocol.codec import format_ts
from tests.factories import T0, alert


def _answer(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "plate",
        "value": "蒙K7S521",
        "from": {"camera_id": "C1", "camera_name": "东口", "lat": 39.81, "lon": 109.98,
                 "ts": format_ts(T0)},
        "cameras": [
            {"id": "C2", "name": "北口", "lat": 39.82, "lon": 109.99, "distance_m": 1234.0,
             "earliest_s": 74.0, "latest_s": 224.0, "earliest": format_ts(T0 + 74),
             "latest": format_ts(T0 + 224), "path": [[39.81, 109.98], [39.82, 109.99]],
             "guess": False},
            {"id": "C3", "name": "", "lat": 39.83, "lon": 110.0, "distance_m": 15400.0,
             "earliest_s": 900.0, "latest_s": 2800.0, "earliest": format_ts(T0 + 900),
             "latest": format_ts(T0 + 2800), "path": [], "guess": True},
        ],
        "units": [
            {"id": "U1", "callsign": "P1001", "kind": "patrol_car", "lat": 39.8, "lon": 109.9,
             "camera_id": "C2", "camera_name": "北口", "distance_m": 500.0, "eta_s": 45.0,
             "in_time": True},
            {"id": "U2", "callsign": "", "kind": "foot", "lat": 39.7, "lon": 109.8,
             "camera_id": "C9", "camera_name": "", "distance_m": 9000.0, "eta_s": 900.0,
             "in_time": False},
        ],
    }  # fmt: skip
    data.update(over)
    return data


def _local(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).strftime("%H:%M:%S")


def test_cameras_read_as_local_clock_windows_and_kilometres() -> None:
    rows = where_next.cameras_ahead(_answer())
    assert [r.id for r in rows] == ["C2", "C3"]
    assert rows[0].window == f"{_local(T0 + 74)}–{_local(T0 + 224)}"
    assert rows[0].distance == "1.2 km" and rows[1].distance == "15.4 km"
    assert rows[1].name == "C3" and rows[1].guess and not rows[0].guess


def test_units_read_with_minutes_and_the_camera_they_go_to() -> None:
    rows = where_next.units_to_send(_answer())
    assert [(r.callsign, r.eta, r.camera, r.in_time) for r in rows] == [
        ("P1001", "0.8 min", "北口", True),
        ("U2", "15 min", "C9", False),
    ]


def test_the_overlay_joins_each_unit_to_its_intercept_point_and_keeps_guesses() -> None:
    drawn = where_next.overlay(_answer())
    assert drawn["from"]["label"] == f"蒙K7S521 {_local(T0)}"
    assert [c["id"] for c in drawn["cameras"]] == ["C2", "C3"]
    assert drawn["cameras"][1]["guess"] is True
    # A camera with no path is joined straight from the last sighting.
    assert drawn["cameras"][1]["path"] == [[39.81, 109.98], [39.83, 110.0]]
    # U2's camera is not among those drawn: it is not joined to anything.
    assert [(u["id"], u["to"]) for u in drawn["units"]] == [("U1", [39.82, 109.99])]


def test_the_plates_open_watch_list_alert_is_offered_first() -> None:
    alerts = [
        alert(id="A-1", title="盗窃", created_ts=T0 + 50),
        alert(id="A-2", kind="plate_match", title="布控比中 蒙K7S521", created_ts=T0),
        alert(id="A-3", kind="plate_match", title="布控比中 蒙A12345", created_ts=T0 + 90),
        alert(id="A-4", kind="plate_match", title="蒙K7S521", status=AlertStatus.CLOSED),
        alert(id="A-5", kind="plate_match", title="比中", watch_entry="蒙K7S5*: 盗抢",
              created_ts=T0 + 10),
    ]  # fmt: skip
    offered = [a.id for a in where_next.incidents_for(alerts, "蒙k7s5")]
    assert offered == ["A-5", "A-2", "A-3", "A-1"]


def test_a_new_incident_is_a_p1_match_at_the_last_sighting() -> None:
    args = where_next.new_incident_args(_answer(kind="face"), "布控拦截 P-1")
    assert args == {
        "kind": "face_match",
        "priority": 1,
        "title": "布控拦截 P-1",
        "lat": 39.81,
        "lon": 109.98,
        "address": "东口",
    }
