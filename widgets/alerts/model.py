"""Alert queue table: an adapter model over the Store's alerts, and its filter proxy."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from console.dispatch import TimerLevel, timer
from console.domain.model import Alert, Layer
from widgets import labels
from widgets.theme import Theme

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ALERT_ROLE = Qt.ItemDataRole.UserRole + 2

COLUMNS = ("priority", "id", "kind", "title", "address", "status", "timer", "age", "owner")


class AlertTableModel(QAbstractTableModel):
    """One row per alert, in arrival order; rows are inserted, never reset, on new alerts."""

    def __init__(
        self,
        theme: Theme,
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
        layers: Callable[[], Mapping[str, Layer]] | None = None,
    ) -> None:
        super().__init__(parent)
        self._theme = theme
        self._clock = clock
        self._layers = layers or dict
        self._alerts: list[Alert] = []
        self._row_of: dict[str, int] = {}
        self.me: str | None = None
        self._headers = {
            "priority": self.tr("P"),
            "id": self.tr("ID"),
            "kind": self.tr("Kind"),
            "title": self.tr("Title"),
            "address": self.tr("Address"),
            "status": self.tr("Status"),
            "timer": self.tr("Timer"),
            "age": self.tr("Age"),
            "owner": self.tr("Owner"),
        }

    # ---- updates from the bridge

    def reset_alerts(self, alerts: list[Alert]) -> None:
        """Replace every row (a snapshot arrived)."""
        self.beginResetModel()
        self._alerts = sorted(alerts, key=lambda a: a.created_ts)
        self._row_of = {a.id: i for i, a in enumerate(self._alerts)}
        self.endResetModel()

    def add_alerts(self, alerts: list[Alert]) -> None:
        """Insert new alerts (updates those already present)."""
        fresh = [a for a in alerts if a.id not in self._row_of]
        self.update_alerts([a for a in alerts if a.id in self._row_of])
        if not fresh:
            return
        first = len(self._alerts)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        for alert in fresh:
            self._row_of[alert.id] = len(self._alerts)
            self._alerts.append(alert)
        self.endInsertRows()

    def update_alerts(self, alerts: list[Alert]) -> None:
        """Refresh changed rows in place."""
        last = self.columnCount() - 1
        for alert in alerts:
            row = self._row_of.get(alert.id)
            if row is None:
                self.add_alerts([alert])
                continue
            self._alerts[row] = alert
            self.dataChanged.emit(self.index(row, 0), self.index(row, last))

    def alert_at(self, row: int) -> Alert:
        """The alert shown in ``row``."""
        return self._alerts[row]

    def row_of(self, alert_id: str) -> int | None:
        """The row of an alert id, if present."""
        return self._row_of.get(alert_id)

    # ---- Qt model interface

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._alerts)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[COLUMNS[section]]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        alert = self._alerts[index.row()]
        col = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(alert, col)
        if role == SORT_ROLE:
            return self._sort_key(alert, col)
        if role == ALERT_ROLE:
            return alert
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == "priority":
                return self._theme.color(f"priority_{alert.priority}")
            if col == "status":
                return self._theme.color(f"status_{alert.status.value}")
            if col == "timer":
                running = timer(alert, self._clock(), self._layers())
                if running is not None and running.level is not TimerLevel.OK:
                    return self._theme.color(f"timer_{running.level.value}")
                return self._theme.color("text_dim")
            if not alert.is_open:
                return self._theme.color("text_dim")
        if role == Qt.ItemDataRole.ToolTipRole and col in ("title", "address"):
            return f"{alert.title}\n{alert.address}\n{alert.description}"
        if role == Qt.ItemDataRole.TextAlignmentRole and col in ("priority", "age", "timer"):
            return Qt.AlignmentFlag.AlignCenter
        return None

    def _display(self, alert: Alert, col: str) -> str:
        if col == "priority":
            return f"P{alert.priority}"
        if col == "id":
            return alert.id
        if col == "kind":
            return labels.alert_kind(alert.kind)
        if col == "title":
            return alert.title
        if col == "address":
            return alert.address
        if col == "status":
            return labels.alert_status(alert.status.value)
        if col == "age":
            return labels.age(self._clock() - alert.created_ts)
        if col == "timer":
            running = timer(alert, self._clock(), self._layers())
            if running is None:
                return ""
            return f"{labels.timer_name(running.name)} {labels.countdown(running.remaining_s)}"
        if col == "owner":
            if alert.owner is None:
                return ""
            return self.tr("me") if alert.owner == self.me else alert.owner
        return ""

    def _sort_key(self, alert: Alert, col: str) -> Any:
        if col == "priority":
            # Highest priority first, then oldest first: the order a 110 desk works in.
            return (alert.priority, alert.created_ts)
        if col == "age":
            return -alert.created_ts
        if col == "timer":
            running = timer(alert, self._clock(), self._layers())
            return float("inf") if running is None else running.remaining_s
        return self._display(alert, col)


class AlertFilterProxy(QSortFilterProxyModel):
    """Filters by status group, kind, maximum priority and free text; sorts by sort keys."""

    OPEN = "open"
    ALL = "all"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)
        self._status = self.OPEN
        self._kind: str | None = None
        self._max_priority = 4
        self._text = ""

    def set_status(self, status: str) -> None:
        """``open``, ``all`` or one alert status."""
        self._status = status
        self.invalidateFilter()

    def set_kind(self, kind: str | None) -> None:
        """Only this alert kind (None: any)."""
        self._kind = kind
        self.invalidateFilter()

    def set_max_priority(self, priority: int) -> None:
        """Only alerts of this priority or higher (1 is highest)."""
        self._max_priority = priority
        self.invalidateFilter()

    def set_text(self, text: str) -> None:
        """Only alerts whose id, title, address or description contain ``text``."""
        self._text = text.strip().casefold()
        self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, AlertTableModel)
        alert = model.alert_at(source_row)
        if self._status == self.OPEN:
            if not alert.is_open:
                return False
        elif self._status != self.ALL and alert.status.value != self._status:
            return False
        if self._kind is not None and alert.kind != self._kind:
            return False
        if alert.priority > self._max_priority:
            return False
        if self._text:
            hay = f"{alert.id} {alert.title} {alert.address} {alert.description}".casefold()
            if self._text not in hay:
                return False
        return True

    def lessThan(self, left: Index, right: Index) -> bool:
        a = left.data(SORT_ROLE)
        b = right.data(SORT_ROLE)
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)
