"""Pull each watched camera stream once, fan it out to every HTTP viewer as MPEG-TS.

One *channel* per camera stream (``camera_id``, ``main``/``sub``). Its first viewer starts one
``ffmpeg`` (an argv list, never a shell: a URL full of ``;`` and ``$( )`` is just a URL) that
reads the source (RTSP over TCP with the credentials only the backend holds, HTTP(S) MPEG-TS
or FLV, or a file looped in real time) and remuxes it without transcoding (``-c copy``) to
MPEG-TS on its stdout. The gateway hands every TS chunk to each viewer's bounded queue; a
viewer that stops reading fills its own queue and is dropped, never slowing the others. The
channel stops ``idle_s`` after its last viewer leaves. When ffmpeg ends (the camera closed
the session, the network dropped) and viewers remain, it starts again after a backoff that
grows to ``max_backoff_s`` and resets once data flows again.

A viewer that joins a running channel first gets the current GOP (from the last random-access
TS packet, with the PAT and PMT in front), so its decoder shows a picture at once.

At most ``max_pulls`` channels run at once: a viewer of one more camera is refused
(:class:`GatewayFull`, HTTP 503 with the reason) rather than forking ffmpeg without end.

Why ffmpeg: the libVLC Debian ships has no live555 (no RTSP); ffmpeg reads RTSP with basic
and digest auth, HTTP-FLV and HTTP-TS, H.264 and H.265, and ``-c copy`` costs a fraction of
a percent of a core per stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from aiohttp import web

log = logging.getLogger("backend.media")

TS_PACKET = 188
STREAMS = ("main", "sub")
_READ_CHUNK = TS_PACKET * 64
PREPARE_MAX_S = 120.0
"""The longest a new viewer waits for the ``prepare`` hook (on top of ``first_data_s``)."""
_MAX_GOP_PACKETS = 20000  # ~3.7 MB: a cap in case a source never sends a keyframe
_PMT_PID = 0x1000  # ffmpeg's mpegts muxer's default PMT pid
_STDERR_KEEP = 4000

#: Reasons a camera stream is offline (``camera.upsert`` ``status_reason``).
UNAUTHORIZED = "unauthorized"
UNREACHABLE = "unreachable"
NO_VIDEO = "no video"

_UNAUTHORIZED = re.compile(r"401|403|unauthori[sz]ed|forbidden", re.IGNORECASE)
_NO_VIDEO = re.compile(r"matches no streams|no video", re.IGNORECASE)


class GatewayFull(Exception):
    """One more camera stream would pass the gateway's limit of concurrent pulls."""


@dataclass(frozen=True)
class SourceStatus:
    """What the gateway last learnt of a camera stream's source.

    Attributes:
        online: True once the source delivers data; False after a failed attempt.
        reason: Why it is offline (``unauthorized``, ``unreachable``, ``no video``), else "".
    """

    online: bool
    reason: str = ""


def source_with_credentials(url: str, username: str = "", password: str = "") -> str:
    """``url`` with ``username``/``password`` in its authority (RTSP and HTTP take them there).

    Credentials already in the URL win over the separate columns. A ``file:`` URL is returned
    as is.
    """
    parts = urlsplit(url)
    if parts.scheme == "file" or not username or parts.username:
        return url
    host = parts.netloc.rpartition("@")[2]
    auth = quote(username, safe="")
    if password:
        auth += ":" + quote(password, safe="")
    return urlunsplit(parts._replace(netloc=f"{auth}@{host}"))


def ffmpeg_argv(ffmpeg: str, source: str) -> list[str]:
    """The ffmpeg command (an argv list, for ``create_subprocess_exec``) that pulls ``source``.

    RTSP goes over TCP (interleaved: one port, through firewalls and NAT); HTTP(S) is read as
    a live stream; a ``file:`` URL or plain path is looped in real time (``-re -stream_loop
    -1``), as a camera would stream it. The first video stream and any audio are copied, not
    transcoded; a source without video fails with "matches no streams".
    """
    scheme = urlsplit(source).scheme.lower() if "://" in source else ""
    if scheme in ("rtsp", "rtsps"):
        # -timeout: socket I/O in microseconds, so a camera that stops sending ends ffmpeg
        # (and the gateway reconnects) instead of leaving viewers on a frozen picture.
        src_opts = ["-rtsp_transport", "tcp", "-timeout", "5000000"]
        src = source
    elif scheme in ("http", "https"):
        src_opts = ["-rw_timeout", "5000000"]
        src = source
    else:
        src_opts = ["-re", "-stream_loop", "-1"]
        src = unquote(urlsplit(source).path) if source.startswith("file:") else source
    return [
        ffmpeg,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        # Start sending after half a second of probing, not ffmpeg's default 5 s: a viewer's
        # first picture waits for it (the stream copy needs no more than the codecs).
        "-analyzeduration",
        "500000",
        *src_opts,
        "-i",
        src,
        "-map",
        "0:v:0",
        "-map",
        "0:a?",
        "-c",
        "copy",
        # Hand each packet on at once: by default ffmpeg fills a 32 KB buffer first, over a
        # second of a low-rate stream (a new viewer's first picture).
        "-flush_packets",
        "1",
        "-f",
        "mpegts",
        "-muxdelay",
        "0",
        "-muxpreload",
        "0",
        "pipe:1",
    ]


