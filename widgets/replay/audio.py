"""Recorded radio audio in step with the replay clock (1× only), through libVLC.

When the replay clock is inside a recorded radio call (arrival ≤ t < arrival + duration) and
playback runs at 1×, that call's audio plays from ``t − arrival``. Pausing, another speed, a
seek or the end of the call stops it; a seek into a call restarts it at the new offset. The
audio comes from the recording itself (served by :class:`console.services.media_server.MediaServer`)
when it holds the clip, else from the call's original URL.

As in the radio panel: every libVLC call that can block runs on one worker thread of this
object, libVLC's callbacks only append to a deque, and the GUI thread never waits.
"""

from __future__ import annotations

import concurrent.futures
import logging
from collections import deque
from collections.abc import Callable

import vlc
from PySide6.QtCore import QObject, Signal

from console.replay import ReplayEngine
from console.storage.recording import RadioRow

log = logging.getLogger(__name__)

REPLAY_AUDIO_VLC_ARGS = ("--quiet", "--no-video", "--no-xlib")
DRIFT_S = 0.75
"""Restart the clip at the right offset when it is further than this from the clock."""
QUERY_EVERY_S = 0.2
"""Look up the call under the clock at most this often (replay time) while it plays."""


class ReplayAudio(QObject):
    """Follows a :class:`ReplayEngine` and plays the radio call under its clock.

    Args:
        engine: the replay engine (its ``clock`` is also this object's clock).
        resolve: a call's ``audio_url`` → a playable local URL (None: use the original).
        vlc_args: arguments of this object's own libVLC instance (real audio output).
    """

    sig_call_changed = Signal(object)
    """The call being played changed (a RadioRow, or None when audio stopped)."""

    def __init__(
        self,
        engine: ReplayEngine,
        resolve: Callable[[str], str | None] | None = None,
        vlc_args: tuple[str, ...] = REPLAY_AUDIO_VLC_ARGS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self._resolve = resolve
        self._instance = vlc.Instance(list(vlc_args))
        self._mp = self._instance.media_player_new()
        self._jobs = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="replay-audio")
        self._events: deque[tuple[int, str]] = deque(maxlen=64)
        self._gen = 0
        self._active_gen = 0
        self._released = False
        self.current: RadioRow | None = None
        """The call whose audio is playing (None: silent)."""
        self.current_url: str | None = None
        self._ended: tuple[float, str] | None = None
        self._anchor: tuple[float, float] = (0.0, 0.0)  # (clock at open, offset at open)
        self._queried_at: float | None = None
        self._under: RadioRow | None = None
        em = self._mp.event_manager()
        em.event_attach(vlc.EventType.MediaPlayerEndReached, self._on_vlc_event, "ended")
        em.event_attach(vlc.EventType.MediaPlayerEncounteredError, self._on_vlc_event, "error")

    # ---- GUI side

    def sync(self) -> None:
        """Match the audio to the engine now (call after every tick, seek, pause, speed change)."""
        if self._released:
            return
        self._drain()
        e = self.engine
        if not (e.playing and e.speed == 1.0):
            self._silence()
            return
        want = self._call_under(e.position)
        if want is None:
            self._silence()
            return
        key = (want.ts, want.call_id)
        offset = e.position - want.ts
        playing = self.current is not None and (self.current.ts, self.current.call_id) == key
        if playing or key == self._ended:
            clock0, offset0 = self._anchor
            if abs(offset0 + (e.clock() - clock0) - offset) <= DRIFT_S:
                # In step, or the clip ended before the call's recorded length: stay silent
                # until a seek moves the clock elsewhere in the call.
                return
        self._open(want, offset)

    def time_ms(self) -> int:
        """Position in the playing clip (ms; -1 when nothing plays)."""
        return int(self._mp.get_time())

    def vlc_state(self) -> vlc.State:
        """libVLC's own state of the player (for tests and diagnostics)."""
        return self._mp.get_state()

    def shutdown(self) -> None:
        """Stop and release the player and the libVLC instance (blocking, short)."""
        if self._released:
            return
        self._released = True
        self._jobs.submit(self._release_now).result(timeout=10)
        self._jobs.shutdown(wait=True)

    # ---- helpers

    def _call_under(self, t: float) -> RadioRow | None:
        q, under = self._queried_at, self._under

        def talking(row: RadioRow | None) -> bool:
            return row is not None and row.ts <= t < row.ts + row.duration_s

        if q is None or t < q or t - q >= QUERY_EVERY_S or (under and not talking(under)):
            under = self._under = self.engine.file.radio_call_at(t)
            self._queried_at = t
        return under if talking(under) else None

    def _open(self, call: RadioRow, offset: float) -> None:
        assert call.audio_url is not None
        url = (self._resolve(call.audio_url) if self._resolve else None) or call.audio_url
        self.current, self.current_url = call, url
        self._ended = None
        self._anchor = (self.engine.clock(), offset)
        self._gen += 1
        gen = self._gen
        self._jobs.submit(self._guard, lambda: self._play(gen, url, offset))
        self.sig_call_changed.emit(call)

    def _silence(self) -> None:
        if self.current is None:
            return
        self.current = self.current_url = None
        self._gen += 1
        self._jobs.submit(self._guard, self._mp.stop)
        self.sig_call_changed.emit(None)

    def _drain(self) -> None:
        while self._events:
            gen, name = self._events.popleft()
            if gen == self._gen and self.current is not None:
                if name == "error":
                    log.warning("replay audio failed: %s", self.current_url)
                self._ended = (self.current.ts, self.current.call_id)
                self.current = self.current_url = None
                self.sig_call_changed.emit(None)

    # ---- worker side

    @staticmethod
    def _guard(job: Callable[[], object]) -> None:
        try:
            job()
        except Exception:  # a libVLC hiccup must not kill the worker
            log.exception("replay audio call failed")

    def _play(self, gen: int, url: str, offset: float) -> None:
        if gen != self._gen:
            return  # a newer request replaced this one
        self._mp.stop()
        self._active_gen = gen
        media = self._instance.media_new(url)
        if offset > 0.05:
            media.add_option(f":start-time={offset:.3f}")
        self._mp.set_media(media)
        media.release()
        self._mp.play()

    def _release_now(self) -> None:
        self._mp.stop()
        em = self._mp.event_manager()
        em.event_detach(vlc.EventType.MediaPlayerEndReached)
        em.event_detach(vlc.EventType.MediaPlayerEncounteredError)
        self._mp.release()
        self._instance.release()

    def _on_vlc_event(self, _event: vlc.Event, name: str) -> None:
        # libVLC thread: only record it.
        self._events.append((self._active_gen, name))
