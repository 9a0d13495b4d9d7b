"""Codec and schemas: what the wire accepts and refuses, with the message the sender gets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.protocol import schema
from console.protocol.codec import (
    ProtocolError,
    decode,
    encode,
    format_ts,
    parse_ts,
    validate_args,
)
from tests import factories

ROOT = Path(__file__).resolve().parents[3]


def _alert(**over: object) -> dict:
    return factories.alert_wire(**{"created_ts": "2026-11-28T16:40:54.123Z", **over})


def test_time_format_round_trips_with_milliseconds() -> None:
    text = format_ts(1795884054.123)
    assert text.endswith("Z") and len(text) == len("2026-11-28T16:40:54.123Z")
    assert abs(parse_ts(text) - 1795884054.123) < 1e-3


def _datetime_text(epoch_s: float) -> str:
    dt = datetime.fromtimestamp(epoch_s, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


@given(
    st.one_of(
        st.floats(min_value=-62_135_596_800, max_value=253_402_300_799, allow_nan=False),
        st.integers(-(10**9), 4 * 10**9).flatmap(
            lambda s: st.sampled_from([s + 0.9999995, s + 0.0000005, s + 0.4999995, s - 5e-7])
        ),
    )
)
@settings(max_examples=2000, deadline=None)
def test_time_format_is_exactly_the_datetime_text(epoch_s: float) -> None:
    """The cached fast path gives the text ``datetime`` gives, rounding edges included."""
    assert format_ts(epoch_s) == _datetime_text(epoch_s)


@given(
    st.one_of(
        st.floats(min_value=-(10**10), max_value=253_402_300_799, allow_nan=False),
        st.integers(-(10**9), 4 * 10**9).map(lambda s: s + 0.9995),
    )
)
@settings(max_examples=2000, deadline=None)
def test_time_parse_is_exactly_what_datetime_reads(epoch_s: float) -> None:
    """The cached fast path gives the very float ``datetime.timestamp`` gives."""
    text = format_ts(epoch_s)
    assert parse_ts(text) == datetime.fromisoformat(text).timestamp()


@pytest.mark.parametrize(
    "text",
    ["2026-11-28 16:40:54.123Z", "2026-11-28T16:40:54.123+08:00", "2026-11-28T16:40:54Z"],
)
def test_time_parse_reads_other_iso_forms_as_datetime_does(text: str) -> None:
    assert parse_ts(text) == datetime.fromisoformat(text).timestamp()


@pytest.mark.parametrize(
    "raw",
    [
        '{"type":"batch","events":[{"a":1.5e300,"b":-0.0,"c":12345678901234567890123}]}',
        '{"a":"\\u4e1c\\u80dc","b":"东胜","c":[true,false,null],"a":2}',
        '  {"nested": {"x": [1, 2.5, {"y": "z"}]}}  ',
    ],
)
def test_parsing_gives_what_json_gives(raw: str) -> None:
    from console.protocol.codec import loads

    assert loads(raw) == json.loads(raw)
    assert repr(loads(raw)) == repr(json.loads(raw))


def test_time_format_rounds_like_datetime_across_a_second() -> None:
    assert format_ts(1.9999996) == "1970-01-01T00:00:02.000Z"
    assert format_ts(-0.0000004) == "1970-01-01T00:00:00.000Z"
    assert format_ts(-0.0015) == "1969-12-31T23:59:59.998Z"


def test_valid_event_decodes() -> None:
    msg = {"type": "alert.new", "seq": 3, "ts": "2026-11-28T16:40:54.123Z", "alert": _alert()}
    assert decode(encode(msg)) == msg


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("{", "not valid JSON"),
        ("[]", "JSON object"),
        ("{}", "missing field 'type'"),
        ('{"type": 1}', "must be a string"),
        ('{"type": "nope"}', "unknown message type"),
        (
            '{"type": "unit.position", "seq": 1, "ts": "2026-11-28T16:40:54.123Z",'
            ' "unit_id": "U1", "lat": 95, "lon": 1}',
            "lat",
        ),
        (
            '{"type": "unit.position", "seq": 1, "ts": "yesterday",'
            ' "unit_id": "U1", "lat": 5, "lon": 1}',
            "ts",
        ),
        ('{"type": "hello", "protocol": 1, "token": "x", "resume_from": NaN}', "NaN"),
        ('{"type": "batch", "events": []}', "batch"),
        # A source the fast path cannot look up (a list) is refused like any bad value,
        # not a TypeError that would end the link.
        (
            '{"type": "positions", "events": [{"type": "unit.position", "seq": 1,'
            ' "ts": "2026-11-28T16:40:54.123Z", "unit_id": "U1", "lat": 5, "lon": 1,'
            ' "source": []}]}',
            "source",
        ),
        ('{"type": "hello", "protocol": 1, "token": "x", "resume_from": 1e999}', "resume_from"),
        ('{"type": "hello", "protocol": 1, "token": "x"} trailing', "not valid JSON"),
    ],
)
def test_bad_frames_are_bad_message_with_a_reason(raw: str, needle: str) -> None:
    with pytest.raises(ProtocolError) as info:
        decode(raw)
    assert info.value.code == "bad_message"
    assert needle in info.value.message


def test_batch_events_are_each_validated_and_consecutive() -> None:
    good = {
        "type": "log.entry",
        "seq": 1,
        "ts": "2026-11-28T16:40:54.123Z",
        "entry": {"id": "L1", "ts": "2026-11-28T16:40:54.123Z", "author": None, "text": "x"},
    }
    bad = {**good, "seq": 3, "entry": {"id": "L2"}}
    with pytest.raises(ProtocolError):
        decode(json.dumps({"type": "batch", "events": [good, bad]}))
    skip = {**good, "seq": 3}
    with pytest.raises(ProtocolError, match="consecutive"):
        decode(json.dumps({"type": "batch", "events": [good, skip]}))


def test_command_args_out_of_range_are_invalid() -> None:
    args = {"kind": "call_110", "priority": 1, "title": "x", "lat": -91, "lon": 0}
    with pytest.raises(ProtocolError) as info:
        validate_args("alert.create", args)
    assert info.value.code == "invalid"
    assert validate_args("alert.create", {**args, "lat": -90}) is not None


def test_oversize_frame_refused_before_parsing() -> None:
    with pytest.raises(ProtocolError, match="1 MiB"):
        decode('{"type": "hello", "pad": "' + "x" * schema.MAX_FRAME_BYTES + '"}')


def test_docs_schema_files_match_the_code() -> None:
    """docs/schema/ is what the code validates against (regenerate: make schemas)."""
    folder = ROOT / "docs" / "schema"
    rendered = schema.render_all()
    on_disk = {p.name: p.read_text("utf-8") for p in folder.glob("*.schema.json")}
    assert on_disk == rendered