def classify_failure(stderr: str) -> str:
    """The offline reason ffmpeg's error output points to."""
    if _UNAUTHORIZED.search(stderr):
        return UNAUTHORIZED
    if _NO_VIDEO.search(stderr):
        return NO_VIDEO
    return UNREACHABLE


@dataclass(eq=False)
class _Viewer:
    queue: asyncio.Queue[bytes | None]
    owner: str = ""  # the operator watching
    dropped: bool = False


@dataclass(eq=False)
class _Channel:
    """One camera stream: one ffmpeg, fanned out to its viewers."""

    key: tuple[str, str]
    source: str
    viewers: set[_Viewer] = field(default_factory=set)
    gop: list[bytes] = field(default_factory=list)  # runs of whole TS packets
    gop_packets: int = 0
    pat: bytes = b""
    pmt: bytes = b""
    task: asyncio.Task[None] | None = None
    idle_handle: asyncio.TimerHandle | None = None
    status: SourceStatus | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    pulls: int = 0  # ffmpeg processes started for this channel (reconnects included)
    proc: asyncio.subprocess.Process | None = None
    preparing: bool = False  # the ``prepare`` hook runs (a demo clip being made)


Resolver = Callable[[str, str], str | None]
Preparer = Callable[[str, str, str], Awaitable[None]]
StatusListener = Callable[[str, str, SourceStatus], None]


