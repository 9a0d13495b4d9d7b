"""Random command sequences never reach an illegal state or lose history (issue 4)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from backend_stub.state import Actor, DistrictState, Refused, decide, follow_unit_status

TS = "2026-11-28T16:40:54.123Z"
ACTORS = [Actor("op-1", "wang", "operator"), Actor("op-2", "li", "commander")]
LEGAL = {
    "new": {"acknowledged", "dispatched", "closed"},
    "acknowledged": {"dispatched", "closed"},
    "dispatched": {"on_scene", "acknowledged", "dispatched"},
    "on_scene": {"resolved", "on_scene"},
    "resolved": {"closed", "on_scene"},
    "closed": set(),
}

command = st.one_of(
    st.tuples(st.just("alert.acknowledge"), st.integers(0, 2), st.booleans()),
    st.tuples(st.just("alert.dispatch"), st.integers(0, 2), st.booleans()),
    st.tuples(
        st.just("alert.set_status"),
        st.integers(0, 2),
        st.booleans(),
        st.sampled_from(["new", "acknowledged", "dispatched", "on_scene", "resolved", "closed"]),
    ),
    st.tuples(st.just("alert.close"), st.integers(0, 2), st.booleans()),
    st.tuples(
        st.just("unit"), st.integers(0, 2), st.sampled_from(["en_route", "on_scene", "available"])
    ),
)


def _seed() -> DistrictState:
    state = DistrictState()
    bodies = [
        {
            "type": "unit.upsert",
            "unit": {
                "id": f"U{i}",
                "callsign": f"P10{i}",
                "kind": "foot",
                "radio_id": str(i),
                "talkgroup": "1101",
                "grid_id": None,
                "status": "available",
            },
        }
        for i in range(2)
    ]
    for _ in range(3):
        bodies += decide(
            state,
            ACTORS[0],
            "alert.create",
            {"kind": "call_110", "priority": 2, "title": "t", "lat": 39.8, "lon": 109.9},
            TS,
        )
    for seq, body in enumerate(bodies, start=1):
        state.apply({**body, "seq": seq, "ts": TS})
    return state


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(command, max_size=40), st.data())
def test_no_sequence_reaches_an_illegal_state_or_loses_history(
    cmds: list, data: st.DataObject
) -> None:
    state = _seed()
    ids = sorted(state.alerts)
    for cmd in cmds:
        alert_id = ids[cmd[1]]
        before = state.alerts[alert_id]
        if cmd[0] == "unit":
            bodies = follow_unit_status(state, "U0", cmd[2], alert_id, TS)
        else:
            name, _, stale = cmd[0], cmd[1], cmd[2]
            args: dict = {"alert_id": alert_id, "version": before["version"] - (1 if stale else 0)}
            if name == "alert.dispatch":
                args["unit_ids"] = ["U0"]
            if name == "alert.set_status":
                args["status"] = cmd[3]
            if name == "alert.close":
                args["disposition"] = "handled"
            actor = data.draw(st.sampled_from(ACTORS))
            try:
                bodies = decide(state, actor, name, args, TS)
            except Refused as exc:
                assert exc.code in ("conflict", "illegal_transition")
                assert state.alerts[alert_id] == before  # a refusal changes nothing
                continue
        for body in bodies:
            state.apply({**body, "seq": state.seq + 1, "ts": TS})
        after = state.alerts[alert_id]
        assert after["status"] == before["status"] or after["status"] in LEGAL[before["status"]]
        # History only grows, and the old entries are kept as they were.
        assert after["history"][: len(before["history"])] == before["history"]
        assert after["version"] >= before["version"]
        assert len(after["history"]) == after["version"]
