"""Recorded-call playback through libVLC: a queue of calls, pause, seek and speed.

libVLC calls back on its own threads: those callbacks only append to a deque. A ``QTimer`` on
the GUI thread drains it (10 Hz, also reading the play position), and every libVLC call that
can block (``stop``, ``set_media`` + ``play``, ``release``) runs on one worker thread of this
player, in order, so the GUI thread never waits for a decoder.
"""

from __future__ import annotations

import concurrent.futures
import logging
from collections import deque
from collections.abc import Sequence

import vlc
from PySide6.QtCore import QObject, QTimer, Signal

from console.domain.model import RadioCall
from widgets.media import VlcEngine

log = logging.getLogger(__name__)

RADIO_VLC_ARGS = ("--quiet", "--no-video", "--no-xlib")
"""libVLC arguments of the engine the radio panel makes for itself (real audio output)."""
RATES = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


class RadioPlayer(QObject):
    """Plays calls one after another; ``state`` is idle, opening, playing, paused or error."""

    sig_state_changed = Signal(str)
    """The playback state changed (idle, opening, playing, paused, error)."""
    sig_call_started = Signal(object)
    """A call of the queue started playing (the RadioCall)."""
    sig_position_changed = Signal(int, int)
    """Position and length of the current call, in milliseconds (10 Hz while playing)."""

    def __init__(self, engine: VlcEngine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._mp = engine.instance.media_player_new()
        self._jobs = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="radio-vlc")
        self._events: deque[tuple[int, str]] = deque(maxlen=64)
        self._gen = 0
        self._active_gen = 0
        self._released: concurrent.futures.Future[None] | None = None
        self.queue: list[RadioCall] = []
        self.current: RadioCall | None = None
        self.state = "idle"
        self.rate = 1.0
        em = self._mp.event_manager()
        for kind, name in (
            (vlc.EventType.MediaPlayerPlaying, "playing"),
            (vlc.EventType.MediaPlayerPaused, "paused"),
            (vlc.EventType.MediaPlayerEndReached, "ended"),
            (vlc.EventType.MediaPlayerEncounteredError, "error"),
        ):
            em.event_attach(kind, self._on_vlc_event, name)
        self._timer = QTimer(self, interval=100)
        self._timer.timeout.connect(self._on_timer_tick)

    # ---- GUI side (never blocks)

    def play_calls(self, calls: Sequence[RadioCall]) -> None:
        """Replace the queue with ``calls`` (those with audio) and start the first."""
        self.queue = [c for c in calls if c.audio_url]
        self.next()

    def next(self) -> None:
        """Skip to the next call of the queue (or stop at its end)."""
        if not self.queue:
            self.stop()
            return
        call = self.queue.pop(0)
        self.current = call
        self._gen += 1
        gen, url, rate = self._gen, call.audio_url, self.rate
        self._set_state("opening")
        self.sig_call_started.emit(call)
        self._submit(lambda: self._open(gen, url, rate))
        self._timer.start()

    def toggle_pause(self) -> None:
        """Pause or resume (or replay the current call after it ended)."""
        if self.state in ("playing", "paused"):
            self._submit(self._mp.pause)
        elif self.current is not None and self.state == "idle":
            self.queue.insert(0, self.current)
            self.next()

    def stop(self) -> None:
        """Stop and forget the queue."""
        self.queue = []
        self._gen += 1
        self._submit(self._mp.stop)
        self._set_state("idle")

    def seek(self, fraction: float) -> None:
        """Jump to a fraction (0..1) of the current call."""
        f = min(1.0, max(0.0, fraction))
        self._submit(lambda: self._mp.set_position(f))

    def set_rate(self, rate: float) -> None:
        """Playback speed, 0.5× to 2× (kept for the next calls of the queue too)."""
        self.rate = min(2.0, max(0.5, rate))
        r = self.rate
        self._submit(lambda: self._mp.set_rate(r))

    def time_ms(self) -> int:
        """Position in the current call (ms; -1 when nothing plays)."""
        return int(self._mp.get_time())

    def vlc_state(self) -> vlc.State:
        """libVLC's own state of the player (for tests)."""
        return self._mp.get_state()

    def release(self) -> concurrent.futures.Future[None]:
        """Stop and free the libVLC player on the worker; the future completes when it is gone."""
        if self._released is None:
            self._timer.stop()
            self.queue = []
            self._released = concurrent.futures.Future()
            fut = self._jobs.submit(self._release_now)
            fut.add_done_callback(self._on_release_done)
            self._jobs.shutdown(wait=False)
        return self._released

    # ---- worker side

    def _on_release_done(self, _job: concurrent.futures.Future[None]) -> None:
        if self._released is not None:
            self._released.set_result(None)

    def _submit(self, job: object) -> None:
        if self._released is not None:
            return
        assert callable(job)
        self._jobs.submit(self._guard, job)

    @staticmethod
    def _guard(job: object) -> None:
        try:
            assert callable(job)
            job()
        except Exception:  # a libVLC hiccup must not kill the worker
            log.exception("radio playback call failed")

    def _open(self, gen: int, url: str | None, rate: float) -> None:
        if gen != self._gen:
            return  # a newer request already replaced this one
        self._mp.stop()
        self._active_gen = gen
        if url is None:
            return
        media = self._engine.instance.media_new(url)
        self._mp.set_media(media)
        media.release()
        self._mp.play()
        self._mp.set_rate(rate)

    def _release_now(self) -> None:
        self._mp.stop()
        em = self._mp.event_manager()
        for kind in (
            vlc.EventType.MediaPlayerPlaying,
            vlc.EventType.MediaPlayerPaused,
            vlc.EventType.MediaPlayerEndReached,
            vlc.EventType.MediaPlayerEncounteredError,
        ):
            em.event_detach(kind)
        self._mp.release()

    def _on_vlc_event(self, _event: vlc.Event, name: str) -> None:
        # libVLC thread: only record it.
        self._events.append((self._active_gen, name))

    # ---- GUI timer

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.sig_state_changed.emit(state)

    def _on_timer_tick(self) -> None:
        if self._released is not None:
            return
        while self._events:
            gen, name = self._events.popleft()
            if gen != self._gen:
                continue
            if name == "ended":
                if self.queue:
                    self.next()
                    return
                self._set_state("idle")
            else:
                self._set_state(name)
        if self.state == "playing":
            self.sig_position_changed.emit(int(self._mp.get_time()), int(self._mp.get_length()))
        elif self.state == "idle" and not self.queue:
            self._timer.stop()
