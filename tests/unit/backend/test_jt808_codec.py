"""The JT/T 808 codec against frames a terminal written here from the standard builds.

:class:`Terminal` and :func:`parse_reply` know nothing of ``backend_stub.ingest.jt808_codec``:
they pack headers, BCD, escaping and the checksum as JT/T 808-2013 and -2019 describe them, so
the codec is checked against the standard, not against itself. The integration tests use them
too.
"""

from __future__ import annotations

import math
import struct
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend_stub.ingest import jt808_codec as codec
from backend_stub.ingest.core import Fix, Refused
from backend_stub.ingest.jt808 import Jt808Door, Jt808Session
from tests.jt808_terminal import (
    BEIJING,
    Terminal,
    auth_body,
    batch_body,
    location_body,
    parse_reply,
    register_body,
    std_bcd,
    std_escape,
    std_time,
    std_xor,
)

# ---------------------------------------------------------------- a terminal from the standard


def one(items: list[codec.Frame | codec.Bad]) -> codec.Frame:
    assert len(items) == 1 and isinstance(items[0], codec.Frame), items
    return items[0]


def bad(items: list[codec.Frame | codec.Bad]) -> codec.Bad:
    assert len(items) == 1 and isinstance(items[0], codec.Bad), items
    return items[0]


NOW = datetime(2024, 5, 20, 9, 30, 15, tzinfo=BEIJING).timestamp()

# ---------------------------------------------------------------- escaping, checksum


def test_escaping_is_the_standards_example() -> None:
    # JT/T 808-2013 §4.4.1 (and -2019 §4.5.2): 30 7e 08 7d 55 → 30 7d 02 08 7d 01 55
    raw = bytes.fromhex("307e087d55")
    assert codec.escape(raw) == bytes.fromhex("307d02087d0155")
    assert codec.unescape(bytes.fromhex("307d02087d0155")) == raw


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        (b"", b""),
        (b"\x7e", b"\x7d\x02"),
        (b"\x7d", b"\x7d\x01"),
        (b"\x7d\x02", b"\x7d\x01\x02"),  # a 7d then a plain 02: not a 7e
        (b"\x7d\x01", b"\x7d\x01\x01"),
        (b"\x7e\x7e\x7d\x7d", b"\x7d\x02\x7d\x02\x7d\x01\x7d\x01"),
        (b"\x01\x02", b"\x01\x02"),
    ],
)
def test_escape_edge_cases(raw: bytes, escaped: bytes) -> None:
    assert codec.escape(raw) == escaped == std_escape(raw)
    assert codec.unescape(escaped) == raw


@pytest.mark.parametrize("escaped", [b"\x7d", b"ab\x7d", b"\x7d\x03", b"\x7d\x00", b"\x7d\x7d"])
def test_mis_escaped_bytes_are_refused(escaped: bytes) -> None:
    with pytest.raises(codec.FrameError):
        codec.unescape(escaped)


@given(st.binary(max_size=300))
def test_escaping_round_trips(data: bytes) -> None:
    escaped = codec.escape(data)
    assert escaped == std_escape(data)
    assert 0x7E not in escaped
    assert codec.unescape(escaped) == data


def test_checksum_is_the_xor_of_the_bytes() -> None:
    assert codec.checksum(b"") == 0
    assert codec.checksum(bytes([0x01, 0x02, 0x04])) == 0x07
    assert codec.checksum(bytes([0xFF, 0x0F])) == 0xF0


# ---------------------------------------------------------------- BCD and time


def test_bcd_time_is_beijing_time() -> None:
    # 2024-01-15 08:30:00 in UTC+8 is 00:30:00 UTC.
    ts = codec.decode_time(bytes.fromhex("240115083000"))
    assert ts == datetime(2024, 1, 15, 0, 30, tzinfo=UTC).timestamp()
    # 07:00 on New Year's Day in Beijing is still the old year in UTC.
    ts = codec.decode_time(bytes.fromhex("240101070000"))
    assert datetime.fromtimestamp(ts, UTC) == datetime(2023, 12, 31, 23, 0, tzinfo=UTC)
    assert codec.encode_time(ts) == bytes.fromhex("240101070000") == std_time(ts)


@given(st.integers(min_value=946_684_800, max_value=4_000_000_000))
def test_bcd_time_round_trips(ts: int) -> None:
    assert codec.decode_time(std_time(ts)) == ts
    assert codec.encode_time(ts) == std_time(ts)


