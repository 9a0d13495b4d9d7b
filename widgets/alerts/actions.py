"""The queue's side-path actions: merge, cancel, transfer, release, reassign; records.

Kept apart from the panel (which does the main loop: acknowledge → dispatch → on scene →
feedback → close) so neither grows past a screenful of responsibilities. It knows the panel
only as the widget its dialogs belong to: every command goes out as ``sig_command_requested``
(the panel forwards it as its own) with the alert's version read from the Store at the
moment of sending, and what the operator should read as ``sig_message``.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from console.dispatch import busy_elsewhere, known_operators, merge_targets, possible_duplicates
from console.domain.model import Alert, AlertStatus
from console.domain.store import Store
from console.protocol.codec import ProtocolError
from console.protocol.session import CommandAnswered
from console.records import IncidentRecord, incident_record, to_eido
from widgets.alerts.detail import IncidentHtml
from widgets.alerts.history import HistorySearchDialog, SendCommand
from widgets.alerts.lifecycle import (
    CancelDialog,
    MergeDialog,
    ReleaseDialog,
    TransferDialog,
    reassign_box,
)
from widgets.alerts.records import RecordWriter

_SAFE = re.compile(r"[^\w.-]+")


class IncidentActions(QObject):
    """Side paths of the incident lifecycle and its records, for one queue panel.

    Args:
        panel: The widget the dialogs belong to (the queue panel).
        store: The Store (alerts, units, log) the actions read.
        renderer: The incident HTML (reports; "me").
        clock: Seconds since the epoch (report times).
    """

    sig_command_requested = Signal(str, dict, str)
    """A command to send (name, args, text to show when it is done)."""
    sig_message = Signal(str, bool)
    """Something for the operator to read (text, is an error)."""

    def __init__(
        self,
        panel: QWidget,
        store: Store,
        renderer: IncidentHtml,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(panel)
        self._panel = panel
        self._store = store
        self._renderer = renderer
        self._clock = clock
        self.send: SendCommand | None = None
        """Sends a command and gives its answer (set by the main window; queries need it)."""
        self.writer = RecordWriter(self)
        self.writer.sig_written.connect(self._on_writer_written)
        self.dialog: QObject | None = None
        """The dialog opened last (tests drive it)."""

    # ---- sending

    def _emit(self, name: str, args: dict[str, Any], done: str) -> None:
        current = self._store.alerts.get(str(args["alert_id"]))
        if current is not None:
            args = {**args, "version": current.version}
        self.sig_command_requested.emit(name, args, done)

    # ---- merge / cancel / transfer / release

    def merge(self, alert: Alert | None, into_id: str | None = None) -> None:
        """合并: merge ``alert`` (a duplicate) into the main incident the operator picks."""
        if alert is None:
            return
        if not alert.is_open:
            self._refuse(self.tr("%1 is closed: it cannot be merged.").replace("%1", alert.id))
            return
        targets = merge_targets(alert, self._store.alerts)
        dups = {d.id for d in possible_duplicates(alert, self._store.alerts.values())}
        dialog = MergeDialog(alert, targets, dups, self._panel)
        if into_id is not None:
            index = dialog.target.findData(into_id)
            if index >= 0:
                dialog.target.setCurrentIndex(index)
        dialog.accepted.connect(
            lambda: self._emit(
                "alert.merge",
                dialog.args(),
                self.tr("%1 merged into %2.")
                .replace("%1", alert.id)
                .replace("%2", str(dialog.args()["into_id"])),
            )
        )
        self._open(dialog)

    def cancel(self, alert: Alert | None) -> None:
        """撤销: cancel an open alert with a reason (its units are released)."""
        if alert is None:
            return
        if not alert.is_open:
            self._refuse(self.tr("%1 is already closed.").replace("%1", alert.id))
            return
        dialog = CancelDialog(alert, self._panel)
        dialog.accepted.connect(
            lambda: self._emit(
                "alert.cancel", dialog.args(), self.tr("%1 cancelled.").replace("%1", alert.id)
            )
        )
        self._open(dialog)

    def transfer(self, alert: Alert | None) -> None:
        """移交: hand the alert to another operator."""
        if alert is None:
            return
        if not alert.is_open:
            self._refuse(self.tr("%1 is closed: it cannot be transferred.").replace("%1", alert.id))
            return
        operators = known_operators(self._store.alerts.values(), self._store.log)
        dialog = TransferDialog(alert, operators, self._renderer.me, self._panel)
        if self.send is not None:
            try:
                future = self.send("operator.list", {})
            except ProtocolError:
                pass
            else:
                future.add_done_callback(lambda f: self._on_operators(dialog, f))
        dialog.accepted.connect(
            lambda: self._emit(
                "alert.transfer",
                dialog.args(),
                self.tr("%1 transferred to %2.")
                .replace("%1", alert.id)
                .replace("%2", str(dialog.args()["to_operator"])),
            )
        )
        self._open(dialog)

    @staticmethod
    def _on_operators(dialog: TransferDialog, future: asyncio.Future[CommandAnswered]) -> None:
        if future.cancelled() or not dialog.isVisible():
            return
        answer = future.result()
        operators = (answer.data or {}).get("operators") if answer.ok else None
        if isinstance(operators, list):
            dialog.set_operators([o for o in operators if isinstance(o, dict) and "id" in o])

    def release(self, alert: Alert | None) -> None:
        """释放: one unit leaves the incident and becomes available."""
        if alert is None:
            return
        if not alert.is_open or not alert.unit_ids:
            self._refuse(self.tr("%1 has no unit to release.").replace("%1", alert.id))
            return
        dialog = ReleaseDialog(alert, self._store.units, self._panel)

        def done() -> None:
            unit_id = str(dialog.args()["unit_id"])
            unit = self._store.units.get(unit_id)
            name = unit.callsign if unit else unit_id
            self._emit(
                "alert.release_unit",
                dialog.args(),
                self.tr("%1 released from %2.").replace("%1", name).replace("%2", alert.id),
            )

        dialog.accepted.connect(done)
        self._open(dialog)

    def dispatch(self, alert_id: str, unit_ids: list[str], done: str) -> None:
        """派警, or 改派 when a unit works another open incident: confirm naming that incident."""
        busy = busy_elsewhere(unit_ids, alert_id, self._store.alerts)
        args: dict[str, Any] = {"alert_id": alert_id, "unit_ids": list(unit_ids)}
        if not busy:
            self._emit("alert.dispatch", args, done)
            return
        alert = self._store.alerts.get(alert_id)
        if alert is None:
            return
        box = reassign_box(alert, busy, self._store.units, self._panel)
        box.accepted.connect(lambda: self._emit("alert.dispatch", args, done))
        self._open(box)

    # ---- records

    def record(self, alert: Alert) -> IncidentRecord:
        """The alert's record as the Store holds it now."""
        s = self._store
        current = s.alerts.get(alert.id, alert)
        return incident_record(current, s.units, s.log, s.radio_calls, s.layers)

    def report(self, alert: Alert | None, path: str | None = None) -> None:
        """Write the PDF report of ``alert`` (asks where, unless ``path`` is given)."""
        if alert is None:
            return
        if path is None:
            self._ask_path(alert, "pdf", self.tr("PDF (*.pdf)"), lambda p: self.report(alert, p))
            return
        html = self._renderer.render(self.record(alert), report=True, now=self._clock())
        self.writer.pdf(html, path, alert.id)

    def export_eido(self, alert: Alert | None, path: str | None = None) -> None:
        """Write ``alert`` as EIDO JSON (asks where, unless ``path`` is given)."""
        if alert is None:
            return
        if path is None:
            self._ask_path(
                alert,
                "eido.json",
                self.tr("EIDO JSON (*.json)"),
                lambda p: self.export_eido(alert, p),
            )
            return
        self.writer.json(to_eido(self.record(alert)), path)

    def _ask_path(
        self, alert: Alert, suffix: str, filter_: str, then: Callable[[str], None]
    ) -> None:
        name = f"{_SAFE.sub('_', alert.id)}.{suffix}"
        dialog = QFileDialog(
            self._panel, self.tr("Save — %1").replace("%1", alert.id), name, filter_
        )
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile(str(Path.home() / name))
        dialog.fileSelected.connect(then)
        self._open(dialog)

    def _on_writer_written(self, path: str, error: str) -> None:
        if error:
            text = self.tr("Could not write %1: %2").replace("%1", path).replace("%2", error)
            self.sig_message.emit(text, True)
        else:
            self.sig_message.emit(self.tr("Written: %1").replace("%1", path), False)

    # ---- history

    def open_history(self) -> None:
        """Search closed incidents (needs a live link)."""
        if self.send is None:
            self._refuse(self.tr("History search needs a link to the backend."))
            return
        dialog = HistorySearchDialog(self.send, self._store, self._renderer, self._panel)
        dialog.sig_report_requested.connect(self.report)
        dialog.sig_export_requested.connect(self.export_eido)
        self.history_dialog = dialog
        dialog.open()
        dialog.search()

    # ---- helpers

    def _refuse(self, text: str) -> None:
        self.sig_message.emit(text, True)

    def _open(self, dialog: QFileDialog | QMessageBox | Any) -> None:
        self.dialog = dialog
        dialog.open()


def can_merge(alert: Alert | None) -> bool:
    """True when the alert may be merged, cancelled or transferred (it is still open)."""
    return alert is not None and alert.status is not AlertStatus.CLOSED
