"""libVLC shared by the panels: one engine, and players with all blocking calls off the GUI.

``VlcEngine`` (one libVLC instance and its worker threads) is shared by the video wall and
the radio log. ``TilePlayer`` is the wall tile's player, with two outputs: frame callbacks
into memory (works everywhere: offscreen, Wayland, tests), or a native X11 window
(``native=True``: libVLC draws into the tile's window itself, no copies; the wall uses it
when Qt runs on xcb).

Nothing here touches a widget. libVLC calls back on its own threads; those callbacks only
write into a frame buffer, bump counters and queue events under a ``threading.Lock``. The
tile reads them from a ``QTimer`` on the GUI thread. Every call that can block (``stop``,
``release``, ``set_media`` + ``play``) runs on a worker thread, one job at a time per player,
and only the latest requested state is applied (a tour flicking through cameras does not
queue a backlog of opens).
"""

from __future__ import annotations

import atexit
import concurrent.futures
import ctypes
import logging
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass

import vlc
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)

DEFAULT_VLC_ARGS = (
    "--aout=adummy",  # no audio device on consoles/CI; wall tiles are muted anyway
    "--no-audio",
    "--quiet",
    "--no-xlib",
    "--no-video-title-show",
    "--no-osd",
    "--stats",  # bitrate on hover
)


