"""The Cursor-on-Target door without sockets: documents to fixes (hardened against hostile
XML), the TCP stream cut into documents, the door's decisions, and the CoT it sends out
(``backend_stub.ingest.cot``; ``shared/integration.md`` §3)."""

from __future__ import annotations

import asyncio
import itertools
import math
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytak
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend_stub.ingest import cot, cot_out
from backend_stub.ingest.core import Fix, Refused
from backend_stub.state import DistrictState
from tests.documents import COT_BILLION_LAUGHS, COT_T0, COT_XXE
from tests.waiting import until

T0 = COT_T0
T0_EPOCH = datetime(2024, 5, 1, 8, tzinfo=UTC).timestamp()


def doc(
    uid: str = "ANDROID-abc",
    kind: str = "a-f-G-U-C",
    ts: str = T0,
    point: str = 'lat="39.8123456" lon="109.9812345" hae="1050.5" ce="8.0" le="9999999.0"',
    detail: str = '<track course="271.5" speed="12.5"/>',
) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<event version="2.0" uid="{uid}" type="{kind}" how="m-g" time="{ts}" start="{ts}"'
        f' stale="2024-05-01T08:05:00.000Z"><point {point}/>'
        f'<detail><contact callsign="甲"/>{detail}</detail></event>'
    ).encode()


EXTERNAL_DTD = (
    b'<?xml version="1.0"?><!DOCTYPE event SYSTEM "http://127.0.0.1:1/evil.dtd">'
    b'<event version="2.0" uid="x" type="a-f-G" time="2024-05-01T08:00:00Z">'
    b'<point lat="1" lon="1"/></event>'
)


# ------------------------------------------------------------------------------ parsing


def test_a_position_event_becomes_a_fix_of_its_device() -> None:
    parsed = cot.parse_event(doc())
    assert parsed.error == ""
    assert parsed.fix == Fix(
        device="cot:ANDROID-abc",
        lat=39.8123456,
        lon=109.9812345,
        fix_ts=T0_EPOCH,
        speed_kmh=pytest.approx(45.0),  # 12.5 m/s
        heading_deg=271.5,
        alt_m=1050.5,
        accuracy_m=8.0,
    )


def test_unknown_values_9999999_are_left_out() -> None:
    point = 'lat="39.8" lon="109.9" hae="9999999.0" ce="9999999" le="9999999.0"'
    parsed = cot.parse_event(doc(point=point, detail='<track course="9999999" speed="-1"/>'))
    assert parsed.fix is not None
    fix = parsed.fix
    assert (fix.alt_m, fix.accuracy_m, fix.heading_deg, fix.speed_kmh) == (None, None, None, None)
    no_track = cot.parse_event(doc(detail=""))
    assert no_track.fix is not None and no_track.fix.speed_kmh is None


def test_what_pytak_sends_is_read() -> None:
    sent = pytak.gen_cot(lat=39.81, lon=109.98, ce=5, hae=1000, uid="pytak-1", cot_type="a-f-G")
    assert sent is not None
    parsed = cot.parse_event(sent)
    assert parsed.fix is not None
    assert (parsed.fix.device, parsed.fix.lat, parsed.fix.lon) == ("cot:pytak-1", 39.81, 109.98)
    assert abs(parsed.fix.fix_ts - time.time()) < 60


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("2024-05-01T08:00:00Z", T0_EPOCH),
        ("2024-05-01T08:00:00.5Z", T0_EPOCH + 0.5),
        ("2024-05-01T08:00:00.1234567Z", T0_EPOCH + 0.123456),
        ("2024-05-01T16:00:00+08:00", T0_EPOCH),
        ("2024-05-01t08:00:00z", T0_EPOCH),
        ("2024-05-01T08:00:00", T0_EPOCH),  # no offset: UTC
    ],
)
def test_times_are_rfc_3339(text: str, epoch: float) -> None:
    assert cot.parse_time(text) == pytest.approx(epoch, abs=1e-6)


@pytest.mark.parametrize("text", ["yesterday", "1714550400", "2024-05-01", "2024-13-01T08:00:00Z"])
def test_a_bad_time_is_malformed(text: str) -> None:
    parsed = cot.parse_event(doc(ts=text))
    assert parsed.fix is None and parsed.error


