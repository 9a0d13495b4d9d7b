"""Shift figures for the overview dashboard, computed from the Store (Qt-free).

Everything is derived from what the console holds: the alerts in the Store (every open alert
and the recently closed ones), units, cameras and the recent radio calls. Times come from the
alerts' stamped histories.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

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


# ---- per shift (接处警 KPIs for the shift report and the dashboard)

DAY_SHIFT_START_HOUR = 8
NIGHT_SHIFT_START_HOUR = 20


@dataclass(frozen=True, slots=True)
class StageFigures:
    """Times from creation to one stage over a shift's alerts that reached it."""

    count: int
    median_s: float | None
    p90_s: float | None
    within_target: float | None  # share 0..1 that met TARGETS_S


@dataclass(frozen=True, slots=True)
class ShiftKpis:
    """The figures of one shift (alerts created from ``start_ts`` up to ``end_ts``)."""

    start_ts: float
    end_ts: float
    night: bool
    created: int
    closed: int
    open: int
    cancelled: int
    merged: int
    by_priority: dict[int, int]
    stages: dict[str, StageFigures]


def shift_window(
    now: float,
    day_start_hour: int = DAY_SHIFT_START_HOUR,
    night_start_hour: int = NIGHT_SHIFT_START_HOUR,
) -> tuple[float, float, bool]:
    """The local shift containing ``now``: (start, end, is_night). Day 08:00–20:00 by default,
    night 20:00–08:00 the next morning; the boundaries follow the local clock (DST included)."""
    local = datetime.fromtimestamp(now)
    day_start = local.replace(hour=day_start_hour, minute=0, second=0, microsecond=0)
    night_start = local.replace(hour=night_start_hour, minute=0, second=0, microsecond=0)
    if day_start <= local < night_start:
        return day_start.timestamp(), night_start.timestamp(), False
    if local >= night_start:
        start = night_start
        end = (day_start + timedelta(days=1)).replace(hour=day_start_hour)
    else:
        start = night_start - timedelta(days=1)
        end = day_start
    return start.timestamp(), end.timestamp(), True


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]  # nearest rank


def shift_kpis(
    alerts: Iterable[Alert],
    now: float,
    day_start_hour: int = DAY_SHIFT_START_HOUR,
    night_start_hour: int = NIGHT_SHIFT_START_HOUR,
) -> ShiftKpis:
    """Counts and stage times (acknowledge, dispatch, arrive, close) of the current shift.

    An alert belongs to the shift it was created in. Merged and cancelled alerts count as
    closed (and separately); their close time is not a handling time, so the ``close`` stage
    only counts alerts closed with a real disposition.
    """
    start, end, night = shift_window(now, day_start_hour, night_start_hour)
    created = closed = cancelled = merged = 0
    by_priority: Counter[int] = Counter()
    durations: dict[str, list[float]] = {s: [] for s in STAGES}
    for alert in alerts:
        if not start <= alert.created_ts < end:
            continue
        created += 1
        by_priority[alert.priority] += 1
        disposition = alert.disposition
        if not alert.is_open:
            closed += 1
            cancelled += disposition == "cancelled"
            merged += disposition == "merged"
        for stage, seconds in stage_times(alert).items():
            if stage == "close" and disposition in ("cancelled", "merged"):
                continue
            durations[stage].append(seconds)
    stages = {
        s: StageFigures(
            len(v),
            statistics.median(v) if v else None,
            _p90(v) if v else None,
            sum(1 for x in v if x <= TARGETS_S[s]) / len(v) if v else None,
        )
        for s, v in durations.items()
    }
    return ShiftKpis(
        start_ts=start,
        end_ts=end,
        night=night,
        created=created,
        closed=closed,
        open=created - closed,
        cancelled=cancelled,
        merged=merged,
        by_priority=dict(sorted(by_priority.items())),
        stages=stages,
    )
