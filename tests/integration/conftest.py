"""A real backend on 127.0.0.1 (port 0) over a real SQLite file, and a real websockets client.

Also a real PostgreSQL server (Debian's ``postgresql`` package), started once per session
when a test asks for ``pg_url``: each test gets a database of its own.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from backend_stub import db
from backend_stub.server import Backend

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"  # has GStreamer's bindings (python3-gi)


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


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    db_url = f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    engine = db.open_engine(db_url)
    tokens = {
        role: db.add_operator(engine, f"{role}-1", role)
        for role in ("operator", "commander", "trainer", "wall")
    }
    tokens["operator2"] = db.add_operator(engine, "operator-2", "operator")
    engine.dispose()
    backend, url = await start_backend(db_url)
    handle = Running(backend, url, db_url, tokens)
    yield handle
    await handle.backend.stop()
    handle.backend.engine.dispose()


class Client:
    """A bare websockets client speaking the contract, for tests."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.welcome: dict[str, Any] = {}
        self.events: list[dict[str, Any]] = []
        self.snapshot: dict[str, Any] | None = None
        self._n = 0

    async def recv(self, timeout: float = 10) -> dict[str, Any]:
        import asyncio

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server on a free port (fsync off); yields its base URL (no database)."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN} (Debian: postgresql-15)")
    pytest.importorskip("psycopg", reason="the psycopg driver is not installed")
    data = Path(tempfile.mkdtemp(prefix="dispatch-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres user
        shutil.chown(data, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    pgdata = data / "data"
    subprocess.run(
        [*run_as, str(PG_BIN / "initdb"), "-D", str(pgdata), "-U", "postgres", "-A", "trust"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    subprocess.run(
        [
            *run_as,
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(pgdata),
            "-w",
            "-t",
            "60",
            "-l",
            str(data / "log"),
            "-o",
            f"-p {port} -h 127.0.0.1 -k {data} -c fsync=off",
            "start",
        ],
        check=True,
        capture_output=True,
        timeout=90,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*run_as, str(PG_BIN / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"],
            check=False,
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """A fresh, empty database on the test PostgreSQL server."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    libpq = pg_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{libpq}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{pg_server}/{name}"


class RtspCameras:
    """tools/rtsp_camera.py in a subprocess: ``url(i)`` of camera i, ``sessions`` it started."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [SYSTEM_PYTHON, str(ROOT / "tools" / "rtsp_camera.py"), "--port", "0", *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.startswith("ready "), f"the RTSP server did not start: {line!r}"
        self.port = int(line.split()[1])
        self.lines: list[str] = []

    def url(self, i: int = 1, user: str = "", password: str = "") -> str:
        auth = f"{user}:{password}@" if user else ""
        return f"rtsp://{auth}127.0.0.1:{self.port}/cam{i}"

    def stop(self) -> list[str]:
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=10)
        return out.splitlines()


@pytest.fixture
def rtsp() -> Iterator[Callable[..., RtspCameras]]:
    started: list[RtspCameras] = []

    def start(*args: str) -> RtspCameras:
        started.append(RtspCameras(*args))
        return started[-1]

    yield start
    for cams in started:
        cams.stop()
