"""The Recorder: everything the console receives and sends, written to a recording file.

``BackendClient`` calls the three hooks on the event loop (the GUI thread under qasync), each
after the Store has applied what it reports. The hooks only append to a buffer (and, when a
keyframe is due, take a shallow copy of the Store's containers); a writer thread turns the
buffer into one SQLite transaction every ``flush_every`` seconds. With WAL and
``synchronous=NORMAL`` a committed batch survives SIGKILL, so a kill loses at most the last
batch (0.2 s by default) plus what was still being written.

Radio audio is fetched in the background (its own thread, never the writer's or the GUI's) and
stored in the file, so a recording replays its radio calls after the backend is gone.

A failed write (disk full, file too large) is logged once, shown through :attr:`Recorder.error`
and retried with what is buffered (up to :data:`MAX_PENDING_EVENTS`); a recording file that
was removed or replaced is a permanent failure: nothing more is written.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.radio import fetch_url
from console.replay import StoreCopy, copy_store, guess_audio_type, part_items, wire_part
from console.storage.recording import PARTS, RecordingFile, encode_json

log = logging.getLogger("console.recorder")
Wire = dict[str, Any]
MAX_PENDING_EVENTS = 200_000
"""Events kept for a retry while writes fail; older ones are dropped (and counted) beyond it."""
AUDIO_RETRY_S = (2.0, 10.0)
"""Delays before the second and third attempt to fetch a call's audio."""
MAX_AUDIO_BYTES = 64 << 20
KEEP_ANSWER_DATA = frozenset({"sighting.search"})
"""Queries whose answer (``data``) is recorded with the command: a replayed console draws the
trajectory a commander searched from the recording (there is no backend to ask in replay)."""


class RecordingLost(RuntimeError):
    """The recording file was removed or replaced while recording."""


@dataclass
class _Buffer:
    events: list[tuple[float, Wire]] = field(default_factory=list)
    # (time, events before it in this buffer, state or Store copy, seq, reset)
    keyframes: list[tuple[float, int, Wire | StoreCopy, int | None, bool]] = field(
        default_factory=list
    )
    commands: list[tuple[float, str, Wire, Wire]] = field(default_factory=list)

    def then(self, later: _Buffer) -> _Buffer:
        """This (failed) batch followed by ``later``, keyframe positions shifted."""
        n = len(self.events)
        return _Buffer(
            self.events + later.events,
            self.keyframes + [(t, a + n, s, q, r) for t, a, s, q, r in later.keyframes],
            self.commands + later.commands,
        )