class VlcEngine:
    """One libVLC instance and the worker threads for every player made from it.

    Share one engine between panels. ``shutdown`` (also run at exit) stops and releases every
    player still alive: a frame-callback player alive at interpreter shutdown crashes it.
    """

    def __init__(self, args: tuple[str, ...] = DEFAULT_VLC_ARGS, workers: int = 6) -> None:
        self.instance = vlc.Instance(list(args))
        self.pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="vlc")
        self._players: weakref.WeakSet[TilePlayer] = weakref.WeakSet()
        self._closed = False
        atexit.register(self.shutdown)

    def new_player(self, native: bool = False) -> TilePlayer:
        """A player bound to this engine (``native``: it draws into an X11 window)."""
        if self._closed:
            raise RuntimeError("engine is shut down")
        player = TilePlayer(self, native)
        self._players.add(player)
        return player

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop and release every player, then the instance (blocking; call at exit)."""
        if self._closed:
            return
        self._closed = True
        futures = [p.release() for p in list(self._players)]
        concurrent.futures.wait(futures, timeout)
        self.pool.shutdown(wait=True, cancel_futures=False)
        self.instance.release()
        atexit.unregister(self.shutdown)


@dataclass(frozen=True, slots=True)
class _Wanted:
    generation: int
    url: str | None
    options: tuple[str, ...]
    width: int
    height: int
    window: int = 0


class TilePlayer:
    """One libVLC media player rendering RV32 frames into memory, or into an X11 window.

    GUI side: ``open``/``close``/``release`` (non-blocking), ``frame()`` for painting,
    ``poll_events()``, ``frames``. VLC side: the ctypes callbacks below. A native player has
    no frames in memory; ``poll_native`` counts the pictures libVLC displayed instead.
    """

    def __init__(self, engine: VlcEngine, native: bool = False) -> None:
        self._engine = engine
        self.native = native
        self._mp = engine.instance.media_player_new()
        self._media: vlc.Media | None = None
        self._media_lock = threading.Lock()
        self._native_base = 0
        self._native_seen = 0
        self._mutex = threading.Lock()
        # QImages as the frame buffers: libVLC writes straight into their pixels, the tile
        # paints them with no copy (QImage over a Python buffer mis-counts references).
        self._buffers: list[QImage] = []
        self._addresses: list[int] = []
        self._size = (0, 0)
        self._writing: int | None = None
        self._ready: int | None = None
        self._painting: int | None = None
        self.frames = 0
        """Frames displayed since the player was made (written by libVLC's thread)."""
        self.last_frame_at = 0.0
        self._events: deque[tuple[int, str]] = deque(maxlen=64)
        self._active_gen = -1
        self._gen = 0
        self._wanted = _Wanted(0, None, (), 0, 0)
        self._applied = _Wanted(-1, None, (), 0, 0)
        self._job_lock = threading.Lock()
        self._job_running = False
        self._released = False
        self._release_future: concurrent.futures.Future[None] | None = None
        # ctypes callbacks must stay referenced as long as the player lives.
        self._cb_lock = vlc.CallbackDecorators.VideoLockCb(self._on_lock)
        self._cb_unlock = vlc.CallbackDecorators.VideoUnlockCb(self._on_unlock)
        self._cb_display = vlc.CallbackDecorators.VideoDisplayCb(self._on_display)
        if not native:
            self._mp.video_set_callbacks(self._cb_lock, self._cb_unlock, self._cb_display, None)
        else:
            self._mp.video_set_mouse_input(False)  # clicks and drops go to the Qt tile
            self._mp.video_set_key_input(False)
        em = self._mp.event_manager()
        for kind, name in (
            (vlc.EventType.MediaPlayerPlaying, "playing"),
            (vlc.EventType.MediaPlayerEndReached, "ended"),
            (vlc.EventType.MediaPlayerEncounteredError, "error"),
        ):
            em.event_attach(kind, self._on_vlc_event, name)

    # ---- GUI side (never blocks)

    def open(
        self, url: str, options: tuple[str, ...], width: int, height: int, window: int = 0
    ) -> int:
        """Play ``url`` into ``width`` x ``height`` frames (or into X11 ``window`` if native);
        returns the open's generation."""
        self._gen += 1
        w = max(16, width // 16 * 16)
        h = max(8, height // 2 * 2)
        self._wanted = _Wanted(self._gen, url, options, w, h, window)
        self._kick()
        return self._gen

    def close(self) -> None:
        """Stop playing (the decoder stops; the last frame stays for painting)."""
        self._gen += 1
        self._wanted = _Wanted(self._gen, None, (), 0, 0)
        self._kick()

    def release(self) -> concurrent.futures.Future[None]:
        """Stop and free the player on a worker; the future completes when it is gone."""
        with self._job_lock:
            if self._release_future is not None:
                return self._release_future
            future = self._release_future = concurrent.futures.Future()
            start = not self._job_running
            self._job_running = True
        if start:
            self._engine.pool.submit(self._reconcile)
        return future

    def poll_events(self) -> list[tuple[int, str]]:
        """Events seen since the last poll: ``(generation, "playing"|"ended"|"error")``."""
        out = []
        while self._events:
            out.append(self._events.popleft())
        return out

    def frame(self) -> QImage | None:
        """The newest frame (RGB32); use it only while painting, then ``done_painting``.

        Until ``done_painting`` libVLC does not write into that buffer.
        """
        with self._mutex:
            if self._ready is None:
                return None
            self._painting = self._ready
            return self._buffers[self._painting]

    def frame_size(self) -> tuple[int, int]:
        """Size of the frames being decoded, (0, 0) before the first open."""
        return self._size

    def clear_frame(self) -> None:
        """Forget the newest frame (a new camera must not show the old one's picture)."""
        with self._mutex:
            self._ready = None

    def done_painting(self) -> None:
        """The buffer returned by ``frame`` is no longer in use."""
        with self._mutex:
            self._painting = None

    def stats(self) -> tuple[float, float]:
        """``(input kbit/s, displayed frames total)`` of the current media (cheap)."""
        st = vlc.MediaStats()
        with self._media_lock:
            if self._media is None or not self._media.get_stats(st):
                return 0.0, 0.0
        return st.demux_bitrate * 8000.0, float(st.displayed_pictures)

    def poll_native(self) -> int:
        """Native output: bring ``frames`` up to the pictures libVLC displayed; returns it."""
        if not self.native:
            return self.frames
        st = vlc.MediaStats()
        with self._media_lock:
            shown = st.displayed_pictures if self._media and self._media.get_stats(st) else 0
        if shown < self._native_seen:  # a new media counts from zero
            self._native_base += self._native_seen
            self._native_seen = 0
        if shown > self._native_seen:
            self._native_seen = shown
            self.frames = self._native_base + shown
            self.last_frame_at = time.monotonic()
        return self.frames

    def playback(self) -> tuple[str, int]:
        """libVLC's own view: ``(state name, media time in ms)`` (non-blocking)."""
        state = self._mp.get_state()
        return str(state).rsplit(".", 1)[-1], int(self._mp.get_time())

    # ---- worker side

    def _kick(self) -> None:
        with self._job_lock:
            if self._job_running or self._release_future is not None:
                return
            self._job_running = True
        self._engine.pool.submit(self._reconcile)

    def _reconcile(self) -> None:
        """Apply the latest wanted state; loop until nothing new was asked meanwhile."""
        while True:
            with self._job_lock:
                wanted = self._wanted
                future = self._release_future
                if future is None and wanted == self._applied:
                    self._job_running = False
                    return
            if future is not None:
                try:
                    self._release_now()
                finally:
                    future.set_result(None)
                return
            try:
                self._apply(wanted)
            except Exception:  # never let a libVLC hiccup kill the worker loop
                log.exception("libVLC open/close failed")
            self._applied = wanted

    def _apply(self, wanted: _Wanted) -> None:
        self._mp.stop()  # blocks until the decoder threads are gone
        self._active_gen = wanted.generation
        self._set_media(None)
        if wanted.url is None:
            return
        if self.native:
            self._mp.set_xwindow(wanted.window)
        elif (wanted.width, wanted.height) != self._size:
            images = [
                QImage(wanted.width, wanted.height, QImage.Format.Format_RGB32) for _ in range(3)
            ]
            for image in images:
                image.fill(0)
            addresses = [ctypes.addressof(ctypes.c_char.from_buffer(i.bits())) for i in images]
            with self._mutex:
                self._buffers = images
                self._addresses = addresses
                self._size = (wanted.width, wanted.height)
                self._ready = self._writing = self._painting = None
        if not self.native:
            self._mp.video_set_format("RV32", wanted.width, wanted.height, wanted.width * 4)
        media = self._engine.instance.media_new(wanted.url, *wanted.options)
        self._mp.set_media(media)
        self._set_media(media)  # kept (not released) for stats until the next open
        self._mp.play()

    def _set_media(self, media: vlc.Media | None) -> None:
        with self._media_lock:
            old, self._media = self._media, media
        if old is not None:
            old.release()

    def _release_now(self) -> None:
        self._released = True
        self._mp.stop()
        self._set_media(None)
        self._mp.event_manager().event_detach(vlc.EventType.MediaPlayerPlaying)
        self._mp.event_manager().event_detach(vlc.EventType.MediaPlayerEndReached)
        self._mp.event_manager().event_detach(vlc.EventType.MediaPlayerEncounteredError)
        self._mp.release()

    # ---- libVLC threads

    def _on_vlc_event(self, _event: vlc.Event, name: str) -> None:
        self._events.append((self._active_gen, name))

    def _on_lock(self, _opaque: int, planes: ctypes.Array[ctypes.c_void_p]) -> int:
        with self._mutex:
            busy = (self._ready, self._painting)
            index = next(i for i in range(3) if i not in busy)
            self._writing = index
            planes[0] = self._addresses[index]
        # 0, not None: a c_void_p callback returning None corrupts None's refcount (ctypes).
        return 0

    def _on_unlock(self, _opaque: int, _picture: int, _planes: object) -> None:
        return None

    def _on_display(self, _opaque: int, _picture: int) -> None:
        with self._mutex:
            self._ready = self._writing
            self._writing = None
            self.frames += 1
            self.last_frame_at = time.monotonic()
