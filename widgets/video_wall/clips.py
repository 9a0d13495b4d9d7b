"""Clip export (证据固定): record the next N seconds of a camera's stream to an MPEG-TS file.

A ``ClipRecorder`` owns a second libVLC instance (the wall's players render frames; these
only remux the stream to a file with ``:sout=#std{access=file,mux=ts}``, no decoding). Each
recording runs on its own worker thread: open, wait for the stream, record N seconds, stop,
hash the file and write the JSON sidecar. Nothing here touches a widget: the panel polls
``ClipJob.progress``/``done`` from a timer on the GUI thread.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import vlc

from console.video import EvidenceRecord, evidence_basename, write_evidence_sidecar

log = logging.getLogger(__name__)

CLIP_VLC_ARGS = ("--quiet", "--no-audio", "--aout=adummy", "--vout=dummy", "--no-xlib")
START_TIMEOUT_S = 10.0
MIN_CLIP_S = 1
MAX_CLIP_S = 600

NO_DATA = "no_data"
OPEN_FAILED = "open_failed"
NO_START = "no_start"
"""``ClipJob.error`` codes the panel words for the operator (anything else is an OS error)."""


class _ClipFailed(Exception):
    pass


@dataclass(frozen=True, slots=True)
class ClipRequest:
    """What to record: a camera's stream URL for ``seconds`` into ``folder``."""

    url: str
    camera_id: str
    camera_name: str
    seconds: int
    folder: Path
    operator: str


class ClipJob:
    """One recording in progress. Read its fields from any thread; they only move forward."""

    def __init__(self, request: ClipRequest) -> None:
        self.request = request
        self.path = request.folder / f"{evidence_basename(request.camera_id, time.time())}.ts"
        self.started_at: float | None = None  # wall clock, once the stream is flowing
        self.record: EvidenceRecord | None = None
        self.error: str | None = None
        """Why it failed: ``NO_DATA``, ``OPEN_FAILED``, ``NO_START`` or an OS error's text."""
        self._t0: float | None = None  # monotonic twin of started_at
        self._cancel = threading.Event()
        self.future: concurrent.futures.Future[None] | None = None

    @property
    def done(self) -> bool:
        """True once the job finished (``record`` or ``error`` is set)."""
        return self.future is not None and self.future.done()

    def progress(self) -> float:
        """0..1: the share of the requested seconds recorded so far."""
        if self.done:
            return 1.0
        if self._t0 is None:
            return 0.0
        return min(1.0, (time.monotonic() - self._t0) / self.request.seconds)

    def elapsed_s(self) -> float:
        """Seconds recorded so far."""
        return 0.0 if self._t0 is None else time.monotonic() - self._t0

    def cancel(self) -> None:
        """Stop early (what was recorded so far is kept, hashed and described)."""
        self._cancel.set()


class ClipRecorder:
    """Records clips with its own libVLC instance on worker threads (two at a time)."""

    def __init__(self, workers: int = 2) -> None:
        self._instance: vlc.Instance | None = None
        self._lock = threading.Lock()
        self._pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="clip")
        self._jobs: list[ClipJob] = []
        self._closed = False

    def record(self, request: ClipRequest) -> ClipJob:
        """Start recording (returns at once); ``ValueError`` for a bad length."""
        if not MIN_CLIP_S <= request.seconds <= MAX_CLIP_S:
            raise ValueError(f"a clip lasts {MIN_CLIP_S}..{MAX_CLIP_S} s")
        if self._closed:
            raise RuntimeError("recorder is shut down")
        job = ClipJob(request)
        self._jobs.append(job)
        job.future = self._pool.submit(self._run, job)
        return job

    def shutdown(self, timeout: float = 15.0) -> None:
        """Cancel running clips (they keep what they have), wait, free libVLC (blocking)."""
        if self._closed:
            return
        self._closed = True
        for job in self._jobs:
            job.cancel()
        futures = [j.future for j in self._jobs if j.future is not None]
        concurrent.futures.wait(futures, timeout)
        self._pool.shutdown(wait=True)
        if self._instance is not None:
            self._instance.release()
            self._instance = None

    # ---- worker side

    def _vlc(self) -> vlc.Instance:
        with self._lock:
            if self._instance is None:
                self._instance = vlc.Instance(list(CLIP_VLC_ARGS))
            return self._instance

    def _run(self, job: ClipJob) -> None:
        req = job.request
        try:
            req.folder.mkdir(parents=True, exist_ok=True)
            self._capture(job)
            size = job.path.stat().st_size if job.path.is_file() else 0
            if size == 0:
                raise _ClipFailed(NO_DATA)
            assert job.started_at is not None
            job.record = write_evidence_sidecar(
                job.path,
                req.camera_id,
                req.camera_name,
                req.operator,
                job.started_at,
                kind="clip",
                ended_at=time.time(),
            )
        except Exception as exc:  # reported to the operator, never raised into Qt
            log.warning("clip of %s failed: %s", req.camera_id, exc)
            job.error = str(exc) or type(exc).__name__

    def _capture(self, job: ClipJob) -> None:
        req = job.request
        dst = str(job.path).replace("\\", "/").replace('"', "")
        instance = self._vlc()
        media = instance.media_new(
            req.url,
            f':sout=#std{{access=file,mux=ts,dst="{dst}"}}',
            ":sout-all",
            ":network-caching=300",
            ":rtsp-tcp",
        )
        player = instance.media_player_new()
        player.set_media(media)
        media.release()
        try:
            player.play()
            deadline = time.monotonic() + START_TIMEOUT_S
            # Recording counts from the moment bytes reach the file (the stream is flowing).
            while not (job.path.is_file() and job.path.stat().st_size > 0):
                state = player.get_state()
                if state in (vlc.State.Error, vlc.State.Ended):
                    raise _ClipFailed(OPEN_FAILED)
                if time.monotonic() > deadline:
                    raise _ClipFailed(NO_START)
                if job._cancel.wait(0.05):
                    break
            job.started_at = time.time()
            job._t0 = time.monotonic()
            end = job._t0 + req.seconds
            while not job._cancel.is_set():
                left = end - time.monotonic()
                if left <= 0:
                    break
                if player.get_state() in (vlc.State.Error, vlc.State.Ended):
                    break  # the stream dropped: keep what was recorded
                job._cancel.wait(min(0.2, left))
        finally:
            player.stop()  # flushes and closes the file
            player.release()
