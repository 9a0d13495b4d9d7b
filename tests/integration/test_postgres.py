"""The backend on a real PostgreSQL server, started by the test (the ``pg_url`` fixture)."""

from __future__ import annotations

from backend_stub import db
from tests.live import ALERT_ARGS, open_client, start_backend


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