@pytest.mark.parametrize("kind", ["t-x-c-t", "t-x-d-d", "b-t-f", "b-m-p-s-m", "u-d-f", "y-c-r"])
def test_events_that_are_not_positions_are_ignored(kind: str) -> None:
    assert cot.parse_event(doc(kind=kind)) == cot.Parsed()


def test_pings_pytak_sends_are_ignored() -> None:
    hello = pytak.hello_event()
    assert hello is not None
    assert cot.parse_event(hello) == cot.Parsed()
    assert cot.parse_event(pytak.functions.tak_pong()) == cot.Parsed()


def test_our_own_events_relayed_back_are_ignored() -> None:
    unit = {"id": "U1", "callsign": "甲", "kind": "car", "status": "available"}
    pos = {"unit_id": "U1", "lat": 39.8, "lon": 109.9, "fix_ts": T0}
    assert cot.parse_event(cot_out.unit_event(unit, pos)) == cot.Parsed()


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"this is not xml</event>", "not XML"),
        (b"<event><point/>", "not XML"),
        (b'<foo type="a-f"/>', "not <event>"),
        (b'<event uid="x"/>', "without a type"),
        (doc(uid=""), "uid"),
        (doc(uid="x" * 200), "uid"),
        (doc(point='lat="39.8"'), "lat/lon"),
        (doc(point='lat="north" lon="1"'), "not a number"),
        (b'<event type="a-f-G" uid="x"><point lat="1" lon="2"/></event>', "no time"),
        (b'<event type="a-f-G" uid="x" time="2024-05-01T08:00:00Z"/>', "no point"),
        (b"\xbf\x01\xbf\x12\x00", "protobuf"),
        (b"<event>" + b"x" * (cot.MAX_DOC_BYTES + 1) + b"</event>", "over"),
    ],
)
def test_malformed_documents_say_why(data: bytes, why: str) -> None:
    parsed = cot.parse_event(data)
    assert parsed.fix is None
    assert why in parsed.error


@pytest.mark.parametrize("hostile", [COT_BILLION_LAUGHS, COT_XXE, EXTERNAL_DTD])
def test_hostile_xml_is_refused_not_expanded(hostile: bytes) -> None:
    started = time.perf_counter()
    parsed = cot.parse_event(hostile)
    assert parsed.fix is None
    assert "no DTDs or entities" in parsed.error
    assert "root:" not in parsed.error  # nothing of /etc/passwd
    assert time.perf_counter() - started < 0.5


def test_an_undeclared_entity_is_malformed() -> None:
    data = doc(detail="<remarks>&lol9;</remarks>")
    assert "not XML" in cot.parse_event(data).error


# ------------------------------------------------------------------------------ the stream


def test_several_documents_in_one_read() -> None:
    splitter = cot.Splitter()
    docs = splitter.feed(doc(uid="a") + b"\n" + doc(uid="b") + doc(uid="c")[:50])
    assert [cot.parse_event(d).fix.device for d in docs] == ["cot:a", "cot:b"]  # type: ignore[union-attr]
    rest = splitter.feed(doc(uid="c")[50:])
    assert [cot.parse_event(d).fix.device for d in rest] == ["cot:c"]  # type: ignore[union-attr]


def test_a_document_split_byte_by_byte() -> None:
    splitter = cot.Splitter()
    whole = doc()
    docs = [d for i in range(len(whole)) for d in splitter.feed(whole[i : i + 1])]
    assert docs == [whole]
    assert not splitter.overflow


@settings(max_examples=200, deadline=None)
@given(
    uids=st.lists(st.from_regex(r"[A-Za-z0-9-]{1,20}", fullmatch=True), min_size=1, max_size=6),
    cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=12),
)
def test_any_cut_of_a_stream_gives_the_same_documents(uids: list[str], cuts: list[int]) -> None:
    stream = b"".join(doc(uid=u) + b"\r\n" for u in uids)
    points = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    splitter = cot.Splitter()
    docs = [d for a, b in itertools.pairwise(points) for d in splitter.feed(stream[a:b])]
    devices = [cot.parse_event(d).fix.device for d in docs]  # type: ignore[union-attr]
    assert devices == [f"cot:{u}" for u in uids]


