"""The alert queue's columns, filter and sort (console/queue.py, no Qt): what a plain Python
filter and sort would show, after filter changes, sorts, new alerts and changed alerts."""

from __future__ import annotations

import dataclasses
import random

import numpy as np

from console import queue
from console.domain.model import Alert, AlertStatus
from console.queue import AlertQueue, QueueColumns, QueueFilter
from tests import factories

T = 1_795_880_000.0
KINDS = ("call_110", "efence", "manual")
OWNERS = (None, "wang", "li")
LABELS = {"call_110": "110 call", "efence": "E-fence", "manual": "Manual"}


def _alert(i: int, rng: random.Random) -> Alert:
    return factories.random_alert(i, rng, KINDS, OWNERS)


def _ok(a: Alert, f: QueueFilter) -> bool:
    if f.status == "open" and a.status is AlertStatus.CLOSED:
        return False
    if f.status not in ("open", "all") and a.status.value != f.status:
        return False
    if f.kind is not None and a.kind != f.kind:
        return False
    if a.priority > f.max_priority:
        return False
    if f.owner == "mine" and (f.me is None or a.owner != f.me):
        return False
    if f.owner == "unowned" and a.owner is not None:
        return False
    return f.text in f"{a.id} {a.title} {a.address} {a.description}".casefold()


def _expected(alerts: list[Alert], f: QueueFilter, column: str, descending: bool) -> list[int]:
    order = {s: i for i, s in enumerate(AlertStatus)}
    keys = {
        "priority": lambda a: (a.priority, a.created_ts),
        "age": lambda a: -a.created_ts,
        "status": lambda a: order[a.status],
        "id": lambda a: a.id,
        "title": lambda a: a.title,
        "kind": lambda a: LABELS[a.kind],
        "owner": lambda a: a.owner or "",
        "address": lambda a: a.address,
    }
    rows = [(keys[column](a), i) for i, a in enumerate(alerts) if _ok(a, f)]
    rows.sort(reverse=descending)
    return [i for _, i in rows]


def _shown(q: AlertQueue) -> list[int]:
    return [q.source_row(r) for r in range(len(q))]


def test_queue_matches_a_plain_filter_and_sort() -> None:
    rng = random.Random(4)
    q = AlertQueue(LABELS.__getitem__)
    alerts = [_alert(i, rng) for i in range(300)]
    q.load(alerts, {})
    next_id = 1000
    for step in range(200):
        action = rng.randrange(7)
        f = q.filter
        if action == 0:
            f.status = rng.choice(("open", "all", "new", "closed", "dispatched"))
            q.refilter()
        elif action == 1:
            f.kind = rng.choice((None, *KINDS))
            q.refilter()
        elif action == 2:
            f.max_priority = rng.randint(1, 4)
            q.refilter()
        elif action == 3:
            f.owner = rng.choice(("anyone", "mine", "unowned"))
            f.me = rng.choice(("wang", None))
            q.refilter()
        elif action == 4:
            f.text = rng.choice(("", "needle", "打", "a-0001", "abc"))
            q.refilter()
        elif action == 5:
            column = rng.choice(("priority", "age", "status", "id", "title", "kind", "owner"))
            q.sort(column, rng.random() < 0.5)
        else:
            for _ in range(rng.randint(1, 3)):  # new alerts, one row at a time
                row = len(alerts)
                alerts.append(_alert(next_id, rng))
                next_id += 1
                q.set(row, alerts[row], {})
                if q.accepts(row):
                    pos, at = q.insertion(row)
                    q.insert(pos, row)
                    assert q.source_row(at) == row
            row = rng.randrange(len(alerts))  # a changed alert
            alerts[row] = dataclasses.replace(
                alerts[row],
                status=rng.choice(list(AlertStatus)),
                priority=rng.randint(1, 4),
                owner=rng.choice(OWNERS),
            )
            pos = q.position(row)
            q.set(row, alerts[row], {})
            keep = q.accepts(row)
            if pos is not None and not (keep and q.in_place(pos)):
                q.remove(pos)
                pos = None
            if keep and pos is None:
                q.insert(q.insertion(row)[0], row)
        expected = _expected(alerts, q.filter, q.column, q.descending)
        assert _shown(q) == expected, (step, action, q.filter, q.column, q.descending)
        for view_row, source_row in enumerate(expected[:5]):
            assert q.view_row(source_row) == view_row


def test_one_row_is_decided_by_the_same_filter_as_all_rows() -> None:
    rng = random.Random(11)
    columns = QueueColumns(LABELS.__getitem__)
    alerts = [_alert(i, rng) for i in range(200)]
    for row, alert in enumerate(alerts):
        columns.set(row, alert, {})
    for f in (
        QueueFilter(),
        QueueFilter(status=queue.ALL, kind="efence"),
        QueueFilter(status="dispatched", max_priority=2),
        QueueFilter(status=queue.ALL, owner=queue.MINE, me="li"),
        QueueFilter(owner=queue.MINE, me=None),
        QueueFilter(owner=queue.UNOWNED, text="needle"),
    ):
        every = columns.accepted(f).tolist()
        assert every == [i for i, a in enumerate(alerts) if _ok(a, f)]
        assert [r for r in range(len(alerts)) if columns.accepts(f, r)] == every
        assert columns.accepted(f, 50, 120).tolist() == [r for r in every if 50 <= r < 120]


def test_one_row_key_orders_as_the_vectorised_sort() -> None:
    rng = random.Random(5)
    columns = QueueColumns(LABELS.__getitem__)
    for row in range(150):
        columns.set(row, _alert(row, rng), {})
    rows = np.arange(150, dtype=np.int64)
    for column in queue.COLUMNS:
        if column not in (*queue.SORT_KEYS, *queue.TEXT_COLUMNS):
            continue
        by_key = sorted(range(150), key=lambda r, c=column: columns.key(c, r))
        assert columns.sorted(column, rows).tolist() == by_key, column


def test_the_timer_column_sorts_by_deadline_with_no_timer_last() -> None:
    rng = random.Random(2)
    q = AlertQueue()
    alerts = [_alert(i, rng) for i in range(40)]
    q.filter.status = queue.ALL
    q.load(alerts, {})
    q.sort("timer", False)
    deadlines = [q.columns.deadline[r] for r in _shown(q)]
    assert deadlines == sorted(deadlines)
    done = (AlertStatus.RESOLVED, AlertStatus.CLOSED)
    closed = [r for r in _shown(q) if alerts[r].status in done]
    assert closed and _shown(q)[-len(closed) :] == closed  # no running timer: at the end
