"""Nothing acknowledged is lost: a backend process killed with SIGKILL, and the console outbox."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from sqlalchemy import select
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from backend_stub import db
from console.domain.store import Store
from console.services.client import BackendClient, LinkState
from console.storage.outbox import Outbox
from tests.live import open_client, start_backend
from tests.waiting import until

ROOT = Path(__file__).resolve().parents[2]


async def _spawn_backend(db_url: str) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "backend_stub",
        "serve",
        "--port",
        "0",
        "--db",
        db_url,
        "--command-rate",
        "100000",
        "--command-burst",
        "100000",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    while True:
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        assert line, "the backend exited before listening"
        if line.startswith("listening on "):
            return proc, line.split()[2]


async def test_sigkilled_backend_keeps_every_acknowledged_event(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'kill.sqlite3'}"
    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "op", "operator")
    engine.dispose()
    proc, url = await _spawn_backend(db_url)
    client = await open_client(url, token)
    acked: dict[int, str] = {}
    # Pipelined commands; the kill lands while many are still in flight.
    for i in range(300):
        await client.command("log.write", {"text": f"entry {i}"}, cid=f"k{i}")
    with contextlib.suppress(ConnectionClosed):
        while len(acked) < 300:
            msg = await client.until(lambda m: m.get("type") == "result")
            assert msg["ok"], msg
            acked[msg["seq"]] = msg["id"]
            if len(acked) == 120:
                proc.send_signal(signal.SIGKILL)
    await proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert len(acked) >= 120
    # Restart on the same database: every acknowledged event is there, seq has no gap.
    proc, url = await _spawn_backend(db_url)
    try:
        engine = db.open_engine(db_url)
        with engine.connect() as conn:
            rows = conn.execute(select(db.EventRow.seq, db.EventRow.body)).all()
        engine.dispose()
        seqs = sorted(r[0] for r in rows)
        assert seqs == list(range(1, len(seqs) + 1))
        bodies = {r[0]: r[1] for r in rows}
        for seq, cid in acked.items():
            assert f'"entry {cid[1:]}"' in bodies[seq]
        head = seqs[-1]
        again = await open_client(url, token)
        assert again.welcome["head_seq"] == head
        # A re-sent acknowledged command is answered from the log, not run again.
        first_seq, first_id = next(iter(acked.items()))
        replay = await again.run("log.write", {"text": "ignored"}, cid=first_id)
        assert replay["seq"] == first_seq
        fresh = await again.run("log.write", {"text": "after restart"})
        assert fresh["seq"] == head + 1
        await again.ws.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        await proc.wait()


async def test_outbox_sends_commands_issued_offline_exactly_once(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'outbox-backend.sqlite3'}"
    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "op", "operator")
    engine.dispose()
    box_path = tmp_path / "console" / "outbox.sqlite3"

    # 1. A console with no backend: the commands wait on disk, then it dies.
    first = BackendClient("ws://127.0.0.1:9/ws", token, Store(), outbox=Outbox(box_path))
    first.start()
    futures = [first.command("log.write", {"text": f"offline {i}"}) for i in range(3)]
    ids = list(first.session.pending)
    await first.stop()  # flushes the outbox writes; nothing was answered
    assert not any(f.done() for f in futures)
    assert [e.command_id for e in Outbox(box_path).entries()] == ids

    # 2. A restarted console with the same outbox, now with a backend: sent once each.
    backend, url = await start_backend(db_url)
    answered: list[str] = []
    changed = asyncio.Event()

    def on_answer(a: object) -> None:
        answered.append(a.command_id)  # type: ignore[attr-defined]
        changed.set()

    box = Outbox(box_path)
    second = BackendClient(url, token, Store(), outbox=box, on_answer=on_answer)
    second.start()
    await until(lambda: len(answered) == 3, timeout=10, wake=changed)
    assert answered == ids
    await second.stop()
    assert box.entries() == []
    texts = [e["text"] for e in backend.state.log]
    assert texts == ["offline 0", "offline 1", "offline 2"]
    assert backend.committed_seq == 3
    await backend.stop()
    backend.engine.dispose()


async def test_outbox_after_answers_were_lost_is_still_exactly_once(tmp_path: Path) -> None:
    """The backend ran the commands, the console died before it saw the answers."""
    db_url = f"sqlite:///{tmp_path / 'lossy.sqlite3'}"
    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "op", "operator")
    engine.dispose()
    backend, url = await start_backend(db_url)
    box_path = tmp_path / "outbox.sqlite3"
    forwarded: list[dict[str, object]] = []
    got = asyncio.Event()

    # A proxy that forwards commands to the real backend and swallows every answer.
    async def lossy(ws: object) -> None:
        import json

        upstream = await open_client(url, token)
        hello = json.loads(await ws.recv())  # type: ignore[attr-defined]
        assert hello["type"] == "hello"
        await ws.send(json.dumps({**upstream.welcome}))  # type: ignore[attr-defined]
        await ws.send(json.dumps(upstream.snapshot))  # type: ignore[attr-defined]
        async for raw in ws:  # type: ignore[attr-defined]
            msg = json.loads(raw)
            answer = await upstream.run(msg["name"], msg["args"], cid=msg["id"])
            if msg["name"] == "log.write":  # not the console's own operator.list query
                forwarded.append(answer)
            got.set()

    async with serve(lossy, "127.0.0.1", 0) as proxy:
        port = next(iter(proxy.sockets)).getsockname()[1]
        first = BackendClient(f"ws://127.0.0.1:{port}/ws", token, Store(), outbox=Outbox(box_path))
        first.start()
        for i in range(3):
            first.command("log.write", {"text": f"lost answer {i}"})
        ids = list(first.session.pending)
        await until(lambda: len(forwarded) == 3, timeout=10, wake=got)
        await first.stop()  # killed: it never saw an answer
    assert backend.committed_seq == 3
    seqs = [f["seq"] for f in forwarded]

    answers: dict[str, int | None] = {}
    changed = asyncio.Event()

    def on_answer(a: object) -> None:
        answers[a.command_id] = a.seq  # type: ignore[attr-defined]
        changed.set()

    box = Outbox(box_path)
    second = BackendClient(url, token, Store(), outbox=box, on_answer=on_answer)
    second.start()
    await until(lambda: len(answers) == 3, timeout=10, wake=changed)
    await until(lambda: second.status.state is LinkState.LIVE, timeout=10, wake=changed)
    assert [answers[i] for i in ids] == seqs  # the first answers, not new events
    await second.stop()
    assert box.entries() == []
    assert backend.committed_seq == 3
    assert [e["text"] for e in backend.state.log] == [f"lost answer {i}" for i in range(3)]
    await backend.stop()
    backend.engine.dispose()
