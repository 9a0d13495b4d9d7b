"""Serves a recording's media (radio audio, images) over HTTP on 127.0.0.1 for replay.

libVLC plays a URL; the recorded audio lives in the recording file. This small server (one
daemon thread per request, no asyncio) answers ``GET /media/{hash}{suffix}`` from the file,
with ``Range`` support because libVLC seeks in HTTP files with range requests. In replay,
:meth:`MediaServer.local_url` turns a call's original ``audio_url`` into the server's URL, so
the radio log and the replay's audio play from the recording when the backend is gone.
"""

from __future__ import annotations

import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from console.storage.recording import RecordingFile

log = logging.getLogger(__name__)

_PATH_RE = re.compile(r"^/media/([0-9a-f]{64})(\.[A-Za-z0-9]{1,8})?$")
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


class MediaServer:
    """HTTP access to the media of one recording.

    Args:
        file: the open recording.
        host: listen address (loopback only by default).
        port: 0 picks a free port.
    """

    def __init__(self, file: RecordingFile, host: str = "127.0.0.1", port: int = 0) -> None:
        self.file = file
        self._index: dict[str, str] = {}
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._answer(self, body=True)

            def do_HEAD(self) -> None:
                server._answer(self, body=False)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug(format, *args)

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        address = self._httpd.server_address
        self.host, self.port = str(address[0]), int(address[1])
        self._thread: threading.Thread | None = None
        self.refresh()

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the server."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> MediaServer:
        """Serve in a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, name="media-server", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port (blocking, short)."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def refresh(self) -> None:
        """Re-read which audio URLs the recording holds (after an import or export)."""
        self._index = self.file.audio_index()

    def local_url(self, audio_url: str | None) -> str | None:
        """The URL serving ``audio_url``'s recorded bytes (None: not in the recording)."""
        if not audio_url:
            return None
        digest = self._index.get(audio_url)
        if digest is None:
            return None
        suffix = ".wav" if audio_url.split("?", 1)[0].lower().endswith(".wav") else ""
        return f"{self.base_url}/media/{digest}{suffix}"

    # ---- request side (server threads)

    def _answer(self, req: BaseHTTPRequestHandler, *, body: bool) -> None:
        self.requests += 1
        match = _PATH_RE.match(req.path)
        found = self.file.media(match.group(1)) if match else None
        if found is None:
            req.send_error(404)
            return
        content_type, data = found
        size = len(data)
        start, end = 0, size - 1
        status = 200
        rng = _RANGE_RE.match(req.headers.get("Range", "").strip())
        if rng and (rng.group(1) or rng.group(2)):
            if rng.group(1):
                start = int(rng.group(1))
                end = min(int(rng.group(2)), size - 1) if rng.group(2) else size - 1
            else:  # the last N bytes
                start = max(0, size - int(rng.group(2)))
            if start >= size or start > end:
                req.send_response(416)
                req.send_header("Content-Range", f"bytes */{size}")
                req.end_headers()
                return
            status = 206
        req.send_response(status)
        req.send_header("Content-Type", content_type)
        req.send_header("Accept-Ranges", "bytes")
        req.send_header("Content-Length", str(end - start + 1))
        if status == 206:
            req.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        req.end_headers()
        if body:
            try:
                req.wfile.write(data[start : end + 1])
            except (BrokenPipeError, ConnectionResetError):
                pass  # libVLC closes connections it no longer needs