@pytest.mark.parametrize(
    "hexdigits",
    ["241301000000", "240132000000", "240115250000", "2401150830aa", "000000000000", "2401"],
)
def test_a_bad_bcd_time_is_refused(hexdigits: str) -> None:
    with pytest.raises(ValueError):
        codec.decode_time(bytes.fromhex(hexdigits))


def test_bcd_digits() -> None:
    assert codec.bcd("13912345678", 6) == bytes.fromhex("013912345678") == std_bcd("13912345678", 6)
    assert codec.bcd_digits(bytes.fromhex("013912345678")) == "013912345678"
    with pytest.raises(ValueError):
        codec.bcd_digits(b"\x1a")
    with pytest.raises(ValueError):
        codec.bcd("1234567890123", 6)


# ---------------------------------------------------------------- headers and identity


def test_a_2013_header() -> None:
    term = Terminal("013912345678", serial=0x1234)
    frame = one(codec.Decoder().feed(term.frame(0x0002)))
    h = frame.header
    assert (h.msg_id, h.phone, h.serial, h.version, h.packet) == (
        0x0002,
        "013912345678",
        0x1234,
        None,
        None,
    )
    assert (h.edition, h.encryption, h.body_length, frame.body) == (2013, 0, 0, b"")
    assert codec.device_id(h.phone) == "jt808:013912345678"


def test_a_2019_header() -> None:
    term = Terminal("00000000013912345678", edition=2019, serial=7)
    body = location_body(39.8, 109.9, NOW)
    frame = one(codec.Decoder().feed(term.frame(0x0200, body)))
    h = frame.header
    assert (h.msg_id, h.version, h.edition, h.serial) == (0x0200, 1, 2019, 7)
    assert h.phone == "00000000013912345678"
    assert (h.body_length, frame.body) == (len(body), body)
    assert codec.device_id(h.phone) == "jt808:013912345678"


@pytest.mark.parametrize(
    ("phone", "device"),
    [
        ("013912345678", "jt808:013912345678"),  # 2013: as written
        ("000000000000", "jt808:000000000000"),
        ("00000000013912345678", "jt808:013912345678"),  # 2019: down to 12 digits
        ("00000001391234567890", "jt808:1391234567890"),
        ("12345678901234567890", "jt808:12345678901234567890"),
    ],
)
def test_device_ids(phone: str, device: str) -> None:
    assert codec.device_id(phone) == device


def test_a_subpackage_header_and_reassembly() -> None:
    term = Terminal("013912345678", serial=40)
    body = batch_body([location_body(39.8, 109.9, NOW + i) for i in range(3)])
    a, b = body[:50], body[50:]
    decoder, joiner = codec.Decoder(), codec.Reassembler()
    first = one(decoder.feed(term.frame(0x0704, a, packet=(2, 1))))
    assert first.header.packet == (2, 1) and first.body == a
    assert joiner.add(first) is None
    whole = joiner.add(one(decoder.feed(term.frame(0x0704, b, packet=(2, 2)))))
    assert whole is not None and whole.body == body and whole.header.packet is None
    assert len(codec.parse_batch(whole.body)[1]) == 3
    with pytest.raises(codec.MessageError):
        joiner.add(one(decoder.feed(term.frame(0x0704, a, packet=(2, 3)))))


def test_reassembly_holds_a_bounded_number_of_bytes() -> None:
    term, decoder = Terminal("013912345678"), codec.Decoder()
    joiner = codec.Reassembler(max_bytes=100)
    a1 = one(decoder.feed(term.frame(0x0704, b"a" * 80, packet=(2, 1))))
    a2 = one(decoder.feed(term.frame(0x0704, b"a" * 10, packet=(2, 2))))
    b1 = one(decoder.feed(term.frame(0x0900, b"b" * 80, packet=(2, 1))))
    b2 = one(decoder.feed(term.frame(0x0900, b"b" * 10, packet=(2, 2))))
    assert joiner.add(a1) is None and joiner.add(b1) is None  # a1 gave way to b1
    assert joiner.add(a2) is None
    joined = joiner.add(b2)
    assert joined is not None and joined.body == b"b" * 80 + b"b" * 10
    with pytest.raises(codec.MessageError):
        codec.Reassembler(max_packets=4).add(
            one(decoder.feed(term.frame(0x0704, b"x", packet=(5, 1))))
        )


