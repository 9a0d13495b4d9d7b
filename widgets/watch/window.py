"""The watch list (布控) window, for commanders: the active entries, add one, remove one.

An entry is a plate (``*`` and ``?`` are wildcards) or a person id, with a reason, a priority
and an optional end; a sighting that matches it raises (or updates) a ``plate_match`` /
``face_match`` alert. The window sends ``watch.list``, ``watch.add`` and ``watch.remove``
(``docs/protocol.md``) and shows the backend's refusals as it gives them (a malformed plate, a
pattern that matches nearly anything, no reason, an end in the past, not a commander). Nothing
here is kept on the console: the list is the backend's, asked again after every change.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.protocol.codec import ProtocolError, format_ts, parse_ts
from console.protocol.session import CommandAnswered
from widgets.naming import named
from widgets.tables import RowsTableModel

Send = Callable[[str, dict[str, Any]], "asyncio.Future[CommandAnswered]"]
# The end a new entry gets when "until" is ticked (a week on).
DEFAULT_DAYS = 7


def _when(text: Any) -> str:
    if not isinstance(text, str) or not text:
        return "—"
    try:
        return datetime.fromtimestamp(parse_ts(text)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return text


# The wire keys of an entry, one column each.
KEYS = ("kind", "value", "reason", "priority", "until", "created", "created_by")


class WatchListWindow(QDialog):
    """The watch list: the active entries, a form to add one, a button to remove one.

    Args:
        send: sends a command, returns the future of its answer.
        clock: seconds since the epoch (the default end of a new entry).
    """

    def __init__(
        self, send: Send, parent: QWidget | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(parent)
        self.setObjectName("watchListWindow")
        self.setWindowTitle(self.tr("Watch list"))
        self.setModal(False)
        self._send = send
        self._clock = clock
        self.pending: asyncio.Future[CommandAnswered] | None = None
        self.kinds = kinds = {"plate": self.tr("Plate"), "face": self.tr("Person (face)")}
        self.entries: list[dict[str, Any]] = []
        headers = [
            self.tr("Kind"),
            self.tr("Plate or person id"),
            self.tr("Reason"),
            self.tr("Priority"),
            self.tr("Until"),
            self.tr("Added"),
            self.tr("By"),
        ]
        self.model = RowsTableModel(headers, self)
        self.table = named(QTableView(self), "watchTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.kind = named(QComboBox(self), "watchKind")
        for key, text in kinds.items():
            self.kind.addItem(text, key)
        self.value = named(QLineEdit(self), "watchValue")
        self.value.setPlaceholderText(self.tr("e.g. 蒙K7S521, 蒙KD5* or a person id"))
        self.reason = named(QLineEdit(self), "watchReason")
        self.reason.setPlaceholderText(self.tr("Why: the case, the warrant (required)"))
        self.priority = named(QSpinBox(self), "watchPriority")
        self.priority.setRange(1, 4)
        self.priority.setValue(2)
        self.priority.setPrefix("P")
        self.has_until = named(QCheckBox(self.tr("Until"), self), "watchHasUntil")
        self.until = named(QDateTimeEdit(self), "watchUntil")
        self.until.setCalendarPopup(True)
        self.until.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.until.setDateTime(QDateTime.fromSecsSinceEpoch(int(clock()) + DEFAULT_DAYS * 86400))
        self.until.setEnabled(False)
        self.has_until.toggled.connect(self.until.setEnabled)
        self.add_button = named(QPushButton(self.tr("Add to the watch list"), self), "watchAdd")
        self.remove_button = named(QPushButton(self.tr("Remove selected"), self), "watchRemove")
        self.refresh_button = named(QPushButton(self.tr("Refresh"), self), "watchRefresh")
        self.status = named(QLabel(self), "bannerInfo")
        self.error = False
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Plate or person id"), self.value)
        form.addRow(self.tr("Reason"), self.reason)
        form.addRow(self.tr("Priority"), self.priority)
        until_row = QHBoxLayout()
        until_row.addWidget(self.has_until)
        until_row.addWidget(self.until, 1)
        form.addRow(self.tr("Ends"), until_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.add_button.clicked.connect(self.add_entry)
        self.reason.returnPressed.connect(self.add_entry)
        self.remove_button.clicked.connect(self.remove_selected)
        self.refresh_button.clicked.connect(self.refresh)
        self.resize(860, 520)

    # ---- commands

    def refresh(self, after: str = "") -> None:
        """Ask the backend for the active entries (``watch.list``); ``after`` is what the
        change before it did, shown with the count."""
        self._ask("watch.list", {}, self.tr("Asking for the watch list…"), after)

    def add_entry(self) -> None:
        """Send ``watch.add`` for what the form says (the backend checks it)."""
        args: dict[str, Any] = {
            "kind": self.kind.currentData(),
            "value": self.value.text().strip(),
            "reason": self.reason.text().strip(),
            "priority": self.priority.value(),
        }
        if not args["value"]:
            self._say(self.tr("Enter a plate, a plate pattern or a person id."), error=True)
            return
        if not args["reason"]:
            self._say(self.tr("A watch entry needs a reason."), error=True)
            return
        if self.has_until.isChecked():
            args["until"] = format_ts(float(self.until.dateTime().toSecsSinceEpoch()))
        done = self.tr("%1 is on the watch list.").replace("%1", args["value"])
        self._ask("watch.add", args, self.tr("Adding…"), done)

    def selected_entry(self) -> dict[str, Any] | None:
        """The entry of the selected row, if any."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.entries[rows[0].row()]

    def remove_selected(self) -> None:
        """Send ``watch.remove`` for the selected entry."""
        entry = self.selected_entry()
        if entry is None:
            self._say(self.tr("Select an entry first."), error=True)
            return
        done = self.tr("%1 is off the watch list.").replace("%1", str(entry.get("value")))
        self._ask("watch.remove", {"id": entry["id"]}, self.tr("Removing…"), done)

    def _ask(self, name: str, args: dict[str, Any], waiting: str, done: str) -> None:
        try:
            future = self._send(name, args)
        except ProtocolError as exc:  # the arguments do not fit the protocol, or no link
            self._say(exc.message, error=True)
            return
        except Exception as exc:
            self._say(str(exc), error=True)
            return
        self._say(waiting)
        self.pending = future
        future.add_done_callback(lambda f: self._on_answer(name, f, done))

    def _on_answer(self, name: str, future: asyncio.Future[CommandAnswered], done: str) -> None:
        if future is self.pending:
            self.pending = None
        if future.cancelled():
            self._say(self.tr("No answer: the link to the backend was lost."), error=True)
            return
        try:
            answer = future.result()
        except Exception as exc:
            self._say(str(exc), error=True)
            return
        if not answer.ok:
            text = (
                self.tr("Refused (%1): %2")
                .replace("%1", answer.code or "")
                .replace("%2", answer.message or "")
            )
            self._say(text, error=True)
            return
        if name == "watch.list":
            entries = (answer.data or {}).get("entries", [])
            self.entries = (
                [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
            )
            self.model.set_rows([self._row(e) for e in self.entries])
            self.table.resizeColumnsToContents()
            count = self.tr("%1 active entries.").replace("%1", str(self.model.rowCount()))
            self._say(f"{done} {count}" if done else count)
            return
        if name == "watch.add":
            self.value.clear()
            self.reason.clear()
        self.refresh(done)

    def _row(self, entry: dict[str, Any]) -> tuple[str, ...]:
        cells = []
        for key in KEYS:
            value = entry.get(key)
            if key == "kind":
                cells.append(self.kinds.get(str(value), str(value)))
            elif key == "priority":
                cells.append(f"P{value}")
            elif key in ("until", "created"):
                cells.append(_when(value))
            else:
                cells.append("" if value is None else str(value))
        return tuple(cells)

    def _say(self, text: str, *, error: bool = False) -> None:
        # The theme draws refusals as an error banner, the rest as an information one.
        self.error = error
        self.status.setObjectName("bannerError" if error else "bannerInfo")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.setText(text)
