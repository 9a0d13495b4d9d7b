"""Merge, cancel, transfer, release and reassign; PTZ and wall commands; hourly stats."""

from __future__ import annotations

import copy

import pytest

from backend_stub.state import (
    Actor,
    DistrictState,
    Refused,
    answer_query,
    decide,
)
from console.domain.store import CameraPtzMoved, Store, WallCamerasPushed
from console.protocol.codec import validate_args, validate_event
from tests import factories

TS = "2026-11-28T16:40:54.123Z"
OP = Actor("op-1", "wang", "operator")
CMD = Actor("op-9", "zhao", "commander")


def _unit(uid: str, callsign: str) -> dict[str, object]:
    return factories.unit_wire(uid, callsign=callsign, radio_id="46" + uid)


def _camera(cid: str, ptz: bool) -> dict[str, object]:
    return {
        "id": cid,
        "name": f"cam {cid}",
        "lat": 39.8,
        "lon": 109.9,
        "grid_id": None,
        "streams": {"main": "http://127.0.0.1:1/x"},
        "ptz": ptz,
        "status": "online",
    }


class World:
    """A DistrictState driven only through decide + apply, with every event schema-checked."""

    def __init__(self) -> None:
        self.state = DistrictState()
        self.events: list[dict[str, object]] = []
        self._apply(
            [
                {"type": "unit.upsert", "unit": _unit("U1", "P1001")},
                {"type": "unit.upsert", "unit": _unit("U2", "P1002")},
                {"type": "camera.upsert", "camera": _camera("C1", True)},
                {"type": "camera.upsert", "camera": _camera("C2", False)},
            ]
        )

    def _apply(self, bodies: list[dict[str, object]]) -> None:
        for body in bodies:
            event = validate_event({**body, "seq": self.state.seq + 1, "ts": TS})
            self.state.apply(event)
            self.events.append(event)

    def do(self, command: str, actor: Actor = OP, **args: object) -> list[dict[str, object]]:
        validate_args(command, args)
        bodies = decide(self.state, actor, command, dict(args), TS, operators={"op-1", "op-2"})
        self._apply(bodies)
        return bodies

    def create(self, title: str = "t") -> str:
        (body,) = self.do(
            "alert.create", kind="call_110", priority=2, title=title, lat=39.8, lon=109.9
        )
        return str(body["alert"]["id"])  # type: ignore[index]

    def alert(self, aid: str) -> dict[str, object]:
        return self.state.alerts[aid]


def test_merge_closes_the_duplicate_and_unites_units_into_the_main_incident() -> None:
    w = World()
    main, dup = w.create("main"), w.create("dup")
    w.do("alert.dispatch", alert_id=dup, unit_ids=["U2"], version=1)
    w.do("alert.merge", alert_id=dup, version=2, into_id=main, note="same caller")
    gone, into = w.alert(dup), w.alert(main)
    assert (gone["status"], gone["disposition"], gone["merged_into"]) == ("closed", "merged", main)
    assert into["merged_ids"] == [dup]
    assert into["unit_ids"] == ["U2"] and into["status"] == "dispatched"
    assert [h["action"] for h in into["history"]][-1] == "merged_from"  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"into_id": "A-000099"}, "not_found"),
        ({"into_id": "SELF"}, "illegal_transition"),
        ({"into_id": "MAIN", "version": 7}, "conflict"),
    ],
)
def test_bad_merges_are_refused_and_change_nothing(args: dict[str, object], code: str) -> None:
    w = World()
    main, dup = w.create("main"), w.create("dup")
    full = {"alert_id": dup, "version": 1, **args}
    full["into_id"] = {"SELF": dup, "MAIN": main}.get(str(full["into_id"]), full["into_id"])
    before = copy.deepcopy(w.state.alerts)
    with pytest.raises(Refused) as refused:
        w.do("alert.merge", **full)
    assert refused.value.code == code
    assert w.state.alerts == before


def test_cannot_merge_into_a_closed_incident() -> None:
    w = World()
    main, dup = w.create("main"), w.create("dup")
    w.do("alert.close", alert_id=main, version=1, disposition="false alarm")
    with pytest.raises(Refused, match="closed") as refused:
        w.do("alert.merge", alert_id=dup, version=1, into_id=main)
    assert refused.value.code == "illegal_transition"


def test_cancel_closes_with_reason_and_frees_its_units() -> None:
    w = World()
    aid = w.create()
    w.do("alert.dispatch", alert_id=aid, unit_ids=["U1"], version=1)
    assert w.state.units["U1"]["status"] == "dispatched"
    w.do("alert.cancel", alert_id=aid, version=2, reason="caller withdrew")
    alert = w.alert(aid)
    assert (alert["status"], alert["disposition"], alert["unit_ids"]) == ("closed", "cancelled", [])
    assert alert["history"][-1]["note"] == "caller withdrew"  # type: ignore[index]
    assert w.state.units["U1"]["status"] == "available"
    with pytest.raises(Refused) as refused:
        w.do("alert.cancel", alert_id=aid, version=3, reason="again")
    assert refused.value.code == "illegal_transition"


def test_transfer_changes_owner_and_refuses_unknown_operators() -> None:
    w = World()
    aid = w.create()
    with pytest.raises(Refused) as refused:
        w.do("alert.transfer", alert_id=aid, version=1, to_operator="op-nobody")
    assert refused.value.code == "not_found"
    w.do("alert.transfer", alert_id=aid, version=1, to_operator="op-2", note="shift change")
    assert w.alert(aid)["owner"] == "op-2"
    assert w.alert(aid)["history"][-1]["action"] == "transferred"  # type: ignore[index]


