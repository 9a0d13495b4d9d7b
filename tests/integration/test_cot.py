"""The Cursor-on-Target door of a real backend (``serve --cot-port``), with pytak as the TAK
client: positions over TCP and UDP reach the consoles as ``unit.position`` (source ``cot``),
unknown devices and hostile XML are refused and counted, and TAK clients on the CoT port see
the district as CoT (``shared/integration.md`` §2-3)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from configparser import ConfigParser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytak
import pytest

from backend_stub import db
from backend_stub.ingest import cot, cot_out
from backend_stub.inventory import store
from backend_stub.inventory.read import read_bytes
from backend_stub.server import Backend
from console.protocol.codec import format_ts
from tests.live import ALERT_ARGS, Client, open_client, start_backend

UNITS_CSV = (
    "id,callsign,kind,radio_id,talkgroup,station,status,device_ids\n"
    "U1,东胜巡逻一组,patrol_car,4600101,1001,东胜派出所,available,cot:ANDROID-abc\n"
    "U2,东胜巡逻二组,patrol_car,4600102,1001,东胜派出所,available,cot:pytak-udp\n"
    "U3,富兴步巡,foot,4600103,1001,富兴派出所,available,cot:RAW-udp\n"
    "U4,东胜巡逻四组,patrol_car,4600104,1001,东胜派出所,available,cot:WINTAK-4\n"
    "U5,无设备,foot,4600105,1001,东胜派出所,available,\n"
)
LAT, LON = 39.8123, 109.9812
WAIT = 10.0


@dataclass
class Door:
    backend: Backend
    url: str
    token: str
    errors: list[str] = field(default_factory=list)
    counted: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def port(self) -> int:
        return int(self.backend.doors["cot"].port)

    @property
    def tcp(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    async def refused(self, n: int) -> None:
        """Wait until the door has counted ``n`` refusals in all."""

        async def wait() -> None:
            while len(self.errors) < n:
                self.counted.clear()
                await self.counted.wait()

        await asyncio.wait_for(wait(), WAIT)


@pytest.fixture
async def door(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Door]:
    db_url = f"sqlite:///{tmp_path / 'cot.sqlite3'}"
    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "op-1", "operator")
    engine.dispose()
    backend, url = await start_backend(db_url, cot_port=0)
    handle = Door(backend, url, token)
    try:
        report = store.import_files(backend.engine, [read_bytes("units.csv", UNITS_CSV.encode())])
        assert not report.errors, report.errors
        await backend.sync_inventory()
        assert backend.ingest is not None and backend.ingest.unit_of("cot:ANDROID-abc") == "U1"
        count = backend.ingest.count

        def spy(feed: str, *, error: str = "") -> None:
            if feed == "cot" and error:
                handle.errors.append(error)
                handle.counted.set()
            count(feed, error=error)

        monkeypatch.setattr(backend.ingest, "count", spy)
        yield handle
    finally:
        await backend.stop()
        backend.engine.dispose()


class Tak:
    """pytak's CLITool as a TAK client: what goes on its TX queue reaches the door, what the door
    sends arrives on its RX queue."""

    def __init__(self, url: str) -> None:
        config = ConfigParser()
        config["tak"] = {"COT_URL": url, "COT_HOST_ID": "tests-pytak", "MAX_IN_QUEUE": "5000"}
        self.tool = pytak.CLITool(config["tak"])
        self.received: list[ET.Element] = []
        self._task: asyncio.Task[Any] | None = None

    async def __aenter__(self) -> Tak:
        await self.tool.setup()
        self._task = asyncio.create_task(self.tool.run())  # sends its hello (a t-x-d-d) first
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in [self._task, *self.tool.running_tasks]:
            if task is not None:
                task.cancel()
        for task in self.tool.running_tasks:
            worker = getattr(task, "_pytak_worker", None)
            writer = getattr(worker, "writer", None)
            if writer is not None and hasattr(writer, "close"):
                writer.close()
        await asyncio.gather(
            *[t for t in [self._task, *self.tool.running_tasks] if t], return_exceptions=True
        )

    async def send(self, data: bytes) -> None:
        await self.tool.tx_queue.put(data)

    async def until(self, pred: Callable[[ET.Element], bool], timeout: float = WAIT) -> ET.Element:
        """The first event the door sent (kept in ``received``) that satisfies ``pred``, reading
        on until one does."""
        for event in self.received:
            if pred(event):
                return event

        async def wait() -> ET.Element:
            while True:
                event = ET.fromstring(await self.tool.rx_queue.get())
                self.received.append(event)
                if pred(event):
                    return event

        return await asyncio.wait_for(wait(), timeout)


def position(
    uid: str, lat: float = LAT, lon: float = LON, course: float = 90.0, speed: float = 10.0
) -> bytes:
    """A position report as ATAK sends it, made with pytak's helpers."""
    track = ET.Element("track", {"course": str(course), "speed": str(speed)})
    detail = pytak.cot_detail(track)
    event = pytak.cot_event(
        lat=lat,
        lon=lon,
        hae=1050.5,
        ce=6.0,
        uid=uid,
        cot_type="a-f-G-U-C",
        detail=detail,
        callsign=uid,
    )
    return pytak.serialize_cot(event)


