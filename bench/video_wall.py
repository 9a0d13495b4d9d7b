"""Video wall bench: 16 tiles of 640x360@25 H.264 from the local demo stream server.

Prints frames delivered per tile against the source rate, CPU of this (console) process
against a baseline in the same run, time to first frame, recovery after a server restart
(p50), and 36 tiles on sub streams. The last line is one JSON object.

Baseline: ``cvlc`` refuses to run as root (CI), so the baseline is 16 bare python-vlc players
in this process decoding the same streams into a frame callback that does nothing (no
painting, no Qt). The stream server runs in a child process, so its CPU is not counted.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python bench/video_wall.py``
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import vlc  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from backend_stub.streams import DemoStreamServer, default_folder, demo_cameras  # noqa: E402
from console.domain.store import Store  # noqa: E402
from console.video import TileState  # noqa: E402
from widgets.bridge import StoreBridge  # noqa: E402
from widgets.theme import Theme  # noqa: E402
from widgets.video_wall import VideoWallPanel, VlcEngine  # noqa: E402
from widgets.video_wall.player import DEFAULT_VLC_ARGS  # noqa: E402

SOURCE_FPS = 25.0
MEASURE_S = 10.0
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float:
    """User + system CPU of this process (all threads) from /proc."""
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def wait_until(pred: Callable[[], bool], timeout: float) -> bool:
    """Run Qt until ``pred`` holds (bench only: QTest.qWait turns the event loop)."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            return False
        QTest.qWait(20)
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """The demo stream server in a child process (restartable on the same port)."""

    def __init__(self, port: int, cameras: int) -> None:
        self.port, self.cameras = port, cameras
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "backend_stub.streams", "--cameras", str(self.cameras),
             "--port", str(self.port)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("streaming on"):
                return
        raise RuntimeError("stream server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


def baseline(urls: list[str]) -> dict[str, float]:
    """Bare python-vlc players, frame callback doing nothing: frames/s per player and CPU."""
    inst = vlc.Instance(list(DEFAULT_VLC_ARGS))
    w, h = 480, 270
    buf = ctypes.create_string_buffer(w * h * 4)
    counts = [0] * len(urls)
    keep = []
    players = []
    for i, url in enumerate(urls):

        def locked(_o: object, planes: ctypes.Array[ctypes.c_void_p]) -> int:
            planes[0] = ctypes.addressof(buf)
            return 0

        lock = vlc.CallbackDecorators.VideoLockCb(locked)
        unlock = vlc.CallbackDecorators.VideoUnlockCb(lambda *_: None)

        def shown(_o: object, _p: object, i: int = i) -> None:
            counts[i] += 1

        display = vlc.CallbackDecorators.VideoDisplayCb(shown)
        keep += [lock, unlock, display]
        mp = inst.media_player_new()
        mp.video_set_callbacks(lock, unlock, display, None)
        mp.video_set_format("RV32", w, h, w * 4)
        mp.set_media(inst.media_new(url, ":network-caching=300"))
        mp.play()
        players.append(mp)
    wait_until(lambda: all(counts), 20)
    QTest.qWait(2000)
    c0, f0, t0 = cpu_seconds(), list(counts), time.monotonic()
    QTest.qWait(int(MEASURE_S * 1000))
    dt = time.monotonic() - t0
    cpu = (cpu_seconds() - c0) / dt
    fps = [(counts[i] - f0[i]) / dt for i in range(len(urls))]
    for mp in players:
        mp.stop()
        mp.release()
    inst.release()
    return {"cpu_cores": cpu, "fps_min": min(fps), "fps_mean": statistics.mean(fps)}


def wall_run(panel: VideoWallPanel, layout: str, stream: str, ids: list[str]) -> dict[str, float]:
    """Open cameras on the wall, wait for them, measure delivered fps and CPU."""
    panel.set_layout(layout)
    tiles = panel.visible_tiles()
    for t in tiles:
        t.stream_override = stream
    t_open = time.monotonic()
    panel.open_cameras(ids[: len(tiles)])
    ok = wait_until(lambda: all(t.state is TileState.LIVE for t in tiles), 60)
    ttff = [t.first_frame_s for t in tiles if t.first_frame_s is not None]
    all_live_s = time.monotonic() - t_open
    QTest.qWait(2000)
    c0, f0, t0 = cpu_seconds(), [t.frames for t in tiles], time.monotonic()
    QTest.qWait(int(MEASURE_S * 1000))
    dt = time.monotonic() - t0
    cpu = (cpu_seconds() - c0) / dt
    fps = [(t.frames - f) / dt for t, f in zip(tiles, f0, strict=True)]
    return {
        "all_live": float(ok),
        "all_live_s": all_live_s,
        "ttff_p50_s": statistics.median(ttff) if ttff else -1.0,
        "ttff_max_s": max(ttff) if ttff else -1.0,
        "fps_min": min(fps),
        "fps_mean": statistics.mean(fps),
        "delivered_ratio_min": min(fps) / SOURCE_FPS,
        "cpu_cores": cpu,
    }


def recovery(panel: VideoWallPanel, server: ServerProcess) -> dict[str, float]:
    """Restart the server; seconds from restart until each tile is live again."""
    tiles = panel.visible_tiles()
    server.stop()
    wait_until(lambda: all(t.state is not TileState.LIVE for t in tiles), 20)
    server.start()
    t0 = time.monotonic()
    back: dict[int, float] = {}

    def check() -> bool:
        for i, t in enumerate(tiles):
            if i not in back and t.state is TileState.LIVE:
                back[i] = time.monotonic() - t0
        return len(back) == len(tiles)

    wait_until(check, 60)
    times = sorted(back.values())
    return {
        "recovered": len(times) / len(tiles),
        "p50_s": statistics.median(times) if times else -1.0,
        "max_s": times[-1] if times else -1.0,
    }


def main() -> int:
    """Run the bench; prints figures and a final JSON line."""
    cams = demo_cameras(36)
    ids = [c for c, _ in cams]
    print("making clips (cached after the first run)…", flush=True)
    DemoStreamServer(default_folder(), cams).prepare()
    server = ServerProcess(free_port(), 36)
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    app = QApplication(sys.argv[:1])
    result: dict[str, object] = {"source_fps": SOURCE_FPS, "measure_s": MEASURE_S}
    try:
        base16 = baseline([f"{base}/{c}/main" for c in ids[:16]])
        print(f"baseline 16 bare players: {base16['cpu_cores']:.2f} cores, "
              f"fps min {base16['fps_min']:.1f}")  # fmt: skip
        result["baseline_16_main"] = base16

        from backend_stub.district import build_district

        wire = build_district().to_wire_cameras(base)[:36]
        store = Store()
        store.load_snapshot(
            1, {"units": [], "alerts": [], "cameras": wire, "talkgroups": [], "layers": [],
                "log": []},
        )  # fmt: skip
        engine = VlcEngine()
        panel = VideoWallPanel(StoreBridge(store), Theme("dark"), engine=engine)
        panel.resize(1920, 1080)
        panel.show()
        try:
            w16 = wall_run(panel, "16", "main", ids)
            w16["cpu_ratio_vs_baseline"] = w16["cpu_cores"] / max(1e-6, base16["cpu_cores"])
            print(f"wall 16 main: {w16}")
            result["wall_16_main"] = w16
            rec = recovery(panel, server)
            print(f"recovery after server restart: {rec}")
            result["recovery_16"] = rec
            w36 = wall_run(panel, "36", "sub", ids)
            print(f"wall 36 sub: {w36}")
            result["wall_36_sub"] = w36
        finally:
            panel.shutdown()
            engine.shutdown()
    finally:
        server.stop()
        del app
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
