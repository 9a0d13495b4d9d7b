"""Demo camera streams: looping ffmpeg clips, served through the media gateway.

Each demo camera gets two short H.264 clips made once with ffmpeg and cached in a folder:
``main`` (640x360@25) and ``sub`` (320x180@25), both with the camera's name burnt in and a
one-second GOP. ``serve --demo`` imports the demo cameras with ``file:`` URLs of these clips
and its media gateway (``backend_stub/media``) serves them like any camera: one
``ffmpeg -re -stream_loop -1 -c copy`` per watched stream, fanned out to every viewer; a clip
is made the first time its camera is watched (:func:`make_clip_for`), so 320 demo cameras cost
nothing until watched.

:class:`DemoStreamServer` is the same gateway on a port of its own without tokens (``GET
/{camera_id}/main|sub``), in a thread: the video wall's tests and bench play it as a stand-in
for a camera platform's HTTP-TS streams.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
import os
import shutil
import subprocess
import warnings
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from backend_stub.loop_thread import LoopThread
from backend_stub.media.gateway import MediaGateway, file_source

log = logging.getLogger(__name__)

STREAMS = {"main": (640, 360), "sub": (320, 180)}
FPS = 25


def _find_font() -> str | None:
    """A font file with CJK glyphs (camera names are Chinese), else any sans font."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    for family in ("Noto Sans CJK SC", "sans-serif"):
        out = subprocess.run(
            [fc_match, "-f", "%{file}", family], capture_output=True, text=True, check=False
        )
        if out.returncode == 0 and out.stdout and Path(out.stdout).is_file():
            return out.stdout
    return None


_drawtext_ok: bool | None = None


def drawtext_works(ffmpeg: str = "ffmpeg") -> bool:
    """Whether this ffmpeg can burn text in (its ``drawtext`` needs libfreetype)."""
    global _drawtext_ok
    if _drawtext_ok is None:
        out = subprocess.run(
            [
                ffmpeg,
                "-hide_banner",
                "-loglevel",
                "error",
                "-f",
                "lavfi",
                "-i",
                "color=size=64x64:duration=0.04",
                "-vf",
                "drawtext=text=ok",
                "-f",
                "null",
                "-",
            ],
            capture_output=True,
            check=False,
        )
        _drawtext_ok = out.returncode == 0
    return _drawtext_ok


def clip_paths(folder: Path, camera_id: str) -> dict[str, Path]:
    """Where the cached ``main`` and ``sub`` clips of a camera live."""
    return {s: folder / f"{camera_id}-{s}.mp4" for s in STREAMS}


