"""Recording builders shared by the recording and replay tests: wire units, alerts and events
at one timestamp, and ``picture``, what a user sees of a Store (to compare live and replayed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console.domain.store import Store
from console.protocol.codec import format_ts
from console.services.recorder import Recorder
from tests import factories

TS = "2026-11-28T16:40:54.123Z"


def unit(uid: str, status: str = "available") -> dict[str, Any]:
    return factories.unit_wire(uid, callsign="P" + uid, radio_id="46" + uid, status=status)


def alert(aid: str, status: str = "new", version: int = 1) -> dict[str, Any]:
    return factories.alert_wire(
        id=aid,
        priority=2,
        title="盗窃",
        address="东胜区",
        status=status,
        created_ts=TS,
        version=version,
        history=[{"ts": TS, "operator": "wang", "action": status, "note": ""}],
    )


def events(start: int, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"seq": start + i, "ts": TS, **b} for i, b in enumerate(bodies)]


def picture(store: Store) -> dict[str, Any]:
    """What a user sees: alerts, units, positions, cameras, layers, log, radio."""
    return {
        "alerts": dict(store.alerts),
        "units": dict(store.units),
        "positions": dict(store.positions),
        "cameras": dict(store.cameras),
        "talkgroups": dict(store.talkgroups),
        "layers": dict(store.layers),
        "log": list(store.log),
        "radio": list(store.radio_calls),
        "seq": store.seq,
    }


SHIFT_T0 = 1_900_000_000.0
"""When ``record_three_alerts`` starts recording."""


def record_three_alerts(path: Path) -> None:
    """A recording: an empty snapshot at ``SHIFT_T0``, then three new 110 calls 10 s apart."""
    now = [SHIFT_T0]
    store = Store()
    recorder = Recorder(path, store, clock=lambda: now[0])
    store.load_snapshot(1, factories.snapshot())
    recorder.on_snapshot(1, factories.snapshot())
    for i in range(3):
        now[0] += 10
        event = {
            "type": "alert.new",
            "seq": 2 + i,
            "ts": format_ts(now[0]),
            "alert": factories.worked_alert(f"A-{i + 1}", "call_110", now[0], [], "new"),
        }
        store.apply(event)
        recorder.on_events([event])
    recorder.flush()
    recorder.close()
