"""ReplayPanel: the timeline (density strip, scrubber, loop range, bookmarks) and transport.

The panel owns no state of its own: it drives a :class:`console.replay.ReplayEngine`, which
feeds the Store every other panel watches. Playback advances from a 30 Hz timer. Seeks are
prepared (read and parsed) on a worker thread and applied on the GUI thread; if one takes
longer than 100 ms the panel says it is loading.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.radio import fetch_url
from console.replay import Frame, ReplayEngine
from widgets.replay import debrief
from widgets.replay.audio import ReplayAudio
from widgets.theme import Theme

STREAM_ROWS = (("alerts", "priority_1"), ("radio", "status_on_scene"), ("positions", "state_live"))
BUCKETS = 600
TICK_MS = 33
LOADING_AFTER_MS = 100
CAPTURE_MAX_WIDTH = 1600
log = logging.getLogger(__name__)


class ReplayPanel(QWidget):
    """Timeline and transport controls of replay mode.

    Args:
        engine: the replay engine (already open).
        theme: palette tokens for every colour.
        author: the name saved with bookmarks.
    """

    sig_position_changed = Signal(float)
    """Replay time moved (seconds since the epoch)."""
    sig_seek_done = Signal(float)
    """A seek finished and the Store shows that time."""
    sig_job_done = Signal(str, bool)
    """A capture, export or report finished (what it says, whether it failed)."""
    _sig_job_finished = Signal(object, object)
    """A worker job ended: (future, GUI-thread continuation) (queued to the GUI thread)."""
    _sig_prepared = Signal(object)
    """A worker prepared a frame (queued to the GUI thread)."""

    def __init__(
        self,
        engine: ReplayEngine,
        theme: Theme,
        author: str = "",
        parent: QWidget | None = None,
        audio: ReplayAudio | None = None,
        evidence_dir: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("replayPanel")
        self.engine = engine
        self.audio = audio
        self.evidence_dir = evidence_dir
        self.dialog: QFileDialog | None = None
        self.last_output: Path | None = None
        self._shown: float | None = None
        self.theme = theme
        self.author = author
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="replay-seek")
        # Exports and reports can take a while: their own worker, so seeks never queue behind.
        self._jobs = ThreadPoolExecutor(max_workers=1, thread_name_prefix="replay-jobs")
        self._seeking: Future[Frame] | None = None
        self._next_seek: float | None = None
        self._build()
        self._shortcuts()
        self._sig_prepared.connect(self._on_worker_prepared)
        self._sig_job_finished.connect(self._on_job_finished)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_timer_tick)
        self._timer.start()
        self._loading_timer = QTimer(self)
        self._loading_timer.setSingleShot(True)
        self._loading_timer.timeout.connect(lambda: self.loading.setVisible(True))
        self.refresh_timeline()
        self._show_position()

    # ---------------------------------------------------------------- build

    def _build(self) -> None:
        t = self.theme
        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        self.play_button = self._button(self.tr("Play"), self.toggle_play, "replayPlay")
        self.back_button = self._button(self.tr("◀ Step"), self.step_back, "replayStepBack")
        self.step_button = self._button(self.tr("Step ▶"), self.step, "replayStep")
        self.speed = QComboBox(self)
        self.speed.setObjectName("replaySpeed")
        for s in self.engine.speeds:
            self.speed.addItem(self.tr("{speed}×").format(speed=f"{s:g}"), s)
        self.speed.setCurrentIndex(self.engine.speeds.index(1.0))
        self.speed.currentIndexChanged.connect(self._on_speed_changed)
        self.loop_button = self._button(self.tr("Loop range"), self.toggle_loop, "replayLoop")
        self.loop_button.setCheckable(True)
        self.alert_button = self._button(self.tr("Next alert"), self.next_alert, "replayNextAlert")
        self.mark_button = self._button(
            self.tr("Next bookmark"), self.next_bookmark, "replayNextBookmark"
        )
        for w in (self.back_button, self.play_button, self.step_button, self.speed):
            bar.addWidget(w)
        for w in (self.loop_button, self.alert_button, self.mark_button):
            bar.addWidget(w)
        bar.addStretch(1)
        self.loading = QLabel(self.tr("Loading…"), self)
        self.loading.setObjectName("bannerInfo")
        self.loading.setVisible(False)
        self.time_label = QLabel(self)
        self.time_label.setObjectName("replayTime")
        self.rate_label = QLabel(self)
        self.rate_label.setObjectName("dim")
        for label in (self.loading, self.time_label, self.rate_label):
            bar.addWidget(label)
        root.addLayout(bar)

        pg.setConfigOptions(antialias=False)
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        self.plot.setObjectName("replayTimeline")
        self.plot.setBackground(t.color("panel"))
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.hideButtons()
        self.plot.setMinimumHeight(110)
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setTextPen(t.color("text_dim"))
            self.plot.getAxis(axis).setPen(t.color("border"))
        labels = {
            "alerts": self.tr("Alerts"),
            "radio": self.tr("Radio"),
            "positions": self.tr("GPS"),
        }
        self.plot.getAxis("left").setTicks(
            [[(i + 0.45, labels[name]) for i, (name, _) in enumerate(STREAM_ROWS)]]
        )
        self.plot.setYRange(0, len(STREAM_ROWS), padding=0)
        self.plot.setXRange(self.engine.start_ts, max(self.engine.end_ts, self.engine.start_ts + 1))
        self._curves = []
        for i, (_, token) in enumerate(STREAM_ROWS):
            colour = t.color(token)
            fill = pg.mkColor(colour)
            fill.setAlpha(170)
            curve = pg.PlotDataItem(
                stepMode="center", fillLevel=i, pen=pg.mkPen(colour), brush=fill
            )
            self.plot.addItem(curve)
            self._curves.append(curve)
        self.region = pg.LinearRegionItem(
            brush=pg.mkBrush(t.color("selection")), pen=pg.mkPen(t.color("accent"))
        )
        self.region.setZValue(-5)
        self.region.setVisible(False)
        self.plot.addItem(self.region)
        self._marks: list[pg.InfiniteLine] = []
        self.scrubber = pg.InfiniteLine(
            pos=self.engine.position, movable=True, pen=pg.mkPen(t.color("text"), width=2)
        )
        self.scrubber.setZValue(10)
        self.scrubber.sigPositionChangeFinished.connect(self._on_scrubber_released)
        self.plot.addItem(self.scrubber)
        root.addWidget(self.plot, 1)

        notes = QHBoxLayout()
        self.note = QLineEdit(self)
        self.note.setObjectName("replayNote")
        self.note.setPlaceholderText(self.tr("Annotation at the current time (optional)"))
        self.note.returnPressed.connect(self.add_bookmark)
        notes.addWidget(self.note, 1)
        notes.addWidget(self._button(self.tr("Add bookmark"), self.add_bookmark, "replayBookmark"))
        notes.addWidget(
            self._button(self.tr("Capture moment"), self.capture_moment, "replayCapture")
        )
        notes.addWidget(self._button(self.tr("Export…"), self.ask_export, "replayExport"))
        notes.addWidget(self._button(self.tr("Debrief report…"), self.ask_report, "replayReport"))
        self.job_label = QLabel(self)
        self.job_label.setObjectName("replayJob")
        notes.addWidget(self.job_label)
        root.addLayout(notes)

    def _button(self, text: str, slot: object, name: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.clicked.connect(lambda: slot())  # type: ignore[operator]
        return button

    def _shortcuts(self) -> None:
        keys = (
            ("Space", self.toggle_play),
            ("Right", self.step),
            ("Left", self.step_back),
            ("+", lambda: self.change_speed(+1)),
            ("-", lambda: self.change_speed(-1)),
            ("L", self.toggle_loop),
            ("A", self.next_alert),
            ("B", self.next_bookmark),
            ("Ctrl+B", self.add_bookmark),
        )
        for key, slot in keys:
            QShortcut(QKeySequence(key), self).activated.connect(slot)

    # ---------------------------------------------------------------- actions

    def toggle_play(self) -> None:
        """Play or pause."""
        if self.engine.playing:
            self.engine.pause()
        else:
            self.engine.play()
        self.play_button.setText(self.tr("Pause") if self.engine.playing else self.tr("Play"))
        self._sync_audio()

    def step(self) -> None:
        """Apply the next arrival of events."""
        self.engine.step()
        self._show_position()

    def step_back(self) -> None:
        """Go back to the previous arrival."""
        self.engine.step_back()
        self._show_position()

    def change_speed(self, delta: int) -> None:
        """Pick the next faster (+1) or slower (-1) speed."""
        index = min(max(self.speed.currentIndex() + delta, 0), self.speed.count() - 1)
        self.speed.setCurrentIndex(index)

    def toggle_loop(self) -> None:
        """Loop over the shown range (drag its edges), or stop looping."""
        if self.engine.loop is None:
            if not self.region.isVisible():
                (lo, hi), _ = self.plot.viewRange()
                span = hi - lo
                start = max(self.engine.position, self.engine.start_ts)
                self.region.setRegion((start, min(start + span / 4, self.engine.end_ts)))
            self.region.setVisible(True)
            lo, hi = self.region.getRegion()
            if hi > lo:
                self.engine.set_loop(lo, hi)
        else:
            self.engine.clear_loop()
            self.region.setVisible(False)
        self.loop_button.setChecked(self.engine.loop is not None)

    def next_alert(self) -> None:
        """Jump to the next alert."""
        self.engine.next_alert()
        self._show_position()

    def next_bookmark(self) -> None:
        """Jump to the next bookmark."""
        self.engine.next_bookmark()
        self._show_position()

    def add_bookmark(self) -> None:
        """Save a bookmark (with the typed annotation) at the current time, and a screenshot of
        the console at that moment for the debrief report."""
        text = self.note.text().strip()
        self.engine.add_bookmark(self.author, text)
        self.note.clear()
        self.refresh_timeline()
        self.capture_moment(text)

    def capture_moment(self, note: str = "") -> None:
        """Save a screenshot of the whole console window at the replay time (for the report).

        The window is grabbed on the GUI thread; encoding and writing happen on the worker.
        """
        image = self.window().grab().toImage()
        if image.width() > CAPTURE_MAX_WIDTH:
            image = image.scaledToWidth(
                CAPTURE_MAX_WIDTH, Qt.TransformationMode.SmoothTransformation
            )
        ts, author, file = self.engine.position, self.author, self.engine.file

        def save() -> int:
            return file.add_capture(ts, author, note, _png(image))

        self._run_job(save, lambda _id: self._job_done(self.tr("Moment captured."), False))

    def export_range(self) -> tuple[float, float]:
        """The range exported or reported: the loop range if one is shown, else everything."""
        if self.region.isVisible():
            lo, hi = self.region.getRegion()
            if hi > lo:
                return float(lo), float(hi)
        return self.engine.start_ts, self.engine.end_ts

    def ask_export(self) -> None:
        """Ask where to export the range (with its audio and evidence) as one recording."""
        self._ask(self.tr("Export recording"), self.tr("Recordings (*.sqlite3)"), self.export_to)

    def ask_report(self) -> None:
        """Ask where to write the debrief report (PDF or HTML)."""
        self._ask(
            self.tr("Debrief report"),
            self.tr("PDF (*.pdf);;HTML (*.html)"),
            self.write_report,
        )

    def export_to(self, path: str) -> None:
        """Export :meth:`export_range` to ``path`` on the worker (events, audio, evidence)."""
        t0, t1 = self.export_range()
        engine, evidence = self.engine, self.evidence_dir

        def export() -> int:
            return engine.export(path, t0, t1, evidence_dir=evidence, fetch=fetch_url)

        def done(n: int) -> None:
            self.last_output = Path(path)
            self._job_done(
                self.tr("Exported {n} events to {name}.").format(n=n, name=Path(path).name), False
            )

        self._run_job(export, done)

    def write_report(self, path: str) -> None:
        """Write the debrief report of :meth:`export_range` (read on the worker, drawn here)."""
        t0, t1 = self.export_range()
        file = self.engine.file

        def done(data: debrief.DebriefData) -> None:
            debrief.write_report(data, path)
            self.last_output = Path(path)
            self._job_done(self.tr("Report written: {name}.").format(name=Path(path).name), False)

        self._run_job(lambda: debrief.gather(file, t0, t1), done)

    def _ask(self, title: str, filters: str, then: Callable[[str], None]) -> None:
        dialog = QFileDialog(self, title)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(filters)
        dialog.fileSelected.connect(then)
        self.dialog = dialog
        dialog.open()

    def _run_job(self, job: Callable[[], Any], then: Callable[[Any], None]) -> None:
        self.job_label.setText(self.tr("Working…"))
        future = self._jobs.submit(job)
        future.add_done_callback(lambda f: self._sig_job_finished.emit(f, then))

    def _on_job_finished(self, future: Future[Any], then: Callable[[Any], None]) -> None:
        try:
            then(future.result())
        except Exception as exc:  # the operator sees why; nothing half-done is claimed
            log.exception("replay job failed")
            self._job_done(self.tr("Failed: {error}").format(error=exc), True)

    def _job_done(self, message: str, failed: bool) -> None:
        self.job_label.setText(message)
        self.job_label.setObjectName("bannerError" if failed else "dim")
        self.job_label.style().unpolish(self.job_label)
        self.job_label.style().polish(self.job_label)
        self.sig_job_done.emit(message, failed)

    def seek(self, t: float) -> None:
        """Seek to ``t`` off the GUI thread (the newest request wins)."""
        if self._seeking is not None:
            self._next_seek = t
            return
        self._loading_timer.start(LOADING_AFTER_MS)
        future = self._pool.submit(self.engine.prepare, t)
        self._seeking = future
        future.add_done_callback(self._sig_prepared.emit)

    def refresh_timeline(self) -> None:
        """Redraw the density strip and bookmarks from the recording."""
        e = self.engine
        t0, t1 = e.start_ts, max(e.end_ts, e.start_ts + 1)
        # Buckets of at least a second: the counts are per second.
        buckets = max(1, min(BUCKETS, int(t1 - t0)))
        density = e.file.density(t0, t1, buckets)
        edges = [t0 + (t1 - t0) * i / buckets for i in range(buckets + 1)]
        for i, ((name, _), curve) in enumerate(zip(STREAM_ROWS, self._curves, strict=True)):
            counts = density[name]
            top = max(counts) or 1
            curve.setData(edges, [i + 0.9 * c / top for c in counts])
        for mark in self._marks:
            self.plot.removeItem(mark)
        self._marks = []
        for ts, author, text in e.file.bookmarks():
            mark = pg.InfiniteLine(pos=ts, pen=pg.mkPen(self.theme.color("timer_amber"), width=1))
            mark.setToolTip(f"{author}: {text}" if text else author)
            self.plot.addItem(mark)
            self._marks.append(mark)

    def shutdown(self) -> None:
        """Stop the timer, the seek worker and the audio."""
        self._timer.stop()
        self._pool.shutdown(wait=True)
        self._jobs.shutdown(wait=True)
        if self.audio is not None:
            self.audio.shutdown()

    # ---------------------------------------------------------------- handlers

    def _on_worker_prepared(self, future: Future[Frame]) -> None:
        self._seeking = None
        self._loading_timer.stop()
        self.loading.setVisible(False)
        self.engine.apply(future.result())
        self._show_position()
        self.sig_seek_done.emit(self.engine.position)
        if self._next_seek is not None:
            t, self._next_seek = self._next_seek, None
            self.seek(t)

    def _on_scrubber_released(self) -> None:
        self.seek(float(self.scrubber.value()))

    def _on_speed_changed(self, index: int) -> None:
        self.engine.set_speed(float(self.speed.itemData(index)))
        self._sync_audio()

    def _sync_audio(self) -> None:
        if self.audio is not None:
            self.audio.sync()

    def _on_timer_tick(self) -> None:
        if not self.engine.playing and self.engine.position != self._shown:
            self._show_position()  # moved by someone else (a direct seek)
        if self.engine.playing and self._seeking is None:
            if self.region.isVisible() and self.engine.loop is not None:
                lo, hi = self.region.getRegion()
                if hi > lo and (lo, hi) != self.engine.loop:
                    self.engine.set_loop(lo, hi)
            self.engine.tick()
            if not self.engine.playing:
                self.play_button.setText(self.tr("Play"))
            self._show_position()

    def _show_position(self) -> None:
        e = self.engine
        self._shown = e.position
        if not self.scrubber.moving:
            self.scrubber.blockSignals(True)
            self.scrubber.setValue(e.position)
            self.scrubber.blockSignals(False)
        stamp = datetime.fromtimestamp(e.position, UTC).strftime("%Y-%m-%d %H:%M:%S")
        offset = int(e.position - e.start_ts)
        self.time_label.setText(
            self.tr("{stamp} UTC (+{h}:{m:02d}:{s:02d})").format(
                stamp=stamp, h=offset // 3600, m=offset // 60 % 60, s=offset % 60
            )
        )
        self.rate_label.setText(self.tr("{n} events/s").format(n=e.events_per_second))
        self._sync_audio()
        self.sig_position_changed.emit(e.position)


def _png(image: QImage) -> bytes:
    """PNG bytes of an image (any thread)."""
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")  # type: ignore[call-overload]  # the stubs want bytes, PySide a str
    buf.close()
    return bytes(data.data())
