"""The dashboard shows the figures of the Store it watches, and follows it live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pytestqt.qtbot import QtBot

from console.domain.store import Store
from console.protocol.codec import format_ts
from tests import factories
from widgets.bridge import StoreBridge
from widgets.dashboard import DashboardPanel
from widgets.theme import Theme

NOW = datetime(2026, 11, 28, 15, 30).timestamp()


def test_dashboard_numbers_follow_the_store(qtbot: QtBot) -> None:
    store = Store()
    state = factories.snapshot()
    state["alerts"] = [factories.worked_alert("A-1", "call_110", NOW - 60, [], "new")]
    state["units"] = [factories.unit_wire("U1")]
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
            "alert": factories.worked_alert("A-2", "efence", NOW - 30, [], "new"),
        }
    )
    qtbot.waitUntil(lambda: panel.open_label.text() == "2", timeout=5000)
    assert panel.figures.by_kind == {"call_110": 1, "efence": 1}
    assert "G0001 (2)" in panel.top_grids.text()


def _bucket(local: datetime) -> str:
    """The backend's UTC hour key of a local time."""
    return datetime.fromtimestamp(local.timestamp(), UTC).strftime("%Y-%m-%dT%H:00:00Z")


def test_hourly_today_against_the_7_day_average_and_the_shift(qtbot: QtBot) -> None:
    today = datetime.fromtimestamp(NOW).replace(minute=0, second=0, microsecond=0)
    stats = {
        _bucket(today.replace(hour=9)): 4,  # today 09:00
        _bucket(today.replace(hour=15)): 2,  # today 15:00
        _bucket(today - timedelta(days=8)): 70,  # too old: not in the average
    }
    for back in range(1, 8):  # the last 7 days: 09:00 always 7, 15:00 on two days 7
        stats[_bucket(today.replace(hour=9) - timedelta(days=back))] = 7
        if back <= 2:
            stats[_bucket(today.replace(hour=15) - timedelta(days=back))] = 7
    store = Store()
    state = factories.snapshot()
    state["stats"] = {"alert_hourly": [{"hour": h, "count": n} for h, n in stats.items()]}
    # Day shift 08:00–20:00: one dispatched in 40 s and on scene at 6 min, one dispatched
    # late (90 s) still open, one closed with the "merged" disposition, one from last night.
    merged = factories.worked_alert("A-3", "call_110", NOW - 900, [("closed", 100)], "closed")
    merged["disposition"] = "merged"
    state["alerts"] = [
        factories.worked_alert(
            "A-1", "call_110", NOW - 3600, [("dispatched", 40), ("on_scene", 360)], "on_scene"
        ),
        factories.worked_alert("A-2", "efence", NOW - 1800, [("dispatched", 90)], "dispatched"),
        merged,
        factories.worked_alert(
            "A-0", "call_110", NOW - 3600 * 10, [("dispatched", 30)], "dispatched"
        ),
    ]
    store.load_snapshot(1, state)
    panel = DashboardPanel(StoreBridge(store), Theme("dark"), clock=lambda: NOW)
    qtbot.addWidget(panel)
    panel.show()
    panel.refresh()
    counts, average = panel.hourly
    assert counts[9] == 4 and counts[15] == 2 and sum(counts) == 6
    assert average[9] == 7.0 and average[15] == 2.0 and sum(average) == 9.0

    # A new alert now counts in today's 15:00 bar at the next refresh.
    store.apply(
        {
            "type": "alert.new",
            "seq": 2,
            "ts": format_ts(NOW),
            "alert": factories.worked_alert("A-9", "manual", NOW - 10, [], "new"),
        }
    )
    qtbot.waitUntil(lambda: panel.hourly[0][15] == 3, timeout=5000)

    shift = panel.shift
    assert shift is not None and not shift.night
    assert (shift.created, shift.closed, shift.open, shift.merged) == (4, 1, 3, 1)
    assert shift.stages["dispatch"].within_target == 0.5  # 40 s yes, 90 s no
    text = panel.shift_label.text()
    assert "Day shift 08:00–20:00" in text
    assert "4 created · 1 closed · 3 open · 0 cancelled · 1 merged" in text
    assert "dispatched within target 50 %" in text
