"""The backend on a real PostgreSQL server, started by the test (Debian's postgresql package)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend_stub import db
from tests.integration.conftest import ALERT_ARGS, open_client, start_backend

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN} (Debian: postgresql-15)")
    pytest.importorskip("psycopg", reason="the psycopg driver is not installed")
    data = Path(tempfile.mkdtemp(prefix="dispatch-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres user
        shutil.chown(data, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
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
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*run_as, str(PG_BIN / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"],
            check=False,
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(data, ignore_errors=True)


async def test_backend_on_postgresql(pg_url: str) -> None:
    engine = db.open_engine(pg_url)
    token = db.add_operator(engine, "pg-op", "operator", password="pw")
    engine.dispose()
    backend, url = await start_backend(pg_url)
    client = await open_client(url, token)
    created = await client.run("alert.create", ALERT_ARGS, cid="pg-1")
    assert created["ok"]
    alert = client.events[-1]["alert"]
    ack = await client.run("alert.acknowledge", {"alert_id": alert["id"], "version": 1})
    assert ack["ok"]
    assert (await client.run("alert.create", ALERT_ARGS, cid="pg-1")) == created
    head = backend.committed_seq
    await client.ws.close()
    await backend.stop()
    backend.engine.dispose()
    # Restart on the same database: state, seq and idempotency survive; resume works.
    backend, url = await start_backend(pg_url)
    try:
        assert backend.committed_seq == head
        assert backend.state.alerts[alert["id"]]["status"] == "acknowledged"
        resumed = await open_client(url, token, resume_from=head - 1)
        await resumed.until(lambda m: m.get("seq") == head)
        assert (await resumed.run("alert.create", ALERT_ARGS, cid="pg-1")) == created
        fresh = await resumed.run("log.write", {"text": "on postgres"})
        assert fresh["seq"] == head + 1
        await resumed.ws.close()
        audit = list(db.audit_entries(backend.engine))
        assert [a["name"] for a in audit] == ["alert.create", "alert.acknowledge", "log.write"]
        assert db.sign_in(backend.engine, "pg-op", "pw", 60) is not None
    finally:
        await backend.stop()
        backend.engine.dispose()