def test_encryption_bits_are_read() -> None:
    frame = one(codec.Decoder().feed(Terminal("013912345678").frame(0x0200, b"x", encryption=1)))
    assert frame.header.encryption == 1


# ---------------------------------------------------------------- bodies


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(39.812345, 109.987654), (-33.868820, 151.209296), (40.7128, -74.006), (-34.6, -58.38)],
)
def test_south_and_west_bits(lat: float, lon: float) -> None:
    loc = codec.parse_location(location_body(lat, lon, NOW))
    assert math.isclose(loc.lat, lat, abs_tol=1e-6) and math.isclose(loc.lon, lon, abs_tol=1e-6)
    assert bool(loc.status & 4) == (lat < 0) and bool(loc.status & 8) == (lon < 0)


def test_a_location_report() -> None:
    extras = b"\x01\x04\x00\x00\x30\x39" + b"\x30\x01\x1f"  # mileage 1234.5 km, signal 31
    body = location_body(
        39.81, 109.98, NOW, speed_kmh=62.3, heading=271, alt=1300, alarm=1, extras=extras
    )
    loc = codec.parse_location(body)
    assert (loc.speed_kmh, loc.heading_deg, loc.alt_m, loc.fix_ts) == (62.3, 271.0, 1300.0, NOW)
    assert loc.alarm == 1 and loc.positioned
    assert loc.extras == {0x01: b"\x00\x00\x30\x39", 0x30: b"\x1f"}
    assert not codec.parse_location(location_body(39.8, 109.9, NOW, status=0)).positioned
    # A truncated additional item is left out, not an error.
    assert codec.parse_location(body + b"\x25\x04\x00").extras == loc.extras


@pytest.mark.parametrize(
    "body",
    [b"", b"\x00" * 27, location_body(1, 1, NOW)[:22] + bytes.fromhex("241301000000")],
)
def test_a_malformed_location_is_a_message_error(body: bytes) -> None:
    with pytest.raises(codec.MessageError):
        codec.parse_location(body)


def test_a_batch() -> None:
    bodies = [location_body(39.8 + i / 100, 109.9, NOW + i, speed_kmh=i) for i in range(4)]
    kind, reports = codec.parse_batch(batch_body(bodies, kind=1))
    assert kind == 1 and [r.fix_ts for r in reports] == [NOW + i for i in range(4)]
    assert [round(r.lat, 6) for r in reports] == [39.8, 39.81, 39.82, 39.83]
    assert codec.parse_batch(batch_body([])) == (0, [])


@pytest.mark.parametrize(
    "body",
    [
        b"\x00\x01",  # no type
        struct.pack(">HB", 2, 0) + struct.pack(">H", 28) + location_body(1, 1, NOW),  # 1 of 2
        struct.pack(">HB", 1, 0) + struct.pack(">H", 40) + location_body(1, 1, NOW),  # short
        batch_body([location_body(1, 1, NOW)]) + b"\x00",  # trailing byte
        struct.pack(">HB", 1, 0) + struct.pack(">H", 3) + b"abc",  # not a location
    ],
)
def test_a_malformed_batch_is_a_message_error(body: bytes) -> None:
    with pytest.raises(codec.MessageError):
        codec.parse_batch(body)


def test_authentication_bodies() -> None:
    assert codec.parse_auth(auth_body(2013, "a1b2c3"), 2013) == codec.Auth("a1b2c3")
    auth = codec.parse_auth(auth_body(2019, "a1b2c3"), 2019)
    assert auth == codec.Auth("a1b2c3", "860123456789012", "1.0.3")
    with pytest.raises(codec.MessageError):
        codec.parse_auth(b"\x09abc", 2019)
    with pytest.raises(codec.MessageError):
        codec.parse_auth(b"", 2019)


# ---------------------------------------------------------------- replies