def uid_is(uid: str, kind: str | None = None) -> Callable[[ET.Element], bool]:
    return lambda e: e.get("uid") == uid and (kind is None or e.get("type") == kind)


def at(lat: float) -> Callable[[ET.Element], bool]:
    def pred(e: ET.Element) -> bool:
        point = e.find("point")
        return point is not None and abs(float(point.get("lat", "0")) - lat) < 1e-6

    return pred


def moved(unit_id: str, lat: float | None = None) -> Callable[[dict[str, Any]], bool]:
    return lambda m: (
        m.get("type") == "unit.position"
        and m["unit_id"] == unit_id
        and (lat is None or abs(m["lat"] - lat) < 1e-6)
    )


def udp_send(port: int, data: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(data, ("127.0.0.1", port))


async def console(door: Door) -> Client:
    return await open_client(door.url, door.token)


# ------------------------------------------------------------------------------ in


async def test_pytak_over_tcp_moves_the_unit_on_the_consoles(door: Door) -> None:
    client = await console(door)
    async with Tak(door.tcp) as tak:
        await tak.send(position("ANDROID-abc"))
        event = await client.until(moved("U1"))
    assert event["source"] == "cot"
    assert (event["lat"], event["lon"]) == (pytest.approx(LAT), pytest.approx(LON))
    assert event["speed_kmh"] == pytest.approx(36.0)  # 10 m/s
    assert event["heading_deg"] == 90.0
    assert (event["alt_m"], event["accuracy_m"]) == (1050.5, 6.0)
    assert door.errors == []  # pytak's hello (not a position) was ignored, not refused
    assert door.backend.state.positions["U1"]["source"] == "cot"
    await client.ws.close()


async def test_positions_over_udp_from_pytak_and_a_plain_datagram(door: Door) -> None:
    client = await console(door)
    async with Tak(f"udp+wo://127.0.0.1:{door.port}") as tak:
        await tak.send(position("pytak-udp", lat=39.80))
        assert (await client.until(moved("U2", 39.80)))["source"] == "cot"
    now = format_ts(door.backend.clock())
    udp_send(
        door.port,
        f'<event version="2.0" uid="RAW-udp" type="a-f-G-U-C-I" how="h-e" time="{now}"'
        f' start="{now}" stale="{now}"><point lat="39.79" lon="109.97" hae="9999999.0"'
        f' ce="9999999.0" le="9999999.0"/><detail><track course="180" speed="0"/></detail>'
        f"</event>".encode(),
    )
    event = await client.until(moved("U3", 39.79))
    assert event["source"] == "cot" and event["heading_deg"] == 180.0
    assert "alt_m" not in event and "accuracy_m" not in event  # 9999999: unknown
    await client.ws.close()


async def test_an_unknown_uid_is_refused_and_remembered(door: Door) -> None:
    client = await console(door)
    async with Tak(door.tcp) as tak:
        await tak.send(position("GHOST-1", lat=39.7))
        await door.refused(1)
        assert "cot:GHOST-1" in door.errors[0]
        assert door.backend.ingest is not None
        ghost = door.backend.ingest.unregistered["cot:GHOST-1"]
        assert (ghost.door, ghost.attempts, ghost.last_position) == ("cot", 1, (39.7, LON))
        await tak.send(position("ANDROID-abc"))  # the same connection still works
        await client.until(moved("U1"))
    assert all(e.get("unit_id") != "GHOST-1" for e in client.events)
    assert "GHOST-1" not in door.backend.state.units
    await client.ws.close()


async def test_hostile_xml_over_tcp_changes_nothing_and_the_backend_stays_up(door: Door) -> None:
    from tests.documents import COT_BILLION_LAUGHS, COT_XXE

    client = await console(door)
    seq = door.backend.committed_seq
    _reader, writer = await asyncio.open_connection("127.0.0.1", door.port)
    writer.write(COT_BILLION_LAUGHS + COT_XXE)
    await writer.drain()
    await door.refused(2)
    assert all("no DTDs or entities" in e for e in door.errors)
    assert door.backend.committed_seq == seq and door.backend.state.positions == {}
    writer.write(position("ANDROID-abc"))  # same connection, next document
    await writer.drain()
    await client.until(moved("U1"))
    assert [e["type"] for e in client.events] == ["unit.position"]
    result = await client.run("alert.create", ALERT_ARGS)  # and the backend still serves
    assert result["ok"] is True
    writer.close()
    await client.ws.close()


async def test_too_much_without_an_end_closes_the_connection(door: Door) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", door.port)
    writer.write(b"<event>" + b"x" * (cot.MAX_DOC_BYTES + 1024))
    await writer.drain()

    async def until_closed() -> None:
        while await reader.read(65536):
            pass

    await asyncio.wait_for(until_closed(), WAIT)
    await door.refused(1)
    assert "without </event>" in door.errors[0]
    writer.close()
    client = await console(door)  # others still connect and report
    async with Tak(door.tcp) as tak:
        await tak.send(position("ANDROID-abc"))
        await client.until(moved("U1"))
    await client.ws.close()


async def test_connections_over_the_cap_are_closed(door: Door) -> None:
    door.backend.doors["cot"].max_clients = 1
    first = await asyncio.open_connection("127.0.0.1", door.port)
    second_reader, second_writer = await asyncio.open_connection("127.0.0.1", door.port)
    assert await asyncio.wait_for(second_reader.read(), WAIT) == b""
    await door.refused(1)
    assert "CoT connections" in door.errors[0]
    for writer in (first[1], second_writer):
        writer.close()


# ------------------------------------------------------------------------------ out


async def test_tak_clients_see_the_units_and_open_alerts(door: Door) -> None:
    client = await console(door)
    udp_send(door.port, position("WINTAK-4", lat=39.81))
    await client.until(moved("U4", 39.81))
    await client.run("alert.create", ALERT_ARGS)
    first = next(e["alert"] for e in client.events if e["type"] == "alert.new")
    async with Tak(door.tcp) as tak:
        # The picture on connect: the unit with a position and the open alert.
        unit = await tak.until(uid_is("dispatch-unit-U4", "a-f-G-U-C"))
        contact = unit.find("detail/contact")
        assert contact is not None and contact.get("callsign") == "东胜巡逻四组"
        assert unit.find("detail/__group") is not None and unit.find("detail/track") is not None
        marker = await tak.until(uid_is(f"dispatch-alert-{first['id']}", "b-m-p-s-m"))
        remarks = marker.findtext("detail/remarks") or ""
        assert ALERT_ARGS["title"] in remarks and "priority 2" in remarks
        # Units without a position are not drawn.
        assert not any(e.get("uid") == "dispatch-unit-U5" for e in tak.received)

        # Then changes: a new alert, a unit moving, an alert closed.
        await client.run("alert.create", {**ALERT_ARGS, "title": "110报警：打架", "priority": 1})
        second = [e["alert"] for e in client.events if e["type"] == "alert.new"][-1]
        await tak.until(uid_is(f"dispatch-alert-{second['id']}", "b-m-p-s-m"))
        udp_send(door.port, position("WINTAK-4", lat=39.82))
        await tak.until(lambda e: uid_is("dispatch-unit-U4")(e) and at(39.82)(e))
        await client.run(
            "alert.close",
            {"alert_id": second["id"], "disposition": "false_alarm", "version": second["version"]},
        )
        delete = await tak.until(lambda e: e.get("type") == "t-x-d-d")
        link = delete.find("detail/link")
        assert link is not None and link.get("uid") == f"dispatch-alert-{second['id']}"
    await client.ws.close()


async def test_a_client_is_not_sent_its_own_unit_and_updates_are_coalesced(door: Door) -> None:
    client = await console(door)
    async with Tak(door.tcp) as phone, Tak(door.tcp) as watcher:
        await phone.send(position("ANDROID-abc", lat=39.80))
        await client.until(moved("U1", 39.80))
        await watcher.until(uid_is("dispatch-unit-U1"))  # the others see it
        # Several moves in quick succession: at most one event a second per unit per client,
        # the newest last.
        for i in range(1, 6):
            udp_send(door.port, position("WINTAK-4", lat=round(39.80 + i / 1000, 4)))
            await client.until(moved("U4", round(39.80 + i / 1000, 4)))
        await watcher.until(lambda e: uid_is("dispatch-unit-U4")(e) and at(39.805)(e))
        await phone.until(lambda e: uid_is("dispatch-unit-U4")(e) and at(39.805)(e))
        for tak in (phone, watcher):
            u4 = [e for e in tak.received if e.get("uid") == "dispatch-unit-U4"]
            assert 1 <= len(u4) <= 3, len(u4)
        # U1 moved before U4 did: had it been sent to its own phone, it would be there by now.
        assert not any(e.get("uid") == "dispatch-unit-U1" for e in phone.received)
    await client.ws.close()


class Dropped(logging.Handler):
    """Sets ``event`` when the door logs that it cut a client off."""

    def __init__(self) -> None:
        super().__init__()
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "does not read; disconnecting" in record.getMessage():
            self.event.set()


async def test_a_client_that_does_not_read_does_not_stall_the_others(
    door: Door, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cot_out, "STALL_S", 1.0)
    dropped = Dropped()
    logging.getLogger("backend.cot").addHandler(dropped)
    stuck = socket.socket()
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(stuck, ("127.0.0.1", door.port))
    try:
        async with Tak(door.tcp) as tak:
            # Megabytes of markers: far more than the stuck client's socket buffers hold.
            ts = format_ts(door.backend.clock())
            alert = {
                **ALERT_ARGS,
                "description": "",
                "address": "",
                "grid_id": None,
                "status": "new",
                "created_ts": ts,
                "version": 1,
                "owner": "op-1",
                "unit_ids": [],
                "camera_ids": [],
                "history": [],
            }
            alerts = [
                {**alert, "id": f"A-{900000 + i}", "title": f"{i} " + "长" * 1500}
                for i in range(1500)
            ]
            await door.backend.append([{"type": "alert.new", "alert": a} for a in alerts])
            await tak.until(uid_is("dispatch-alert-A-901499"), timeout=30)
            uids = {e.get("uid") for e in tak.received}
            assert {f"dispatch-alert-{a['id']}" for a in alerts} <= uids
            # The stuck client is cut off STALL_S after its socket filled up.
            await asyncio.wait_for(dropped.event.wait(), WAIT)

        async def until_closed() -> int:
            total = 0
            with contextlib.suppress(ConnectionResetError):
                while chunk := await loop.sock_recv(stuck, 65536):
                    total += len(chunk)
            return total

        got = await asyncio.wait_for(until_closed(), WAIT)  # what its sockets held, then EOF
        assert door.backend.doors["cot"].out.slow_disconnects == 1
        assert got < sum(len(cot_out.alert_event(a, 0.0)) for a in alerts) / 2
    finally:
        logging.getLogger("backend.cot").removeHandler(dropped)
        stuck.close()
