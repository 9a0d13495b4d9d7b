"""Sign-in with a password, token expiry and revocation, TLS, and the audit trail."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from backend_stub import cli, db
from console.domain.store import Store
from console.services.client import BackendClient, LinkState, LinkStatus
from tests.live import ALERT_ARGS, open_client, start_backend

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend_stub", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def _login(url: str, name: str, password: str) -> tuple[object, dict[str, object]]:
    ws = await connect(url, max_size=64 << 20)
    hello = {"type": "hello", "protocol": 1, "token": None, "client": "tests"}
    await ws.send(json.dumps({**hello, "login": {"name": name, "password": password}}))
    return ws, json.loads(await ws.recv())


async def test_sign_in_issues_a_token_and_secrets_stay_out_of_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db_url = f"sqlite:///{tmp_path / 'auth.sqlite3'}"
    done = _cli(
        "operator",
        "add",
        "wang",
        "--role",
        "commander",
        "--password-stdin",
        "--db",
        db_url,
        stdin=PASSWORD + "\n",
    )
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    engine = db.open_engine(db_url)
    stored = engine.connect().execute(db.select(db.OperatorRow.password_hash)).scalar()
    engine.dispose()
    assert stored is not None and stored.startswith("scrypt$16384$8$1$")
    assert PASSWORD not in stored

    caplog.set_level(logging.DEBUG)
    backend, url = await start_backend(db_url)
    try:
        ws, welcome = await _login(url, "wang", PASSWORD)
        assert welcome["type"] == "welcome"
        assert welcome["operator"]["role"] == "commander"  # type: ignore[index]
        token = welcome["token"]
        assert isinstance(token, str) and token.startswith("tk-")
        expires = dt.datetime.fromisoformat(str(welcome["token_expires"]).replace("Z", "+00:00"))
        hours = (expires - dt.datetime.now(dt.UTC)).total_seconds() / 3600
        assert 11.9 < hours <= 12.0
        await ws.close()  # type: ignore[attr-defined]
        # The token signs in on its own.
        client = await open_client(url, token)
        assert (await client.run("alert.create", ALERT_ARGS))["ok"]
        await client.ws.close()
        # A wrong password: unauthorized, 4401.
        ws, refused = await _login(url, "wang", "wrong")
        assert refused["code"] == "unauthorized"
        with pytest.raises(ConnectionClosed) as info:
            await ws.recv()  # type: ignore[attr-defined]
        assert info.value.rcvd is not None and info.value.rcvd.code == 4401
        # The token and password never reached a log record.
        text = "\n".join(r.getMessage() for r in caplog.records)
        assert "signed in" in text
        assert token not in text and token.split(".")[1] not in text
        assert PASSWORD not in text
    finally:
        await backend.stop()
        backend.engine.dispose()


async def test_token_expires(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'ttl.sqlite3'}"
    engine = db.open_engine(db_url)
    db.add_operator(engine, "li", "operator", password=PASSWORD)
    signed = db.sign_in(engine, "li", PASSWORD, ttl_s=60, now=1000.0)
    assert signed is not None
    _, token, expires = signed
    assert expires == 1060.0
    assert db.authenticate(engine, token, now=1059.0) is not None
    assert db.authenticate(engine, token, now=1060.0) is None
    assert db.sign_in(engine, "li", "nope", ttl_s=60) is None
    assert db.sign_in(engine, "nobody", PASSWORD, ttl_s=60) is None
    engine.dispose()


async def test_revoke_closes_live_connections_4401(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'revoke.sqlite3'}"
    engine = db.open_engine(db_url)
    account_token = db.add_operator(engine, "zhao", "operator", password=PASSWORD)
    other = db.add_operator(engine, "qian", "operator")
    engine.dispose()
    backend, url = await start_backend(db_url, revocation_poll_s=0.05)
    try:
        ws, welcome = await _login(url, "zhao", PASSWORD)
        by_account = await open_client(url, account_token)
        bystander = await open_client(url, other)
        done = await asyncio.to_thread(_cli, "operator", "revoke", "zhao", "--db", db_url)
        assert done.returncode == 0, done.stderr
        for conn in (ws, by_account.ws):
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    await asyncio.wait_for(conn.recv(), 10)  # type: ignore[attr-defined]
            assert info.value.rcvd is not None and info.value.rcvd.code == 4401
        # Both tokens are dead; the bystander is untouched; the password signs in again.
        for token in (welcome["token"], account_token):
            async with connect(url) as c:
                await c.send(json.dumps({"type": "hello", "protocol": 1, "token": token}))
                assert json.loads(await c.recv())["code"] == "unauthorized"
        assert (await bystander.run("log.write", {"text": "still here"}))["ok"]
        ws3, again = await _login(url, "zhao", PASSWORD)
        assert again["type"] == "welcome"
        await ws3.close()  # type: ignore[attr-defined]
        await bystander.ws.close()
    finally:
        await backend.stop()
        backend.engine.dispose()


def _make_certs(tmp_path: Path) -> tuple[Path, Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Dispatch CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = (
        tmp_path / "ca.pem",
        tmp_path / "server.pem",
        tmp_path / "server.key",
    )
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_file, cert_file, key_file


async def _status(
    client: BackendClient, states: set[LinkState], seen: list[LinkStatus], changed: asyncio.Event
) -> LinkStatus:
    async def wait() -> LinkStatus:
        while True:
            for s in seen:
                if s.state in states:
                    return s
            changed.clear()
            await changed.wait()

    return await asyncio.wait_for(wait(), 10)


async def test_tls_trusted_and_untrusted(tmp_path: Path) -> None:
    pytest.importorskip("cryptography", reason="cryptography makes the test certificates")
    ca_file, cert_file, key_file = _make_certs(tmp_path)
    db_url = f"sqlite:///{tmp_path / 'tls.sqlite3'}"
    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "op", "operator")
    engine.dispose()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    backend, url = await start_backend(db_url, ssl=context)
    try:
        for ca, want in ((str(ca_file), LinkState.LIVE), (None, LinkState.RECONNECTING)):
            seen: list[LinkStatus] = []
            changed = asyncio.Event()

            def on_status(
                s: LinkStatus, seen: list[LinkStatus] = seen, ev: asyncio.Event = changed
            ) -> None:
                seen.append(s)
                ev.set()

            client = BackendClient(url, token, Store(), ca_file=ca, on_status=on_status)
            client.start()
            status = await _status(client, {LinkState.LIVE, LinkState.RECONNECTING}, seen, changed)
            assert status.state is want, status
            if want is LinkState.RECONNECTING:
                assert status.detail.startswith("certificate not trusted: "), status.detail
            await client.stop()
    finally:
        await backend.stop()
        backend.engine.dispose()


def test_cli_tls_flags_must_pair() -> None:
    with pytest.raises(SystemExit):
        cli._tls(cli._parser().parse_args(["serve", "--cert", "x.pem"]))


async def test_audit_log_is_append_only_and_exports(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "sun", "operator")
    engine.dispose()
    backend, url = await start_backend(db_url)
    client = await open_client(url, token)
    await client.run("alert.create", ALERT_ARGS, cid="a1")
    await client.run("alert.acknowledge", {"alert_id": "A-nope", "version": 1}, cid="a2")
    await client.run("alert.create", ALERT_ARGS, cid="a1")  # a repeat is not a new entry
    await client.ws.close()
    await backend.stop()
    backend.engine.dispose()
    out = tmp_path / "audit.jsonl"
    done = _cli(
        "audit", "export", "--db", db_url, "-o", str(out), "--since", "2000-01-01T00:00:00.000Z"
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(e["command_id"], e["name"]) for e in lines] == [
        ("a1", "alert.create"),
        ("a2", "alert.acknowledge"),
    ]
    assert lines[0]["operator"]["name"] == "sun" and lines[0]["args"] == ALERT_ARGS
    assert lines[0]["result"]["ok"] is True
    assert lines[1]["result"]["error"]["code"] == "not_found"
    assert lines[0]["ts"].endswith("Z")
    future = _cli("audit", "export", "--db", db_url, "--since", "2999-01-01T00:00:00.000Z")
    assert future.stdout == ""
    engine = db.open_engine(db_url)
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(db.delete(db.AuditRow))
    engine.dispose()