@pytest.mark.parametrize(
    ("phone", "edition"), [("013912345678", 2013), ("00000000013912345678", 2019)]
)
def test_replies_in_the_terminals_edition(phone: str, edition: int) -> None:
    term = Terminal(phone, edition=edition, serial=0x7E7D)  # a serial that needs escaping
    h = one(codec.Decoder().feed(term.frame(0x0200, location_body(1, 1, NOW)))).header
    reply = parse_reply(codec.general_response(h, 0x7D7E, codec.FAILURE))
    assert (reply.msg_id, reply.phone, reply.serial) == (0x8001, phone, 0x7D7E)
    assert reply.version == (1 if edition == 2019 else None)
    assert reply.fields == {"reply_serial": 0x7E7D, "reply_id": 0x0200, "result": 1}
    h = one(codec.Decoder().feed(term.frame(0x0100, register_body(edition)))).header
    reply = parse_reply(codec.register_response(h, 1, codec.OK, "abc123"))
    assert reply.msg_id == 0x8100 and reply.phone == phone
    assert reply.fields == {"reply_serial": 0x7E7E, "result": 0, "code": "abc123"}
    reply = parse_reply(codec.register_response(h, 2, codec.NO_SUCH_TERMINAL, "abc123"))
    assert reply.fields == {"reply_serial": 0x7E7E, "result": 4, "code": ""}


# ---------------------------------------------------------------- the decoder


def test_frames_in_one_chunk_and_split_anywhere() -> None:
    term = Terminal("013912345678")
    stream = b"".join(
        [
            term.frame(0x0002),
            term.frame(0x0200, location_body(39.8, 109.9, NOW)),
            term.frame(0x0102, auth_body(2013, "\x7e\x7d")),
        ]
    )
    whole = codec.Decoder().feed(stream)
    assert [f.header.msg_id for f in whole if isinstance(f, codec.Frame)] == [2, 0x200, 0x102]
    decoder = codec.Decoder()
    byte_by_byte = [item for i in range(len(stream)) for item in decoder.feed(stream[i : i + 1])]
    assert byte_by_byte == whole


def test_a_shared_delimiter_and_junk_between_frames() -> None:
    term = Terminal("013912345678")
    a, b = term.frame(0x0002), term.frame(0x0002)
    items = codec.Decoder().feed(a[:-1] + b + b"junk" + a)  # 7e A 7e B 7e junk 7e A 7e
    assert [type(i).__name__ for i in items] == ["Frame", "Frame", "Bad", "Frame"]


def test_a_bad_checksum_keeps_the_header() -> None:
    term = Terminal("013912345678", serial=9)
    item = bad(codec.Decoder().feed(term.frame(0x0200, b"\x00" * 28, corrupt_checksum=True)))
    assert "checksum" in item.error and not item.fatal
    assert item.header is not None and (item.header.msg_id, item.header.serial) == (0x0200, 9)


def test_truncated_and_mis_escaped_frames() -> None:
    term = Terminal("013912345678")
    frame = term.frame(0x0200, location_body(39.8, 109.9, NOW))
    item = bad(codec.Decoder().feed(b"\x7e\x02\x00\x00\x7e"))  # too short for a header
    assert item.header is None and "truncated" in item.error
    item = bad(codec.Decoder().feed(frame[:20] + b"\x7e"))  # body cut short
    assert item.header is not None and item.header.msg_id == 0x0200
    item = bad(codec.Decoder().feed(frame[:-3] + b"\x7d\x05\x7e"))  # 7d 05
    assert "escaped" in item.error and item.header is not None
    decoder = codec.Decoder()
    assert decoder.feed(frame[:30]) == []  # waits for the rest
    assert one(decoder.feed(frame[30:])).header.msg_id == 0x0200


def test_a_length_that_does_not_match_the_body() -> None:
    data = struct.pack(">HH", 0x0002, 5) + std_bcd("013912345678", 6) + b"\x00\x01"
    item = bad(codec.Decoder().feed(b"\x7e" + std_escape(data + bytes([std_xor(data)])) + b"\x7e"))
    assert item.header is not None and "says 5" in item.error


def test_limits_close_the_stream() -> None:
    decoder = codec.Decoder()
    item = bad(decoder.feed(b"\x7e" + b"\x01" * 3000 + b"\x7e"))
    assert item.fatal and decoder.closed
    assert decoder.feed(Terminal("013912345678").frame(0x0002)) == []  # over: input ignored
    decoder = codec.Decoder()
    assert decoder.feed(b"\x7e" + b"\x01" * 60_000) == []
    item = bad(decoder.feed(b"\x01" * 6000))
    assert item.fatal and decoder.closed and "0x7e" in item.error
    # A frame just over 2 KiB once unescaped (escaped: twice as long) is fatal too.
    assert bad(codec.Decoder().feed(b"\x7e" + b"\x7d\x01" * 2049 + b"\x7e")).fatal


# ---------------------------------------------------------------- fuzzing


