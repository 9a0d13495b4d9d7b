"""Builders for what tests feed the console and the backend: alerts, units, radio calls, snapshots.

Each builder has plain defaults and takes any field as a keyword, so a test names only what it
is about. ``alert``/``unit`` give domain objects (``console.domain.model``); the ``*_wire``
builders give the JSON form of the protocol (docs/protocol.md), ``unit_upsert``/``position``
whole operator messages, and ``snapshot`` a snapshot ``state``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from console.domain.model import Alert, AlertStatus, HistoryItem, RadioCall, Unit, UnitStatus
from console.protocol.codec import format_ts

T0 = 1_795_880_000.0
"""2026-11-28 …: the tests' reference time (epoch seconds)."""


def alert(**over: Any) -> Alert:
    """A new 110 call (A-000001, P1) created at ``T0``; any field can be given."""
    fields: dict[str, Any] = {
        "id": "A-000001",
        "kind": "call_110",
        "priority": 1,
        "title": "t",
        "description": "",
        "lat": 39.8,
        "lon": 109.9,
        "address": "",
        "grid_id": None,
        "status": AlertStatus.NEW,
        "created_ts": T0,
        "version": 1,
        "owner": None,
        "unit_ids": (),
        "camera_ids": (),
        "history": (HistoryItem(T0, None, "created", ""),),
    }
    fields.update(over)
    return Alert(**fields)


def random_alert(i: int, rng: random.Random, kinds: Sequence[str], owners: Sequence[str]) -> Alert:
    """Alert ``A-{i:06d}`` with random status, kind, priority, texts and creation time (ties
    on purpose): the mixed queue the sort and filter tests compare against."""
    status = rng.choice(list(AlertStatus))
    return alert(
        id=f"A-{i:06d}",
        kind=rng.choice(kinds),
        priority=rng.randint(1, 4),
        title=rng.choice(("打架", "盗窃", "噪音", "abc", "Abc")) + str(rng.randrange(5)),
        description=rng.choice(("报警人 138", "", "needle")),
        address=rng.choice(("天骄路", "林荫路", "")),
        status=status,
        created_ts=T0 + rng.randrange(0, 3600, 30),
        owner=None if status is AlertStatus.NEW else rng.choice(owners),
    )


def alert_wire(**over: Any) -> dict[str, Any]:
    """An alert as the protocol carries it (no history unless given)."""
    wire: dict[str, Any] = {
        "id": "A-000001",
        "kind": "call_110",
        "priority": 1,
        "title": "t",
        "description": "",
        "lat": 39.8,
        "lon": 109.9,
        "address": "",
        "grid_id": None,
        "status": "new",
        "created_ts": format_ts(T0),
        "version": 1,
        "owner": None,
        "unit_ids": [],
        "camera_ids": [],
        "history": [],
    }
    wire.update(over)
    return wire


def history_wire(created: float, steps: Sequence[tuple[str, float]]) -> list[dict[str, Any]]:
    """An alert's wire history: created at ``created``, then each (action, seconds later) by
    operator ``op``."""
    history = [{"ts": format_ts(created), "operator": None, "action": "created", "note": ""}]
    history += [
        {"ts": format_ts(created + dt), "operator": "op", "action": action, "note": ""}
        for action, dt in steps
    ]
    return history


def unit(uid: str, **over: Any) -> Unit:
    """An available patrol car ``uid`` (callsign ``P{uid}``, radio 1, talkgroup 1101)."""
    fields: dict[str, Any] = {
        "id": uid,
        "callsign": f"P{uid}",
        "kind": "patrol_car",
        "radio_id": "1",
        "talkgroup": "1101",
        "grid_id": None,
        "status": UnitStatus.AVAILABLE,
    }
    fields.update(over)
    return Unit(**fields)


def unit_wire(uid: str, **over: Any) -> dict[str, Any]:
    """A unit as the protocol carries it: an available patrol car whose callsign and radio id
    are ``uid`` unless given."""
    wire: dict[str, Any] = {
        "id": uid,
        "callsign": uid,
        "kind": "patrol_car",
        "radio_id": uid,
        "talkgroup": "1101",
        "grid_id": None,
        "status": "available",
    }
    wire.update(over)
    return wire


def unit_upsert(uid: str, **over: Any) -> dict[str, Any]:
    """The ``unit.upsert`` message for ``unit_wire(uid, **over)``."""
    return {"type": "unit.upsert", "unit": unit_wire(uid, **over)}


def patrol_car(uid: str, callsign: str) -> dict[str, Any]:
    """The ``unit.upsert`` of an available patrol car on talkgroup 1101, radio ``46001`` + the
    last two characters of ``uid``."""
    return unit_upsert(uid, callsign=callsign, radio_id="46001" + uid[-2:])


FIX_TS = "2026-11-28T16:40:54.123Z"
"""When ``position`` fixes are taken unless told."""


def position(uid: str, lat: float, lon: float = 109.98, fix_ts: str = FIX_TS) -> dict[str, Any]:
    """The ``unit.position`` message: ``uid`` at (lat, lon)."""
    return {"type": "unit.position", "unit_id": uid, "lat": lat, "lon": lon, "fix_ts": fix_ts}


def snapshot(**parts: list[Any]) -> dict[str, Any]:
    """A snapshot ``state``: empty lists of everything but what is given."""
    state: dict[str, Any] = {
        "units": [],
        "alerts": [],
        "cameras": [],
        "talkgroups": [],
        "layers": [],
        "log": [],
    }
    state.update(parts)
    return state


def worked_alert(
    aid: str,
    kind: str,
    created: float,
    steps: Sequence[tuple[str, float]],
    status: str,
    grid: str = "G0001",
) -> dict[str, Any]:
    """A wire alert created at ``created`` and taken through ``steps`` (action, seconds later)
    to ``status``: what the KPI, overview and replay tests count."""
    return alert_wire(
        id=aid,
        kind=kind,
        grid_id=grid,
        status=status,
        created_ts=format_ts(created),
        version=1 + len(steps),
        history=history_wire(created, steps),
    )


def radio_call_wire(
    n: int,
    *,
    src: str = "46001",
    tg: str = "1101",
    kind: str = "group",
    dur: float = 5.0,
    t: float | None = None,
    target: str | None = None,
    url: str | None = None,
    t0: float = T0,
    lat: float | None = None,
    lon: float | None = None,
) -> dict[str, Any]:
    """Radio call ``R-{n:06d}`` as the protocol carries it: a 5 s group call from radio ``src``
    on talkgroup ``tg`` starting ``n`` seconds after ``t0`` (or at ``t``)."""
    wire: dict[str, Any] = {
        "id": f"R-{n:06d}",
        "talkgroup": tg,
        "source_radio_id": src,
        "target_radio_id": target,
        "kind": kind,
        "start_ts": format_ts(t0 + n if t is None else t),
        "duration_s": dur,
        "audio_url": url,
        "encrypted": False,
    }
    if lat is not None and lon is not None:
        wire.update(lat=lat, lon=lon)
    return wire


def radio_call(n: int, **over: Any) -> RadioCall:
    """The domain form of ``radio_call_wire(n, **over)``."""
    return RadioCall.from_wire(radio_call_wire(n, **over))
