"""Media gateway bench: RTSP cameras x 3 viewers each through the gateway, next to bare remuxes.

Cameras: tools/rtsp_camera.py (GStreamer's gst-rtsp-server, 640x360 H.264 25 fps, one shared
pipeline per camera) in a child process run by the system Python; its CPU is not counted.

* **Baseline** (same run, same cameras): one bare ``ffmpeg -rtsp_transport tcp -c copy -f
  mpegts`` per camera (the gateway's own command line), its output read by this process.
* **Gateway**: a :class:`MediaGateway` on an aiohttp port in a child process (so the viewers'
  CPU is not its), 3 HTTP viewers per camera in this process.

Figures: video frames delivered to each viewer over the window against the source's 25 fps
(and against the baseline's), gateway CPU (its process and its ffmpeg children) against the
baseline's ffmpeg CPU, RTSP sessions per camera (the camera server's own count), time to first
keyframe p50 for a viewer, and the gateway's added delay: one camera is also pulled by a bare
ffmpeg while the gateway serves it (a shared pipeline sends both the same frames), and each
frame's arrival here through the gateway is compared with its arrival from the bare pull
(frames matched by their H.264 bytes).

Default: 8 cameras for 20 s (under 2 minutes here); ``--cameras 32 --seconds 60`` is the
issue's 32 x 3 for 60 s. The last line is one JSON object.

Run: ``.venv/bin/python bench/media_gateway.py [--cameras 32 --seconds 60]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from backend_stub.media.gateway import MediaGateway, ffmpeg_argv  # noqa: E402

FPS = 25
VIDEO_PID = 0x100  # ffmpeg's mpegts muxer puts the first (video) stream here
TICK = os.sysconf("SC_CLK_TCK")


class TsCounter:
    """Counts video frames (PES starts on the video PID) in a TS byte stream, with arrivals."""

    def __init__(self, keep_keys: bool = False) -> None:
        self.frames = 0
        self.first_key_at: float | None = None
        self.keys: dict[bytes, float] = {}
        self._keep = keep_keys
        self._rest = b""
        self._counting = False

    def feed(self, data: bytes, now: float) -> None:
        data = self._rest + data
        cut = len(data) - len(data) % 188
        self._rest = data[cut:]
        for off in range(0, cut, 188):
            pkt = data[off : off + 188]
            if pkt[0] != 0x47 or not pkt[1] & 0x40:
                continue
            if ((pkt[1] & 0x1F) << 8 | pkt[2]) != VIDEO_PID:
                continue
            start = 4
            if pkt[3] & 0x20:
                if self.first_key_at is None and pkt[4] > 0 and pkt[5] & 0x40:
                    self.first_key_at = now
                start += 1 + pkt[4]
            if self._counting:
                self.frames += 1
            if self._keep and start + 9 <= 188 and pkt[start : start + 3] == b"\0\0\1":
                es = start + 9 + pkt[start + 8]
                key = pkt[es : es + 48]
                if len(key) >= 24:
                    self.keys.setdefault(key, now)

    def count(self, on: bool) -> None:
        self.frames = 0 if on else self.frames
        self._counting = on


def cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / TICK


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry.name))
    return out


# ---------------------------------------------------------------- the gateway's child process


async def serve_gateway(sources: list[str]) -> None:
    """Child mode: a gateway of these sources on a free port; prints ``port N``."""
    gateway = MediaGateway(
        lambda cam, _s: sources[int(cam)] if cam.isdigit() and int(cam) < len(sources) else None,
        max_pulls=len(sources) + 1,
    )

    async def handler(request: web.Request) -> web.StreamResponse:
        return await gateway.serve(request, request.match_info["cam"], "main")

    app = web.Application()
    app.router.add_get("/media/{cam}/main", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    print(f"port {runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()


# ---------------------------------------------------------------- this process


async def read_bare(url: str, counter: TsCounter, procs: list[asyncio.subprocess.Process]) -> None:
    ffmpeg = shutil.which("ffmpeg") or "ffmpeg"
    proc = await asyncio.create_subprocess_exec(
        *ffmpeg_argv(ffmpeg, url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        stdin=asyncio.subprocess.DEVNULL,
    )
    procs.append(proc)
    assert proc.stdout is not None
    while data := await proc.stdout.read(65536):
        counter.feed(data, time.monotonic())


async def view(session: aiohttp.ClientSession, url: str, counter: TsCounter) -> float:
    """One viewer; returns its request time."""
    asked = time.monotonic()
    async with session.get(url) as response:
        response.raise_for_status()
        async for data in response.content.iter_any():
            counter.feed(data, time.monotonic())
    return asked


def start_cameras(n: int) -> tuple[subprocess.Popen[str], int]:
    """The RTSP cameras' server and its port."""
    camera = subprocess.Popen(
        ["/usr/bin/python3", str(ROOT / "tools" / "rtsp_camera.py"), "--port", "0",
         "--cameras", str(n), "--shared", "--bitrate", "600"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert camera.stdout is not None
    return camera, int(camera.stdout.readline().split()[1])


async def run(args: argparse.Namespace, camera: subprocess.Popen[str], port: int) -> dict[str, Any]:
    n, seconds = args.cameras, args.seconds
    urls = [f"rtsp://127.0.0.1:{port}/cam{i + 1}" for i in range(n)]
    tasks: list[asyncio.Task[Any]] = []
    try:
        # ---- baseline: n bare remuxes
        procs: list[asyncio.subprocess.Process] = []
        bare = [TsCounter() for _ in urls]
        tasks = [
            asyncio.create_task(read_bare(u, c, procs)) for u, c in zip(urls, bare, strict=True)
        ]
        while any(c.first_key_at is None for c in bare):  # noqa: ASYNC110 (many counters)
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)
        pids = [p.pid for p in procs]
        c0 = cpu_s(pids)
        for c in bare:
            c.count(True)
        await asyncio.sleep(seconds)
        for c in bare:
            c.count(False)
        base_cpu = (cpu_s(pids) - c0) / seconds
        for t in tasks:
            t.cancel()
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                p.kill()
            await p.wait()
        await asyncio.gather(*tasks, return_exceptions=True)

        # ---- the gateway, 3 viewers per camera, plus a bare pull of camera 0 for the delay
        gw = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--serve", *urls, stdout=asyncio.subprocess.PIPE
        )
        assert gw.stdout is not None
        gw_port = int((await gw.stdout.readline()).split()[1])
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        viewers = [[TsCounter(keep_keys=(i == 0 and k == 0)) for k in range(3)] for i in range(n)]
        asked: dict[int, float] = {}
        tasks = []
        for i in range(n):
            for k in range(3):
                asked[id(viewers[i][k])] = time.monotonic()
                tasks.append(
                    asyncio.create_task(
                        view(session, f"http://127.0.0.1:{gw_port}/media/{i}/main", viewers[i][k])
                    )
                )
        reference = TsCounter(keep_keys=True)
        ref_procs: list[asyncio.subprocess.Process] = []
        tasks.append(asyncio.create_task(read_bare(urls[0], reference, ref_procs)))
        flat = [v for row in viewers for v in row]
        while any(v.first_key_at is None for v in flat):  # noqa: ASYNC110 (many counters)
            await asyncio.sleep(0.1)
        ttff = [v.first_key_at - asked[id(v)] for v in flat if v.first_key_at is not None]
        await asyncio.sleep(1)
        gw_pids = [gw.pid, *children(gw.pid)]
        c0 = cpu_s(gw_pids)
        for v in flat:
            v.count(True)
        await asyncio.sleep(seconds)
        for v in flat:
            v.count(False)
        gw_cpu = (cpu_s(gw_pids) - c0) / seconds
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await session.close()
        for p in ref_procs:
            with contextlib.suppress(ProcessLookupError):
                p.kill()
        gw.terminate()
        await gw.wait()
    finally:
        camera.terminate()
        out = await asyncio.to_thread(lambda: camera.communicate(timeout=10)[0])
    sessions = Counter(line.split()[1] for line in out.splitlines() if line.startswith("session"))
    # Baseline sessions (1 each), gateway sessions, and camera 0's reference pull.
    gateway_sessions = [sessions[f"/cam{i + 1}"] - 1 - (i == 0) for i in range(n)]
    expected = FPS * seconds
    bare_frames = [c.frames for c in bare]
    viewer_frames = [v.frames for v in flat]
    matched = [
        viewers[0][0].keys[k] - t for k, t in reference.keys.items() if k in viewers[0][0].keys
    ]
    return {
        "cameras": n,
        "viewers_per_camera": 3,
        "seconds": seconds,
        "frames_per_viewer_min_pct": round(100 * min(viewer_frames) / expected, 1),
        "frames_per_viewer_mean_pct": round(100 * statistics.mean(viewer_frames) / expected, 1),
        "baseline_frames_mean_pct": round(100 * statistics.mean(bare_frames) / expected, 1),
        "viewer_vs_baseline_frames": round(
            statistics.mean(viewer_frames) / max(1, statistics.mean(bare_frames)), 3
        ),
        "gateway_cpu_cores": round(gw_cpu, 3),
        "baseline_cpu_cores": round(base_cpu, 3),
        "cpu_ratio": round(gw_cpu / base_cpu, 2) if base_cpu > 0 else None,
        "rtsp_sessions_per_camera_max": max(gateway_sessions),
        "ttff_p50_s": round(statistics.median(ttff), 3),
        "ttff_max_s": round(max(ttff), 3),
        "added_delay_ms_p50": round(1000 * statistics.median(matched), 1) if matched else None,
        "added_delay_ms_p95": round(1000 * sorted(matched)[int(0.95 * (len(matched) - 1))], 1)
        if matched
        else None,
        "delay_frames_matched": len(matched),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--cameras", type=int, default=8, help="RTSP cameras (default 8; issue: 32)")
    p.add_argument("--seconds", type=float, default=20.0, help="measuring window (issue: 60)")
    p.add_argument("--serve", nargs="+", metavar="URL", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        asyncio.run(serve_gateway(args.serve))
        return 0
    camera, port = start_cameras(args.cameras)
    figures = asyncio.run(run(args, camera, port))
    print(
        f"{figures['cameras']} cameras x 3 viewers, {figures['seconds']:.0f} s:\n"
        f"  frames per viewer: min {figures['frames_per_viewer_min_pct']} %, mean "
        f"{figures['frames_per_viewer_mean_pct']} % of 25 fps (bare remux: "
        f"{figures['baseline_frames_mean_pct']} %; ratio {figures['viewer_vs_baseline_frames']})\n"
        f"  CPU: gateway {figures['gateway_cpu_cores']} cores vs {figures['cameras']} bare "
        f"ffmpeg -c copy {figures['baseline_cpu_cores']} cores (ratio {figures['cpu_ratio']})\n"
        f"  RTSP sessions per camera: {figures['rtsp_sessions_per_camera_max']} (max)\n"
        f"  first keyframe at a viewer: p50 {figures['ttff_p50_s']} s, "
        f"max {figures['ttff_max_s']} s\n"
        f"  added delay of the gateway: p50 {figures['added_delay_ms_p50']} ms, p95 "
        f"{figures['added_delay_ms_p95']} ms ({figures['delay_frames_matched']} frames matched)"
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