def valid_stream() -> bytes:
    t13, t19 = Terminal("013912345678"), Terminal("00000000013912345678", edition=2019)
    return b"".join(
        [
            t13.frame(0x0100, register_body(2013)),
            t13.frame(0x0102, auth_body(2013, "code")),
            t13.frame(0x0200, location_body(-39.8, -109.9, NOW, extras=b"\x01\x04abcd")),
            t19.frame(0x0102, auth_body(2019, "code")),
            t19.frame(0x0704, batch_body([location_body(39.8, 109.9, NOW)] * 2)),
            t19.frame(0x0200, location_body(39.8, 109.9, NOW), packet=(2, 1)),
        ]
    )


def check_items(items: list[codec.Frame | codec.Bad]) -> None:
    for item in items:
        assert isinstance(item, codec.Frame | codec.Bad)
        if isinstance(item, codec.Frame):
            for parse in (
                codec.parse_location,
                codec.parse_batch,
                lambda b, edition=item.header.edition: codec.parse_auth(b, edition),
            ):
                try:
                    parse(item.body)
                except codec.MessageError:
                    pass


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=200), max_size=8))
def test_random_bytes_never_raise(chunks: list[bytes]) -> None:
    decoder = codec.Decoder()
    for chunk in chunks:
        check_items(decoder.feed(chunk))
        check_items(decoder.feed(b"\x7e"))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_frames_never_raise(data: st.DataObject) -> None:
    stream = bytearray(valid_stream())
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(stream) - 1))
        op = data.draw(st.sampled_from(["flip", "insert", "delete", "flag", "escape"]))
        if op == "flip":
            stream[at] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "insert":
            stream.insert(at, data.draw(st.integers(0, 255)))
        elif op == "delete":
            del stream[at]
        else:
            stream[at] = 0x7E if op == "flag" else 0x7D
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=5)))
    decoder = codec.Decoder()
    for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        check_items(decoder.feed(bytes(stream[a:b])))


@settings(max_examples=200)
@given(st.binary(max_size=120))
def test_random_bodies_never_raise_out_of_the_parsers(body: bytes) -> None:
    for parse in (
        codec.parse_location,
        codec.parse_batch,
        lambda b: codec.parse_auth(b, 2013),
        lambda b: codec.parse_auth(b, 2019),
    ):
        try:
            parse(body)
        except codec.MessageError:
            pass


# ---------------------------------------------------------------- the session, without sockets


class FakeIngest:
    """Just what the door asks of :class:`Ingest` (no event loop, no database)."""

    def __init__(self, devices: dict[str, str]) -> None:
        self.devices = devices
        self.fixes: list[Fix] = []
        self.refused: list[str] = []
        self.unregistered: list[str] = []
        self.last: dict[str, float] = {}

    def unit_of(self, device: str) -> str | None:
        return self.devices.get(device)

    def count(self, feed: str, *, error: str = "") -> None:
        if error:
            self.refused.append(error)

    def refuse_device(self, device: str, door: str, reason: str) -> None:
        self.unregistered.append(device)

    def position(self, fix: Fix, door: str) -> str:
        unit = self.devices.get(fix.device)
        if unit is None:
            raise Refused("unregistered", "no")
        if not (-90 <= fix.lat <= 90 and -180 <= fix.lon <= 180):
            raise Refused("invalid", "range")
        if fix.fix_ts <= self.last.get(unit, 0):
            raise Refused("stale", "old")
        self.last[unit] = fix.fix_ts
        self.fixes.append(fix)
        return unit


def session(devices: dict[str, str]) -> tuple[Jt808Session, FakeIngest]:
    ingest = FakeIngest(devices)
    return Jt808Session(Jt808Door(ingest)), ingest  # type: ignore[arg-type]


def results(sess: Jt808Session, data: bytes) -> list[dict[str, Any]]:
    return [parse_reply(r).fields for r in sess.feed(data)]


def signed_in(sess: Jt808Session, term: Terminal) -> None:
    (reg,) = results(sess, term.frame(0x0100, register_body(term.edition)))
    assert reg["result"] == 0 and reg["code"]
    (auth,) = results(sess, term.frame(0x0102, auth_body(term.edition, reg["code"])))
    assert auth["result"] == 0


