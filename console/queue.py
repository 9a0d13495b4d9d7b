"""The alert queue's rows without Qt: its columns, its filter, its sort and the visible order.

The queue holds up to 100,000 alerts. Their filter and sort attributes live in growable numpy
arrays (:class:`QueueColumns`, one slot per row of the table, in arrival order), so that a
filter is a few vectorised comparisons (plus a substring test over the remaining rows' text)
and a sort one ``lexsort``. There is one implementation of each: the filter is one expression
(``QueueColumns._mask``) evaluated over whole columns, or over one row's values for a new or
changed alert; a row is placed with a key built from the same sort columns (:data:`SORT_KEYS`)
that the vectorised sort uses.

:class:`AlertQueue` keeps the rows shown in ascending sort order (a descending sort reads it
backwards) and says where a row goes in or comes out, so that a Qt proxy only has to announce
it (``beginInsertRows``/``endInsertRows``): ``widgets/alerts/model.py``.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from console.dispatch import timer
from console.domain.model import Alert, AlertStatus, Layer

Rows = npt.NDArray[np.int64]

#: The queue's columns, left to right.
COLUMNS = ("priority", "id", "kind", "title", "address", "status", "timer", "age", "owner")

OPEN = "open"
"""Status filter: every alert that is not closed."""
ALL = "all"
"""Status filter: every alert."""
ANYONE = "anyone"
"""Owner filter: whoever owns it, or nobody."""
MINE = "mine"
"""Owner filter: owned by the signed-in operator."""
UNOWNED = "unowned"
"""Owner filter: owned by nobody."""

_STATUS_CODE = {s: i for i, s in enumerate(AlertStatus)}  # also the status sort order
_CLOSED = _STATUS_CODE[AlertStatus.CLOSED]
#: Columns sorted by their text as shown (the kind by its label).
TEXT_COLUMNS = ("id", "kind", "title", "address", "owner")
#: The numeric sort columns: (array, sign) pairs, most significant first; ties go by row
#: (arrival order). Every other column sorts by its text (:data:`TEXT_COLUMNS`).
SORT_KEYS: Mapping[str, tuple[tuple[str, int], ...]] = {
    # Highest priority first, then oldest first: the order a 110 desk works in.
    "priority": (("priority", 1), ("created", 1)),
    "age": (("created", -1),),
    "status": (("status", 1),),
    "timer": (("deadline", 1),),
}
_ARRAYS = ("priority", "status", "kind", "owner", "created", "deadline")


@dataclass
class QueueFilter:
    """What the queue shows: status group, kind, maximum priority, owner and free text."""

    status: str = OPEN
    """``open``, ``all`` or one alert status."""
    kind: str | None = None
    """Only this alert kind (None: any)."""
    max_priority: int = 4
    """Only alerts of this priority or higher (1 is highest)."""
    owner: str = ANYONE
    """``anyone``, ``mine`` (owned by :attr:`me`) or ``unowned``."""
    me: str | None = None
    """The signed-in operator (for ``mine``)."""
    text: str = ""
    """Only alerts whose id, title, address or description contain it (casefolded)."""


class QueueColumns:
    """The alerts' filter and sort attributes as growable numpy arrays (one slot per row).

    Args:
        kind_label: The shown name of an alert kind (the kind column sorts by it).
    """

    def __init__(self, kind_label: Callable[[str], str] = str) -> None:
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
        self.text: dict[str, list[str]] = {c: [] for c in TEXT_COLUMNS}
        self.kind_labels: dict[str, str] = {}
        self.kinds: dict[str, int] = {}
        self.owners: dict[str | None, int] = {None: 0}
        self._kind_label = kind_label

    def _grow(self, need: int) -> None:
        cap = len(self.priority)
        if need <= cap:
            return
        cap = max(need, cap * 2, 1024)
        for name in _ARRAYS:
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
            label = self.kind_labels[alert.kind] = self._kind_label(alert.kind)
        text = self.text
        text["id"][row] = alert.id
        text["title"][row] = alert.title
        text["address"][row] = alert.address
        text["owner"][row] = alert.owner or ""
        text["kind"][row] = label

    # ---- the filter

    def _mask(self, f: QueueFilter, priority: Any, status: Any, kind: Any, owner: Any) -> Any:
        """The filter but for the text: over columns (numpy arrays: a boolean array) or over
        one row's values (Python ints: a bool). The one place the filter is written (``&=``
        is in place for arrays, a plain ``and`` of bools for one row)."""
        mask = priority <= f.max_priority
        if f.status == OPEN:
            mask &= status != _CLOSED
        elif f.status != ALL:
            mask &= status == _STATUS_CODE.get(AlertStatus(f.status), -1)
        if f.kind is not None:
            mask &= kind == self.kinds.get(f.kind, -1)
        if f.owner == MINE:
            mask &= owner == (self.owners.get(f.me, -1) if f.me else -1)
        elif f.owner == UNOWNED:
            mask &= owner == 0
        return mask

    def _has_text(self, f: QueueFilter, row: int) -> bool:
        return f.text in self.hay[row]

    def accepted(self, f: QueueFilter, start: int = 0, stop: int | None = None) -> Rows:
        """The rows in ``[start, stop)`` that ``f`` lets through, ascending."""
        stop = self.n if stop is None else min(stop, self.n)
        part = slice(start, stop)
        mask = self._mask(
            f, self.priority[part], self.status[part], self.kind[part], self.owner[part]
        )
        rows: Rows = np.flatnonzero(mask)
        if start:
            rows += start
        if f.text:
            rows = np.array([r for r in rows.tolist() if self._has_text(f, r)], np.int64)
        return rows

    def accepts(self, f: QueueFilter, row: int) -> bool:
        """True when ``f`` lets ``row`` through (the same filter, over that row's values)."""
        values = (a.item(row) for a in (self.priority, self.status, self.kind, self.owner))
        return bool(self._mask(f, *values)) and (not f.text or self._has_text(f, row))

    # ---- the sort

    def key_function(self, column: str) -> Callable[[int], tuple[Any, ...]]:
        """The sort key of one row by ``column`` (ties: the row, i.e. arrival order), from
        :data:`SORT_KEYS`. Valid until the next :meth:`set` (which may grow the arrays)."""
        spec = SORT_KEYS.get(column)
        if spec is None:
            text = self.text[column]
            return lambda row: (text[row], row)
        # ``ndarray.item(row)`` gives a Python number in one call; this runs ~20 times per
        # new alert (a binary search over 100,000 rows), so the common shapes are spelled out.
        items = [(getattr(self, name).item, sign) for name, sign in spec]
        if len(items) == 1:
            ((first, sign),) = items
            if sign > 0:
                return lambda row: (first(row), row)
            return lambda row: (-first(row), row)
        if len(items) == 2 and all(sign > 0 for _, sign in items):
            (first, _), (second, _) = items
            return lambda row: (first(row), second(row), row)
        return lambda row: (*[sign * item(row) for item, sign in items], row)

    def key(self, column: str, row: int) -> tuple[Any, ...]:
        """The sort key of one row by ``column``."""
        return self.key_function(column)(row)

    def sorted(self, column: str, rows: Rows) -> Rows:
        """``rows`` in ascending order of ``column`` (ties: arrival order)."""
        if not len(rows):
            return rows
        spec = SORT_KEYS.get(column)
        if spec is None:
            # Rows ascending, then a stable sort by text: ties keep arrival order.
            ordered = sorted(np.sort(rows).tolist(), key=self.text[column].__getitem__)
            return np.array(ordered, np.int64)
        keys = [rows]  # np.lexsort: the last key is the primary one
        for name, sign in reversed(spec):
            values = getattr(self, name)[rows]
            keys.append(values if sign > 0 else -values)
        return rows[np.lexsort(keys)]


class AlertQueue:
    """The rows a queue shows, in sort order, over :class:`QueueColumns`.

    ``order`` holds the visible rows in ascending sort order (a Python list: inserting one
    row into it, a memmove, is far cheaper than ``np.insert``); a descending sort reads it
    backwards. Positions (``pos``) index ``order``; view rows count from the top of the table.

    Args:
        kind_label: The shown name of an alert kind (the kind column sorts by it).
    """

    def __init__(self, kind_label: Callable[[str], str] = str) -> None:
        self._kind_label = kind_label
        self.columns = QueueColumns(kind_label)
        self.filter = QueueFilter()
        self.column = "priority"
        self.descending = False
        self.order: list[int] = []

    def __len__(self) -> int:
        return len(self.order)

    # ---- whole rebuilds

    def load(self, alerts: Iterable[Alert], layers: Mapping[str, Layer]) -> None:
        """Take every alert anew (row = position in ``alerts``) and rebuild the order."""
        columns = QueueColumns(self._kind_label)
        for row, alert in enumerate(alerts):
            columns.set(row, alert, layers)
        self.columns = columns
        self.refilter()

    def refilter(self) -> None:
        """Rebuild the order after a filter change."""
        self.order = self.columns.sorted(self.column, self.columns.accepted(self.filter)).tolist()

    def sort(self, column: str, descending: bool) -> None:
        """Sort by ``column`` (one of :data:`COLUMNS`)."""
        self.column = column
        self.descending = descending
        self.order = self.columns.sorted(column, np.array(self.order, np.int64)).tolist()

    # ---- row mapping

    def source_row(self, view_row: int) -> int:
        """The table row shown at ``view_row``."""
        n = len(self.order)
        return self.order[n - 1 - view_row if self.descending else view_row]

    def position(self, source_row: int) -> int | None:
        """Where ``source_row`` is in the ascending order (None: not shown)."""
        try:
            return self.order.index(source_row)
        except ValueError:
            return None

    def view_row_at(self, pos: int) -> int:
        """The view row of ascending position ``pos``."""
        return len(self.order) - 1 - pos if self.descending else pos

    def view_row(self, source_row: int) -> int | None:
        """The view row of a table row (None: not shown)."""
        pos = self.position(source_row)
        return None if pos is None else self.view_row_at(pos)

    # ---- one row at a time (new and changed alerts)

    def set(self, row: int, alert: Alert, layers: Mapping[str, Layer]) -> None:
        """Take a new or changed alert into the columns (not yet into the order)."""
        self.columns.set(row, alert, layers)

    def accepts(self, row: int) -> bool:
        """True when the filter lets ``row`` through."""
        return self.columns.accepts(self.filter, row)

    def insertion(self, row: int) -> tuple[int, int]:
        """Where ``row`` goes: (ascending position, view row) before :meth:`insert`."""
        key = self.columns.key_function(self.column)
        pos = bisect.bisect_left(self.order, key(row), key=key)
        return pos, len(self.order) - pos if self.descending else pos

    def insert(self, pos: int, row: int) -> None:
        """Show ``row`` at ascending position ``pos`` (from :meth:`insertion`)."""
        self.order.insert(pos, row)

    def remove(self, pos: int) -> None:
        """Stop showing the row at ascending position ``pos``."""
        del self.order[pos]

    def in_place(self, pos: int) -> bool:
        """True when the neighbours of ascending position ``pos`` still bracket its key."""
        order, key = self.order, self.columns.key_function(self.column)
        mine = key(order[pos])
        before = pos == 0 or key(order[pos - 1]) <= mine
        after = pos == len(order) - 1 or mine <= key(order[pos + 1])
        return before and after