def make_clip(
    folder: Path, camera_id: str, name: str, seconds: int = 10, ffmpeg: str = "ffmpeg"
) -> dict[str, Path]:
    """Make (once) the looping ``main`` and ``sub`` clips of a camera; returns their paths.

    Args:
        folder: Cache folder; clips already there are reused.
        camera_id: Camera id (goes into the file names and the picture).
        name: Camera name, burnt into the picture when ``drawtext`` works.
        seconds: Clip length; the stream loops it.
        ffmpeg: The ffmpeg executable.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = clip_paths(folder, camera_id)
    if all(p.is_file() for p in paths.values()):
        return paths
    hue = int(hashlib.sha256(camera_id.encode()).hexdigest()[:4], 16) % 360
    chain = f"hue=h={hue}"
    if drawtext_works(ffmpeg):
        text_file = folder / f"{camera_id}.txt"
        text_file.write_text(f"{camera_id}  {name}", encoding="utf-8")
        font = _find_font()
        font_opt = f"fontfile='{font}':" if font else ""
        chain += (
            f",drawtext={font_opt}textfile='{text_file}':fontsize=26:fontcolor=white:"
            "box=1:boxcolor=black@0.55:boxborderw=6:x=12:y=h-th-18"
        )
    else:
        warnings.warn(
            "ffmpeg has no working drawtext filter: demo clips carry no camera name",
            RuntimeWarning,
            stacklevel=2,
        )
    sw, sh = STREAMS["sub"]
    mw, mh = STREAMS["main"]
    tmp = {s: p.with_suffix(f".tmp{os.getpid()}.mp4") for s, p in paths.items()}
    enc = [
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "zerolatency",
        "-x264-params",
        f"keyint={FPS}:min-keyint={FPS}:scenecut=0",
        "-pix_fmt",
        "yuv420p",
    ]
    cmd = [
        ffmpeg,
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc=size={mw}x{mh}:rate={FPS}:duration={seconds}",
        "-filter_complex",
        f"[0:v]{chain},split=2[m][s0];[s0]scale={sw}:{sh}[s]",
        "-map",
        "[m]",
        *enc,
        str(tmp["main"]),
        "-map",
        "[s]",
        *enc,
        str(tmp["sub"]),
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    for s, p in paths.items():
        tmp[s].replace(p)
    return paths


class DemoStreamServer:
    """Serves looping demo clips as HTTP MPEG-TS live streams, one URL per camera and stream.

    The server runs its own asyncio loop in a thread, so it can sit next to a Qt application
    or a test. It can be stopped and started again on the same port (clients then see their
    stream end and must reconnect, as with a real camera or media server that restarts).

    Args:
        folder: Clip cache folder.
        cameras: ``(camera_id, name)`` of every camera served.
        host: Listen address.
        port: Listen port; 0 picks a free one (kept for later restarts).
        clip_seconds: Length of the clips made for cameras that have none yet.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        cameras: Sequence[tuple[str, str]],
        host: str = "127.0.0.1",
        port: int = 0,
        clip_seconds: int = 10,
    ) -> None:
        self.folder = Path(folder)
        self.cameras = dict(cameras)
        self.host = host
        self.port = port
        self.clip_seconds = clip_seconds
        self.ffmpeg = shutil.which("ffmpeg") or "ffmpeg"
        self._runner = LoopThread("demo-streams")
        self._web: web.AppRunner | None = None
        self.gateway: MediaGateway | None = None
        self._warm: list[tuple[str, str]] = []
        self._warm_tasks: list[asyncio.Task[None]] = []

    @property
    def base_url(self) -> str:
        """Streams are ``{base}/{id}/main|sub``."""
        return f"http://{self.host}:{self.port}"

    def url_for(self, camera_id: str, stream: str = "main") -> str:
        """The HTTP URL of a camera's ``main`` or ``sub`` stream."""
        if stream not in STREAMS:
            raise ValueError(f"unknown stream {stream!r}")
        return f"{self.base_url}/{camera_id}/{stream}"

    def prepare(self, camera_ids: Sequence[str] | None = None, workers: int = 2) -> None:
        """Make the clips of some (default: all) cameras now rather than on first request."""
        ids = list(self.cameras) if camera_ids is None else list(camera_ids)
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(
                    make_clip, self.folder, cid, self.cameras[cid], self.clip_seconds, self.ffmpeg
                )
                for cid in ids
            ]
            for f in futures:
                f.result()

    @property
    def running(self) -> bool:
        """True between ``start()`` and ``stop()``."""
        return self._web is not None

    def start(self) -> int:
        """Start serving (in a background thread); returns the port."""
        if self._web is None:
            self._runner.start(self._start(), timeout=60)
            log.info("demo streams on %s", self.base_url)
        return self.port

    def stop(self) -> None:
        """Stop serving: close the port, drop every client, stop every ffmpeg."""
        if self._runner.running:
            self._runner.stop(self._shutdown())
        self._web = None

    def warm(self, camera_ids: Sequence[str], streams: Sequence[str] = tuple(STREAMS)) -> None:
        """Keep these streams running with or without clients, as real cameras stream (from
        every later ``start``)."""
        self._warm = [(c, s) for c in camera_ids for s in streams if c in self.cameras]

    def __enter__(self) -> DemoStreamServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _resolve(self, camera_id: str, stream: str) -> str | None:
        if camera_id not in self.cameras:
            return None
        return file_source(clip_paths(self.folder, camera_id)[stream])

    async def _start(self) -> None:
        clips = ClipMaker(self.folder, self.cameras, self.clip_seconds, self.ffmpeg)
        self.gateway = MediaGateway(self._resolve, prepare=clips.prepare, ffmpeg=self.ffmpeg)
        gateway = self.gateway

        async def handler(request: web.Request) -> web.StreamResponse:
            return await gateway.serve(request, request.match_info["cam"], request.match_info["s"])

        # Warm streams first, the port after: like a camera platform, the server accepts
        # viewers once its warm streams have a picture to give them (the video wall bench
        # times tile recovery from the moment the port accepts again).
        ready = [asyncio.Event() for _ in self._warm]
        self._warm_tasks = [
            asyncio.get_running_loop().create_task(self._keep_warm(gateway, *key, event))
            for key, event in zip(self._warm, ready, strict=True)
        ]
        try:
            await asyncio.wait_for(asyncio.gather(*(e.wait() for e in ready)), 20)
        except TimeoutError:
            log.warning("warm streams without a picture after 20 s; serving anyway")
        app = web.Application()
        app.router.add_get("/{cam}/{s}", handler)
        self._web = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._web.setup()
        site = web.TCPSite(self._web, self.host, self.port, reuse_address=True)
        await site.start()
        self.port = int(self._web.addresses[0][1])

    @staticmethod
    async def _keep_warm(
        gateway: MediaGateway, camera_id: str, stream: str, ready: asyncio.Event
    ) -> None:
        # A viewer of our own that takes everything: the stream runs as if watched.
        while True:
            try:
                channel, viewer = await gateway.open(camera_id, stream)
            except ConnectionError:
                await asyncio.sleep(1)
                continue
            ready.set()  # it has its first data: a viewer gets a picture at once
            try:
                while await viewer.queue.get() is not None:
                    pass
            finally:
                gateway.leave(channel, viewer)

    async def _shutdown(self) -> None:
        for task in self._warm_tasks:
            task.cancel()
        await asyncio.gather(*self._warm_tasks, return_exceptions=True)
        if self.gateway is not None:
            await self.gateway.close()
        if self._web is not None:
            await self._web.cleanup()


