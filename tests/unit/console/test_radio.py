"""console.radio: filters, the call index against a linear scan, "N new", log rules, export."""

from __future__ import annotations

import dataclasses
import random
import zipfile
from pathlib import Path
from typing import Any

from backend_stub.radio_audio import clip_texts, pick
from console.domain.model import (
    Alert,
    AlertStatus,
    HistoryItem,
    LogEntry,
    RadioCall,
    Unit,
    UnitStatus,
)
from console.radio import (
    CallIndex,
    EmergencyAck,
    LogBook,
    NewCallsCounter,
    RadioFilter,
    check_entry_text,
    corrected_id,
    correction_text,
    emergency_ack,
    emergency_alert_for,
    export_zip,
    format_alias,
    link_calls_text,
    linked_calls,
    play_order,
    radio_aliases,
    replay_last,
    scan,
    toggle_favourite,
)
from tests import factories

T0 = 1_795_000_000.0


def call(n: int, **over: Any) -> RadioCall:
    return factories.radio_call(n, t0=T0, **over)


def test_alias_formatting() -> None:
    assert format_alias("东胜派出所", "1101") == "东胜派出所 (1101)"
    assert format_alias(None, "46001") == "46001"
    assert format_alias("46001", "46001") == "46001"
    assert format_alias("x", None) == ""
    units = [Unit("U1", "P1023", "patrol_car", "46001", "1101", None, UnitStatus.AVAILABLE)]
    assert radio_aliases(units) == {"46001": "P1023"}


def test_filter_fields() -> None:
    c = call(1, src="4600123", tg="1102", kind="individual", dur=7.0, target="4600999")
    assert RadioFilter().matches(c) and RadioFilter().is_empty
    assert RadioFilter(talkgroups=frozenset({"1102", "1001"})).matches(c)
    assert not RadioFilter(talkgroups=frozenset()).matches(c)
    assert RadioFilter(radio_id="4600123").matches(c)
    assert RadioFilter(radio_id="4600999").matches(c)  # the target counts too
    assert not RadioFilter(radio_id="4600124").matches(c)
    assert RadioFilter(kinds=frozenset({"individual"})).matches(c)
    assert not RadioFilter(kinds=frozenset({"group"})).matches(c)
    assert RadioFilter(min_duration_s=7.0).matches(c)
    assert not RadioFilter(min_duration_s=7.1).matches(c)
    assert RadioFilter(start_ts=T0 + 1, end_ts=T0 + 2).matches(c)
    assert not RadioFilter(start_ts=T0 + 1.5).matches(c)
    assert not RadioFilter(end_ts=T0 + 1).matches(c)  # end is exclusive
    assert RadioFilter(text="交警").matches(c, "交警大队 (1102)")
    assert not RadioFilter(text="交警").matches(c, "东胜 (1101)")
    assert toggle_favourite(frozenset({"1"}), "2") == {"1", "2"}
    assert toggle_favourite(frozenset({"1", "2"}), "2") == {"1"}


def test_index_matches_linear_scan() -> None:
    rng = random.Random(3)
    radios = [f"460{i:04d}" for i in range(50)]
    calls = []
    for n in range(5000):
        t = T0 + n + (rng.uniform(-30, 0) if n % 97 == 0 else 0)  # a few late arrivals
        target = rng.choice(radios) if n % 5 == 0 else None
        calls.append(call(n, src=rng.choice(radios), t=t, target=target))
    index = CallIndex()
    assert index.extend(calls) == 5000
    assert index.extend(calls[:10]) == 0  # ids are unique
    for _ in range(200):
        rid = rng.choice([*radios, None, "nobody"])
        a = T0 + rng.uniform(-100, 5100)
        b = a + rng.uniform(0, 800)
        got = index.search(rid, a, b)
        want = scan(calls, rid, a, b)
        assert [c.id for c in got] == [c.id for c in want]
    assert len(index.search(None)) == 5000


def test_new_counter() -> None:
    c = NewCallsCounter()
    assert c.arrived(3) and c.unseen == 0
    c.scrolled(False)
    assert not c.arrived(2) and not c.arrived(5)
    assert c.unseen == 7
    c.scrolled(True)
    assert c.unseen == 0


def test_playlists() -> None:
    calls = [call(3, url="u3"), call(1, url="u1"), call(2), call(4, url="u4")]
    assert [c.id for c in replay_last(calls, 2)] == ["R-000003", "R-000004"]
    assert [c.id for c in play_order(calls)] == ["R-000001", "R-000003", "R-000004"]
    assert replay_last(calls, 0) == []


