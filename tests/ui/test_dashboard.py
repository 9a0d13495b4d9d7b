"""The dashboard shows the figures of the Store it watches, and follows it live."""

from __future__ import annotations

from datetime import datetime

from pytestqt.qtbot import QtBot

from console.domain.store import Store
from console.protocol.codec import format_ts
from tests.unit.test_kpi import EMPTY, _alert, _unit
from widgets.bridge import StoreBridge
from widgets.dashboard import DashboardPanel
from widgets.theme import Theme

NOW = datetime(2026, 11, 28, 15, 30).timestamp()


def test_dashboard_numbers_follow_the_store(qtbot: QtBot) -> None:
    store = Store()
    state = dict(EMPTY)
    state["alerts"] = [_alert("A-1", "call_110", NOW - 60, [], "new")]
    state["units"] = [_unit("U1", "available")]
    store.load_snapshot(1, state)
    bridge = StoreBridge(store)
    panel = DashboardPanel(bridge, Theme("dark"), clock=lambda: NOW)
    qtbot.addWidget(panel)
    panel.show()
    panel.refresh()
    assert panel.open_label.text() == "1"
    assert panel.figures is not None and panel.figures.alerts_per_hour[15] == 1
    store.apply(
        {
            "type": "alert.new",
            "seq": 2,
            "ts": format_ts(NOW),
            "alert": _alert("A-2", "efence", NOW - 30, [], "new"),
        }
    )
    qtbot.waitUntil(lambda: panel.open_label.text() == "2", timeout=5000)
    assert panel.figures.by_kind == {"call_110": 1, "efence": 1}
    assert "G0001 (2)" in panel.top_grids.text()
