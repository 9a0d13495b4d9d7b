"""Protocol 2 and the priority lane, on a real backend with real websockets clients.

* ``hello`` negotiates the protocol: 1 stays exactly as it was (every fix, consecutive seqs);
  2 sends fixes as unsequenced ``positions`` frames and every other event in ``batch`` frames
  framed by ``from``/``upto``, gap-free.
* A client that falls behind gets the newest fix of each unit (latest wins), every other event,
  and is never dropped; its command answers overtake queued traffic, in protocol 1 too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from backend_stub import db
from tests.fences import fix, unit
from tests.live import ALERT_ARGS, Running, open_client, start_backend

UNITS = [f"U{i:03d}" for i in range(200)]


async def _hello(
    url: str, token: str, protocol: int, resume_from: int | None = None, *, slow: bool = False
) -> Any:
    sock = None
    if slow:
        # A client that reads slowly: a small receive buffer, so what it has not read stays
        # queued in the backend (on loopback, megabytes would otherwise sit in socket buffers).
        host, port = url.removeprefix("ws://").split("/")[0].split(":")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect((host, int(port)))
        sock.setblocking(False)
    ws = await connect(url, max_size=64 << 20, sock=sock, max_queue=1 if slow else 16)
    hello = {"type": "hello", "protocol": protocol, "token": token, "resume_from": resume_from}
    await ws.send(json.dumps(hello))
    welcome = json.loads(await ws.recv())
    assert welcome["type"] == "welcome", welcome
    return ws, welcome


async def _frames_until(
    ws: ClientConnection, done: Any, timeout: float = 20, rate: float | None = None
) -> list[Any]:
    """Frames until ``done(frame, frames)``; with ``rate``, a console busy applying them: after
    each frame it takes len(events) / rate seconds before it reads the next."""
    frames = []
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            frames.append(frame)
            if done(frame, frames):
                return frames
            if rate is not None:
                await asyncio.sleep(len(frame.get("events", ())) / rate)


def _marker(text: str) -> Any:
    return lambda f, _all: any(
        e.get("type") == "log.entry" and e["entry"]["text"] == text
        for e in (f.get("events", []) if f["type"] == "batch" else [f])
    )


async def test_protocol_is_negotiated_and_1_is_unchanged(running: Running) -> None:
    token = running.tokens["operator"]
    await running.backend.append([unit(u, f"P{u}") for u in UNITS[:3]])
    v1, w1 = await _hello(running.url, token, 1)
    v2, w2 = await _hello(running.url, token, 2)
    assert (w1["protocol"], w2["protocol"]) == (1, 2)
    for ws in (v1, v2):
        assert json.loads(await ws.recv())["type"] == "snapshot"
    await running.backend.append(
        [fix(u, (39.8 + k / 1000, 109.9)) for k, u in enumerate(UNITS[:3])]
    )
    writer = await open_client(running.url, running.tokens["commander"])
    await writer.run("log.write", {"text": "end"})
    got1 = await _frames_until(v1, _marker("end"))
    got2 = await _frames_until(v2, _marker("end"))
    # Protocol 1: every event, fixes included, seqs consecutive, no positions frames.
    events1 = [e for f in got1 for e in (f["events"] if f["type"] == "batch" else [f])]
    seqs = [e["seq"] for e in events1]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert sum(e["type"] == "unit.position" for e in events1) == 3
    assert all(f["type"] != "positions" for f in got1)
    # Protocol 2: the fixes in a positions frame, the rest framed by from/upto.
    fixes = [e for f in got2 if f["type"] == "positions" for e in f["events"]]
    assert sorted(e["unit_id"] for e in fixes) == UNITS[:3]
    others = [f for f in got2 if f["type"] != "positions"]
    assert all(e["type"] != "unit.position" for f in others for e in f.get("events", [f]))
    for ws in (v1, v2):
        await ws.close()
    await writer.ws.close()


async def test_a_client_that_falls_behind_gets_the_newest_fixes_and_every_other_event(
    running: Running,
) -> None:
    backend, token = running.backend, running.tokens["operator"]
    await backend.append([unit(u, f"P{u}") for u in UNITS])
    slow, _ = await _hello(running.url, token, 2, slow=True)
    snapshot = json.loads(await slow.recv())
    last = snapshot["seq"]
    # While it reads nothing: 400 rounds of fixes of 200 units (80,000 fixes, about 14 MB,
    # more than socket buffers hold) with a log entry every 40 rounds.
    for r in range(400):
        await backend.append(
            [fix(u, (39.0 + r / 1000, 109.0 + k / 1000)) for k, u in enumerate(UNITS)]
        )
        if r % 40 == 39:
            await backend.append([{"type": "log.entry", "entry": _entry(r)}])
    await backend.flush()
    writer = await open_client(running.url, running.tokens["commander"])
    await writer.run("log.write", {"text": "end"})
    frames = await _frames_until(slow, _marker("end"), timeout=30)
    # State events go ahead of fixes: the newest fixes may still follow "end".
    final = 39.0 + 399 / 1000

    def settled(_f: Any, got: list[Any]) -> bool:
        last_fix = {
            e["unit_id"]: e["lat"] for x in got if x["type"] == "positions" for e in x["events"]
        }
        return all(last_fix.get(u) == final for u in UNITS)

    if not settled(None, frames):
        frames += await _frames_until(slow, lambda f, got: settled(f, frames + got), timeout=30)
    assert backend.slow_disconnects == 0 and slow.close_code is None
    newest: dict[str, float] = {}
    fixes = 0
    for f in frames:
        if f["type"] == "positions":
            for e in f["events"]:
                fixes += 1
                newest[e["unit_id"]] = e["lat"]
            continue
        events = f["events"] if f["type"] == "batch" else [f]
        if f["type"] == "batch" and "from" in f:
            assert f["from"] <= last + 1, "a gap in the sequenced events"
            last = max(last, f["upto"])
        for e in events:
            assert e["type"] != "unit.position"
    # Every unit ends at its newest fix; far fewer fixes were sent than made (latest wins).
    assert newest == dict.fromkeys(UNITS, final)
    assert fixes < 80_000 / 2
    texts = [
        e["entry"]["text"]
        for f in frames
        if f["type"] == "batch"
        for e in f["events"]
        if e["type"] == "log.entry"
    ]
    assert texts == [f"round {r}" for r in range(39, 400, 40)] + ["end"]
    await slow.close()
    await writer.ws.close()


def _entry(r: int) -> dict[str, Any]:
    return {
        "id": f"L-9{r:05d}",
        "ts": "2026-12-07T02:00:00.000Z",
        "author": None,
        "text": f"round {r}",
        "alert_id": None,
        "talkgroup": None,
    }


async def test_answers_overtake_queued_events_in_protocol_1(running: Running) -> None:
    """A protocol 1 client that is behind on its events still gets its command's answer at
    once: results carry no seq, so they go ahead of the frames queued for it."""
    backend = running.backend
    await backend.append([unit(u, f"P{u}") for u in UNITS])
    ws, _ = await _hello(running.url, running.tokens["operator"], 1, slow=True)
    assert json.loads(await ws.recv())["type"] == "snapshot"
    for r in range(300):  # queued for it while it reads nothing
        await backend.append([fix(u, (39.0 + r / 1000, 109.0)) for u in UNITS])
    await backend.flush()
    await ws.send(
        json.dumps({"type": "command", "id": "c-1", "name": "alert.create", "args": ALERT_ARGS})
    )
    frames = await _frames_until(ws, lambda f, _all: f["type"] == "result")
    assert frames[-1]["ok"] is True
    after = 0
    async with asyncio.timeout(20):
        while True:  # the events queued before the answer still come, in order, after it
            f = json.loads(await ws.recv())
            events = f["events"] if f["type"] == "batch" else [f]
            after += len(events)
            if any(e["type"] == "alert.new" for e in events):
                break
    positions_before = sum(len(f["events"]) if f["type"] == "batch" else 1 for f in frames[:-1])
    assert positions_before + after >= 300 * len(UNITS)  # every fix, protocol 1
    assert after > len(UNITS) * 50  # the answer overtook at least 50 rounds still queued
    await ws.close()


async def test_resume_in_protocol_2_sends_the_newest_fixes(running: Running) -> None:
    backend, token = running.backend, running.tokens["operator"]
    await backend.append([unit(u, f"P{u}") for u in UNITS[:5]])
    ws, _ = await _hello(running.url, token, 2)
    seq = json.loads(await ws.recv())["seq"]
    await ws.close()
    for r in range(20):
        await backend.append([fix(u, (39.0 + r / 100, 109.0)) for u in UNITS[:5]])
    await backend.append([{"type": "log.entry", "entry": _entry(7)}])
    await backend.flush()
    again, welcome = await _hello(running.url, token, 2, resume_from=seq)
    frames = await _frames_until(
        again,
        lambda f, got: (
            sum(len(x["events"]) for x in got if x["type"] == "positions") >= 5
            and any(x["type"] == "batch" for x in got)
        ),
    )
    batch = next(f for f in frames if f["type"] == "batch")
    assert batch["from"] == seq + 1 and batch["upto"] == welcome["head_seq"]
    assert [e["entry"]["text"] for e in batch["events"]] == ["round 7"]
    fixes = {
        e["unit_id"]: e["lat"] for f in frames if f["type"] == "positions" for e in f["events"]
    }
    assert fixes == dict.fromkeys(UNITS[:5], 39.19)
    await again.close()


async def test_a_slow_console_gets_each_answer_ahead_of_a_round_of_fixes_and_stays(
    running: Running,
) -> None:
    """A console that applies 20,000 events a second, far behind on fixes (every unit moved
    four times while it read nothing), sends commands: each answer comes before it has applied
    even one round of the units' fixes, and it is never dropped."""
    backend = running.backend
    many = [f"M{i:04d}" for i in range(6000)]
    await backend.append([unit(u, f"C{u}") for u in many])
    ws, _ = await _hello(running.url, running.tokens["operator"], 2, slow=True)
    assert json.loads(await ws.recv())["type"] == "snapshot"
    newest: dict[str, tuple[float, float]] = {}

    def note(frames: list[Any]) -> None:
        for f in frames:
            for e in f["events"] if f["type"] == "positions" else []:
                newest[e["unit_id"]] = (e["lat"], e["lon"])

    for k in range(3):
        for r in range(4):  # every unit moves while the console reads nothing
            await backend.append([fix(u, (39.0 + r / 1000, 109.0 + k / 100)) for u in many])
        await backend.flush()
        await ws.send(
            json.dumps(
                {"type": "command", "id": f"c-{k}", "name": "log.write", "args": {"text": "x"}}
            )
        )
        frames = await _frames_until(ws, lambda f, _all: f["type"] == "result", rate=20_000)
        note(frames)
        assert frames[-1]["id"] == f"c-{k}" and frames[-1]["ok"] is True
        before = sum(len(f["events"]) for f in frames if f["type"] == "positions")
        assert before < len(many), f"the answer waited behind {before} fixes"
    # It stays connected and ends with the newest fix of every unit.
    final = (39.003, 109.02)

    def settled(f: Any, _all: Any) -> bool:
        note([f])
        return len(newest) == len(many) and all(v == final for v in newest.values())

    await _frames_until(ws, settled, timeout=30)
    assert backend.slow_disconnects == 0 and ws.close_code is None
    await ws.close()


