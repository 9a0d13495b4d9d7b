"""Shift figures for the overview dashboard, computed from the Store (Qt-free).

Everything is derived from what the console holds: the alerts in the Store (every open alert
and the recently closed ones), units, cameras and the recent radio calls. Times come from the
alerts' stamped histories.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from console.dispatch import ARRIVE_URBAN_S, DISPATCH_TARGET_S
from console.domain.model import Alert
from console.domain.store import Store

STAGES = ("acknowledge", "dispatch", "arrive", "close")
# Target seconds from creation for each stage (priority 1 where it depends on priority).
TARGETS_S = {
    "acknowledge": 30.0,
    "dispatch": DISPATCH_TARGET_S[1],
    "arrive": DISPATCH_TARGET_S[1] + ARRIVE_URBAN_S,
    "close": 3600.0,
}
_ACTION = {
    "acknowledge": "acknowledged",
    "dispatch": "dispatched",
    "arrive": "on_scene",
    "close": "closed",
}


@dataclass(frozen=True, slots=True)
class Kpis:
    """One refresh of the dashboard's figures."""

    alerts_per_hour: list[int]  # today, hours 0..23 local time
    by_kind: dict[str, int]
    by_grid: list[tuple[str, int]]  # busiest grids first
    open_alerts: int
    stage_median_s: dict[str, float | None]
    stage_within_target: dict[str, float | None]  # share 0..1 that met the target
    units_by_status: dict[str, int]
    cameras_online: int
    cameras_total: int
    radio_calls_per_min: float
    grid_counts: dict[str, int] = field(default_factory=dict)


def stage_times(alert: Alert) -> dict[str, float]:
    """Seconds from creation to the first acknowledge, dispatch, arrival and close."""
    out: dict[str, float] = {}
    for stage, action in _ACTION.items():
        for item in alert.history:
            if item.action == action:
                out[stage] = max(0.0, item.ts - alert.created_ts)
                break
    return out


def compute(store: Store, now: float, radio_window_s: float = 600.0) -> Kpis:
    """The dashboard figures at ``now`` (seconds since the epoch)."""
    today = datetime.fromtimestamp(now).date()
    per_hour = [0] * 24
    by_kind: Counter[str] = Counter()
    by_grid: Counter[str] = Counter()
    durations: dict[str, list[float]] = {s: [] for s in STAGES}
    open_alerts = 0
    for alert in store.alerts.values():
        created = datetime.fromtimestamp(alert.created_ts)
        if created.date() == today:
            per_hour[created.hour] += 1
        by_kind[alert.kind] += 1
        if alert.grid_id:
            by_grid[alert.grid_id] += 1
        if alert.is_open:
            open_alerts += 1
        for stage, seconds in stage_times(alert).items():
            durations[stage].append(seconds)
    median = {s: (statistics.median(v) if v else None) for s, v in durations.items()}
    within = {
        s: (sum(1 for x in v if x <= TARGETS_S[s]) / len(v) if v else None)
        for s, v in durations.items()
    }
    units = Counter(u.status.value for u in store.units.values())
    online = sum(1 for c in store.cameras.values() if c.online)
    recent = sum(1 for c in store.radio_calls if c.start_ts >= now - radio_window_s)
    return Kpis(
        alerts_per_hour=per_hour,
        by_kind=dict(by_kind),
        by_grid=by_grid.most_common(10),
        open_alerts=open_alerts,
        stage_median_s=median,
        stage_within_target=within,
        units_by_status=dict(units),
        cameras_online=online,
        cameras_total=len(store.cameras),
        radio_calls_per_min=recent / (radio_window_s / 60),
        grid_counts=dict(by_grid),
    )