def test_release_a_unit_and_a_dispatched_alert_without_units_goes_back() -> None:
    w = World()
    aid = w.create()
    w.do("alert.dispatch", alert_id=aid, unit_ids=["U1", "U2"], version=1)
    w.do("alert.release_unit", alert_id=aid, version=2, unit_id="U1")
    assert w.alert(aid)["unit_ids"] == ["U2"] and w.alert(aid)["status"] == "dispatched"
    assert w.state.units["U1"]["status"] == "available"
    w.do("alert.release_unit", alert_id=aid, version=3, unit_id="U2")
    assert w.alert(aid)["status"] == "acknowledged"
    with pytest.raises(Refused) as refused:
        w.do("alert.release_unit", alert_id=aid, version=4, unit_id="U2")
    assert refused.value.code == "invalid"


def test_reassigning_a_unit_takes_it_off_its_first_incident() -> None:
    w = World()
    first, second = w.create("first"), w.create("second")
    w.do("alert.dispatch", alert_id=first, unit_ids=["U1"], version=1)
    w.do("alert.dispatch", alert_id=second, unit_ids=["U1"], version=1)
    assert w.alert(first)["unit_ids"] == [] and w.alert(first)["status"] == "acknowledged"
    last = w.alert(first)["history"][-1]  # type: ignore[index]
    assert last["action"] == "reassigned" and second in last["note"]
    assert w.alert(second)["unit_ids"] == ["U1"]


def test_history_query_finds_closed_incidents_newest_first() -> None:
    w = World()
    a, b, c = w.create("盗窃 A"), w.create("盗窃 B"), w.create("斗殴")
    for aid in (a, b, c):
        w.do("alert.close", alert_id=aid, version=1, disposition="handled")
    w.create("盗窃 open")
    found = answer_query(w.state, "alert.history", {"text": "盗窃"})["alerts"]
    assert [x["id"] for x in found] == [b, a]
    assert answer_query(w.state, "alert.history", {"limit": 1})["alerts"][0]["id"] == c


def test_ptz_is_recorded_as_an_event_and_checked() -> None:
    w = World()
    (event,) = w.do("camera.ptz", camera_id="C1", action="left", speed=5)
    assert event["operator"] == "op-1"
    store = Store()
    heard: list[object] = []
    store.subscribe(heard.extend)
    store.apply(w.events[-1])
    assert heard == [CameraPtzMoved("C1", "op-1", "left")]
    for args, code in (
        ({"camera_id": "C2", "action": "left"}, "invalid"),
        ({"camera_id": "C9", "action": "left"}, "not_found"),
        ({"camera_id": "C1", "action": "preset"}, "invalid"),
    ):
        with pytest.raises(Refused) as refused:
            w.do("camera.ptz", **args)
        assert refused.value.code == code
    with pytest.raises(Refused) as refused:
        w.do("camera.ptz", Actor("w", "wall", "wall"), camera_id="C1", action="up")
    assert refused.value.code == "forbidden"


def test_only_a_commander_drives_the_wall() -> None:
    w = World()
    with pytest.raises(Refused) as refused:
        w.do("wall.show_cameras", wall="all", camera_ids=["C1"])
    assert refused.value.code == "forbidden"
    with pytest.raises(Refused) as refused:
        w.do("wall.show_cameras", CMD, wall="all", camera_ids=["C1", "C404"])
    assert refused.value.code == "not_found"
    w.do("wall.show_cameras", CMD, wall="north", camera_ids=["C2", "C1"])
    w.do("wall.show_layout", CMD, wall="all", name="夜班", layout={"version": 1})
    store = Store()
    heard: list[object] = []
    store.subscribe(heard.extend)
    store.apply_many(w.events[-2:])
    assert heard[0] == WallCamerasPushed("north", ("C2", "C1"), "op-9")
    assert heard[1].name == "夜班"  # type: ignore[attr-defined]


def test_hourly_alert_counts_travel_in_the_snapshot() -> None:
    w = World()
    for _ in range(3):
        w.create()
    stats = w.state.snapshot_state()["stats"]
    assert stats == {"alert_hourly": [{"hour": "2026-11-28T16:00:00Z", "count": 3}]}
    again = DistrictState.from_json(w.state.to_json())
    assert again.alert_hourly == {"2026-11-28T16:00:00Z": 3}
    store = Store()
    store.load_snapshot(w.state.seq, w.state.snapshot_state())
    assert store.alert_hourly == {"2026-11-28T16:00:00Z": 3}


def test_demo_past_week_fills_only_missing_hours_with_a_day_night_shape() -> None:
    from backend_stub.demo import seed_past_week

    state = DistrictState()
    now = 1_794_995_200.0  # 2026-11-18T09:46:40Z
    state.alert_hourly["2026-11-18T08:00:00Z"] = 999
    filled = seed_past_week(state, seed=7, alert_rate=0.2, now=now)
    assert filled == 7 * 24 - 1
    assert state.alert_hourly["2026-11-18T08:00:00Z"] == 999
    assert "2026-11-18T09:00:00Z" not in state.alert_hourly  # this hour is counted live
    # Busier in the local (UTC+8) evening than before dawn, summed over the week.
    evening = sum(c for h, c in state.alert_hourly.items() if h[11:13] == "12")  # 20:00 local
    dawn = sum(c for h, c in state.alert_hourly.items() if h[11:13] == "20")  # 04:00 local
    assert evening > 2 * dawn
    assert seed_past_week(state, seed=7, alert_rate=0.2, now=now) == 0
