"""The backend's alert rules: legal moves, stamps, versions, and units reporting back."""

from __future__ import annotations

import pytest

from backend_stub.state import Actor, DistrictState, Refused, decide, follow_unit_status

TS = "2026-11-28T16:40:54.123Z"
OP = Actor("op-1", "wang", "operator")


def _state_with_alert() -> tuple[DistrictState, str]:
    state = DistrictState()
    for seq, body in enumerate(
        [
            {
                "type": "unit.upsert",
                "unit": {
                    "id": "U1",
                    "callsign": "P1001",
                    "kind": "patrol_car",
                    "radio_id": "4600101",
                    "talkgroup": "1101",
                    "grid_id": None,
                    "status": "available",
                },
            },
            *decide(
                state,
                OP,
                "alert.create",
                {"kind": "call_110", "priority": 1, "title": "t", "lat": 39.8, "lon": 109.9},
                TS,
            ),
        ],
        start=1,
    ):
        state.apply({**body, "seq": seq, "ts": TS})
    return state, next(iter(state.alerts))


def _do(state: DistrictState, name: str, **args: object) -> None:
    for body in decide(state, OP, name, dict(args), TS):
        state.apply({**body, "seq": state.seq + 1, "ts": TS})


def test_full_loop_take_dispatch_scene_feedback_close() -> None:
    state, aid = _state_with_alert()
    _do(state, "alert.acknowledge", alert_id=aid, version=1)
    _do(state, "alert.dispatch", alert_id=aid, unit_ids=["U1"], version=2)
    assert state.alerts[aid]["status"] == "dispatched"
    assert state.units["U1"]["status"] == "dispatched"
    for status in ("en_route", "on_scene", "available"):
        for body in follow_unit_status(state, "U1", status, aid, TS):
            state.apply({**body, "seq": state.seq + 1, "ts": TS})
    alert = state.alerts[aid]
    assert alert["status"] == "resolved"
    assert [h["action"] for h in alert["history"]] == [
        "created",
        "acknowledged",
        "dispatched",
        "en_route",
        "on_scene",
        "feedback",
    ]
    assert alert["history"][-1]["operator"] is None and "P1001" in alert["history"][-1]["note"]
    _do(state, "alert.close", alert_id=aid, disposition="已处置", version=alert["version"])
    assert state.alerts[aid]["status"] == "closed"
    assert follow_unit_status(state, "U1", "on_scene", aid, TS) == []


@pytest.mark.parametrize(
    ("name", "args", "code"),
    [
        ("alert.close", {"disposition": "x"}, None),
        ("alert.set_status", {"status": "resolved"}, "illegal_transition"),
        ("alert.acknowledge", {"version": 7}, "conflict"),
        ("alert.dispatch", {"unit_ids": ["nope"]}, "not_found"),
    ],
)
def test_refusals_change_nothing(name: str, args: dict, code: str | None) -> None:
    state, aid = _state_with_alert()
    before = repr(state.alerts)
    full = {"alert_id": aid, "version": 1, **args}
    if code is None:  # closing a new alert (false alarm) is legal
        assert decide(state, OP, name, full, TS)
        return
    with pytest.raises(Refused) as info:
        decide(state, OP, name, full, TS)
    assert info.value.code == code
    assert repr(state.alerts) == before


def test_closing_a_dispatched_alert_needs_feedback_first() -> None:
    state, aid = _state_with_alert()
    _do(state, "alert.dispatch", alert_id=aid, unit_ids=["U1"], version=1)
    with pytest.raises(Refused, match="feedback"):
        decide(state, OP, "alert.close", {"alert_id": aid, "disposition": "x", "version": 2}, TS)
