"""A real backend on 127.0.0.1 (port 0) over a real SQLite file, and a bare websockets client
speaking the contract: the pieces integration and UI tests start and talk to."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from websockets.asyncio.client import ClientConnection, connect

from backend_stub import db
from backend_stub.server import Backend


@dataclass
class Running:
    """A started backend plus tokens for each role."""

    backend: Backend
    url: str
    db_url: str
    tokens: dict[str, str] = field(default_factory=dict)


async def start_backend(
    db_url: str, port: int = 0, ssl: Any = None, **kwargs: Any
) -> tuple[Backend, str]:
    engine = db.open_engine(db_url)
    backend = Backend(engine, **kwargs)
    bound = await backend.start("127.0.0.1", port, ssl=ssl)
    return backend, f"{'wss' if ssl else 'ws'}://127.0.0.1:{bound}/ws"


class Client:
    """A bare websockets client speaking the contract, for tests."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.welcome: dict[str, Any] = {}
        self.events: list[dict[str, Any]] = []
        self.snapshot: dict[str, Any] | None = None
        self._n = 0

    async def recv(self, timeout: float = 10) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        msg: dict[str, Any] = json.loads(raw)
        return msg

    async def send(self, msg: Any) -> None:
        await self.ws.send(msg if isinstance(msg, str | bytes) else json.dumps(msg))

    async def command(self, name: str, args: dict[str, Any], cid: str | None = None) -> str:
        self._n += 1
        cid = cid or f"c{self._n}-{id(self)}"
        await self.send({"type": "command", "id": cid, "name": name, "args": args})
        return cid

    async def until(self, pred: Any, timeout: float = 10) -> dict[str, Any]:
        """Read messages (collecting events) until one satisfies ``pred``."""
        while True:
            msg = await self.recv(timeout)
            found = None
            for m in msg["events"] if msg.get("type") == "batch" else [msg]:
                if "seq" in m and m.get("type") not in ("snapshot", "result"):
                    self.events.append(m)
                if m.get("type") == "snapshot":
                    self.snapshot = m
                if found is None and pred(m):
                    found = m
            if found is not None:
                return found

    async def result(self, cid: str) -> dict[str, Any]:
        return await self.until(lambda m: m.get("type") == "result" and m["id"] == cid)

    async def run(self, name: str, args: dict[str, Any], cid: str | None = None) -> dict[str, Any]:
        return await self.result(await self.command(name, args, cid))


async def open_client(url: str, token: str | None, resume_from: int | None = None) -> Client:
    ws = await connect(url, max_size=64 << 20)
    client = Client(ws)
    await client.send(
        {
            "type": "hello",
            "protocol": 1,
            "token": token,
            "client": "tests",
            "resume_from": resume_from,
        }
    )
    client.welcome = await client.recv()
    assert client.welcome["type"] == "welcome", client.welcome
    if resume_from is None:
        client.snapshot = await client.recv()
        assert client.snapshot["type"] == "snapshot"
    return client


ALERT_ARGS = {
    "kind": "call_110",
    "priority": 2,
    "title": "110报警：盗窃",
    "lat": 39.82,
    "lon": 109.98,
}


async def post_sighting(backend: Backend, key: str, body: Any) -> tuple[int, Any]:
    """``POST /api/sightings`` of ``body`` as the sightings source holding ``key``: the status and
    the JSON answer."""
    assert backend.http is not None
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{backend.http.base_url}/api/sightings",
            json=body,
            headers={"Authorization": f"Bearer {key}"},
        ) as r,
    ):
        return r.status, await r.json(content_type=None)