class MediaGateway:
    """The gateway of one backend process.

    Args:
        resolve: The source URL (credentials included) of ``(camera_id, stream)``, or None for
            an unknown camera or stream. Called on the backend's loop; must not block.
        max_pulls: Camera streams pulled at once; a viewer of one more gets 503.
        idle_s: How long a channel keeps running after its last viewer left.
        queue_chunks: Chunks (~12 KB each) a viewer may fall behind before it is dropped.
        first_data_s: How long a new viewer waits for a stopped source's first data.
        backoff_s: First wait before a reconnect; doubles up to ``max_backoff_s``.
        on_status: Called with ``(camera_id, stream, status)`` when a source goes online or
            offline (with a reason).
        prepare: Awaited with ``(camera_id, stream, source)`` before each pull (the demo makes
            a camera's clip there the first time it is watched).
        ffmpeg: The ffmpeg executable.
    """

    def __init__(
        self,
        resolve: Resolver,
        *,
        max_pulls: int = 64,
        idle_s: float = 5.0,
        queue_chunks: int = 256,
        first_data_s: float = 10.0,
        backoff_s: float = 0.5,
        max_backoff_s: float = 10.0,
        on_status: StatusListener | None = None,
        prepare: Preparer | None = None,
        ffmpeg: str | None = None,
    ) -> None:
        if max_pulls < 1:
            raise ValueError("max_pulls must be at least 1")
        self.resolve = resolve
        self.max_pulls = max_pulls
        self.idle_s = idle_s
        self.queue_chunks = queue_chunks
        self.first_data_s = first_data_s
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.on_status = on_status
        self.prepare = prepare
        self.ffmpeg = ffmpeg or shutil.which("ffmpeg") or "ffmpeg"
        self._channels: dict[tuple[str, str], _Channel] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    # ---------------------------------------------------------------- figures

    def pulls(self, camera_id: str, stream: str = "main") -> int:
        """ffmpeg processes started so far for a camera stream (1 per pull, +1 per reconnect)."""
        channel = self._channels.get((camera_id, stream))
        return channel.pulls if channel else 0

    def running(self) -> list[tuple[str, str]]:
        """The camera streams being pulled right now."""
        return [k for k, c in self._channels.items() if c.task is not None]

    def viewers(self, camera_id: str, stream: str = "main") -> int:
        """Viewers of a camera stream right now."""
        channel = self._channels.get((camera_id, stream))
        return len(channel.viewers) if channel else 0

    def status(self, camera_id: str, stream: str = "main") -> SourceStatus | None:
        """What the gateway last learnt of a camera stream's source (None: never pulled)."""
        channel = self._channels.get((camera_id, stream))
        return channel.status if channel else None

    # ---------------------------------------------------------------- viewers

    async def open(self, camera_id: str, stream: str, owner: str = "") -> tuple[_Channel, _Viewer]:
        """Join a camera stream's channel (starting its pull); wait for its first data.

        Raises:
            KeyError: Unknown camera or stream.
            GatewayFull: The gateway already pulls ``max_pulls`` streams.
            ConnectionError: The source is offline (the message is the reason).
        """
        key = (camera_id, stream)
        channel = self._channels.get(key)
        if channel is None or channel.task is None or channel.task.done():
            source = self.resolve(camera_id, stream) if stream in STREAMS else None
            if source is None:
                raise KeyError(key)
            if len(self.running()) >= self.max_pulls:
                raise GatewayFull(
                    f"the gateway pulls {self.max_pulls} camera streams already (its limit)"
                )
            if channel is None:
                channel = self._channels[key] = _Channel(key, source)
            channel.source = source
            channel.task = asyncio.get_running_loop().create_task(self._pump(channel))
        if channel.idle_handle is not None:
            channel.idle_handle.cancel()
            channel.idle_handle = None
        viewer = _Viewer(asyncio.Queue(self.queue_chunks), owner)
        if channel.gop:
            viewer.queue.put_nowait(channel.pat + channel.pmt + b"".join(channel.gop))
        channel.viewers.add(viewer)
        if not channel.gop:
            try:
                await self._first_data(channel)
            except BaseException:
                self.leave(channel, viewer)
                raise
        return channel, viewer

    async def _first_data(self, channel: _Channel) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.first_data_s
        in_prepare = False
        while not channel.gop:
            if channel.status is not None and not channel.status.online:
                raise ConnectionError(channel.status.reason)
            channel.changed.clear()
            # The wait for first data starts once the source is ready: a demo clip is encoded
            # on first watch, which on a busy machine takes longer than that wait.
            if channel.preparing and not in_prepare:
                in_prepare, deadline = True, loop.time() + PREPARE_MAX_S
            elif in_prepare and not channel.preparing:
                in_prepare, deadline = False, loop.time() + self.first_data_s
            left = deadline - loop.time()
            if left <= 0:
                raise ConnectionError(NO_VIDEO)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(channel.changed.wait(), left)

    def leave(self, channel: _Channel, viewer: _Viewer) -> None:
        """A viewer is gone: the channel stops ``idle_s`` after its last one."""
        channel.viewers.discard(viewer)
        self._schedule_idle(channel)

    def _schedule_idle(self, channel: _Channel) -> None:
        if channel.viewers or channel.idle_handle is not None or self._closed:
            return
        loop = asyncio.get_running_loop()

        def idle() -> None:
            channel.idle_handle = None
            if not channel.viewers:
                task = loop.create_task(self._stop(channel))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

        channel.idle_handle = loop.call_later(self.idle_s, idle)

    def drop_owner(self, owner: str) -> int:
        """End the streams ``owner`` watches (its tokens were revoked); returns how many."""
        dropped = 0
        for channel in self._channels.values():
            for viewer in [v for v in channel.viewers if v.owner == owner]:
                self._drop(channel, viewer)
                dropped += 1
        return dropped

    def _drop(self, channel: _Channel, viewer: _Viewer) -> None:
        viewer.dropped = True
        channel.viewers.discard(viewer)
        with contextlib.suppress(asyncio.QueueEmpty):
            viewer.queue.get_nowait()
        viewer.queue.put_nowait(None)
        self._schedule_idle(channel)

    async def serve(
        self, request: web.Request, camera_id: str, stream: str, owner: str = ""
    ) -> web.StreamResponse:
        """Answer an HTTP viewer with the endless MPEG-TS of a camera stream (or 404/503)."""
        try:
            channel, viewer = await self.open(camera_id, stream, owner)
        except KeyError:
            raise web.HTTPNotFound(text="no such camera stream\n") from None
        except GatewayFull as exc:
            raise web.HTTPServiceUnavailable(
                text=f"{exc}\n", headers={"Retry-After": "5"}
            ) from None
        except ConnectionError as exc:
            raise web.HTTPBadGateway(text=f"camera {exc}\n") from None
        try:
            response = web.StreamResponse(
                headers={"Content-Type": "video/mp2t", "Cache-Control": "no-cache"}
            )
            await response.prepare(request)
            while True:
                chunk = await viewer.queue.get()
                if chunk is None:
                    break
                await response.write(chunk)
        except (ConnectionError, OSError):
            pass  # the viewer went away
        finally:
            self.leave(channel, viewer)
        return response

    # ---------------------------------------------------------------- the pull

    async def _pump(self, channel: _Channel) -> None:
        backoff = self.backoff_s
        while True:
            channel.pulls += 1
            try:
                if self.prepare is not None:
                    channel.preparing = True
                    channel.changed.set()
                    try:
                        await self.prepare(*channel.key, channel.source)
                    finally:
                        channel.preparing = False
                        channel.changed.set()
                got_data, stderr, code = await self._run_once(channel)
            except Exception as exc:  # no ffmpeg, a clip that cannot be made: try again later
                log.exception("camera %s/%s: cannot pull", *channel.key)
                got_data, stderr, code = False, str(exc), None
            if got_data:
                backoff = self.backoff_s
                reason = classify_failure(stderr) if stderr.strip() else UNREACHABLE
            else:
                reason = classify_failure(stderr)
            log.warning(
                "camera %s/%s: ffmpeg ended (%s, %s); again in %.1f s",
                *channel.key,
                code,
                reason,
                backoff,
            )
            channel.gop.clear()
            channel.gop_packets = 0
            self._set_status(channel, SourceStatus(False, reason))
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff_s)

    async def _run_once(self, channel: _Channel) -> tuple[bool, str, int | None]:
        """One ffmpeg run over the source; returns (data came, its error output, exit code)."""
        proc = await asyncio.create_subprocess_exec(
            *ffmpeg_argv(self.ffmpeg, channel.source),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # Ctrl+C in a terminal must not kill it under us
        )
        channel.proc = proc
        assert proc.stdout is not None and proc.stderr is not None
        errors = bytearray()

        async def read_errors(stream: asyncio.StreamReader) -> None:
            while line := await stream.readline():
                errors.extend(line)
                del errors[:-_STDERR_KEEP]

        err_task = asyncio.get_running_loop().create_task(read_errors(proc.stderr))
        got_data = False
        pending = b""
        try:
            while data := await proc.stdout.read(_READ_CHUNK):
                data = pending + data
                cut = len(data) - len(data) % TS_PACKET
                pending = data[cut:]
                if cut:
                    self._fan_out(channel, data[:cut])
                    if not got_data and channel.gop:
                        got_data = True
                        self._set_status(channel, SourceStatus(True))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 2)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(err_task, 1)
        finally:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                with contextlib.suppress(Exception):
                    await asyncio.shield(proc.wait())
            # Its error output ends with it: read to the end, so its pipes close here.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(err_task), 1)
            err_task.cancel()
            channel.proc = None
        return got_data, errors.decode("utf-8", "replace"), proc.returncode

    def _set_status(self, channel: _Channel, status: SourceStatus) -> None:
        changed = status != channel.status
        channel.status = status
        channel.changed.set()
        if changed and self.on_status is not None:
            try:
                self.on_status(*channel.key, status)
            except Exception:
                log.exception("camera status listener failed")

    def _fan_out(self, channel: _Channel, chunk: bytes) -> None:
        # Keep the GOP so far (from the last random-access packet) for viewers that join late:
        # the packets are read in place, and the GOP keeps whole runs of them, not one bytes
        # object a packet.
        last_random_access = -1
        for off in range(0, len(chunk), TS_PACKET):
            pid = ((chunk[off + 1] & 0x1F) << 8) | chunk[off + 2]
            if pid == 0:
                channel.pat = chunk[off : off + TS_PACKET]
            elif pid == _PMT_PID:
                channel.pmt = chunk[off : off + TS_PACKET]
            if chunk[off + 3] & 0x20 and chunk[off + 4] > 0 and chunk[off + 5] & 0x40:
                last_random_access = off
        if last_random_access >= 0:
            channel.gop = []
            channel.gop_packets = 0
            chunk_kept = chunk[last_random_access:]
        else:
            chunk_kept = chunk if channel.gop else b""
        room = (_MAX_GOP_PACKETS - channel.gop_packets) * TS_PACKET
        if chunk_kept and room > 0:
            kept = chunk_kept[:room]
            channel.gop.append(kept)
            channel.gop_packets += len(kept) // TS_PACKET
        for viewer in list(channel.viewers):
            try:
                viewer.queue.put_nowait(chunk)
            except asyncio.QueueFull:  # it stopped reading: let it go, the others go on
                self._drop(channel, viewer)
                log.info("camera %s/%s: a viewer fell behind and was dropped", *channel.key)
        self._schedule_idle(channel)

    async def _stop(self, channel: _Channel) -> None:
        if channel.idle_handle is not None:
            channel.idle_handle.cancel()
            channel.idle_handle = None
        task, channel.task = channel.task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        channel.gop.clear()
        channel.gop_packets = 0
        for viewer in list(channel.viewers):
            with contextlib.suppress(asyncio.QueueFull):
                viewer.queue.put_nowait(None)

    async def close(self) -> None:
        """Stop every pull and end every viewer's stream."""
        self._closed = True
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for channel in list(self._channels.values()):
            await self._stop(channel)


def file_source(path: Path) -> str:
    """A ``file:`` URL of a local clip (what the demo's cameras use)."""
    return path.resolve().as_uri()
