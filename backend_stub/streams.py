"""Demo camera streams: looping ffmpeg clips served as real HTTP MPEG-TS live streams.

Each demo camera gets two short H.264 clips made once with ffmpeg and cached in a folder:
``main`` (640x360@25) and ``sub`` (320x180@25), both with the camera's name burnt in and a
one-second GOP. The server speaks plain HTTP: ``GET /{camera_id}/main`` (or ``/sub``) answers
an endless ``video/mp2t`` body, which libVLC and ffmpeg play as a live stream. The URLs match
the backend's ``--stream-base`` scheme (``{base}/{camera_id}/main``).

Why not VLC's own ``--sout``: the ``vlc`` binary refuses to run as root (CI), and a libVLC
``#std{access=http}`` output stopped after one pass of its clip. Why not ``ffmpeg -listen 1``:
it serves one client per process. So one ``ffmpeg -re -stream_loop -1 -c copy -f mpegts``
per *watched* channel (no re-encoding, a fraction of a percent of a core each) feeds a small
asyncio fan-out that serves any number of clients. A channel starts on its first client and
stops a few seconds after its last one, so 320 demo cameras cost nothing until watched.

New clients first get the current GOP (from the last random-access TS packet, with the PAT
and PMT in front), so a decoder can show a picture at once instead of waiting up to a GOP.

Run ``python -m backend_stub.streams --cameras 16 --port 8554`` to pre-make the first 16
demo clips and serve every camera of the demo district.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import hashlib
import logging
import os
import shutil
import signal
import subprocess
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from backend_stub.loop_thread import LoopThread

log = logging.getLogger(__name__)

TS_PACKET = 188
STREAMS = {"main": (640, 360), "sub": (320, 180)}
FPS = 25
_READ_CHUNK = TS_PACKET * 64
_CLIENT_QUEUE = 512  # chunks; a client this far behind is dropped
_IDLE_GRACE_S = 5.0  # keep a channel running this long after its last client left
_MAX_GOP_PACKETS = 20000  # ~3.7 MB: a cap in case a source never sends a keyframe


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


@dataclass(eq=False)
class _Channel:
    """One live stream (camera x main/sub): an ffmpeg loop fanned out to clients."""

    clip: Path
    clients: set[asyncio.Queue[bytes | None]] = field(default_factory=set)
    gop: list[bytes] = field(default_factory=list)
    pat: bytes = b""
    pmt: bytes = b""
    proc: asyncio.subprocess.Process | None = None
    task: asyncio.Task[None] | None = None
    idle_handle: asyncio.TimerHandle | None = None
    pinned: bool = False  # a warm channel: runs with or without clients


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
        self._server: asyncio.Server | None = None
        self._channels: dict[tuple[str, str], _Channel] = {}
        self._writers: set[asyncio.StreamWriter] = set()
        self._clip_lock: asyncio.Lock | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._warm: list[tuple[str, str]] = []

    # ---- public API

    @property
    def base_url(self) -> str:
        """The ``--stream-base`` for the backend: streams are ``{base}/{id}/main|sub``."""
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
        return self._server is not None

    def start(self) -> int:
        """Start serving (in a background thread); returns the port."""
        if self._server is not None:
            return self.port
        try:
            self._runner.start(self._start(), timeout=60)
        except BaseException:
            self._server = None
            raise
        log.info("demo streams on %s", self.base_url)
        return self.port

    def stop(self) -> None:
        """Stop serving: close the port, drop every client, stop every ffmpeg."""
        if not self._runner.running:
            return
        self._runner.stop(self._shutdown())
        self._server = None

    def warm(
        self,
        camera_ids: Sequence[str],
        streams: Sequence[str] = tuple(STREAMS),
        timeout: float = 20,
    ) -> None:
        """Keep these channels running with or without clients, as real cameras stream.

        Called before ``start``, every ``start`` warms them before it opens the port (a
        restarted server accepts clients once its cameras stream); called while running, it
        warms them now. Either way it returns once each has a keyframe for a first client, or
        after ``timeout``.
        """
        self._warm = [(c, s) for c in camera_ids for s in streams if c in self.cameras]
        if self._runner.loop is not None:
            asyncio.run_coroutine_threadsafe(self._warm_up(timeout), self._runner.loop).result(
                timeout + 5
            )

    def client_count(self) -> int:
        """Clients connected right now (all channels)."""
        return sum(len(c.clients) for c in self._channels.values())

    def __enter__(self) -> DemoStreamServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- loop side

    async def _start(self) -> None:
        self._clip_lock = asyncio.Lock()
        if self._warm:
            await self._warm_up(20)
        self._server = await asyncio.start_server(
            self._on_client, self.host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for channel in list(self._channels.values()):
            await self._stop_channel(channel)
        self._channels.clear()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)

    async def _warm_up(self, timeout: float) -> None:
        channels = []
        for camera_id, stream in self._warm:
            channel = self._channel(camera_id, stream, await self._clip_for(camera_id, stream))
            channel.pinned = True
            channels.append(channel)
        deadline = asyncio.get_running_loop().time() + timeout
        while any(not c.gop for c in channels):
            if asyncio.get_running_loop().time() > deadline:
                log.warning("warm channels without a keyframe after %.0f s", timeout)
                return
            await asyncio.sleep(0.05)

    async def _clip_for(self, camera_id: str, stream: str) -> Path:
        path = clip_paths(self.folder, camera_id)[stream]
        if path.is_file():
            return path
        assert self._clip_lock is not None
        async with self._clip_lock:  # one encode at a time: keep the machine responsive
            await asyncio.to_thread(
                make_clip,
                self.folder,
                camera_id,
                self.cameras[camera_id],
                self.clip_seconds,
                self.ffmpeg,
            )
        return path

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        queue: asyncio.Queue[bytes | None] | None = None
        channel: _Channel | None = None
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
            method, target = [*request_line.split(" "), "", ""][:2]
            parts = target.split("?", 1)[0].strip("/").split("/")
            if method not in ("GET", "HEAD"):
                await self._reply(writer, 405, b"method not allowed\n")
                return
            if len(parts) != 2 or parts[0] not in self.cameras or parts[1] not in STREAMS:
                await self._reply(writer, 404, b"no such stream\n")
                return
            camera_id, stream = parts
            clip = await self._clip_for(camera_id, stream)
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\n"
                b"Cache-Control: no-cache\r\nConnection: close\r\n\r\n"
            )
            if method == "HEAD":
                await writer.drain()
                return
            channel = self._channel(camera_id, stream, clip)
            queue = asyncio.Queue(_CLIENT_QUEUE)
            if channel.gop:
                queue.put_nowait(channel.pat + channel.pmt + b"".join(channel.gop))
            channel.clients.add(queue)
            while True:
                chunk = await queue.get()
                if chunk is None:
                    break
                writer.write(chunk)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass
        finally:
            if channel is not None and queue is not None:
                channel.clients.discard(queue)
                if not channel.clients and self._server is not None:
                    self._schedule_idle_stop(channel)
            self._writers.discard(writer)
            writer.transport.abort()

    @staticmethod
    async def _reply(writer: asyncio.StreamWriter, code: int, body: bytes) -> None:
        reason = {404: "Not Found", 405: "Method Not Allowed"}.get(code, "Error")
        writer.write(
            f"HTTP/1.1 {code} {reason}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()

    def _channel(self, camera_id: str, stream: str, clip: Path) -> _Channel:
        key = (camera_id, stream)
        channel = self._channels.get(key)
        if channel is None:
            channel = self._channels[key] = _Channel(clip)
        if channel.idle_handle is not None:
            channel.idle_handle.cancel()
            channel.idle_handle = None
        if channel.task is None or channel.task.done():
            channel.task = asyncio.get_running_loop().create_task(self._pump(channel))
        return channel

    def _schedule_idle_stop(self, channel: _Channel) -> None:
        loop = asyncio.get_running_loop()
        if channel.idle_handle is None and not channel.pinned:

            def idle() -> None:
                channel.idle_handle = None
                if not channel.clients:
                    self._tasks.add(task := loop.create_task(self._stop_channel(channel)))
                    task.add_done_callback(self._tasks.discard)

            channel.idle_handle = loop.call_later(_IDLE_GRACE_S, idle)

    async def _stop_channel(self, channel: _Channel) -> None:
        if channel.idle_handle is not None:
            channel.idle_handle.cancel()
            channel.idle_handle = None
        task, channel.task = channel.task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        channel.gop.clear()
        for queue in list(channel.clients):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)

    async def _pump(self, channel: _Channel) -> None:
        """Run ffmpeg over the clip in a loop and hand its TS packets to every client."""
        while True:
            proc = await asyncio.create_subprocess_exec(
                self.ffmpeg,
                "-hide_banner",
                "-loglevel",
                "error",
                "-re",
                "-stream_loop",
                "-1",
                "-i",
                str(channel.clip),
                "-c",
                "copy",
                # Hand each packet on at once: by default ffmpeg fills a 32 KB buffer first,
                # over a second of a 200 kbit/s demo stream (a new channel's first picture).
                "-flush_packets",
                "1",
                "-f",
                "mpegts",
                "-muxdelay",
                "0",
                "-muxpreload",
                "0",
                "pipe:1",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
                start_new_session=True,  # Ctrl+C in a terminal must not kill it under us
            )
            channel.proc = proc
            assert proc.stdout is not None
            pending = b""
            try:
                while True:
                    data = await proc.stdout.read(_READ_CHUNK)
                    if not data:
                        break
                    data = pending + data
                    cut = len(data) - len(data) % TS_PACKET
                    pending = data[cut:]
                    if cut:
                        self._fan_out(channel, data[:cut])
            finally:
                if proc.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
                    with contextlib.suppress(Exception):
                        await asyncio.shield(proc.wait())
                channel.proc = None
            log.warning("ffmpeg for %s ended (%s); restarting", channel.clip, proc.returncode)
            await asyncio.sleep(0.5)

    @staticmethod
    def _fan_out(channel: _Channel, chunk: bytes) -> None:
        # Keep the GOP so far (from the last random-access packet) for clients that join late.
        for off in range(0, len(chunk), TS_PACKET):
            pkt = chunk[off : off + TS_PACKET]
            pid = ((pkt[1] & 0x1F) << 8) | pkt[2]
            if pid == 0:
                channel.pat = pkt
            elif pid == 0x1000:  # ffmpeg's default PMT pid
                channel.pmt = pkt
            random_access = pkt[3] & 0x20 and pkt[4] > 0 and pkt[5] & 0x40
            if random_access:
                channel.gop = [pkt]
            elif channel.gop and len(channel.gop) < _MAX_GOP_PACKETS:
                channel.gop.append(pkt)
        for queue in list(channel.clients):
            try:
                queue.put_nowait(chunk)
            except asyncio.QueueFull:  # a stuck client: let it go rather than buffer forever
                channel.clients.discard(queue)
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
                queue.put_nowait(None)


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
    """CLI: pre-make clips for the first N demo cameras and serve every demo camera."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--cameras", type=int, default=16, help="clips to make up front (default 16)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8554, help="listen port (0 picks a free one)")
    p.add_argument("--folder", type=Path, default=None, help="clip cache folder")
    p.add_argument("--seed", type=int, default=7, help="demo district seed (default 7)")
    p.add_argument(
        "--warm",
        type=int,
        default=0,
        help="keep the first N cameras streaming without clients, as real cameras do (default 0)",
    )
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    cams = demo_cameras(seed=args.seed)
    server = DemoStreamServer(args.folder or default_folder(), cams, args.host, args.port)
    server.prepare([c for c, _ in cams[: args.cameras]])
    if args.warm:
        server.warm([c for c, _ in cams[: args.warm]])
    server.start()
    print(f"streaming on {server.base_url} (use --stream-base {server.base_url})", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
