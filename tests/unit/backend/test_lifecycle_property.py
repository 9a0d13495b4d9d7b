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
    st.tuples(st.just("alert.cancel"), st.integers(0, 2), st.booleans()),
    st.tuples(st.just("alert.release_unit"), st.integers(0, 2), st.booleans()),
    st.tuples(st.just("alert.merge"), st.integers(0, 2), st.booleans(), st.integers(0, 2)),
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
        before_all = dict(state.alerts)
        before = state.alerts[alert_id]
        ending = set()  # alerts this command may close from any open status
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
            if name == "alert.cancel":
                args["reason"] = "withdrawn"
                ending = {alert_id}
            if name == "alert.release_unit":
                args["unit_id"] = "U0"
            if name == "alert.merge":
                args["into_id"] = ids[cmd[3]]
                ending = {alert_id}
            actor = data.draw(st.sampled_from(ACTORS))
            try:
                bodies = decide(state, actor, name, args, TS)
            except Refused as exc:
                assert exc.code in ("conflict", "illegal_transition", "invalid", "not_found")
                assert state.alerts == before_all  # a refusal changes nothing
                continue
        for body in bodies:
            state.apply({**body, "seq": state.seq + 1, "ts": TS})
        for aid, old in before_all.items():
            after = state.alerts[aid]
            legal = LEGAL[old["status"]] | ({"closed"} if aid in ending else set())
            assert after["status"] == old["status"] or after["status"] in legal, (cmd, aid)
            # History only grows, and the old entries are kept as they were.
            assert after["history"][: len(old["history"])] == old["history"]
            assert after["version"] >= old["version"]
            assert len(after["history"]) == after["version"]
        # A unit serves at most one open alert.
        serving = [
            a["id"]
            for a in state.alerts.values()
            if a["status"] != "closed" and "U0" in a["unit_ids"]
        ]
        assert len(serving) <= 1, serving
