"""Alerts per local hour today against the average of the days before (Qt-free).

The counts come from ``Store.alert_hourly``: UTC hour buckets (``2026-11-28T10:00:00Z``) of
every alert created, seeded by the backend's snapshot (8 days) and kept up to date live. They
are complete, unlike the Store's alerts, which hold only open and recently closed ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime


def today_vs_average(
    alert_hourly: Mapping[str, int], now: float, days: int = 7
) -> tuple[list[int], list[float]]:
    """Counts per local hour (0..23) of today, and the mean per hour of the ``days`` days
    before today (a day with no alerts counts as zero). Unreadable buckets are skipped."""
    today = datetime.fromtimestamp(now).date()
    counts = [0] * 24
    sums = [0] * 24
    for key, n in alert_hourly.items():
        try:
            utc = datetime.strptime(key, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            continue
        local = datetime.fromtimestamp(utc.timestamp())
        back = (today - local.date()).days
        if back == 0:
            counts[local.hour] += n
        elif 1 <= back <= days:
            sums[local.hour] += n
    return counts, [s / days for s in sums]