class ClipMaker:
    """Makes a demo camera's clips the first time the gateway pulls them (one at a time).

    Args:
        folder: The clip cache.
        cameras: Camera id → name (burnt into the picture).
    """

    def __init__(
        self,
        folder: Path,
        cameras: dict[str, str],
        clip_seconds: int = 10,
        ffmpeg: str = "ffmpeg",
    ) -> None:
        self.folder = folder
        self.cameras = cameras
        self.clip_seconds = clip_seconds
        self.ffmpeg = ffmpeg
        self._lock = asyncio.Lock()

    async def prepare(self, camera_id: str, stream: str, source: str) -> None:
        """The gateway's ``prepare`` hook: make the clip ``source`` names if it is missing."""
        path = clip_paths(self.folder, camera_id).get(stream)
        if path is None or path.is_file() or camera_id not in self.cameras:
            return
        if file_source(path) != source:
            return  # not one of ours
        async with self._lock:  # one encode at a time: keep the machine responsive
            await asyncio.to_thread(
                make_clip,
                self.folder,
                camera_id,
                self.cameras[camera_id],
                self.clip_seconds,
                self.ffmpeg,
            )


def demo_cameras(n: int | None = None, seed: int = 7) -> list[tuple[str, str]]:
    """``(id, name)`` of the demo district's cameras (the first ``n`` if given)."""
    from backend_stub.district import build_district

    cams = [(c.id, c.name) for c in build_district(seed=seed).cameras]
    return cams if n is None else cams[:n]


def default_folder() -> Path:
    """The per-user cache folder for demo clips."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("dispatch-console")) / "demo-clips"


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: a stand-in camera platform serving every demo camera (for benches and trials)."""
    import argparse
    import signal
    import threading

    p = argparse.ArgumentParser(description="Serve the demo cameras' clips as HTTP MPEG-TS.")
    p.add_argument("--cameras", type=int, default=16, help="clips to make up front (default 16)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8554, help="listen port (0 picks a free one)")
    p.add_argument("--folder", type=Path, default=None, help="clip cache folder")
    p.add_argument("--seed", type=int, default=7, help="demo district seed (default 7)")
    p.add_argument("--warm", type=int, default=0, help="keep the first N cameras streaming")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    cams = demo_cameras(seed=args.seed)
    server = DemoStreamServer(args.folder or default_folder(), cams, args.host, args.port)
    server.prepare([c for c, _ in cams[: args.cameras]])
    server.warm([c for c, _ in cams[: args.warm]])
    server.start()
    print(f"streaming on {server.base_url}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
