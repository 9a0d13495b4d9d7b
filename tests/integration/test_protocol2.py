"""Protocol 2 and the priority lane, on a real backend with real websockets clients.

* ``hello`` negotiates the protocol: 1 stays exactly as it was (every fix, consecutive seqs);
  2 sends fixes as unsequenced ``positions`` frames and every other event in ``batch`` frames
  framed by ``from``/``upto``, gap-free.
* A client that falls behind gets the newest fix of each unit (latest wins), every other event,
  and is never dropped; its command answers overtake queued traffic, in protocol 1 too.
"""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from tests.fences import fix, unit
from tests.live import ALERT_ARGS, Running, open_client

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


async def _frames_until(ws: ClientConnection, done: Any, timeout: float = 20) -> list[Any]:
    frames = []
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            frames.append(frame)
            if done(frame, frames):
                return frames


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
