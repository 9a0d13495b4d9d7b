"""Radio log tables: the live call feed (newest first), its filter proxy, and the dispatch log."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont

from console.domain.model import LogEntry, RadioCall
from console.radio import EmergencyAck, LogBook, RadioFilter, format_alias
from widgets.theme import Theme

Index = QModelIndex | QPersistentModelIndex
CALL_ROLE = Qt.ItemDataRole.UserRole + 1
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 2

COLUMNS = ("time", "talkgroup", "source", "target", "kind", "duration", "location", "incident")
LOG_COLUMNS = ("time", "id", "author", "incident", "talkgroup", "text")
MAX_ROWS = 20_000
"""Calls kept in the live table; the panel's CallIndex keeps every call for search/export."""


def kind_label(kind: str) -> str:
    """Display name of a radio call kind."""
    names = {
        "group": QCoreApplication.translate("RadioLog", "Group"),
        "individual": QCoreApplication.translate("RadioLog", "Individual"),
        "emergency": QCoreApplication.translate("RadioLog", "Emergency"),
        "status": QCoreApplication.translate("RadioLog", "Status"),
        "data": QCoreApplication.translate("RadioLog", "Data"),
    }
    return names.get(kind, kind)


def _system() -> str:
    return QCoreApplication.translate("RadioLog", "system")