def test_too_much_without_an_end_overflows() -> None:
    splitter = cot.Splitter()
    assert splitter.feed(b"<event>" + b" " * cot.MAX_DOC_BYTES) == []
    assert splitter.overflow


def test_an_oversize_document_with_its_end_is_one_refused_document() -> None:
    splitter = cot.Splitter()
    big = doc(detail="<remarks>" + "x" * (cot.MAX_DOC_BYTES + 10) + "</remarks>")
    docs = splitter.feed(big[: cot.MAX_DOC_BYTES // 2]) + splitter.feed(
        big[cot.MAX_DOC_BYTES // 2 :]
    )
    assert len(docs) == 1 and not splitter.overflow
    assert "over" in cot.parse_event(docs[0]).error


# ------------------------------------------------------------------------------ fuzz

VALID = [
    doc(),
    doc(kind="t-x-c-t"),
    COT_BILLION_LAUGHS,
    COT_XXE,
    pytak.gen_cot(uid="p", lat=1, lon=2),
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data: bytes) -> None:
    parsed = cot.parse_event(data)
    assert isinstance(parsed, cot.Parsed)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(VALID),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["flip", "insert", "delete"]),
            st.integers(min_value=0, max_value=10_000),
            st.sampled_from(
                [
                    b"<",
                    b">",
                    b'"',
                    b"&",
                    b"\x00",
                    b"\xff",
                    b"]]>",
                    b"<!DOCTYPE x [",
                    b"&lol9;",
                    b"nan",
                    b"-",
                    b"9e999",
                    b"</event>",
                    b"\xbf",
                    b"'",
                ]
            ),
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_mutated_documents_never_raise(base: bytes, edits: list[tuple[str, int, bytes]]) -> None:
    data = bytearray(base)
    for op, at, piece in edits:
        i = at % (len(data) + 1)
        if op == "flip" and data:
            data[i % len(data)] ^= piece[0] or 0x20
        elif op == "insert":
            data[i:i] = piece
        else:
            del data[i : i + len(piece)]
    parsed = cot.parse_event(bytes(data))
    assert isinstance(parsed, cot.Parsed)
    if parsed.fix is not None:
        assert parsed.fix.device.startswith("cot:")
        assert isinstance(parsed.fix.lat, float) and isinstance(parsed.fix.fix_ts, float)
    splitter = cot.Splitter()
    for piece_doc in splitter.feed(bytes(data)):
        assert isinstance(cot.parse_event(piece_doc), cot.Parsed)


# ------------------------------------------------------------------------------ the door


@dataclass
class FakeIngest:
    devices: dict[str, str] = field(default_factory=lambda: {"cot:ANDROID-abc": "U1"})
    counted: list[tuple[str, str]] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)
    refuse: str = ""

    def count(self, feed: str, *, error: str = "") -> None:
        self.counted.append((feed, error))

    def unit_of(self, device: str) -> str | None:
        return self.devices.get(device)

    def position(self, fix: Fix, door: str, feed: str | None = None) -> str:
        self.fixes.append(fix)
        if self.refuse:
            raise Refused(self.refuse, "no")
        return self.devices.get(fix.device, "")


class FakeBackend:
    def __init__(self) -> None:
        self.state = DistrictState()
        self.listeners: list[Any] = []
        self.clock = time.time

    def on_commit(self, listener: Any) -> None:
        self.listeners.append(listener)

    def commit(self, *events: dict[str, Any]) -> None:
        for event in events:
            self.state.apply({"seq": self.state.seq + 1, **event})
        for listener in self.listeners:
            listener(list(events))


def make_door() -> tuple[cot.CotDoor, FakeIngest, FakeBackend]:
    ingest, backend = FakeIngest(), FakeBackend()
    return cot.CotDoor(backend, ingest), ingest, backend  # type: ignore[arg-type]


def test_the_door_takes_fixes_counts_malformed_and_ignores_pings() -> None:
    door, ingest, _ = make_door()
    door.take(doc(), None)
    door.take(doc(kind="t-x-c-t"), None)
    door.take(COT_BILLION_LAUGHS, None)
    assert [f.device for f in ingest.fixes] == ["cot:ANDROID-abc"]
    assert len(ingest.counted) == 1
    assert ingest.counted[0][0] == "cot" and "no DTDs" in ingest.counted[0][1]
    ingest.refuse = "stale"
    door.take(doc(), None)  # a refusal is dropped (the ingest path counts it), never raised


