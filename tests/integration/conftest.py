"""The `running` backend (tests.live starts it) with a token per role.

Also a real PostgreSQL server (Debian's ``postgresql`` package), started once per session
when a test asks for ``pg_url``: each test gets a database of its own.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from backend_stub import db
from tests.live import Running, start_backend
from tests.rtsp import RtspCameras

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


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


@pytest.fixture
def rtsp() -> Iterator[Callable[..., RtspCameras]]:
    started: list[RtspCameras] = []

    def start(*args: str) -> RtspCameras:
        started.append(RtspCameras(*args))
        return started[-1]

    yield start
    for cams in started:
        cams.stop()
