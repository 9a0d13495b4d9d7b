"""JT/T 808 terminals over real TCP into a real backend, seen by a real websocket client.

The terminals are built from the standard in ``tests/jt808_terminal.py`` (not with the
codec under test). Nothing sleeps: every step waits on a reply or an event, with a timeout.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from backend_stub import db
from backend_stub.inventory import store
from backend_stub.inventory.read import read_bytes
from backend_stub.server import Backend
from tests.jt808_terminal import (
    TIMEOUT,
    TcpTerminal,
    Terminal,
    batch_body,
    location_body,
)
from tests.live import Client, open_client, start_backend
from tests.waiting import until

UNITS_CSV = (
    "id,callsign,kind,device_ids\n"
    "U1,东胜巡逻一组,patrol_car,jt808:013912345678\n"
    "U2,康巴什巡逻二组,patrol_car,jt808:013900000002\n"
    "U3,伊旗巡逻三组,patrol_car,jt808:13912340003\n"  # as the contract writes it
    "U4,备勤车,patrol_car,osmand:860000004\n"
)
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Env:
    backend: Backend
    url: str
    tokens: dict[str, str]

    @property
    def jt808_port(self) -> int:
        return int(self.backend.doors["jt808"].port)


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    db_url = f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    engine = db.open_engine(db_url)
    tokens = {
        role: db.add_operator(engine, f"{role}-1", role) for role in ("operator", "commander")
    }
    engine.dispose()
    backend, url = await start_backend(db_url, jt808_port=0)
    report = store.import_files(backend.engine, [read_bytes("units.csv", UNITS_CSV.encode())])
    assert not report.errors, report.errors
    await backend.sync_inventory()
    yield Env(backend, url, tokens)
    await backend.stop()
    backend.engine.dispose()


def seen(client: Client, unit_id: str) -> list[dict[str, Any]]:
    return [
        e for e in client.events if e.get("type") == "unit.position" and e["unit_id"] == unit_id
    ]


async def positions(client: Client, unit_id: str, n: int) -> list[dict[str, Any]]:
    """The first ``n`` positions of ``unit_id`` the client got (waiting for them)."""
    while len(seen(client, unit_id)) < n:
        await client.until(
            lambda m: m.get("type") == "unit.position" and m["unit_id"] == unit_id, TIMEOUT
        )
    return seen(client, unit_id)[:n]


def close_to(a: float, b: float) -> bool:
    return abs(a - b) < 1e-6


async def test_a_2013_terminal_registers_authenticates_and_reports(env: Env) -> None:
    client = await open_client(env.url, env.tokens["operator"])
    term = await TcpTerminal.open(env, "013912345678")
    await term.sign_in()
    assert (await term.ask(0x0002))["result"] == 0  # heartbeat
    now = time.time()
    assert await term.locate(39.812345, 109.987654, now - 60, speed_kmh=42.5, heading=90) == 0
    (pos,) = await positions(client, "U1", 1)
    assert pos["source"] == "jt808"
    assert close_to(pos["lat"], 39.812345) and close_to(pos["lon"], 109.987654)
    assert (pos["speed_kmh"], pos["heading_deg"]) == (42.5, 90.0)

    # A batch (blind-area backfill), newest first: applied in time order.
    batch = batch_body(
        [location_body(39.80 + i / 1000, 109.90, now - 10 * i) for i in (1, 2, 3)], kind=1
    )
    assert (await term.ask(0x0704, batch))["result"] == 0
    got = (await positions(client, "U1", 4))[1:]
    assert [round(p["lat"], 6) for p in got] == [39.803, 39.802, 39.801]
    assert env.backend.state.positions["U1"]["lat"] == pytest.approx(39.801)
    await term.close()
    await client.ws.close()


async def test_a_2019_terminal_and_a_position_south_and_west(env: Env) -> None:
    client = await open_client(env.url, env.tokens["operator"])
    term = await TcpTerminal.open(env, "00000000013900000002", edition=2019)
    await term.sign_in()
    assert await term.locate(-33.45, -70.66, time.time() - 5, alt=520) == 0
    (pos,) = await positions(client, "U2", 1)
    assert pos["source"] == "jt808" and pos["alt_m"] == 520.0
    assert close_to(pos["lat"], -33.45) and close_to(pos["lon"], -70.66)
    await term.close()
    await client.ws.close()


async def test_the_inventory_may_name_the_phone_without_its_leading_zero(env: Env) -> None:
    client = await open_client(env.url, env.tokens["operator"])
    term = await TcpTerminal.open(env, "013912340003")
    await term.sign_in()
    assert await term.locate(39.7, 109.8, time.time() - 5) == 0
    assert close_to((await positions(client, "U3", 1))[0]["lat"], 39.7)
    await term.close()
    await client.ws.close()


async def test_an_unknown_terminal_gets_result_4_until_a_commander_assigns_it(env: Env) -> None:
    commander = await open_client(env.url, env.tokens["commander"])
    term = await TcpTerminal.open(env, "013999999999")
    for _ in range(2):
        registered = await term.register()
        assert registered["result"] == 4 and registered["code"] == ""
    entry = env.backend.ingest.unregistered["jt808:013999999999"] if env.backend.ingest else None
    assert entry is not None and (entry.door, entry.attempts) == ("jt808", 2)
    listed = await commander.run("device.unregistered", {})
    devices = {d["device"]: d for d in listed["data"]["devices"]}
    assert devices["jt808:013999999999"]["attempts"] == 2
    assert await term.locate(39.8, 109.9, time.time() - 5) == 1  # not authenticated either

    assigned = await commander.run(
        "device.assign", {"device": "jt808:013999999999", "unit_id": "U4"}
    )
    assert assigned["ok"], assigned
    await term.sign_in()
    assert await term.locate(39.81, 109.91, time.time() - 4) == 0
    assert close_to((await positions(commander, "U4", 1))[0]["lat"], 39.81)
    await term.close()
    await commander.ws.close()


async def test_a_location_before_authentication_is_refused(env: Env) -> None:
    client = await open_client(env.url, env.tokens["operator"])
    term = await TcpTerminal.open(env, "013912345678")
    now = time.time()
    assert await term.locate(10.0, 10.0, now - 30) == 1
    registered = await term.register()
    assert await term.locate(11.0, 11.0, now - 25) == 1  # registered, not authenticated
    assert await term.authenticate("not-the-code") == 1
    assert await term.authenticate(registered["code"]) == 0
    assert await term.locate(39.8, 109.9, now - 20) == 0
    (first,) = await positions(client, "U1", 1)  # the refused ones never arrived before it
    assert close_to(first["lat"], 39.8)
    await term.close()

    # A reconnect must authenticate again; a re-register's fresh code replaces the old one.
    again = await TcpTerminal.open(env, "013912345678")
    assert await again.locate(39.81, 109.9, now - 10) == 1
    fresh = await again.register()
    assert fresh["result"] == 0 and fresh["code"] != registered["code"]
    assert await again.authenticate(registered["code"]) == 1
    assert await again.authenticate(fresh["code"]) == 0
    assert await again.locate(39.82, 109.9, now - 5) == 0
    assert close_to((await positions(client, "U1", 2))[1]["lat"], 39.82)
    await again.close()
    await client.ws.close()


async def test_an_old_fix_does_not_move_the_unit_back(env: Env) -> None:
    client = await open_client(env.url, env.tokens["operator"])
    term = await TcpTerminal.open(env, "013912345678")
    await term.sign_in()
    now = time.time()
    assert await term.locate(39.80, 109.90, now - 10) == 0
    assert await term.locate(39.70, 109.70, now - 20) == 1  # older: refused
    assert await term.locate(39.60, 109.60, now + 3600) == 1  # from the future: refused
    assert await term.locate(39.81, 109.91, now - 5) == 0
    got = await positions(client, "U1", 2)
    assert [round(p["lat"], 6) for p in got] == [39.80, 39.81]
    assert env.backend.state.positions["U1"]["lat"] == pytest.approx(39.81)
    await term.close()
    await client.ws.close()


async def test_broken_frames_get_result_2_and_the_connection_survives(env: Env) -> None:
    client = await open_client(env.url, env.tokens["operator"])
    term = await TcpTerminal.open(env, "013912345678")
    await term.sign_in()
    now = time.time()
    body = location_body(30.0, 100.0, now - 9)
    broken = await term.ask(0x0200, body, corrupt_checksum=True)
    assert broken["result"] == 2
    assert (await term.ask(0x0200, body[:20]))["result"] == 2  # a short location
    assert (await term.ask(0x0900, b"\x01\x02"))["result"] == 3  # not supported
    frame = term.term.frame(0x0200, location_body(30.0, 100.0, now - 8))
    await term.send_raw(frame[:-3] + b"\x7d\x09\x7e")  # mis-escaped
    reply = await term.reply()
    assert reply.fields["result"] == 2 and reply.fields["reply_serial"] == term.term.last_serial
    await term.send_raw(b"\x7e\x01\x02\x7e" + b"garbage")  # no header: dropped, no answer
    assert (await term.ask(0x0002))["result"] == 0  # still here
    assert await term.locate(39.8, 109.9, now - 1) == 0
    (pos,) = await positions(client, "U1", 1)  # the first position it accepted
    assert close_to(pos["lat"], 39.8)
    await term.close()
    await client.ws.close()


async def test_an_oversized_frame_closes_only_that_connection(env: Env) -> None:
    term = await TcpTerminal.open(env, "013912345678")
    await term.sign_in()
    await term.send_raw(b"\x7e" + b"\x01" * 3000 + b"\x7e")
    assert await term.closed()
    flood = await TcpTerminal.open(env, "013912345678")
    await flood.send_raw(b"\x01" * (65 * 1024))  # no 0x7e at all
    assert await flood.closed()
    other = await TcpTerminal.open(env, "013912345678")
    await other.sign_in()  # the door still serves
    await other.close()


async def test_a_silent_terminal_is_closed_and_a_talking_one_is_not(env: Env) -> None:
    door = env.backend.doors["jt808"]
    door.idle_timeout = 0.3
    silent = await TcpTerminal.open(env, "013900000002")
    talking = await TcpTerminal.open(env, "013912345678")
    await talking.sign_in()
    await silent.sign_in()
    started = time.monotonic()
    while time.monotonic() - started < 1.0:  # over three idle timeouts of heartbeats
        assert (await talking.ask(0x0002))["result"] == 0
    assert await silent.closed()
    assert door.connections == 1
    await talking.close()


async def test_a_terminal_that_does_not_read_its_replies_is_cut_off(env: Env) -> None:
    door = env.backend.doors["jt808"]
    door.idle_timeout = 0.3
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", env.jt808_port))
    _reader, writer = await asyncio.open_connection(sock=sock)
    heartbeats = Terminal("013912345678")
    chunk = b"".join(heartbeats.frame(0x0002) for _ in range(2000))
    with pytest.raises(ConnectionError):  # it never reads: the door cuts it off
        for _ in range(10_000):
            writer.write(chunk)
            await asyncio.wait_for(writer.drain(), TIMEOUT)
    writer.close()
    await until(lambda: door.connections == 0)
    other = await TcpTerminal.open(env, "013900000002")
    await other.sign_in()  # the door still serves
    await other.close()


@dataclass
class Listening:
    jt808_port: int


async def test_the_serve_process_takes_terminals_on_its_own_event_loop(tmp_path: Path) -> None:
    # `serve` runs on uvloop where it is installed, whose transports differ from asyncio's:
    # the door must work there too, not only on the test's loop.
    db_url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "op", "operator")
    report = store.import_files(engine, [read_bytes("units.csv", UNITS_CSV.encode())])
    assert not report.errors, report.errors
    engine.dispose()
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "backend_stub", "serve", "--port", "0", "--db", db_url),
        *("--jt808-port", "0"),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        ports: dict[str, int] = {}
        while True:
            line = (await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)).decode()
            assert line, "the backend exited before listening"
            if line.startswith("listening on "):
                url = line.split()[2]
                break
            name, _, where = line.strip().partition(" on ")
            ports[name] = int(where.rpartition(":")[2])
        client = await open_client(url, token)
        term = await TcpTerminal.open(Listening(ports["jt808"]), "013912345678")
        await term.sign_in()
        assert await term.locate(39.81, 109.98, time.time() - 5) == 0
        (pos,) = await positions(client, "U1", 1)
        assert pos["source"] == "jt808" and close_to(pos["lat"], 39.81)
        await term.close()
        await client.ws.close()
    finally:
        proc.terminate()
        await proc.wait()
