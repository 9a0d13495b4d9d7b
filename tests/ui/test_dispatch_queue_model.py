"""The queue's filter/sort proxy shows exactly what a plain Python filter and sort would,
after filter changes, sorts, new alerts and changed alerts (random, seeded)."""

from __future__ import annotations

import dataclasses
import random

from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtWidgets import QTableView

from console.domain.model import Alert, AlertStatus
from tests import factories
from widgets import labels
from widgets.alerts.model import COLUMNS, AlertFilterProxy, AlertTableModel
from widgets.theme import Theme

T = 1_795_880_000.0
KINDS = ("call_110", "efence", "manual")
OWNERS = (None, "wang", "li")


def _alert(i: int, rng: random.Random) -> Alert:
    return factories.random_alert(i, rng, KINDS, OWNERS)


def _expected(
    alerts: list[Alert], f: dict[str, object], column: str, descending: bool
) -> list[str]:
    def ok(a: Alert) -> bool:
        st = f["status"]
        if st == "open" and a.status is AlertStatus.CLOSED:
            return False
        if st not in ("open", "all") and a.status.value != st:
            return False
        if f["kind"] is not None and a.kind != f["kind"]:
            return False
        if a.priority > f["priority"]:  # type: ignore[operator]
            return False
        if f["owner"] == "mine" and a.owner != "wang":
            return False
        if f["owner"] == "unowned" and a.owner is not None:
            return False
        hay = f"{a.id} {a.title} {a.address} {a.description}".casefold()
        return str(f["text"]) in hay

    order = {s: i for i, s in enumerate(AlertStatus)}
    keys = {
        "priority": lambda a: (a.priority, a.created_ts),
        "age": lambda a: -a.created_ts,
        "status": lambda a: order[a.status],
        "id": lambda a: a.id,
        "title": lambda a: a.title,
        "kind": lambda a: labels.alert_kind(a.kind),
        "owner": lambda a: a.owner or "",
        "address": lambda a: a.address,
    }
    rows = [(keys[column](a), i) for i, a in enumerate(alerts) if ok(a)]
    rows.sort(reverse=descending)
    return [alerts[i].id for _, i in rows]


def _shown(proxy: AlertFilterProxy) -> list[str]:
    return [proxy.index(r, COLUMNS.index("id")).data() for r in range(proxy.rowCount())]


def test_proxy_matches_a_plain_filter_and_sort(qtbot) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(4)
    model = AlertTableModel(Theme("dark"), clock=lambda: T + 100)
    proxy = AlertFilterProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    alerts = [_alert(i, rng) for i in range(300)]
    model.reset_alerts(alerts)
    alerts = [model.alert_at(r) for r in range(model.rowCount())]  # arrival order
    f: dict[str, object] = {
        "status": "open",
        "kind": None,
        "priority": 4,
        "owner": "anyone",
        "text": "",
    }
    column, descending = "priority", False
    view.sortByColumn(COLUMNS.index(column), Qt.SortOrder.AscendingOrder)
    next_id = 1000
    for step in range(120):
        action = rng.randrange(7)
        if action == 0:
            f["status"] = rng.choice(("open", "all", "new", "closed", "dispatched"))
            proxy.set_status(str(f["status"]))
        elif action == 1:
            f["kind"] = rng.choice((None, *KINDS))
            proxy.set_kind(f["kind"])  # type: ignore[arg-type]
        elif action == 2:
            f["priority"] = rng.randint(1, 4)
            proxy.set_max_priority(int(f["priority"]))  # type: ignore[call-overload]
        elif action == 3:
            f["owner"] = rng.choice(("anyone", "mine", "unowned"))
            proxy.set_owner(str(f["owner"]), "wang")
        elif action == 4:
            f["text"] = rng.choice(("", "needle", "打", "a-0001", "abc"))
            proxy.set_text(str(f["text"]))
        elif action == 5:
            column = rng.choice(("priority", "age", "status", "id", "title", "kind", "owner"))
            descending = rng.random() < 0.5
            order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
            view.sortByColumn(COLUMNS.index(column), order)
        else:
            new = [_alert(next_id + k, rng) for k in range(rng.randint(1, 3))]
            next_id += len(new)
            model.add_alerts(new)
            alerts += new
            row = rng.randrange(len(alerts))
            changed = dataclasses.replace(
                alerts[row],
                status=rng.choice(list(AlertStatus)),
                priority=rng.randint(1, 4),
                owner=rng.choice(OWNERS),
            )
            model.update_alerts([changed])
            alerts[row] = changed
        expected = _expected(alerts, f, column, descending)
        assert _shown(proxy) == expected, (step, action, f, column, descending)


def test_sorting_keeps_the_selected_alert_selected(qtbot) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(9)
    model = AlertTableModel(Theme("dark"), clock=lambda: T)
    proxy = AlertFilterProxy()
    proxy.setSourceModel(model)
    model.reset_alerts([_alert(i, rng) for i in range(50)])
    proxy.set_status(AlertFilterProxy.ALL)
    index = QPersistentModelIndex(proxy.index(7, 0))
    chosen = proxy.index(7, COLUMNS.index("id")).data()
    proxy.sort(COLUMNS.index("title"), Qt.SortOrder.DescendingOrder)
    assert index.isValid()
    assert proxy.index(index.row(), COLUMNS.index("id")).data() == chosen