def test_log_book_is_append_only() -> None:
    book = LogBook()
    old = LogEntry("L-000012", T0, "wang", "P1023 到达现场", None, None)
    assert book.append(old)
    assert not book.append(LogEntry("L-000012", T0, "li", "tampered", None, None))
    assert book[0].text == "P1023 到达现场"
    text = correction_text("L-000012", "P1024 到达现场")
    assert text == "更正 L-000012: P1024 到达现场"
    assert corrected_id(text) == "L-000012"
    assert corrected_id("更正L-7：x") == "L-7"
    assert corrected_id("P1023 更正 L-1: x") is None
    book.append(LogEntry("L-000013", T0 + 1, "wang", text, "A-1", None))
    assert book.superseded_by == {"L-000012": "L-000013"}
    assert [e.id for e in book.entries] == ["L-000012", "L-000013"]
    assert [e.id for e in book.for_alert("A-1")] == ["L-000013"]
    assert check_entry_text("  ") == "empty" and check_entry_text("x" * 3000) == "too_long"
    assert check_entry_text("ok") is None


def test_links_and_emergency_alerts() -> None:
    text = link_calls_text(["R-000001", "R-000002"], "现场录音")
    assert text == "关联通话 R-000001, R-000002：现场录音"
    entries = [
        LogEntry("L-1", T0, "wang", text, "A-9", None),
        LogEntry("L-2", T0, "wang", "R-000003 without incident", None, None),
    ]
    assert linked_calls(entries) == {"R-000001": "A-9", "R-000002": "A-9"}
    alert = Alert(
        "A-7",
        "radio_emergency",
        1,
        "电台紧急告警：P1023",
        "P1023（PDT 46001）触发",
        0,
        0,
        "",
        None,
        AlertStatus.NEW,
        T0 + 2,
        1,
        None,
        (),
        (),
        (),
    )
    other = Alert(
        "A-8",
        "call_110",
        1,
        "x",
        "46001",
        0,
        0,
        "",
        None,
        AlertStatus.NEW,
        T0 + 2,
        1,
        None,
        (),
        (),
        (),
    )
    em = call(2, kind="emergency")
    assert emergency_alert_for(em, [other, alert]) == alert
    assert emergency_alert_for(call(2), [alert]) is None
    assert emergency_alert_for(call(500, kind="emergency"), [alert]) is None

    # The acknowledgement every console shows comes from the alert's history.
    created = HistoryItem(T0 + 2, None, "created", "PDT系统紧急告警")
    assert emergency_ack(dataclasses.replace(alert, history=(created,))) is None
    acked = dataclasses.replace(
        alert,
        status=AlertStatus.DISPATCHED,
        history=(
            created,
            HistoryItem(T0 + 9, "li", "acknowledged", ""),
            HistoryItem(T0 + 30, "wang", "dispatched", "U01"),
        ),
    )
    assert emergency_ack(acked) == EmergencyAck("li", T0 + 9)
    # Dispatched straight from new: whoever dispatched it acknowledged it.
    direct = dataclasses.replace(
        alert,
        status=AlertStatus.DISPATCHED,
        history=(created, HistoryItem(T0 + 12, "zhao", "dispatched", "U02")),
    )
    assert emergency_ack(direct) == EmergencyAck("zhao", T0 + 12)


def test_export_zip(tmp_path: Path) -> None:
    calls = [
        call(2, url="http://x/2.wav"),
        call(1, src="46002", url="http://x/1.wav"),
        call(3, kind="status", dur=0),
    ]
    fetched = {"http://x/2.wav": b"RIFF2"}
    result = export_zip(
        tmp_path / "out.zip",
        calls,
        talkgroups={"1101": "东胜派出所"},
        radios={"46001": "P1023"},
        links={"R-000002": "A-1"},
        locations={"R-000001": (39.8, 109.9)},
        fetch=fetched.get,
    )
    assert (result.calls, result.audio_files, result.missing_audio) == (3, 1, ("R-000001",))
    with zipfile.ZipFile(result.path) as zf:
        assert zf.read("audio/R-000002.wav") == b"RIFF2"
        rows = zf.read("calls.csv").decode("utf-8-sig").splitlines()
    assert rows[0].startswith("id,start_utc,talkgroup")
    assert [r.split(",")[0] for r in rows[1:]] == ["R-000001", "R-000002", "R-000003"]
    assert "东胜派出所" in rows[2] and "P1023" in rows[2] and "A-1" in rows[2]
    assert "39.800000" in rows[1]


def test_audio_pool_assignment_is_stable() -> None:
    assert pick("R-000001", 40) == pick("R-000001", 40)
    assert len({pick(f"R-{n:06d}", 40) for n in range(400)}) == 40
    texts = clip_texts(40)
    assert texts == clip_texts(40) and any(v == "cmn" for v, _ in texts)
    assert any(v.startswith("en") for v, _ in texts)
