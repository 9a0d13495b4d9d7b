"""Alert queue table: an adapter model over the Store's alerts, and its filter proxy.

The columns, the filter and the sort are :mod:`console.queue` (Qt-free, vectorised); the
classes here only answer Qt's model calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from console import queue
from console.dispatch import TimerLevel, timer
from console.domain.model import Alert, Layer
from console.queue import COLUMNS, AlertQueue
from widgets import labels
from widgets.theme import Theme

Index = QModelIndex | QPersistentModelIndex
ALERT_ROLE = Qt.ItemDataRole.UserRole + 2

__all__ = ["ALERT_ROLE", "COLUMNS", "AlertFilterProxy", "AlertTableModel"]


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
        self.names: Callable[[str], str] = lambda operator_id: operator_id
        """Operator id → what to show (the panel sets the Store's operator names)."""
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

    def alerts(self) -> list[Alert]:
        """Every alert, in row order (do not modify)."""
        return self._alerts

    def now(self) -> float:
        """The model's clock (timers are computed against it)."""
        return self._clock()

    def layers(self) -> Mapping[str, Layer]:
        """Grid layers (urban or suburban arrival targets)."""
        return self._layers()

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
        return self.cell(index.row(), index.column(), role)

    def cell(self, row: int, column: int, role: int) -> Any:
        """``data()`` without a model index (the proxy calls this for every painted cell)."""
        alert = self._alerts[row]
        col = COLUMNS[column]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(alert, col)
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
            return self.tr("me") if alert.owner == self.me else self.names(alert.owner)
        return ""


class AlertFilterProxy(QAbstractProxyModel):
    """Filters by status group, kind, maximum priority, owner and free text; sorts by column.

    A ``QSortFilterProxyModel`` calls Python ``filterAcceptsRow``/``lessThan`` once per row
    and per comparison: at 100,000 alerts a filter change took seconds. This proxy is a thin
    Qt face over :class:`console.queue.AlertQueue`, which keeps the alerts' attributes in
    numpy arrays (a filter is a few vectorised comparisons, a sort one ``lexsort``) and the
    visible rows in order. A new alert is put in place by a binary search and
    ``beginInsertRows``; a changed alert moves only if its key or acceptance changed. A
    filter change resets the proxy (the panel reselects the alert); a sort change is a
    layout change (the selection is kept).
    """

    OPEN = queue.OPEN
    ALL = queue.ALL
    ANYONE = queue.ANYONE
    MINE = queue.MINE
    UNOWNED = queue.UNOWNED

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue = AlertQueue(labels.alert_kind)

    # ---- filters

    def set_status(self, status: str) -> None:
        """``open``, ``all`` or one alert status."""
        self._queue.filter.status = status
        self._refilter()

    def set_kind(self, kind: str | None) -> None:
        """Only this alert kind (None: any)."""
        self._queue.filter.kind = kind
        self._refilter()

    def set_max_priority(self, priority: int) -> None:
        """Only alerts of this priority or higher (1 is highest)."""
        self._queue.filter.max_priority = priority
        self._refilter()

    def set_owner(self, owner: str, me: str | None = None) -> None:
        """``anyone``, ``mine`` (owned by ``me``) or ``unowned``."""
        self._queue.filter.owner = owner
        self._queue.filter.me = me
        self._refilter()

    def set_text(self, text: str) -> None:
        """Only alerts whose id, title, address or description contain ``text``."""
        self._queue.filter.text = text.strip().casefold()
        self._refilter()

    def _refilter(self) -> None:
        self.beginResetModel()
        self._queue.refilter()
        self.endResetModel()

    # ---- sorting

    def _source(self) -> AlertTableModel:
        model = self.sourceModel()
        assert isinstance(model, AlertTableModel)
        return model

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if column < 0 or column >= len(COLUMNS) or self.sourceModel() is None:
            return
        q = self._queue
        persistent = self.persistentIndexList()
        rows = [q.source_row(i.row()) if i.isValid() else -1 for i in persistent]
        self.layoutAboutToBeChanged.emit()
        q.sort(COLUMNS[column], order == Qt.SortOrder.DescendingOrder)
        moved = []
        for index, row in zip(persistent, rows, strict=True):
            at = q.view_row(row) if row >= 0 else None
            moved.append(self.index(at, index.column()) if at is not None else QModelIndex())
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def sort_column(self) -> int:
        """The column rows are sorted by."""
        return COLUMNS.index(self._queue.column)

    # ---- source signals

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        self.beginResetModel()
        super().setSourceModel(model)
        self._load()
        self.endResetModel()
        model.modelAboutToBeReset.connect(self.beginResetModel)
        model.modelReset.connect(self._on_source_reset)
        model.rowsInserted.connect(self._on_source_rows_inserted)
        model.dataChanged.connect(self._on_source_data_changed)

    def _load(self) -> None:
        model = self._source()
        self._queue.load(model.alerts(), model.layers())

    def _on_source_reset(self) -> None:
        self._load()
        self.endResetModel()

    def _on_source_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        model, q = self._source(), self._queue
        if first != q.columns.n:  # not an append (AlertTableModel only appends)
            self.beginResetModel()
            self._on_source_reset()
            return
        layers = model.layers()
        for row in range(first, last + 1):
            q.set(row, model.alert_at(row), layers)
            if q.accepts(row):
                self._insert(row)

    def _on_source_data_changed(
        self, top: QModelIndex, bottom: QModelIndex, _roles: Any = ()
    ) -> None:
        model, q = self._source(), self._queue
        layers = model.layers()
        last_col = len(COLUMNS) - 1
        for row in range(top.row(), bottom.row() + 1):
            pos = q.position(row)  # one O(n) search per changed alert
            q.set(row, model.alert_at(row), layers)
            keep = q.accepts(row)
            if pos is not None and keep and q.in_place(pos):
                at = q.view_row_at(pos)
                self.dataChanged.emit(self.index(at, 0), self.index(at, last_col))
                continue
            if pos is not None:
                at = q.view_row_at(pos)
                self.beginRemoveRows(QModelIndex(), at, at)
                q.remove(pos)
                self.endRemoveRows()
            if keep:
                self._insert(row)

    def _insert(self, row: int) -> None:
        pos, at = self._queue.insertion(row)
        self.beginInsertRows(QModelIndex(), at, at)
        self._queue.insert(pos, row)
        self.endInsertRows()

    # ---- QAbstractProxyModel

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or not 0 <= row < len(self._queue) or not 0 <= column < len(COLUMNS):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, _child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        return QModelIndex()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._queue)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._queue):
            return None
        return self._source().cell(self._queue.source_row(index.row()), index.column(), role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def mapToSource(self, proxy_index: Index) -> QModelIndex:
        if not proxy_index.isValid() or proxy_index.row() >= len(self._queue):
            return QModelIndex()
        row = self._queue.source_row(proxy_index.row())
        return self._source().index(row, proxy_index.column())

    def mapFromSource(self, source_index: Index) -> QModelIndex:
        if not source_index.isValid():
            return QModelIndex()
        row = self._queue.view_row(source_index.row())
        return QModelIndex() if row is None else self.index(row, source_index.column())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        return self._source().headerData(section, orientation, role)
