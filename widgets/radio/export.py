"""Export of recorded calls (audio files + CSV in one zip) off the GUI thread."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from console.domain.model import RadioCall
from console.radio import ExportResult, export_zip


class RadioExporter(QObject):
    """Runs :func:`console.radio.export_zip` on a worker pool and reports on the GUI thread."""

    sig_export_finished = Signal(object)
    """An export finished (ExportResult, or the exception that stopped it)."""

    def __init__(self, pool: concurrent.futures.Executor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        self._running: set[concurrent.futures.Future[ExportResult]] = set()
        self.dialog: QFileDialog | None = None

    def export(
        self,
        path: str,
        calls: Sequence[RadioCall],
        *,
        talkgroups: dict[str, str],
        radios: dict[str, str],
        links: dict[str, str],
        locations: dict[str, tuple[float, float]],
    ) -> concurrent.futures.Future[ExportResult]:
        """Write ``calls`` to the zip at ``path`` (fetching their audio) on the pool."""
        future = self._pool.submit(
            export_zip,
            path,
            list(calls),
            talkgroups=dict(talkgroups),
            radios=dict(radios),
            links=dict(links),
            locations=dict(locations),
        )
        self._running.add(future)
        future.add_done_callback(self._running.discard)
        future.add_done_callback(self._on_done)
        return future

    def ask_path(self, parent: QWidget, chosen: Callable[[str], object]) -> None:
        """Ask where to save the zip (a non-blocking dialog); ``chosen`` gets the path."""
        dialog = QFileDialog(parent, self.tr("Export calls"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(self.tr("Zip archives (*.zip)"))
        dialog.selectFile(datetime.now().strftime("radio-%Y%m%d-%H%M.zip"))
        dialog.fileSelected.connect(lambda path: chosen(path))
        self.dialog = dialog
        dialog.open()

    def _on_done(self, future: concurrent.futures.Future[ExportResult]) -> None:
        # Worker thread: the signal hops to the GUI thread (queued connection).
        exc = future.exception()
        self.sig_export_finished.emit(exc if exc is not None else future.result())
