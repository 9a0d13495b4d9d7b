"""Dashboard figures from a known event set."""

from __future__ import annotations

from datetime import datetime

import pytest

from console import kpi
from console.domain.model import Alert
from console.domain.store import Store
from tests import factories

NOW = datetime(2026, 11, 28, 15, 30).timestamp()
EMPTY = factories.snapshot()


_alert = factories.worked_alert


def _unit(uid: str, status: str) -> dict:
    return factories.unit_wire(uid, status=status)


def test_figures_match_a_known_event_set() -> None:
    store = Store()
    state = dict(EMPTY)
    state["alerts"] = [
        _alert(
            "A-1",
            "call_110",
            NOW - 3600 * 2,
            [("acknowledged", 20), ("dispatched", 50), ("on_scene", 300), ("closed", 1800)],
            "closed",
        ),
        _alert(
            "A-2",
            "call_110",
            NOW - 3600 * 2 + 60,
            [("acknowledged", 40)],
            "acknowledged",
            grid="G0002",
        ),
        _alert("A-3", "efence", NOW - 600, [], "new"),
        _alert("A-4", "call_110", NOW - 86400 * 2, [], "new"),  # not today
    ]
    state["units"] = [_unit("U1", "available"), _unit("U2", "available"), _unit("U3", "busy")]
    state["cameras"] = [
        {
            "id": f"C{i}",
            "name": "c",
            "lat": 39.8,
            "lon": 109.9,
            "grid_id": None,
            "streams": {"main": "x"},
            "ptz": False,
            "status": "online" if i < 3 else "offline",
        }
        for i in range(4)
    ]
    store.load_snapshot(10, state)
    f = kpi.compute(store, NOW)
    assert f.alerts_per_hour[13] == 2 and f.alerts_per_hour[15] == 1 and sum(f.alerts_per_hour) == 3
    assert f.by_kind == {"call_110": 3, "efence": 1}
    assert f.by_grid[0] == ("G0001", 3)
    assert f.open_alerts == 3
    assert f.stage_median_s["acknowledge"] == pytest.approx(30)
    assert f.stage_within_target["acknowledge"] == pytest.approx(0.5)  # 20 s ok, 40 s late
    assert f.stage_median_s["dispatch"] == pytest.approx(50)
    assert f.stage_within_target["dispatch"] == 1.0
    assert f.stage_median_s["arrive"] == pytest.approx(300)
    assert f.units_by_status == {"available": 2, "busy": 1}
    assert (f.cameras_online, f.cameras_total) == (3, 4)
    assert f.radio_calls_per_min == 0


def _domain_alert(aid: str, created: float, steps: list[tuple[str, float]], **kw: str) -> Alert:
    wire = _alert(aid, "call_110", created, steps, kw.pop("status", "new"))
    wire.update(kw)
    return Alert.from_wire(wire)


def test_shift_window_day_and_night_local() -> None:
    day = datetime(2026, 11, 28, 15, 30).timestamp()
    start, end, night = kpi.shift_window(day)
    assert not night
    assert (datetime.fromtimestamp(start).hour, datetime.fromtimestamp(end).hour) == (8, 20)
    late = datetime(2026, 11, 28, 23, 0).timestamp()
    early = datetime(2026, 11, 29, 3, 0).timestamp()
    assert kpi.shift_window(late) == kpi.shift_window(early)
    start, end, night = kpi.shift_window(early)
    assert night and datetime.fromtimestamp(start) == datetime(2026, 11, 28, 20, 0)
    assert datetime.fromtimestamp(end) == datetime(2026, 11, 29, 8, 0)


def test_shift_kpis_count_this_shift_only_and_time_stages() -> None:
    alerts = [
        _domain_alert(
            "A-1",
            NOW - 3600,
            [("acknowledged", 20), ("dispatched", 50), ("on_scene", 300), ("closed", 1800)],
            status="closed",
            disposition="handled",
        ),
        _domain_alert("A-2", NOW - 1800, [("acknowledged", 40)], status="acknowledged"),
        _domain_alert(
            "A-3", NOW - 600, [("cancelled", 100)], status="closed", disposition="cancelled"
        ),
        _domain_alert("A-4", NOW - 500, [("merged", 60)], status="closed", disposition="merged"),
        _domain_alert("A-5", NOW - 9 * 3600, [("acknowledged", 5)], status="new"),  # 06:30: night
    ]
    f = kpi.shift_kpis(alerts, NOW)
    assert (f.created, f.closed, f.open, f.cancelled, f.merged) == (4, 3, 1, 1, 1)
    assert f.by_priority == {1: 4}
    ack = f.stages["acknowledge"]
    assert ack.count == 2 and ack.median_s == pytest.approx(30) and ack.within_target == 0.5
    assert ack.p90_s == pytest.approx(40)
    assert f.stages["arrive"].median_s == pytest.approx(300)
    # Cancelled and merged alerts are closed, but their close is not a handling time.
    assert f.stages["close"].count == 1 and f.stages["close"].median_s == pytest.approx(1800)
    assert f.stages["dispatch"].within_target == 1.0
