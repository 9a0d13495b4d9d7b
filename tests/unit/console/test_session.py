"""The sans-I/O client session: fed messages, it reports what happened and what to send."""

from __future__ import annotations

import itertools

import pytest

from console.domain.store import AlertChanged, AlertRaised, Store, UnitsMoved
from console.protocol.codec import ProtocolError
from console.protocol.session import (
    ClientSession,
    CommandAnswered,
    EventsReceived,
    GapDetected,
    SnapshotReceived,
    Welcomed,
)
from tests import factories

TS = "2026-11-28T16:40:54.123Z"
WELCOME = {
    "type": "welcome",
    "protocol": 1,
    "head_seq": 10,
    "server_time": TS,
    "operator": {"id": "op-1", "name": "wang", "role": "operator"},
}
EMPTY = {"units": [], "alerts": [], "cameras": [], "talkgroups": [], "layers": [], "log": []}


def _log(seq: int) -> dict:
    entry = {"id": f"L{seq}", "ts": TS, "author": None, "text": str(seq)}
    return {"type": "log.entry", "seq": seq, "ts": TS, "entry": entry}


def _alert_event(seq: int, status: str = "new", version: int = 1) -> dict:
    alert = factories.alert_wire(id="A-1", status=status, created_ts=TS, version=version)
    kind = "alert.new" if version == 1 else "alert.updated"
    return {"type": kind, "seq": seq, "ts": TS, "alert": alert}


def _session() -> ClientSession:
    counter = itertools.count(1)
    return ClientSession(new_id=lambda: f"cmd-{next(counter)}")


def test_first_hello_has_no_resume_then_resumes_from_last_applied() -> None:
    s = _session()
    assert s.hello("tok")["resume_from"] is None
    assert isinstance(s.receive(WELCOME)[0], Welcomed)
    assert isinstance(
        s.receive({"type": "snapshot", "seq": 10, "ts": TS, "state": EMPTY})[0], SnapshotReceived
    )
    s.receive(_log(11))
    s.receive({"type": "batch", "events": [_log(12), _log(13)]})
    assert s.hello("tok")["resume_from"] == 13


def test_duplicates_are_dropped_and_a_gap_is_reported() -> None:
    s = _session()
    s.hello("tok")
    s.receive(WELCOME)
    s.receive({"type": "snapshot", "seq": 10, "ts": TS, "state": EMPTY})
    assert s.receive(_log(9)) == []
    assert s.receive(_log(10)) == []
    out = s.receive({"type": "batch", "events": [_log(11), _log(13)]})
    assert isinstance(out[0], EventsReceived) and [e["seq"] for e in out[0].events] == [11]
    assert out[1] == GapDetected(expected=12, got=13)
    assert s.last_seq == 11


def test_events_before_welcome_are_refused() -> None:
    s = _session()
    s.hello("tok")
    with pytest.raises(ProtocolError):
        s.receive(_log(1))


def test_unanswered_commands_are_resent_after_reconnect_and_answered_once() -> None:
    s = _session()
    s.hello("tok")
    s.receive(WELCOME)
    cmd = s.command("log.write", {"text": "hi"})
    assert [m["id"] for m in s.unsent_after_reconnect()] == [cmd.id]
    s.hello("tok")  # connection dropped before the answer
    s.receive(WELCOME)
    assert [m["id"] for m in s.unsent_after_reconnect()] == [cmd.id]
    answer = s.receive({"type": "result", "id": cmd.id, "ok": True, "seq": 11})
    assert answer == [CommandAnswered(cmd.id, "log.write", {"text": "hi"}, True, 11, None, None)]
    assert s.receive({"type": "result", "id": cmd.id, "ok": True, "seq": 11}) == []
    assert s.unsent_after_reconnect() == []


def test_bad_command_args_are_refused_before_sending() -> None:
    s = _session()
    with pytest.raises(ProtocolError) as info:
        s.command("alert.acknowledge", {"alert_id": "A-1"})
    assert info.value.code == "invalid"
    assert s.pending == {}


def test_store_reports_raised_changed_and_coalesced_moves() -> None:
    store = Store()
    heard: list = []
    store.subscribe(heard.append)
    store.load_snapshot(0, EMPTY)
    pos = {"type": "unit.position", "seq": 2, "ts": TS, "unit_id": "U1", "lat": 39.8, "lon": 109.9}
    store.apply_many(
        [_alert_event(1), pos, {**pos, "seq": 3, "lat": 39.81}, _alert_event(4, "acknowledged", 2)]
    )
    events = heard[-1]
    assert isinstance(events[0], AlertRaised)
    assert isinstance(events[1], AlertChanged) and events[1].previous is not None
    moved = [e for e in events if isinstance(e, UnitsMoved)]
    assert len(moved) == 1 and moved[0].positions[0].lat == pytest.approx(39.81)
    assert store.alerts["A-1"].status.value == "acknowledged"
    assert store.seq == 4


def _fix(seq: int, unit_id: str, lat: float) -> dict:
    return {
        "type": "unit.position",
        "seq": seq,
        "ts": TS,
        "unit_id": unit_id,
        "lat": lat,
        "lon": 110.0,
    }


def test_protocol_2_is_asked_for_and_1_is_kept_with_an_older_backend() -> None:
    s = ClientSession(new_id=lambda: "c")
    assert s.hello("t")["protocol"] == 2
    # A backend that speaks only 1 refuses; the next hello asks for 1.
    s.receive({"type": "error", "code": "unsupported_protocol", "message": "speaks 1"})
    assert s.hello("t")["protocol"] == 1
    s.receive(WELCOME)
    assert s.protocol == 1


def test_protocol_2_batches_are_gap_checked_by_from_and_fixes_come_apart() -> None:
    s = _session()
    s.receive({**WELCOME, "protocol": 2})
    s.receive({"type": "snapshot", "seq": 10, "ts": TS, "state": EMPTY})
    # Seqs 11-14 were fixes (sent apart): the batch says it takes over from 11.
    out = s.receive({"type": "batch", "from": 11, "upto": 15, "events": [_log(15)]})
    assert out == [EventsReceived([_log(15)])]
    assert s.last_seq == 15
    fixes = s.receive({"type": "positions", "events": [_fix(13, "U1", 39.8)]})
    assert fixes[0].events == [_fix(13, "U1", 39.8)]  # type: ignore[union-attr]
    assert s.last_seq == 15  # fixes never move the resume point
    # A batch starting after what was applied is a gap: resume.
    assert s.receive({"type": "batch", "from": 18, "upto": 18, "events": [_log(18)]}) == [
        GapDetected(16, 18)
    ]
    assert s.hello("t")["resume_from"] == 15


def test_store_keeps_the_newest_fix_of_each_unit_whatever_order_they_come() -> None:
    store = Store()
    store.load_snapshot(10, EMPTY)
    store.apply_positions([_fix(14, "U1", 39.9), _fix(12, "U2", 39.7)])
    store.apply_positions([_fix(13, "U1", 39.1)])  # older than what U1 shows: ignored
    assert (store.positions["U1"].lat, store.positions["U2"].lat) == (39.9, 39.7)
    assert store.seq == 14
    store.apply_many([_log(15)])
    assert store.seq == 15
