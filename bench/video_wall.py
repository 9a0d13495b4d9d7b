"""Video wall bench: 16 tiles of 640x360@25 H.264 from the local demo stream server.

Prints frames delivered per tile against the source rate, CPU of this (console) process
against a baseline in the same run, time to first frame, recovery after a server restart
(p50), and 36 tiles on sub streams; with ``xvfb-run`` present, also 16 tiles on the native
X11 output (libVLC drawing into the tiles' windows) in a child process on a virtual display.
The last line is one JSON object.

Baseline (the ``cvlc`` equivalent; the ``vlc`` binary refuses to run as root and there may be
no display): 16 bare libVLC players in this process playing the same 16 streams with
``--vout=dummy``, i.e. libVLC decoding every picture and handing it to a video output that
costs nothing, as cvlc's GPU output would on a desktop. No Python runs per frame: frames are
counted from libVLC's own statistics. A second reference, ``baseline_16_vmem``, decodes into
480x270 RV32 memory through callbacks (the CPU scaling and conversion the wall also does).
The stream server runs in a child process, so its CPU is not counted; its first 16 cameras
stream from its start whether watched or not (``--warm 16``), as real cameras do, so
"recovery after a server restart" is measured from the moment the server serves again.

Waiting uses a ``QEventLoop`` (as the console's own loop does), never ``QTest.qWait``: that
keeps Python's GIL while Qt runs, starving every libVLC callback thread of this process.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python bench/video_wall.py``
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import vlc  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from backend_stub.streams import DemoStreamServer, default_folder, demo_cameras  # noqa: E402
from console.domain.store import Store  # noqa: E402
from console.video import TileState  # noqa: E402
from widgets.bridge import StoreBridge  # noqa: E402
from widgets.media import DEFAULT_VLC_ARGS, VlcEngine  # noqa: E402
from widgets.theme import Theme  # noqa: E402
from widgets.video_wall import VideoWallPanel  # noqa: E402

SOURCE_FPS = 25.0
MEASURE_S = 10.0
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float:
    """User + system CPU of this process (all threads) from /proc."""
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def run_qt(ms: int) -> None:
    """Turn Qt's event loop for ``ms`` (releases the GIL, unlike ``QTest.qWait``)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(pred: Callable[[], bool], timeout: float, step_ms: int = 20) -> bool:
    """Run Qt until ``pred`` holds; False after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            return False
        run_qt(step_ms)
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """The demo stream server in a child process (restartable on the same port).

    ``warm`` cameras stream from the server's start whether watched or not, as real cameras
    and media servers do; "started" means they are streaming (it prints its line after that).
    """

    def __init__(self, port: int, cameras: int, warm: int = 0) -> None:
        self.port, self.cameras, self.warm = port, cameras, warm
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "backend_stub.streams", "--cameras", str(self.cameras),
             "--warm", str(self.warm),
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


def _displayed(mp: vlc.MediaPlayer) -> int:
    st = vlc.MediaStats()
    media = mp.get_media()
    return int(st.displayed_pictures) if media is not None and media.get_stats(st) else 0


def baseline_dummy(urls: list[str]) -> dict[str, float]:
    """cvlc equivalent: libVLC decodes every stream to a no-cost video output."""
    inst = vlc.Instance([*DEFAULT_VLC_ARGS, "--vout=dummy"])
    players = []
    for url in urls:
        mp = inst.media_player_new()
        media = inst.media_new(url, ":network-caching=300")
        mp.set_media(media)
        mp.play()
        players.append(mp)
    deadline = time.monotonic() + 30
    while not all(_displayed(mp) for mp in players) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2)
    c0, f0, t0 = cpu_seconds(), [_displayed(mp) for mp in players], time.monotonic()
    time.sleep(MEASURE_S)
    dt = time.monotonic() - t0
    cpu = (cpu_seconds() - c0) / dt
    fps = [(_displayed(mp) - f) / dt for mp, f in zip(players, f0, strict=True)]
    for mp in players:
        mp.stop()
        mp.release()
    inst.release()
    return {"cpu_cores": cpu, "fps_min": min(fps), "fps_mean": statistics.mean(fps)}


def baseline_vmem(urls: list[str]) -> dict[str, float]:
    """Bare players decoding into 480x270 RV32 memory through callbacks that do nothing."""
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
    deadline = time.monotonic() + 30
    while not all(counts) and time.monotonic() < deadline:
        time.sleep(0.1)  # time.sleep releases the GIL: the callbacks run meanwhile
    time.sleep(2)
    c0, f0, t0 = cpu_seconds(), list(counts), time.monotonic()
    time.sleep(MEASURE_S)
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
    run_qt(2000)
    c0, f0, t0 = cpu_seconds(), [t.frames for t in tiles], time.monotonic()
    run_qt(int(MEASURE_S * 1000))
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


def accepts(port: int, timeout: float = 60) -> float:
    """Monotonic time at which ``port`` first accepts a TCP connection (polled every 5 ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return time.monotonic()
        except OSError:
            time.sleep(0.005)
    raise TimeoutError(f"nothing listens on {port}")


def recovery(panel: VideoWallPanel, server: ServerProcess, rounds: int = 3) -> dict[str, float]:
    """Restart the server ``rounds`` times; seconds from the moment its port accepts again
    until each tile is live again (pooled over the rounds). The console keeps running
    meanwhile: the server is started from a thread while Qt turns."""
    tiles = panel.visible_tiles()
    times: list[float] = []
    for _ in range(rounds):
        server.stop()
        wait_until(lambda: all(t.state is not TileState.LIVE for t in tiles), 20)
        listening: list[float] = []
        poller = threading.Thread(target=lambda out=listening: out.append(accepts(server.port)))
        starter = threading.Thread(target=server.start)
        poller.start()
        starter.start()
        wait_until(lambda alive=starter.is_alive: not alive(), 60, step_ms=5)
        poller.join(60)
        t0 = listening[0]  # the restarted server accepts connections again
        back: dict[int, float] = {}

        def check(t0: float = t0, back: dict[int, float] = back) -> bool:
            for i, t in enumerate(tiles):
                if i not in back and t.state is TileState.LIVE:
                    back[i] = time.monotonic() - t0
            return len(back) == len(tiles)

        wait_until(check, 60, step_ms=5)
        times += back.values()
        run_qt(3000)  # let every tile settle before the next restart
    times.sort()
    expected = len(tiles) * rounds
    return {
        "rounds": float(rounds),
        "recovered": len(times) / expected,
        "p50_s": statistics.median(times) if times else -1.0,
        "p90_s": times[int(0.9 * (len(times) - 1))] if times else -1.0,
        "max_s": times[-1] if times else -1.0,
    }


def _wall_store(base: str) -> Store:
    from backend_stub.district import build_district

    wire = build_district().to_wire_cameras(base)[:36]
    store = Store()
    store.load_snapshot(
        1, {"units": [], "alerts": [], "cameras": wire, "talkgroups": [], "layers": [], "log": []}
    )
    return store


def native_child(base: str) -> int:
    """(Child, under Xvfb) 16 tiles on the native X11 output; prints one JSON line."""
    app = QApplication(sys.argv[:1])
    ids = [c for c, _ in demo_cameras(16)]
    engine = VlcEngine()
    store = _wall_store(base)
    panel = VideoWallPanel(StoreBridge(store), Theme("dark"), engine=engine, native=True)
    panel.resize(1920, 1080)
    panel.show()
    try:
        print(json.dumps(wall_run(panel, "16", "main", ids)), flush=True)
    finally:
        panel.shutdown()
        engine.shutdown()
        del app
    return 0


def native_run(base: str) -> dict[str, float] | None:
    """The native X11 path measured in a child process on a virtual display (Xvfb's own
    CPU, like an X server's for cvlc, is not counted). None without xvfb-run."""
    xvfb_run = shutil.which("xvfb-run")
    if xvfb_run is None:
        return None
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.run(
        [xvfb_run, "-a", "-s", "-screen 0 1920x1080x24", sys.executable, __file__,
         "--native-child", base],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        print(f"native run failed: {proc.stderr[-500:]}", flush=True)
        return None
    out: dict[str, float] = json.loads(lines[-1])
    return out


def main() -> int:
    """Run the bench; prints figures and a final JSON line."""
    if len(sys.argv) == 3 and sys.argv[1] == "--native-child":
        return native_child(sys.argv[2])
    cams = demo_cameras(36)
    ids = [c for c, _ in cams]
    print("making clips (cached after the first run)…", flush=True)
    DemoStreamServer(default_folder(), cams).prepare()
    server = ServerProcess(free_port(), 36, warm=16)
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    app = QApplication(sys.argv[:1])
    result: dict[str, object] = {"source_fps": SOURCE_FPS, "measure_s": MEASURE_S}
    try:
        urls16 = [f"{base}/{c}/main" for c in ids[:16]]
        base16 = baseline_dummy(urls16)
        print(f"baseline 16 bare players (vout dummy): {base16['cpu_cores']:.2f} cores, "
              f"fps min {base16['fps_min']:.1f}", flush=True)  # fmt: skip
        result["baseline_16_main"] = base16
        vmem16 = baseline_vmem(urls16)
        print(f"baseline 16 bare players (vmem 480x270): {vmem16['cpu_cores']:.2f} cores, "
              f"fps min {vmem16['fps_min']:.1f}", flush=True)  # fmt: skip
        result["baseline_16_vmem"] = vmem16

        engine = VlcEngine()
        panel = VideoWallPanel(StoreBridge(_wall_store(base)), Theme("dark"), engine=engine,
                               native=False)  # fmt: skip
        panel.resize(1920, 1080)
        panel.show()
        try:
            w16 = wall_run(panel, "16", "main", ids)
            w16["cpu_ratio_vs_baseline"] = w16["cpu_cores"] / max(1e-6, base16["cpu_cores"])
            w16["cpu_ratio_vs_vmem"] = w16["cpu_cores"] / max(1e-6, vmem16["cpu_cores"])
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
        native = native_run(base)
        if native is not None:
            native["cpu_ratio_vs_baseline"] = native["cpu_cores"] / max(1e-6, base16["cpu_cores"])
            print(f"wall 16 main, native X11 output (Xvfb): {native}", flush=True)
            result["wall_16_main_native"] = native
    finally:
        server.stop()
        del app
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