class RadioCallTableModel(QAbstractTableModel):
    """One row per call, newest on row 0; new calls are inserted at the top in batches.

    Aliases, locations, incident links and acknowledgements are held here as plain dicts the
    panel keeps up to date, so a cell is computed when it paints. An emergency is acknowledged
    when its alert was acknowledged on the backend (``acks``: by whom and when, the same on
    every console) or, before that is known, by this operator (``acknowledged``).
    """

    def __init__(self, theme: Theme, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._calls: list[RadioCall] = []  # oldest first; row r is _calls[-1 - r]
        self._abs: dict[str, int] = {}  # call id -> position counted from the first call ever
        self._dropped = 0  # calls dropped from the front (the cap)
        self.emergencies: dict[str, RadioCall] = {}
        """Emergency calls held, by id (few: kept apart so nothing scans every row)."""
        self.talkgroups: dict[str, str] = {}
        self.radios: dict[str, str] = {}
        self.locations: dict[str, tuple[float, float]] = {}
        self.links: dict[str, str] = {}
        self.acknowledged: set[str] = set()
        self.acks: dict[str, EmergencyAck] = {}
        self.names: Callable[[str], str] = lambda operator_id: operator_id
        """Operator id → what to show (the panel sets the Store's operator names)."""
        self._headers = {
            "time": self.tr("Time"),
            "talkgroup": self.tr("Talkgroup"),
            "source": self.tr("Source"),
            "target": self.tr("Target"),
            "kind": self.tr("Kind"),
            "duration": self.tr("Duration"),
            "location": self.tr("Location"),
            "incident": self.tr("Incident"),
        }
        self._bold = QFont()
        self._bold.setBold(True)

    # ---- updates

    def reset_calls(self, calls: Iterable[RadioCall]) -> None:
        """Replace every row (a snapshot arrived)."""
        self.beginResetModel()
        self._calls = sorted(calls, key=lambda c: c.start_ts)[-MAX_ROWS:]
        self._dropped = 0
        self._abs = {c.id: i for i, c in enumerate(self._calls)}
        self.emergencies = {c.id: c for c in self._calls if c.kind == "emergency"}
        self.endResetModel()

    def add_calls(self, calls: list[RadioCall]) -> None:
        """Insert new calls at the top (one insert per batch), dropping the oldest past the cap."""
        if not calls:
            return
        self.beginInsertRows(QModelIndex(), 0, len(calls) - 1)
        first = self._dropped + len(self._calls)
        for i, call in enumerate(calls):
            self._abs[call.id] = first + i
            if call.kind == "emergency":
                self.emergencies[call.id] = call
        self._calls.extend(calls)
        self.endInsertRows()
        extra = len(self._calls) - MAX_ROWS
        if extra > 0:
            n = len(self._calls)
            self.beginRemoveRows(QModelIndex(), n - extra, n - 1)
            for call in self._calls[:extra]:
                self._abs.pop(call.id, None)
                self.emergencies.pop(call.id, None)
            del self._calls[:extra]
            self._dropped += extra
            self.endRemoveRows()

    def refresh(self, call_ids: Iterable[str] | None = None) -> None:
        """Repaint the rows of ``call_ids`` (None: every row)."""
        if not self._calls:
            return
        last = len(COLUMNS) - 1
        if call_ids is None:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._calls) - 1, last))
            return
        for call_id in call_ids:
            row = self.row_of(call_id)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, last))

    def call_at(self, row: int) -> RadioCall:
        """The call shown in ``row``."""
        return self._calls[-1 - row]

    def calls(self) -> list[RadioCall]:
        """Every call held, oldest first."""
        return list(self._calls)

    def row_of(self, call_id: str) -> int | None:
        """The row of a call, if held."""
        pos = self._abs.get(call_id)
        if pos is None:
            return None
        return len(self._calls) - 1 - (pos - self._dropped)

    def needs_ack(self, call: RadioCall) -> bool:
        """An emergency call the operator has not acknowledged yet."""
        return (
            call.kind == "emergency"
            and call.id not in self.acknowledged
            and call.id not in self.acks
        )

    def pending_emergencies(self) -> list[RadioCall]:
        """Unacknowledged emergency calls, oldest first."""
        pending = [c for c in self.emergencies.values() if self.needs_ack(c)]
        return sorted(pending, key=lambda c: c.start_ts)

    # ---- text

    def display(self, call: RadioCall, col: str) -> str:
        """The text of one cell."""
        if col == "time":
            return datetime.fromtimestamp(call.start_ts).strftime("%H:%M:%S")
        if col == "talkgroup":
            return format_alias(self.talkgroups.get(call.talkgroup), call.talkgroup)
        if col == "source":
            return format_alias(self.radios.get(call.source_radio_id), call.source_radio_id)
        if col == "target":
            rid = call.target_radio_id
            return format_alias(self.radios.get(rid), rid) if rid else ""
        if col == "kind":
            text = kind_label(call.kind)
            if call.encrypted:
                return QCoreApplication.translate("RadioLog", "%1 (encrypted)").replace("%1", text)
            return text
        if col == "duration":
            return f"{call.duration_s:.1f} s" if call.duration_s > 0 else ""
        if col == "location":
            loc = self.locations.get(call.id)
            return f"{loc[0]:.5f}, {loc[1]:.5f}" if loc else ""
        if col == "incident":
            link = self.links.get(call.id, "")
            ack = self.acks.get(call.id) if call.kind == "emergency" else None
            if ack is None:
                return link
            stamp = datetime.fromtimestamp(ack.ts).strftime("%H:%M:%S")
            done = QCoreApplication.translate("RadioLog", "✓ %1 %2")
            who = self.names(ack.operator) if ack.operator else _system()
            done = done.replace("%1", who).replace("%2", stamp)
            return f"{link} · {done}" if link else done
        return ""

    def ack_text(self, call: RadioCall) -> str:
        """ "Acknowledged by … at …" for an emergency acknowledged on the backend, else ""."""
        ack = self.acks.get(call.id)
        if ack is None:
            return ""
        stamp = datetime.fromtimestamp(ack.ts).strftime("%Y-%m-%d %H:%M:%S")
        return (
            QCoreApplication.translate("RadioLog", "Acknowledged by %1 at %2")
            .replace("%1", self.names(ack.operator) if ack.operator else _system())
            .replace("%2", stamp)
        )

    def haystack(self, call: RadioCall) -> str:
        """The displayed text the free-text filter searches."""
        return " ".join(
            self.display(call, c) for c in ("talkgroup", "source", "target", "kind", "incident")
        )

    # ---- Qt model interface

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._calls)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[COLUMNS[section]]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        call = self._calls[-1 - index.row()]
        col = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(call, col)
        if role == CALL_ROLE:
            return call
        if call.kind == "emergency":
            pending = self.needs_ack(call)
            if role == Qt.ItemDataRole.BackgroundRole and pending:
                return self._theme.color("banner_error_bg")
            if role == Qt.ItemDataRole.ForegroundRole and (pending or col == "kind"):
                return self._theme.color("priority_1")
            if role == Qt.ItemDataRole.FontRole and pending:
                return self._bold
        elif role == Qt.ItemDataRole.ForegroundRole and col in ("time", "duration", "location"):
            return self._theme.color("text_dim")
        if role == Qt.ItemDataRole.ToolTipRole:
            stamp = datetime.fromtimestamp(call.start_ts).strftime("%Y-%m-%d %H:%M:%S")
            ack = self.ack_text(call)
            return f"{call.id} · {stamp}" + (f"\n{ack}" if ack else "")
        if role == Qt.ItemDataRole.TextAlignmentRole and col == "duration":
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None