class Recorder:
    """Records one console session into a recording file.

    Args:
        path: the recording file (created; appended to if it exists).
        store: the Store the client feeds (read for keyframes, on the hooks' thread only).
        clock: seconds since the epoch; the recording's time axis.
        keyframe_every_s: a keyframe after this much recording time ...
        keyframe_every_events: ... or after this many events, whichever comes first; but
            never after fewer events than the state holds items (units, fixes, alerts): a
            keyframe costs about as much as that many events, both to write and on a seek,
            so a 10,000-unit district at 50,000 fixes a second is not keyframed ten times a
            second.
        flush_every: seconds between two writes.
        meta: extra summary values (backend URL, operator, ...).
        fetch: gets the bytes of a radio call's ``audio_url`` (blocking; None: cannot).
    """

    def __init__(
        self,
        path: str | Path,
        store: Any,
        *,
        clock: Callable[[], float] = time.time,
        keyframe_every_s: float = 10.0,
        keyframe_every_events: int = 5000,
        flush_every: float = 0.2,
        meta: dict[str, Any] | None = None,
        fetch: Callable[[str], bytes | None] = fetch_url,
    ) -> None:
        self.file = RecordingFile(path)
        self._inode = os.stat(self.file.path).st_ino
        self.store = store
        self.clock = clock
        self.keyframe_every_s = keyframe_every_s
        self.keyframe_every_events = keyframe_every_events
        self.flush_every = flush_every
        self._buffer = _Buffer()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._last_t = 0.0
        self._kf_t: float | None = None
        self._since_kf = 0
        self._last_parts: dict[str, tuple[list[Any], bytes]] = {}  # the writer thread's
        self.events_written = 0
        self.events_dropped = 0
        self.error: BaseException | None = None
        """The last write failure (None while writes succeed); read from any thread."""
        self.audio_fetched = 0
        self._fetch = fetch
        self._audio_seen: set[str] = set()
        self._audio_jobs: list[tuple[float, int, str, str, float]] = []  # heap by due time
        self._audio_cv = threading.Condition()
        if meta:
            self.file.set_meta(meta)
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._thread.start()
        self._audio_thread = threading.Thread(
            target=self._run_audio, name="recorder-audio", daemon=True
        )
        self._audio_thread.start()
        if getattr(store, "seq", None) is not None:
            self.keyframe()  # started mid-session: the state so far is the first keyframe

    # ---------------------------------------------------------------- hooks

    def _now(self) -> float:
        # Never backwards: seek relies on arrival times being ordered.
        self._last_t = max(self._last_t, self.clock())
        return self._last_t

    def on_snapshot(self, seq: int, state: Wire) -> None:
        """The Store loaded a backend snapshot: record a reset keyframe.

        Call it after ``Store.load_snapshot``: the keyframe is taken from the Store (which
        also keeps its radio history across a snapshot), not from ``state``.
        """
        self.keyframe(reset=True)
        t = self._last_t
        for call in list(getattr(self.store, "radio_calls", ())):
            if call.audio_url:
                self._want_audio(call.audio_url, call.id, t)

    def on_events(self, events: list[Wire]) -> None:
        """The Store applied these events (in order): record them; maybe take a keyframe."""
        if not events:
            return
        t = self._now()
        with self._lock:
            self._buffer.events.extend(zip(itertools.repeat(t), events))
        for e in events:
            if e.get("type") == "radio.call":
                call = e.get("call") or {}
                if call.get("audio_url"):
                    self._want_audio(call["audio_url"], str(call.get("id", "")), t)
        self._since_kf += len(events)
        if self._kf_t is None:
            self._kf_t = t
        due_t = t - self._kf_t >= self.keyframe_every_s
        if due_t or self._since_kf >= self._keyframe_events():
            self.keyframe(t)

    def _keyframe_events(self) -> int:
        store = self.store
        size = sum(len(getattr(store, name, ())) for name in ("units", "positions", "alerts"))
        return max(self.keyframe_every_events, size)

    def on_command(self, name: str, args: Wire, answer: Any) -> None:
        """A command was answered (``answer``: a ``CommandAnswered``, or a result dict)."""
        if isinstance(answer, dict):
            result = answer
        else:
            result = {
                "id": answer.command_id,
                "ok": answer.ok,
                "seq": answer.seq,
                "code": answer.code,
                "message": answer.message,
            }
            if name in KEEP_ANSWER_DATA and answer.ok and answer.data is not None:
                result["data"] = answer.data
        with self._lock:
            self._buffer.commands.append((self._now(), name, dict(args), result))

    def keyframe(self, t: float | None = None, *, reset: bool = False) -> None:
        """Take a keyframe of the Store now (the copy is cheap; serialising is the writer's)."""
        t = self._now() if t is None else t
        copy = copy_store(self.store)
        with self._lock:
            after = len(self._buffer.events)
            self._buffer.keyframes.append((t, after, copy, copy.seq, reset))
        self._kf_t, self._since_kf = t, 0

    # ---------------------------------------------------------------- audio

    def _want_audio(self, url: str, call_id: str, t: float) -> None:
        if url in self._audio_seen:
            return
        self._audio_seen.add(url)
        with self._audio_cv:
            heapq.heappush(self._audio_jobs, (0.0, 0, url, call_id, t))
            self._audio_cv.notify()

    def wait_audio(self, timeout: float = 10.0) -> bool:
        """Block until no audio fetch is queued (tests); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._audio_cv:
            while self._audio_jobs or self._fetching:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._audio_cv.wait(left)
        return True

    _fetching = False

    def _run_audio(self) -> None:
        while True:
            with self._audio_cv:
                while not self._stop.is_set():
                    now = time.monotonic()
                    if self._audio_jobs and self._audio_jobs[0][0] <= now:
                        break
                    wait = self._audio_jobs[0][0] - now if self._audio_jobs else None
                    self._audio_cv.wait(wait)
                if self._stop.is_set():
                    return
                _, attempt, url, call_id, t = heapq.heappop(self._audio_jobs)
                self._fetching = True
            try:
                self._fetch_one(attempt, url, call_id, t)
            finally:
                with self._audio_cv:
                    self._fetching = False
                    self._audio_cv.notify_all()

    def _fetch_one(self, attempt: int, url: str, call_id: str, t: float) -> None:
        data = self._fetch(url)
        if data is not None and 0 < len(data) <= MAX_AUDIO_BYTES:
            try:
                self.file.add_audio(url, call_id, t, data, guess_audio_type(url))
                self.audio_fetched += 1
            except Exception:  # the writer reports file failures; audio is best effort
                log.warning("could not store the audio of %s", call_id, exc_info=True)
            return
        if attempt < len(AUDIO_RETRY_S):
            due = time.monotonic() + AUDIO_RETRY_S[attempt]
            with self._audio_cv:
                heapq.heappush(self._audio_jobs, (due, attempt + 1, url, call_id, t))
        else:
            log.warning("no audio recorded for call %s (%s)", call_id, url)

    # ---------------------------------------------------------------- writer

    def flush(self, timeout: float = 10.0) -> None:
        """Block until everything recorded so far is committed (tests, shutdown)."""
        done = threading.Event()
        with self._lock:
            self._buffer.commands.append((-1.0, "", {}, {"_done": done}))
        self._wake.set()
        if not done.wait(timeout):
            raise TimeoutError("the recorder did not flush in time")
        if self.error is not None:
            raise RuntimeError("the recorder failed") from self.error

    def close(self) -> None:
        """Write what is buffered, stop the writer thread and close the file."""
        self._stop.set()
        self._wake.set()
        with self._audio_cv:
            self._audio_cv.notify_all()
        self._thread.join()
        self._audio_thread.join(timeout=2.0)  # a fetch in flight is abandoned, not waited for
        self.file.close()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.flush_every)
            self._wake.clear()
            stopping = self._stop.is_set()
            with self._lock:
                batch, self._buffer = self._buffer, _Buffer()
            try:
                self._write(batch)
            except Exception as exc:  # keep the console alive; the status shows the failure
                self._failed(exc, batch)
            else:
                if self.error is not None and not isinstance(self.error, RecordingLost):
                    log.warning("recording resumed: %s", self.file.path)
                    self.error = None
            for _, _, _, result in batch.commands:
                done = result.get("_done")
                if isinstance(done, threading.Event):
                    done.set()
            if stopping:
                return

    def _keyframe_parts(self, copy: StoreCopy) -> Wire:
        """The keyframe's parts as JSON bytes; a part whose items equal the last keyframe's
        (cameras, layers, talkgroups, mostly units) is not converted and encoded again."""
        parts: Wire = {}
        for name in PARTS:
            items = part_items(copy, name)
            last = self._last_parts.get(name)
            if last is not None and last[0] == items:  # identical items: a pointer compare
                parts[name] = last[1]
                continue
            raw = encode_json(wire_part(name, items))
            self._last_parts[name] = (items, raw)
            parts[name] = raw
        return parts

    def _failed(self, exc: BaseException, batch: _Buffer) -> None:
        if self.error is None or str(self.error) != str(exc):
            log.error("recording failed (%s): %s", self.file.path, exc, exc_info=exc)
        self.error = exc
        if isinstance(exc, RecordingLost):
            return  # nothing more can be written: keep no buffer
        keep = _Buffer(batch.events, batch.keyframes, [c for c in batch.commands if c[0] >= 0])
        with self._lock:
            merged = keep.then(self._buffer)
            excess = len(merged.events) - MAX_PENDING_EVENTS
            if excess > 0:  # bounded memory: the oldest events go first, with their keyframes
                merged.events = merged.events[excess:]
                merged.keyframes = [
                    (t, a - excess, s, q, r) for t, a, s, q, r in merged.keyframes if a >= excess
                ]
                self.events_dropped += excess
            self._buffer = merged

    def _write(self, batch: _Buffer) -> None:
        commands = [c for c in batch.commands if c[0] >= 0]
        if not (batch.events or batch.keyframes or commands):
            return
        if isinstance(self.error, RecordingLost):
            raise self.error
        try:
            inode = os.stat(self.file.path).st_ino
        except FileNotFoundError:
            inode = None
        if inode != self._inode:
            raise RecordingLost(f"the recording file {self.file.path} was removed or replaced")
        keyframes = [
            (t, after, s if isinstance(s, dict) else self._keyframe_parts(s), seq, reset)
            for t, after, s, seq, reset in batch.keyframes
        ]
        self.file.write_batch(batch.events, keyframes, commands)
        self.events_written += len(batch.events)
