"""A real RTSP camera for tests: tools/rtsp_camera.py (GStreamer's gst-rtsp-server) run by the
system Python, which has GStreamer's bindings (python3-gi)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = "/usr/bin/python3"


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
