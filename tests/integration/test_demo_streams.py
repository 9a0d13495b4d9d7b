"""The demo stream server over real sockets: warm channels stream before anyone watches."""

from __future__ import annotations

import socket
from pathlib import Path

from backend_stub.streams import DemoStreamServer


def _get(port: int, path: str, want: int) -> bytes:
    """The first ``want`` body bytes of ``GET path`` (blocking socket, 10 s timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < want:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    return body


def test_warm_channels_stream_from_the_start_and_again_after_a_restart(tmp_path: Path) -> None:
    server = DemoStreamServer(tmp_path, [("C1", "西环路口"), ("C2", "长青路口")], clip_seconds=2)
    server.prepare()
    server.warm(["C1"], ["sub"])
    server.start()
    try:
        warm = server._channels[("C1", "sub")]
        assert warm.pinned and warm.gop and warm.proc is not None  # running, nobody watching
        assert ("C2", "sub") not in server._channels  # others start on their first client
        # A first client gets the current GOP at once: PAT first, then a keyframe's packets.
        body = _get(server.port, "/C1/sub", 188 * 20)
        assert body[0] == 0x47 and len(body) >= 188 * 20
        assert ((body[1] & 0x1F) << 8 | body[2]) == 0  # PAT
        server.stop()
        assert not server._channels
        server.start()  # same port; warm again before it accepts anyone
        assert server._channels[("C1", "sub")].gop
        assert _get(server.port, "/C2/main", 188)[0] == 0x47
    finally:
        server.stop()