class _SlowLink:
    """A TCP relay on 127.0.0.1 that passes the backend's bytes to the client at ``rate``
    bytes a second (4 KiB socket buffers on both sides): a console on a slow link, or one
    whose machine is too busy to read faster."""

    def __init__(self, url: str, rate: float) -> None:
        self.host, port = url.removeprefix("ws://").split("/")[0].split(":")
        self.port = int(port)
        self.rate = rate
        self.server: asyncio.Server | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return f"ws://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/ws"

    async def _relay(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (self.host, self.port))
        backend_r, backend_w = await asyncio.open_connection(sock=sock, limit=4096)
        client_w.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)

        async def pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter, rate: float) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await r.read(4096):
                    w.write(data)
                    await w.drain()
                    if rate:
                        await asyncio.sleep(len(data) / rate)
            w.close()

        for task in (
            asyncio.create_task(pipe(backend_r, client_w, self.rate)),
            asyncio.create_task(pipe(client_r, backend_w, 0)),
        ):
            self.tasks.add(task)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.server is not None:
            self.server.close()


async def test_a_console_on_a_slow_link_gets_its_snapshot_answers_and_stays(
    tmp_path: Path,
) -> None:
    """A console whose link takes several keepalive intervals to carry its snapshot gets the
    whole snapshot, stays connected (a keepalive ping every second), gets each
    answer ahead of the fixes that keep coming faster than the link carries them (behind less
    than a second of the link), and ends with the newest fix of every unit."""
    db_url = f"sqlite:///{tmp_path / 'slow.sqlite3'}"
    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "operator-1", "operator")
    engine.dispose()
    backend, url = await start_backend(db_url, keepalive_s=1.0)
    rate = 128 << 10  # bytes a second
    link = _SlowLink(url, rate)
    many = [f"S{i:04d}" for i in range(3000)]
    moving = many[:300]
    stop = asyncio.Event()

    async def traffic() -> None:  # 3,000 fixes (300 KB) a second: more than the link carries
        r = 0
        while not stop.is_set():
            r += 1
            await backend.append([fix(u, (39.0 + r / 10_000, 109.0)) for u in moving])
            await asyncio.sleep(0.1)

    try:
        await backend.append([unit(u, f"C{u}") for u in many])
        await backend.append([fix(u, (39.5, 109.5)) for u in many])
        await backend.flush()
        feed = asyncio.create_task(traffic())
        ws = await connect(await link.start(), max_size=64 << 20, max_queue=1)
        hello = {"type": "hello", "protocol": 2, "token": token, "resume_from": None}
        await ws.send(json.dumps(hello))
        assert json.loads(await ws.recv())["type"] == "welcome"
        async with asyncio.timeout(60):
            raw = await ws.recv()
        snapshot = json.loads(raw)
        assert snapshot["type"] == "snapshot"
        assert len(raw) > 4 * rate  # it took more than four keepalive intervals to come
        assert {p["unit_id"] for p in snapshot["state"]["positions"]} == set(many)
        for k in range(3):
            await ws.send(
                json.dumps(
                    {"type": "command", "id": f"s-{k}", "name": "log.write", "args": {"text": "x"}}
                )
            )
            frames = await _frames_until(ws, lambda f, _all: f["type"] == "result", timeout=30)
            assert frames[-1]["id"] == f"s-{k}" and frames[-1]["ok"] is True
            # Ahead of it less than a second of what the link carries (not a backlog).
            before = sum(len(json.dumps(f)) for f in frames[:-1])
            assert before < rate, f"the answer waited behind {before} bytes"
        stop.set()
        await feed
        await backend.flush()
        final = backend.state.positions[moving[0]]["lat"]
        newest: dict[str, float] = {}

        def settled(f: Any, _all: Any) -> bool:
            for e in f["events"] if f["type"] == "positions" else []:
                newest[e["unit_id"]] = e["lat"]
            return all(newest.get(u) == final for u in moving)

        await _frames_until(ws, settled, timeout=30)
        assert backend.slow_disconnects == 0 and ws.close_code is None
        await ws.close()
    finally:
        stop.set()
        await link.stop()
        await backend.stop()
        backend.engine.dispose()
