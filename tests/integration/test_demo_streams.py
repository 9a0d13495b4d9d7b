"""The demo's cameras through the media gateway: ``serve --demo``'s clips on the backend's HTTP
port (no second process), and the stand-alone demo stream server the video wall tests play."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp

from backend_stub import db
from backend_stub.demo import import_district, serve_demo_clips
from backend_stub.district import build_district
from backend_stub.streams import DemoStreamServer
from tests.live import open_client, start_backend


def _get(port: int, path: str, want: int) -> bytes:
    """The first ``want`` body bytes of ``GET path`` (blocking socket, 10 s timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())  # not chunked
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < want:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n")[0], head
    return body


def test_the_demo_stream_server_serves_clients_and_again_after_a_restart(tmp_path: Path) -> None:
    server = DemoStreamServer(tmp_path, [("C1", "西环路口"), ("C2", "长青路口")], clip_seconds=2)
    server.start()
    try:
        assert _get(server.port, "/C1/sub", 188 * 20)[0] == 0x47  # its clip made on demand
        # A client joining a running stream starts at a keyframe: PAT first.
        body = _get(server.port, "/C1/sub", 188 * 20)
        assert ((body[1] & 0x1F) << 8 | body[2]) == 0
        port = server.port
        server.stop()
        server.start()  # same port
        assert server.port == port
        assert _get(server.port, "/C2/main", 188)[0] == 0x47
    finally:
        server.stop()


async def test_serve_demo_cameras_play_through_the_backends_gateway(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "demo", "operator")
    engine.dispose()
    backend, url = await start_backend(db_url, http_port=0)
    try:
        district = build_district(7, n_units=10)
        serve_demo_clips(backend, district, tmp_path / "clips")
        await import_district(backend, district, None, tmp_path / "clips")
        client = await open_client(url, token)
        assert backend.http is not None
        camera = district.cameras[0]
        answer = await client.run("camera.stream_urls", {"camera_ids": [camera.id]})
        sub = answer["data"]["streams"][camera.id]["sub"]
        assert sub.startswith(f"http://127.0.0.1:{backend.http.port}/media/{camera.id}/sub?")
        async with aiohttp.ClientSession() as session, session.get(sub) as response:
            assert response.status == 200
            assert (await response.content.readexactly(188 * 50))[0] == 0x47
        assert str(tmp_path) not in str(client.snapshot)  # the clip files stay backend-side
        await client.ws.close()
    finally:
        await backend.stop()
        backend.engine.dispose()
