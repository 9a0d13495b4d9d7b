"""The dispatch log pane: the append-only log and the line operators write entries in.

Entries are a legal record: the table never edits one, and "Correct…" starts a new entry that
supersedes the selected one (``更正 L-…: …``); the old text stays, struck through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.domain.model import LogEntry
from console.radio import check_entry_text, correction_text
from widgets.naming import named
from widgets.radio.model import ENTRY_ROLE, LogEntryTableModel


class DispatchLogView(QWidget):
    """The dispatch log table with its entry line, Write and Correct… buttons.

    Args:
        model: The log's table model.
        selected_alert: Gives the incident selected in the alert queue (entries attach to it).
        talkgroup: Gives the talkgroup chosen in the filter bar (entries carry it), or None.
    """

    sig_command_requested = Signal(str, dict, str)
    """The operator wrote an entry (command name, args, text to show when it is done)."""
    sig_error = Signal(str)
    """An entry was refused before sending (the text to show)."""

    def __init__(
        self,
        model: LogEntryTableModel,
        selected_alert: Callable[[], str | None],
        talkgroup: Callable[[], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("radioLogPane")
        self.model = model
        self._selected_alert = selected_alert
        self._talkgroup = talkgroup
        self.table = named(QTableView(), "radioDispatchLog")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        for i, width in enumerate((70, 80, 80, 90, 150)):
            header.resizeSection(i, width)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self.update_buttons)
        self.input = named(QLineEdit(), "radioLogInput")
        self.input.setPlaceholderText(self.tr("Write a dispatch log entry…"))
        self.input.returnPressed.connect(self.write_entry)
        self.attach_incident = named(QCheckBox(), "radioLogAttach")
        self.attach_incident.setChecked(True)
        self.write_button = named(QPushButton(self.tr("Write")), "radioLogWrite")
        self.write_button.clicked.connect(self.write_entry)
        self.correct_button = named(QPushButton(self.tr("Correct…")), "radioLogCorrect")
        self.correct_button.setToolTip(
            self.tr("Entries cannot be edited: write a correction that supersedes this one")
        )
        self.correct_button.clicked.connect(self.start_correction)
        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addWidget(self.attach_incident)
        row.addWidget(self.write_button)
        row.addWidget(self.correct_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(named(QLabel(self.tr("Dispatch log")), "dim"))
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        self.update_buttons()

    def add_entries(self, entries: Iterable[LogEntry]) -> list[LogEntry]:
        """Append new entries (known ids are ignored) and show the newest; returns those added."""
        fresh = self.model.add_entries(entries)
        if fresh:
            self.table.scrollToBottom()
        return fresh

    def write_entry(self) -> None:
        """Send the composed entry as ``log.write`` (linked to the incident and talkgroup)."""
        text = self.input.text().strip()
        problem = check_entry_text(text)
        if problem is not None:
            if problem == "too_long":
                self.sig_error.emit(self.tr("The entry is too long."))
            return
        args: dict[str, object] = {"text": text}
        alert_id = self._selected_alert()
        if alert_id and self.attach_incident.isChecked():
            args["alert_id"] = alert_id
        tg = self._talkgroup()
        if tg is not None:
            args["talkgroup"] = tg
        self.sig_command_requested.emit("log.write", args, self.tr("Log entry written."))
        self.input.clear()

    def selected_entry(self) -> LogEntry | None:
        """The log entry selected in the table."""
        rows = self.table.selectionModel().selectedRows()
        entry = rows[0].data(ENTRY_ROLE) if rows else None
        return entry if isinstance(entry, LogEntry) else None

    def start_correction(self) -> None:
        """Start a correction of the selected entry (a new entry; the old one stays)."""
        entry = self.selected_entry()
        if entry is None:
            return
        self.input.setText(correction_text(entry.id, ""))
        self.input.setFocus()

    def update_buttons(self, *_args: object) -> None:
        """Enable Correct… for a selected entry; name the incident new entries attach to."""
        self.correct_button.setEnabled(bool(self.table.selectionModel().selectedRows()))
        alert_id = self._selected_alert()
        self.attach_incident.setText(
            self.tr("Incident %1").replace("%1", alert_id) if alert_id else self.tr("Incident")
        )
        self.attach_incident.setEnabled(bool(alert_id))