class FakeTransport:
    def get_write_buffer_size(self) -> int:
        return 0

    def is_closing(self) -> bool:
        return False

    def abort(self) -> None:
        return None


class FakeWriter:
    def __init__(self) -> None:
        self.transport = FakeTransport()
        self.written: list[tuple[float, bytes]] = []
        self.changed = asyncio.Event()

    def write(self, data: bytes) -> None:
        self.written.append((time.monotonic(), data))
        self.changed.set()

    async def drain(self) -> None:
        return None

    def close(self) -> None:
        return None

    def uids(self) -> list[str]:
        return [ET.fromstring(d).get("uid", "") for _, d in self.written]

    async def until(self, pred: Any, timeout: float = 5) -> None:
        await until(pred, timeout, wake=self.changed)


UNIT = {"id": "U1", "callsign": "东胜巡逻一组", "kind": "patrol_car", "status": "available"}


def position(unit_id: str, lat: float, fix_ts: str = T0) -> dict[str, Any]:
    return {
        "type": "unit.position",
        "unit_id": unit_id,
        "lat": lat,
        "lon": 109.9,
        "source": "cot",
        "fix_ts": fix_ts,
        "ts": fix_ts,
    }


async def test_a_client_gets_the_picture_then_changes_at_most_once_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cot_out, "UNIT_INTERVAL_S", 0.3)
    door, _, backend = make_door()
    backend.commit({"type": "unit.upsert", "unit": UNIT}, position("U1", 39.80))
    backend.commit({"type": "unit.upsert", "unit": {**UNIT, "id": "U2"}})  # no position
    writer = FakeWriter()
    peer = cot_out.Peer(door.out, writer)  # type: ignore[arg-type]
    door.out.peers.add(peer)
    peer.mark(door.out.picture_units(), door.out.picture_alerts())
    task = asyncio.create_task(peer.run())
    try:
        await writer.until(lambda: len(writer.written) == 1)
        assert writer.uids() == ["dispatch-unit-U1"]
        for i in range(1, 6):  # five moves at once: coalesced into the newest
            backend.commit(position("U1", 39.80 + i / 100))
        await writer.until(lambda: b'lat="39.8500000"' in writer.written[-1][1])
        times = [t for t, _ in writer.written]
        assert len(times) <= 3
        assert all(b - a >= 0.25 for a, b in itertools.pairwise(times))
        backend.commit({"type": "unit.retired", "unit_id": "U1"})
        await writer.until(lambda: b"t-x-d-d" in writer.written[-1][1])
    finally:
        task.cancel()


async def test_a_client_is_never_sent_the_unit_it_reports_for() -> None:
    door, _, backend = make_door()
    backend.commit({"type": "unit.upsert", "unit": UNIT}, position("U1", 39.80))
    writer = FakeWriter()
    peer = cot_out.Peer(door.out, writer)  # type: ignore[arg-type]
    door.out.peers.add(peer)
    peer.mark(door.out.picture_units(), [])
    task = asyncio.create_task(peer.run())
    try:
        await writer.until(lambda: writer.uids() == ["dispatch-unit-U1"])
        door.take(doc(), peer)  # its own device: U1 is its own unit from now on
        await writer.until(lambda: len(writer.written) == 2)
        assert (
            b"t-x-d-d" in writer.written[1][1] and b'uid="dispatch-unit-U1"' in writer.written[1][1]
        )
        backend.commit(position("U1", 39.9, "2024-05-01T08:01:00.000Z"))
        backend.commit({"type": "unit.upsert", "unit": {**UNIT, "id": "U3"}}, position("U3", 39.7))
        await writer.until(lambda: "dispatch-unit-U3" in writer.uids())
        assert writer.uids().count("dispatch-unit-U1") == 1
    finally:
        task.cancel()


# ------------------------------------------------------------------------------ CoT out


