"""Alert queue table: an adapter model over the Store's alerts, and its filter proxy."""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from console.dispatch import TimerLevel, timer
from console.domain.model import Alert, AlertStatus, Layer
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
            return self.tr("me") if alert.owner == self.me else self.names(alert.owner)
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


_STATUS_CODE = {s: i for i, s in enumerate(AlertStatus)}  # also the status sort order
_CLOSED = _STATUS_CODE[AlertStatus.CLOSED]
_TEXT_COLUMNS = ("id", "kind", "title", "address", "owner")


class _Columns:
    """The alerts' filter and sort attributes as growable numpy arrays (one slot per source
    row), so that a filter or a sort over 100,000 alerts runs in C."""

    def __init__(self) -> None:
        self.n = 0
        self.priority = np.zeros(0, np.int8)
        self.status = np.zeros(0, np.int8)
        self.kind = np.zeros(0, np.int16)
        self.owner = np.zeros(0, np.int32)  # 0: nobody
        self.created = np.zeros(0, np.float64)
        self.deadline = np.zeros(0, np.float64)  # when the running timer runs out (inf: none)
        self.hay: list[str] = []
        # Text sort keys per column, as Python lists: list.sort with ``list.__getitem__`` as
        # the key compares them in C without building a numpy string array.
        self.text: dict[str, list[str]] = {c: [] for c in _TEXT_COLUMNS}
        self.kind_labels: dict[str, str] = {}
        self.kinds: dict[str, int] = {}
        self.owners: dict[str | None, int] = {None: 0}

    def _grow(self, need: int) -> None:
        cap = len(self.priority)
        if need <= cap:
            return
        cap = max(need, cap * 2, 1024)
        for name in ("priority", "status", "kind", "owner", "created", "deadline"):
            old = getattr(self, name)
            new = np.zeros(cap, old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def set(self, row: int, alert: Alert, layers: Mapping[str, Layer]) -> None:
        """Store ``alert``'s attributes in slot ``row`` (appending when ``row == n``)."""
        if row >= self.n:
            self._grow(row + 1)
            self.hay.extend([""] * (row + 1 - self.n))
            for values in self.text.values():
                values.extend([""] * (row + 1 - self.n))
            self.n = row + 1
        self.priority[row] = alert.priority
        self.status[row] = _STATUS_CODE[alert.status]
        self.kind[row] = self.kinds.setdefault(alert.kind, len(self.kinds))
        self.owner[row] = self.owners.setdefault(alert.owner, len(self.owners))
        self.created[row] = alert.created_ts
        running = timer(alert, 0.0, layers)  # remaining at t=0 is the deadline itself
        self.deadline[row] = np.inf if running is None else running.remaining_s
        self.hay[row] = f"{alert.id} {alert.title} {alert.address} {alert.description}".casefold()
        label = self.kind_labels.get(alert.kind)
        if label is None:
            label = self.kind_labels[alert.kind] = labels.alert_kind(alert.kind)
        text = self.text
        text["id"][row] = alert.id
        text["title"][row] = alert.title
        text["address"][row] = alert.address
        text["owner"][row] = alert.owner or ""
        text["kind"][row] = label


class AlertFilterProxy(QAbstractProxyModel):
    """Filters by status group, kind, maximum priority, owner and free text; sorts by column.

    A ``QSortFilterProxyModel`` calls Python ``filterAcceptsRow``/``lessThan`` once per row
    and per comparison: at 100,000 alerts a filter change took seconds. Here the alerts'
    attributes live in numpy arrays (``_Columns``): a filter is a few vectorised comparisons
    (plus a substring test over the remaining rows' text), a sort one ``argsort``; the proxy
    holds the visible source rows in ascending order (a descending sort reads it backwards).
    A new alert is put in place by a binary search and ``beginInsertRows``; a changed alert
    moves only if its key or acceptance changed. A filter change resets the proxy (the panel
    reselects the alert); a sort change is a layout change (the selection is kept).
    """

    OPEN = "open"
    ALL = "all"
    ANYONE = "anyone"
    MINE = "mine"
    UNOWNED = "unowned"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._status = self.OPEN
        self._kind: str | None = None
        self._max_priority = 4
        self._text = ""
        self._owner = self.ANYONE
        self._me: str | None = None
        self._column = COLUMNS.index("priority")
        self._descending = False
        self._cols = _Columns()
        # Visible source rows in ascending sort order: a Python list, because inserting one
        # row into it (list.insert, a memmove) is far cheaper than np.insert.
        self._order: list[int] = []

    # ---- filters

    def set_status(self, status: str) -> None:
        """``open``, ``all`` or one alert status."""
        self._status = status
        self._refilter()

    def set_kind(self, kind: str | None) -> None:
        """Only this alert kind (None: any)."""
        self._kind = kind
        self._refilter()

    def set_max_priority(self, priority: int) -> None:
        """Only alerts of this priority or higher (1 is highest)."""
        self._max_priority = priority
        self._refilter()

    def set_owner(self, owner: str, me: str | None = None) -> None:
        """``anyone``, ``mine`` (owned by ``me``) or ``unowned``."""
        self._owner = owner
        self._me = me
        self._refilter()

    def set_text(self, text: str) -> None:
        """Only alerts whose id, title, address or description contain ``text``."""
        self._text = text.strip().casefold()
        self._refilter()

    def _accepted_rows(self) -> np.ndarray:
        c, n = self._cols, self._cols.n
        mask = c.priority[:n] <= self._max_priority
        if self._status == self.OPEN:
            mask &= c.status[:n] != _CLOSED
        elif self._status != self.ALL:
            mask &= c.status[:n] == _STATUS_CODE.get(AlertStatus(self._status), -1)
        if self._kind is not None:
            mask &= c.kind[:n] == c.kinds.get(self._kind, -1)
        if self._owner == self.MINE:
            mask &= c.owner[:n] == (c.owners.get(self._me, -1) if self._me else -1)
        elif self._owner == self.UNOWNED:
            mask &= c.owner[:n] == 0
        rows = np.flatnonzero(mask)
        if self._text:
            text, hay = self._text, c.hay
            rows = np.array([r for r in rows.tolist() if text in hay[r]], np.int64)
        return rows

    def _accepts(self, row: int) -> bool:
        c = self._cols
        if c.priority[row] > self._max_priority:
            return False
        status = int(c.status[row])
        if self._status == self.OPEN:
            if status == _CLOSED:
                return False
        elif self._status != self.ALL and status != _STATUS_CODE[AlertStatus(self._status)]:
            return False
        if self._kind is not None and c.kind[row] != c.kinds.get(self._kind, -1):
            return False
        if self._owner == self.MINE and (
            self._me is None or c.owner[row] != c.owners.get(self._me, -1)
        ):
            return False
        if self._owner == self.UNOWNED and c.owner[row] != 0:
            return False
        return not self._text or self._text in c.hay[row]

    # ---- sort keys

    def _key(self, row: int) -> Any:
        """The sort key of one source row (ties: the source row, i.e. arrival order)."""
        col, c = COLUMNS[self._column], self._cols
        if col == "priority":
            # Highest priority first, then oldest first: the order a 110 desk works in.
            return (int(c.priority[row]), float(c.created[row]), row)
        if col == "age":
            return (-float(c.created[row]), row)
        if col == "status":
            return (int(c.status[row]), row)
        if col == "timer":
            return (float(c.deadline[row]), row)
        return (c.text[col][row], row)

    def _sorted(self, rows: np.ndarray) -> np.ndarray:
        col, c = COLUMNS[self._column], self._cols
        if not len(rows):
            return rows
        if col == "priority":
            idx = np.lexsort((rows, c.created[rows], c.priority[rows]))
        elif col == "age":
            idx = np.lexsort((rows, -c.created[rows]))
        elif col == "status":
            idx = np.lexsort((rows, c.status[rows]))
        elif col == "timer":
            idx = np.lexsort((rows, c.deadline[rows]))
        else:
            # Rows ascending, then a stable sort by text: ties keep arrival order.
            ordered = sorted(np.sort(rows).tolist(), key=c.text[col].__getitem__)
            return np.array(ordered, np.int64)
        return rows[idx]

    # ---- building the mapping

    def _source(self) -> AlertTableModel:
        model = self.sourceModel()
        assert isinstance(model, AlertTableModel)
        return model

    def _load_columns(self) -> None:
        model = self._source()
        cols = _Columns()
        layers = model.layers()
        for row, alert in enumerate(model.alerts()):
            cols.set(row, alert, layers)
        self._cols = cols

    def _build(self) -> None:
        self._order = self._sorted(self._accepted_rows()).tolist()

    def _refilter(self) -> None:
        self.beginResetModel()
        self._build()
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if column < 0 or column >= len(COLUMNS) or self.sourceModel() is None:
            return
        persistent = self.persistentIndexList()
        rows = [self._source_row(i.row()) if i.isValid() else -1 for i in persistent]
        self.layoutAboutToBeChanged.emit()
        self._column = column
        self._descending = order == Qt.SortOrder.DescendingOrder
        self._order = self._sorted(np.array(self._order, np.int64)).tolist()
        moved = []
        for index, row in zip(persistent, rows, strict=True):
            pos = self._proxy_row(row) if row >= 0 else None
            moved.append(self.index(pos, index.column()) if pos is not None else QModelIndex())
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def sort_column(self) -> int:
        """The column rows are sorted by."""
        return self._column

    # ---- proxy/source row mapping (a descending sort reads the order backwards)

    def _source_row(self, proxy_row: int) -> int:
        n = len(self._order)
        return self._order[n - 1 - proxy_row if self._descending else proxy_row]

    def _position(self, source_row: int) -> int | None:
        """Index of ``source_row`` in the ascending order (None: not shown)."""
        try:
            return self._order.index(source_row)
        except ValueError:
            return None

    def _proxy_row(self, source_row: int) -> int | None:
        pos = self._position(source_row)
        if pos is None:
            return None
        return len(self._order) - 1 - pos if self._descending else pos

    def _insert(self, source_row: int) -> None:
        key = self._key(source_row)
        order = self._order
        pos = bisect.bisect_left(order, key, key=self._key)
        at = len(order) - pos if self._descending else pos
        self.beginInsertRows(QModelIndex(), at, at)
        order.insert(pos, source_row)
        self.endInsertRows()

    def _remove_at(self, pos: int) -> None:
        at = len(self._order) - 1 - pos if self._descending else pos
        self.beginRemoveRows(QModelIndex(), at, at)
        del self._order[pos]
        self.endRemoveRows()

    def _in_place(self, pos: int) -> bool:
        """True when the neighbours of ascending position ``pos`` still bracket its key."""
        order = self._order
        key = self._key(order[pos])
        before = pos == 0 or self._key(order[pos - 1]) <= key
        after = pos == len(order) - 1 or key <= self._key(order[pos + 1])
        return before and after

    # ---- source signals

    def setSourceModel(self, model: QAbstractItemModel) -> None:  # type: ignore[override]
        self.beginResetModel()
        super().setSourceModel(model)
        self._load_columns()
        self._build()
        self.endResetModel()
        model.modelAboutToBeReset.connect(self.beginResetModel)
        model.modelReset.connect(self._on_source_reset)
        model.rowsInserted.connect(self._on_source_rows_inserted)
        model.dataChanged.connect(self._on_source_data_changed)

    def _on_source_reset(self) -> None:
        self._load_columns()
        self._build()
        self.endResetModel()

    def _on_source_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        model = self._source()
        if first != self._cols.n:  # not an append (AlertTableModel only appends)
            self.beginResetModel()
            self._on_source_reset()
            return
        layers = model.layers()
        for row in range(first, last + 1):
            self._cols.set(row, model.alert_at(row), layers)
            if self._accepts(row):
                self._insert(row)

    def _on_source_data_changed(
        self, top: QModelIndex, bottom: QModelIndex, _roles: Any = ()
    ) -> None:
        model = self._source()
        layers = model.layers()
        last_col = len(COLUMNS) - 1
        for row in range(top.row(), bottom.row() + 1):
            pos = self._position(row)  # one O(n) search per changed alert
            self._cols.set(row, model.alert_at(row), layers)
            keep = self._accepts(row)
            if pos is not None and keep and self._in_place(pos):
                at = len(self._order) - 1 - pos if self._descending else pos
                self.dataChanged.emit(self.index(at, 0), self.index(at, last_col))
                continue
            if pos is not None:
                self._remove_at(pos)
            if keep:
                self._insert(row)

    # ---- QAbstractProxyModel

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or not 0 <= row < len(self._order) or not 0 <= column < len(COLUMNS):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, _child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        return QModelIndex()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._order):
            return None
        return self._source().cell(self._source_row(index.row()), index.column(), role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def mapToSource(self, proxy_index: Index) -> QModelIndex:
        if not proxy_index.isValid() or proxy_index.row() >= len(self._order):
            return QModelIndex()
        return self._source().index(self._source_row(proxy_index.row()), proxy_index.column())

    def mapFromSource(self, source_index: Index) -> QModelIndex:
        if not source_index.isValid():
            return QModelIndex()
        row = self._proxy_row(source_index.row())
        return QModelIndex() if row is None else self.index(row, source_index.column())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        return self._source().headerData(section, orientation, role)