def test_a_session_signs_in_and_reports() -> None:
    sess, ingest = session({"jt808:013912345678": "U1"})
    term = Terminal("013912345678")
    (early,) = results(sess, term.frame(0x0200, location_body(39.8, 109.9, NOW)))
    assert early["result"] == 1 and ingest.fixes == []
    signed_in(sess, term)
    (ok,) = results(sess, term.frame(0x0200, location_body(39.8, 109.9, NOW, speed_kmh=36)))
    assert ok == {"reply_serial": term.last_serial, "reply_id": 0x0200, "result": 0}
    assert ingest.fixes == [Fix("jt808:013912345678", 39.8, 109.9, NOW, 36.0, 0.0, 0.0)]
    (stale,) = results(sess, term.frame(0x0200, location_body(39.8, 109.9, NOW - 5)))
    assert stale["result"] == 1
    (far,) = results(sess, term.frame(0x0200, location_body(95.0, 109.9, NOW + 9)))
    assert far["result"] == 2
    # A batch, newest first, is applied oldest first; the stale one does not fail it.
    reports = [location_body(39.9, 110.0, NOW + s) for s in (30, 20, 10, -100)]
    (batch,) = results(sess, term.frame(0x0704, batch_body(reports, kind=1)))
    assert batch["result"] == 0
    assert [f.fix_ts for f in ingest.fixes[1:]] == [NOW + 10, NOW + 20, NOW + 30]
    (unknown,) = results(sess, term.frame(0x0900, b"\x01abc"))
    assert unknown["result"] == 3
    assert results(sess, term.frame(0x0001, struct.pack(">HHB", 1, 0x8001, 0))) == []


def test_the_inventory_may_name_the_phone_without_leading_zeros() -> None:
    sess, ingest = session({"jt808:13912345678": "U1"})
    term = Terminal("013912345678")
    signed_in(sess, term)
    results(sess, term.frame(0x0200, location_body(39.8, 109.9, NOW)))
    assert [f.device for f in ingest.fixes] == ["jt808:13912345678"]


def test_an_unknown_terminal_is_refused_and_remembered() -> None:
    sess, ingest = session({})
    term = Terminal("013900000009")
    (reg,) = results(sess, term.frame(0x0100, register_body(2013)))
    assert reg["result"] == 4 and reg["code"] == ""
    assert ingest.unregistered == ["jt808:013900000009"]


def test_broken_frames_are_counted_and_answered_when_the_header_reads() -> None:
    sess, ingest = session({"jt808:013912345678": "U1"})
    term = Terminal("013912345678")
    (broken,) = results(sess, term.frame(0x0002, corrupt_checksum=True))
    assert broken == {"reply_serial": term.last_serial, "reply_id": 0x0002, "result": 2}
    assert results(sess, b"\x7e\x00\x02\x7e") == []  # no header: dropped
    assert len(ingest.refused) == 2 and "checksum" in ingest.refused[0]
    (enc,) = results(sess, term.frame(0x0200, b"\x00" * 28, encryption=1))
    assert enc["result"] == 3  # RSA bodies are not supported
    (short,) = results(sess, term.frame(0x0102, b"\x05ab", packet=None))
    assert short["result"] == 1  # 2013: the whole body is the code, and it is wrong
    assert not sess.closed
    assert results(sess, b"\x7e" + b"\x00" * 5000 + b"\x7e") == []
    assert sess.closed and "over" in sess.close_reason


def test_subpackages_are_acknowledged_then_joined() -> None:
    sess, ingest = session({"jt808:013912345678": "U1"})
    term = Terminal("013912345678")
    signed_in(sess, term)
    body = batch_body([location_body(39.8, 109.9, NOW + i) for i in range(3)])
    (first,) = results(sess, term.frame(0x0704, body[:40], packet=(2, 1)))
    assert first["result"] == 0 and ingest.fixes == []
    (last,) = results(sess, term.frame(0x0704, body[40:], packet=(2, 2)))
    assert last == {"reply_serial": term.last_serial, "reply_id": 0x0704, "result": 0}
    assert len(ingest.fixes) == 3


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_session_never_raises(data: st.DataObject) -> None:
    sess, _ = session({"jt808:013912345678": "U1", "jt808:013912345679": "U2"})
    stream = bytearray(valid_stream())
    for _ in range(data.draw(st.integers(0, 8))):
        at = data.draw(st.integers(0, len(stream) - 1))
        stream[at] = data.draw(st.sampled_from([0x7E, 0x7D, 0x00, 0x01, 0x02, 0xFF]))
    for reply in sess.feed(bytes(stream)):
        assert parse_reply(reply).msg_id in (0x8001, 0x8100)
