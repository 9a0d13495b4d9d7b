"""The wall's clip recordings: starts them, shows their progress, reports how they ended."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QProgressBar, QWidget

from widgets.video_wall.clips import (
    NO_DATA,
    NO_START,
    OPEN_FAILED,
    START_TIMEOUT_S,
    ClipJob,
    ClipRecorder,
    ClipRequest,
)


class ClipProgressBar(QProgressBar):
    """Progress of the clips being recorded (hidden when there are none).

    Owns the ``ClipRecorder`` (made on first use) and polls its jobs at 4 Hz on the GUI
    thread; the recording itself runs on the recorder's worker threads.
    """

    sig_clip_saved = Signal(object)
    """A clip was recorded, hashed and described (``EvidenceRecord``)."""
    sig_clip_failed = Signal(str, str)
    """A clip could not be recorded (camera name, the reason in words)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wallClipProgress")
        self.setRange(0, 1000)
        self.setFixedWidth(260)
        self.hide()
        self.jobs: list[ClipJob] = []
        """Recordings not yet reported."""
        self._recorder: ClipRecorder | None = None
        self._timer = QTimer(self, interval=250)
        self._timer.timeout.connect(self._on_timer)

    def record(self, request: ClipRequest) -> ClipJob:
        """Start recording (returns at once)."""
        if self._recorder is None:
            self._recorder = ClipRecorder()
        job = self._recorder.record(request)
        self.jobs.append(job)
        self._on_timer()
        self._timer.start()
        return job

    def shutdown(self) -> None:
        """Stop running clips (they keep what they recorded) and free libVLC (blocking)."""
        self._timer.stop()
        if self._recorder is not None:
            self._recorder.shutdown()

    def _reason(self, job: ClipJob) -> str:
        return {
            NO_DATA: self.tr("no data came from the stream"),
            OPEN_FAILED: self.tr("the stream could not be opened"),
            NO_START: self.tr("the stream sent nothing for %1 s").replace(
                "%1", str(int(START_TIMEOUT_S))
            ),
        }.get(job.error or "", job.error or "")

    def _on_timer(self) -> None:
        for job in [j for j in self.jobs if j.done]:
            self.jobs.remove(job)
            if job.record is not None:
                self.sig_clip_saved.emit(job.record)
            else:
                self.sig_clip_failed.emit(job.request.camera_name, self._reason(job))
        if not self.jobs:
            self._timer.stop()
            self.hide()
            return
        job = self.jobs[0]
        self.setValue(int(job.progress() * 1000))
        text = (
            self.tr("Recording %1: %2 / %3 s")
            .replace("%1", job.request.camera_id)
            .replace("%2", str(int(job.elapsed_s())))
            .replace("%3", str(job.request.seconds))
        )
        if len(self.jobs) > 1:
            text += self.tr(" (+%1 more)").replace("%1", str(len(self.jobs) - 1))
        self.setFormat(text)
        self.setToolTip(text)
        self.show()
