"""The Recorder: everything the console receives and sends, written to a recording file.

``BackendClient`` calls the three hooks on the event loop (the GUI thread under qasync), each
after the Store has applied what it reports. The hooks only append to a buffer (and, when a
keyframe is due, take a shallow copy of the Store's containers); a writer thread turns the
buffer into one SQLite transaction every ``flush_every`` seconds. With WAL and
``synchronous=NORMAL`` a committed batch survives SIGKILL, so a kill loses at most the last
batch (0.2 s by default) plus what was still being written.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.replay import StoreCopy, copy_store, store_to_wire_state
from console.storage.recording import RecordingFile

log = logging.getLogger("console.recorder")
Wire = dict[str, Any]


@dataclass
class _Buffer:
    events: list[tuple[float, Wire]] = field(default_factory=list)
    # (time, events before it in this buffer, state or Store copy, seq, reset)
    keyframes: list[tuple[float, int, Wire | StoreCopy, int | None, bool]] = field(
        default_factory=list
    )
    commands: list[tuple[float, str, Wire, Wire]] = field(default_factory=list)


class Recorder:
    """Records one console session into a recording file.

    Args:
        path: the recording file (created; appended to if it exists).
        store: the Store the client feeds (read for keyframes, on the hooks' thread only).
        clock: seconds since the epoch; the recording's time axis.
        keyframe_every_s: a keyframe after this much recording time ...
        keyframe_every_events: ... or after this many events, whichever comes first.
        flush_every: seconds between two writes.
        meta: extra summary values (backend URL, operator, ...).
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
    ) -> None:
        self.file = RecordingFile(path)
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
        self.events_written = 0
        self.error: BaseException | None = None
        if meta:
            self.file.set_meta(meta)
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._thread.start()
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

    def on_events(self, events: list[Wire]) -> None:
        """The Store applied these events (in order): record them; maybe take a keyframe."""
        if not events:
            return
        t = self._now()
        with self._lock:
            self._buffer.events.extend((t, e) for e in events)
        self._since_kf += len(events)
        if self._kf_t is None:
            self._kf_t = t
        due_t = t - self._kf_t >= self.keyframe_every_s
        if due_t or self._since_kf >= self.keyframe_every_events:
            self.keyframe(t)

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
        self._thread.join()
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
                log.exception("recording write failed")
                self.error = exc
            for _, _, _, result in batch.commands:
                done = result.get("_done")
                if isinstance(done, threading.Event):
                    done.set()
            if stopping:
                return

    def _write(self, batch: _Buffer) -> None:
        commands = [c for c in batch.commands if c[0] >= 0]
        if not (batch.events or batch.keyframes or commands):
            return
        keyframes = [
            (t, after, s if isinstance(s, dict) else store_to_wire_state(s), seq, reset)
            for t, after, s, seq, reset in batch.keyframes
        ]
        self.file.write_batch(batch.events, keyframes, commands)
        self.events_written += len(batch.events)