def test_the_cot_of_a_unit() -> None:
    pos = {
        "unit_id": "U1",
        "lat": 39.8123456,
        "lon": 109.9812345,
        "fix_ts": T0,
        "speed_kmh": 36.0,
        "heading_deg": 90.0,
        "alt_m": 1050.0,
        "accuracy_m": 5.0,
    }
    unit = {**UNIT, "callsign": "东胜<一>&组\x01", "station": "东胜派出所"}
    event = ET.fromstring(cot_out.unit_event(unit, pos))
    assert event.tag == "event"
    assert event.attrib | {} == {
        "version": "2.0",
        "uid": "dispatch-unit-U1",
        "type": "a-f-G-U-C",
        "how": "m-g",
        "time": T0,
        "start": T0,
        "stale": "2024-05-01T08:05:00.000Z",
    }
    point = event.find("point")
    assert point is not None
    assert float(point.get("lat", "")) == pytest.approx(39.8123456)
    assert float(point.get("lon", "")) == pytest.approx(109.9812345)
    assert (point.get("hae"), point.get("ce")) == ("1050.0", "5.0")
    contact = event.find("detail/contact")
    assert contact is not None and contact.get("callsign") == "东胜<一>&组"
    group = event.find("detail/__group")
    assert group is not None and group.attrib == {"name": "Cyan", "role": "Team Member"}
    track = event.find("detail/track")
    assert track is not None
    assert float(track.get("course", "")) == 90.0
    assert float(track.get("speed", "")) == pytest.approx(10.0)  # m/s
    remarks = event.findtext("detail/remarks") or ""
    assert "patrol_car" in remarks and "available" in remarks


def test_the_cot_of_a_unit_without_altitude_or_speed() -> None:
    pos = {"unit_id": "U1", "lat": 1.0, "lon": 2.0, "fix_ts": T0}
    event = ET.fromstring(cot_out.unit_event(UNIT, pos))
    point = event.find("point")
    assert point is not None and point.get("hae") == point.get("ce") == "9999999.0"


def test_the_cot_of_an_alert() -> None:
    alert = {
        "id": "A-000007",
        "title": "110报警：盗窃",
        "priority": 1,
        "status": "dispatched",
        "lat": 39.82,
        "lon": 109.98,
        "address": "伊金霍洛街 1 号",
    }
    now = T0_EPOCH
    event = ET.fromstring(cot_out.alert_event(alert, now))
    assert event.get("uid") == "dispatch-alert-A-000007"
    assert event.get("type") == "b-m-p-s-m"
    assert event.get("time") == T0 and event.get("stale") == "2024-05-01T08:15:00.000Z"
    point = event.find("point")
    assert point is not None and float(point.get("lat", "")) == pytest.approx(39.82)
    remarks = event.findtext("detail/remarks") or ""
    assert "110报警：盗窃" in remarks and "priority 1" in remarks
    contact = event.find("detail/contact")
    assert contact is not None and "110报警：盗窃" in contact.get("callsign", "")
    color = event.find("detail/color")
    assert color is not None and color.get("argb") == "-65536"  # priority 1: red
    icon = event.find("detail/usericon")
    assert icon is not None and icon.get("iconsetpath") == "COT_MAPPING_SPOTMAP/b-m-p-s-m/-65536"


def test_a_delete_names_what_it_removes() -> None:
    event = ET.fromstring(cot_out.delete_event("dispatch-alert-A-1", T0_EPOCH))
    assert event.get("type") == "t-x-d-d"
    link = event.find("detail/link")
    assert link is not None and link.get("uid") == "dispatch-alert-A-1"
    assert event.find("detail/__forcedelete") is not None


def test_an_alert_without_a_position_has_no_marker() -> None:
    door, _, backend = make_door()
    alert = {
        "id": "A-000001",
        "title": "x",
        "priority": 2,
        "status": "new",
        "lat": None,
        "lon": None,
        "created_ts": T0,
    }
    backend.commit({"type": "alert.new", "alert": alert})
    assert door.out.picture_alerts() == [] and door.out.alert_bytes("A-000001") is None
    backend.commit({"type": "alert.updated", "alert": {**alert, "lat": 1.0, "lon": math.pi}})
    assert door.out.picture_alerts() == ["A-000001"]
    backend.commit(
        {"type": "alert.updated", "alert": {**alert, "lat": 1.0, "lon": 2.0, "status": "closed"}}
    )
    assert door.out.alert_bytes("A-000001") is None
