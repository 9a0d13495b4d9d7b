"""Cameras through the backend's media gateway: a real backend on 127.0.0.1 with its HTTP port,
a real RTSP camera (gst-rtsp-server) with a password, real websocket and HTTP clients."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from backend_stub import db
from backend_stub.inventory.store import import_paths
from backend_stub.server import Backend
from tests.live import Client, open_client, start_backend
from tests.rtsp import RtspCameras

SECRET = "Pa55-w0rd!"


@pytest.fixture
async def site(
    tmp_path: Path, rtsp: Callable[..., RtspCameras]
) -> AsyncIterator[tuple[Backend, str, dict[str, str], RtspCameras]]:
    cams = rtsp("--cameras", "2", "--user", "admin", "--password", SECRET, "--auth", "digest")
    db_url = f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    engine = db.open_engine(db_url)
    tokens = {n: db.add_operator(engine, n, r) for n, r in (("wang", "operator"), ("wall", "wall"))}
    csv = tmp_path / "cameras.csv"
    csv.write_text(
        "id,name,lat,lon,main,sub,username,password\n"
        f"C1,东门,39.82,109.98,{cams.url(1)},{cams.url(2)},admin,{SECRET}\n"
        f"C2,西门,39.83,109.97,{cams.url(2)},,admin,wrong\n",
        encoding="utf-8",
    )
    assert not import_paths(engine, [csv]).errors
    engine.dispose()
    backend, url = await start_backend(db_url, http_port=0, revocation_poll_s=None)
    yield backend, url, tokens, cams
    await backend.stop()
    backend.engine.dispose()


async def _get(url: str) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        if response.status != 200:
            return response.status, await response.read()
        return 200, await response.content.readexactly(188 * 200)


def _cameras(client: Client) -> dict[str, Any]:
    assert client.snapshot is not None
    return {c["id"]: c for c in client.snapshot["state"]["cameras"]}


async def test_consoles_get_gateway_urls_and_tokens_never_the_camera(
    site: tuple[Backend, str, dict[str, str], RtspCameras],
) -> None:
    backend, url, tokens, cams = site
    client = await open_client(url, tokens["wang"])
    cams_on_wire = _cameras(client)
    assert backend.http is not None
    base = f"http://127.0.0.1:{backend.http.port}/media/C1"
    assert cams_on_wire["C1"]["streams"] == {"main": f"{base}/main", "sub": f"{base}/sub"}
    answer = await client.run("camera.stream_urls", {})
    assert answer["ok"], answer
    main = answer["data"]["streams"]["C1"]["main"]
    assert main.startswith(f"{base}/main?token=")
    everything = json.dumps([client.snapshot, answer])
    for secret in (SECRET, "admin", str(cams.port), "rtsp"):
        assert secret not in everything
    status, data = await _get(main)
    assert status == 200 and data[0] == 0x47
    # No token, a forged one, one for another stream or camera: 401.
    token = main.split("token=")[1]
    for bad in (
        f"{base}/main",
        f"{base}/main?token=x{token}",
        f"{base}/sub?token={token}",
        main.replace("/C1/", "/C2/"),
    ):
        assert (await _get(bad))[0] == 401, bad
    await client.ws.close()


async def test_a_wall_renews_its_urls_and_a_revoked_operator_stops_watching(
    site: tuple[Backend, str, dict[str, str], RtspCameras],
) -> None:
    backend, url, tokens, _cams = site
    wall = await open_client(url, tokens["wall"])
    first = (await wall.run("camera.stream_urls", {"camera_ids": ["C1", "nope"]}))["data"]
    assert list(first["streams"]) == ["C1"]
    assert first["ttl_s"] > 60 and first["expires"].endswith("Z")
    sub = first["streams"]["C1"]["sub"]
    async with aiohttp.ClientSession() as session, session.get(sub) as response:
        assert response.status == 200
        await response.content.readexactly(188 * 100)
        operator = db.authenticate(backend.engine, tokens["wall"])
        assert operator is not None
        db.revoke_operator(backend.engine, "wall")  # what `operator revoke wall` does
        backend.close_operator(operator.id)
        with pytest.raises((aiohttp.ClientPayloadError, asyncio.IncompleteReadError)):
            while True:  # the stream ends
                if not await response.content.read(65536):
                    raise asyncio.IncompleteReadError(b"", None)
    assert (await _get(sub))[0] == 401


async def test_a_camera_that_refuses_the_password_goes_offline_unauthorized(
    site: tuple[Backend, str, dict[str, str], RtspCameras],
) -> None:
    _backend, url, tokens, _cams = site
    client = await open_client(url, tokens["wang"])
    urls = (await client.run("camera.stream_urls", {"camera_ids": ["C2"]}))["data"]["streams"]
    status, body = await _get(urls["C2"]["main"])
    assert status == 502 and b"unauthorized" in body
    event = await client.until(
        lambda m: m.get("type") == "camera.upsert" and m["camera"]["id"] == "C2"
    )
    assert event["camera"]["status"] == "offline"
    assert event["camera"]["status_reason"] == "unauthorized"
    await client.ws.close()
