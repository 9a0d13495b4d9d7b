"""Limits against real sockets: command rate, connection cap, a client that stops reading."""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from backend_stub import db
from tests.live import open_client, start_backend


@pytest.fixture
def db_url(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'limits.sqlite3'}"
    engine = db.open_engine(url)
    token = db.add_operator(engine, "op", "operator")
    engine.dispose()
    return url, token


async def test_command_rate_limit_answers_rate_limited(db_url: tuple[str, str]) -> None:
    url, token = db_url
    backend, ws_url = await start_backend(url, command_rate=2.0, command_burst=5)
    try:
        client = await open_client(ws_url, token)
        ids = [await client.command("log.write", {"text": f"n{i}"}) for i in range(30)]
        answers = {cid: await client.result(cid) for cid in ids}
        ok = [a for a in answers.values() if a["ok"]]
        limited = [a for a in answers.values() if not a["ok"]]
        # The burst passes, then about 2/s: the 30 go out within well under a second.
        assert 5 <= len(ok) <= 8, len(ok)
        assert all(a["error"]["code"] == "rate_limited" for a in limited)
        assert "commands a second" in limited[0]["error"]["message"]
        assert backend.committed_seq == len(ok)
        await client.ws.close()
    finally:
        await backend.stop()
        backend.engine.dispose()


async def test_rate_limited_id_runs_when_sent_again(db_url: tuple[str, str]) -> None:
    url, token = db_url
    backend, ws_url = await start_backend(url, command_rate=0.001, command_burst=1)
    try:
        client = await open_client(ws_url, token)
        assert (await client.run("log.write", {"text": "first"}))["ok"]
        refused = await client.run("log.write", {"text": "second"}, cid="again")
        assert refused["error"]["code"] == "rate_limited"
        await client.ws.close()
        # A new connection has a new bucket; the refused id was never recorded.
        client = await open_client(ws_url, token)
        done = await client.run("log.write", {"text": "second"}, cid="again")
        assert done["ok"] and done["seq"] == 2
        await client.ws.close()
    finally:
        await backend.stop()
        backend.engine.dispose()


async def test_connection_cap_refuses_with_503(db_url: tuple[str, str]) -> None:
    url, token = db_url
    backend, ws_url = await start_backend(url, max_connections=2)
    try:
        a = await open_client(ws_url, token)
        b = await open_client(ws_url, token)
        with pytest.raises(InvalidStatus) as info:
            await connect(ws_url)
        assert info.value.response.status_code == 503
        assert backend.refused_connections == 1
        await a.ws.close()
        await a.ws.wait_closed()
        # A slot is free again once a connection is gone.
        while backend.connections >= 2:
            backend.connections_changed.clear()
            await asyncio.wait_for(backend.connections_changed.wait(), 5)
        c = await open_client(ws_url, token)
        await c.ws.close()
        await b.ws.close()
    finally:
        await backend.stop()
        backend.engine.dispose()


def _log_body(i: int, size: int) -> dict[str, object]:
    return {
        "type": "log.entry",
        "entry": {
            "id": f"L-{i:07d}",
            "ts": "2026-11-28T00:00:00.000Z",
            "author": None,
            # Random: websockets compresses frames, and repeated text would shrink to nothing.
            "text": f"{i} " + secrets.token_urlsafe(size)[:size],
        },
    }


async def test_client_that_stops_reading_is_dropped_and_resumes(db_url: tuple[str, str]) -> None:
    url, token = db_url
    limit = 1 << 20
    backend, ws_url = await start_backend(url, slow_client_bytes=limit, slow_client_frames=500)
    try:
        # A real socket with a tiny receive buffer, and a client that never reads it.
        port = int(ws_url.rsplit(":", 1)[1].split("/")[0])
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        sock.setblocking(False)
        slow = await connect(ws_url, sock=sock, max_queue=1, max_size=64 << 20)
        await slow.send('{"type":"hello","protocol":1,"token":"' + token + '","resume_from":null}')
        reader = await open_client(ws_url, token)  # a healthy client alongside
        assert len(backend._clients) == 2
        most_queued = 0
        i = 0
        while backend.slow_disconnects == 0:
            assert i < 1000, "the slow client was never dropped"
            await backend.append([_log_body(i * 20 + k, 3000) for k in range(20)])
            i += 1
            for c in backend._clients:
                most_queued = max(most_queued, c.queued_bytes)
            if i % 10 == 0:  # the healthy one keeps up
                head = backend.committed_seq
                await reader.until(lambda m, head=head: m.get("seq") == head)
        head = backend.committed_seq
        # Dropped before its queue passed the limit: memory stays bounded.
        assert most_queued <= limit
        assert len(backend._clients) == 1
        # The slow client, reading again, finds the 1008 close after what was in flight.
        code = None
        seen: list[int] = []
        try:
            while True:
                raw = await asyncio.wait_for(slow.recv(), 10)
                if '"seq"' in raw and '"welcome"' not in raw and '"snapshot"' not in raw:
                    msg = json.loads(raw)
                    for e in msg["events"] if msg["type"] == "batch" else [msg]:
                        seen.append(e["seq"])
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
        assert code == 1008
        last = seen[-1] if seen else 0
        assert seen == list(range(1, last + 1))
        assert last < head
        # It comes back with resume_from and gets exactly what it missed.
        back = await open_client(ws_url, token, resume_from=last)
        while not back.events or back.events[-1]["seq"] < head:
            await back.until(lambda m: "seq" in m)
        assert [e["seq"] for e in back.events] == list(range(last + 1, head + 1))
        await back.ws.close()
        await reader.ws.close()
    finally:
        await backend.stop()
        backend.engine.dispose()