class RadioCallFilterProxy(QSortFilterProxyModel):
    """Applies a ``console.radio.RadioFilter`` to the call table (no sorting: newest first)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.filter = RadioFilter()

    def set_filter(self, flt: RadioFilter) -> None:
        """Show only the calls ``flt`` accepts."""
        if flt != self.filter:
            self.beginFilterChange()
            self.filter = flt
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if self.filter.is_empty:
            return True
        model = self.sourceModel()
        assert isinstance(model, RadioCallTableModel)
        call = model.call_at(source_row)
        return self.filter.matches(call, model.haystack(call) if self.filter.text else "")


class LogEntryTableModel(QAbstractTableModel):
    """The dispatch log, oldest first. Read-only: entries are appended, never edited."""

    def __init__(self, theme: Theme, book: LogBook, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self.book = book
        self.talkgroups: dict[str, str] = {}
        self.names: Callable[[str], str] = lambda operator_id: operator_id
        self._headers = {
            "time": self.tr("Time"),
            "id": self.tr("Entry"),
            "author": self.tr("Author"),
            "incident": self.tr("Incident"),
            "talkgroup": self.tr("Talkgroup"),
            "text": self.tr("Text"),
        }
        self._struck = QFont()
        self._struck.setStrikeOut(True)

    def add_entries(self, entries: Iterable[LogEntry]) -> list[LogEntry]:
        """Append entries (ids already present are ignored); returns those added."""
        first = len(self.book)
        fresh: list[LogEntry] = []
        seen: set[str] = set()
        for e in entries:
            if e.id not in self.book and e.id not in seen:
                seen.add(e.id)
                fresh.append(e)
        if not fresh:
            return []
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self.book.extend(fresh)
        self.endInsertRows()
        if any(e.text.startswith("更正") for e in fresh):
            self.dataChanged.emit(self.index(0, 0), self.index(first - 1, len(LOG_COLUMNS) - 1))
        return fresh

    def reset_entries(self, book: LogBook) -> None:
        """Replace the log (a snapshot arrived)."""
        self.beginResetModel()
        self.book = book
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.book)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(LOG_COLUMNS)

    def flags(self, index: Index) -> Qt.ItemFlag:
        # Never ItemIsEditable: the log is a legal record.
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[LOG_COLUMNS[section]]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.book[index.row()]
        col = LOG_COLUMNS[index.column()]
        superseded = self.book.superseded_by.get(entry.id)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == "time":
                return datetime.fromtimestamp(entry.ts).strftime("%H:%M:%S")
            if col == "id":
                return entry.id
            if col == "author":
                return self.names(entry.author) if entry.author else ""
            if col == "incident":
                return entry.alert_id or ""
            if col == "talkgroup":
                tg = entry.talkgroup
                return format_alias(self.talkgroups.get(tg), tg) if tg else ""
            return entry.text
        if role == ENTRY_ROLE:
            return entry
        if role == Qt.ItemDataRole.ForegroundRole and (superseded or col in ("time", "id")):
            return self._theme.color("text_dim")
        if role == Qt.ItemDataRole.FontRole and superseded and col == "text":
            return self._struck
        if role == Qt.ItemDataRole.ToolTipRole:
            if superseded:
                return self.tr("Superseded by %1").replace("%1", superseded)
            return entry.text
        return None
