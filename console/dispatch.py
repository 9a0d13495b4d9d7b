"""Dispatch rules the console applies locally: unit recommendation, timers, duplicates.

Qt-free and clock-injected. The backend decides what is legal; these help the operator
choose (which unit, what is overdue, what looks like the same incident).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from console.domain.model import (
    Alert,
    AlertStatus,
    Layer,
    LogEntry,
    Position,
    Unit,
    UnitStatus,
)
from console.geo import haversine_m

# Street distance is longer than the straight line; 1.35 is typical of a city grid.
DETOUR = 1.35
SPEED_KMH = {
    "patrol_car": 40.0,
    "motorcycle": 35.0,
    "traffic": 35.0,
    "swat": 45.0,
    "foot": 5.0,
    "drone": 60.0,
}
DEFAULT_SPEED_KMH = 35.0
STALE_FIX_S = 300.0


@dataclass(frozen=True, slots=True)
class Recommendation:
    """An available unit ranked for an alert, with the reasons shown to the operator."""

    unit: Unit
    distance_m: float
    eta_s: float
    same_grid: bool
    fix_age_s: float

    @property
    def reason(self) -> str:
        """A short reason such as "1.2 km · ETA 2 min · same grid"."""
        km = self.distance_m / 1000
        parts = [f"{km:.1f} km", f"ETA {max(1, round(self.eta_s / 60))} min", self.unit.kind]
        if self.same_grid:
            parts.append("same grid")
        if self.fix_age_s > STALE_FIX_S:
            parts.append(f"fix {round(self.fix_age_s / 60)} min old")
        return " · ".join(parts)


def recommend(
    alert: Alert,
    units: Mapping[str, Unit],
    positions: Mapping[str, Position],
    now: float,
    limit: int = 10,
) -> list[Recommendation]:
    """Available units with a known position, nearest estimated arrival first.

    ETA is the straight-line distance times :data:`DETOUR` at the unit kind's typical speed
    (the console has no street network); ties go to the unit in the alert's grid, then by id.
    Units whose last fix is stale rank after all fresh ones.
    """
    ranked = []
    for unit in units.values():
        if unit.status is not UnitStatus.AVAILABLE:
            continue
        pos = positions.get(unit.id)
        if pos is None:
            continue
        dist = haversine_m(pos.lat, pos.lon, alert.lat, alert.lon)
        speed = SPEED_KMH.get(unit.kind, DEFAULT_SPEED_KMH) / 3.6
        eta = dist * DETOUR / speed
        same = alert.grid_id is not None and unit.grid_id == alert.grid_id
        ranked.append(Recommendation(unit, dist, eta, same, max(0.0, now - pos.fix_ts)))
    ranked.sort(
        key=lambda r: (r.fix_age_s > STALE_FIX_S, round(r.eta_s), not r.same_grid, r.unit.id)
    )
    return ranked[:limit]


class TimerLevel(StrEnum):
    """How urgent a running timer is."""

    OK = "ok"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True, slots=True)
class Timer:
    """The deadline an alert is working against now."""

    name: str  # acknowledge, dispatch, arrive, feedback
    remaining_s: float
    level: TimerLevel


ACK_TARGET_S = {1: 30.0, 2: 60.0, 3: 120.0, 4: 300.0}
DISPATCH_TARGET_S = {1: 60.0, 2: 180.0, 3: 300.0, 4: 600.0}
ARRIVE_URBAN_S = 300.0
ARRIVE_SUBURBAN_S = 600.0
FEEDBACK_TARGET_S = 1800.0


def _last(alert: Alert, action: str) -> float | None:
    for item in reversed(alert.history):
        if item.action == action:
            return item.ts
    return None


def timer(alert: Alert, now: float, layers: Mapping[str, Layer] | None = None) -> Timer | None:
    """The running timer of an alert: to acknowledge, dispatch, arrive, or give feedback.

    Targets: acknowledge 30 s (P1) … 5 min (P4); first dispatch 60 s for P1 (NFPA 1225's
    60 s) … 10 min; arrival 5 min in urban grids, 10 min in suburban ones (from dispatch);
    feedback 30 min after arrival. Amber in the last quarter, red when overdue.
    """
    status = alert.status
    if status is AlertStatus.NEW:
        name, start, target = "acknowledge", alert.created_ts, ACK_TARGET_S[alert.priority]
    elif status is AlertStatus.ACKNOWLEDGED:
        name, start, target = "dispatch", alert.created_ts, DISPATCH_TARGET_S[alert.priority]
    elif status is AlertStatus.DISPATCHED:
        start = _last(alert, "dispatched") or alert.created_ts
        name, target = "arrive", ARRIVE_URBAN_S if _urban(alert, layers) else ARRIVE_SUBURBAN_S
    elif status is AlertStatus.ON_SCENE:
        name, target = "feedback", FEEDBACK_TARGET_S
        start = _last(alert, "on_scene") or alert.created_ts
    else:
        return None
    remaining = start + target - now
    if remaining < 0:
        level = TimerLevel.RED
    elif remaining < target / 4:
        level = TimerLevel.AMBER
    else:
        level = TimerLevel.OK
    return Timer(name, remaining, level)


def _urban(alert: Alert, layers: Mapping[str, Layer] | None) -> bool:
    if layers is None or alert.grid_id is None or alert.grid_id not in layers:
        return True
    props = layers[alert.grid_id].geojson.get("properties") or {}
    return bool(props.get("urban", True))


_PHONE = re.compile(r"1[3-9]\d{9}")
COMPATIBLE = {
    "call_110": {"call_110", "video_analytics", "efence", "manual"},
    "video_analytics": {"call_110", "video_analytics"},
    "efence": {"efence", "call_110"},
    "face_match": {"face_match"},
    "plate_match": {"plate_match"},
    "radio_emergency": {"radio_emergency"},
    "manual": {"call_110", "manual"},
}


def caller_number(alert: Alert) -> str | None:
    """The caller's mobile number if the description carries one."""
    return _number_in(alert.description)


@functools.lru_cache(maxsize=200_000)
def _number_in(text: str) -> str | None:
    # Cached: the duplicate check reads every open alert's number each time one is selected.
    match = _PHONE.search(text)
    return match.group(0) if match else None


def possible_duplicates(
    alert: Alert, others: Iterable[Alert], radius_m: float = 300.0, window_s: float = 1800.0
) -> list[Alert]:
    """Open alerts that may be the same incident: same caller number, or a compatible kind
    within ``radius_m`` and ``window_s`` of this one. Oldest first (the main incident)."""
    number = caller_number(alert)
    found = []
    closed = AlertStatus.CLOSED
    for other in others:
        if other.status is closed or other.id == alert.id:
            continue
        if number is not None and caller_number(other) == number:
            found.append(other)
            continue
        if other.kind not in COMPATIBLE.get(alert.kind, {alert.kind}):
            continue
        if abs(other.created_ts - alert.created_ts) > window_s:
            continue
        if haversine_m(alert.lat, alert.lon, other.lat, other.lon) <= radius_m:
            found.append(other)
    return sorted(found, key=lambda a: a.created_ts)


class CommandLineError(ValueError):
    """A power-user command line that cannot be understood (the message says why)."""


_VERBS = {
    "A": "alert.acknowledge",
    "ACK": "alert.acknowledge",
    "D": "alert.dispatch",
    "S": "alert.set_status",
    "F": "alert.set_status",
    "C": "alert.close",
    "M": "alert.merge",
    "X": "alert.cancel",
    "T": "alert.transfer",
    "R": "alert.release_unit",
}


def parse_command_line(
    text: str, alerts: Mapping[str, Alert], units: Mapping[str, Unit]
) -> tuple[str, dict[str, object]]:
    """Turn a dispatcher's short command into a wire command.

    ``A A-000042`` acknowledge · ``D P1023 [P1024 …] A-000042`` dispatch units (by callsign or
    id; a unit busy on another incident is reassigned) · ``S A-000042`` on scene ·
    ``F A-000042 note…`` feedback (resolved) · ``C A-000042 [disposition] [note…]`` close
    (default disposition ``handled``) · ``M A-000043 A-000042 [note…]`` merge the first alert
    (the duplicate) into the second · ``X A-000042 reason…`` cancel (a reason is required) ·
    ``T A-000042 operator [note…]`` transfer to another operator · ``R P1023 A-000042 [note…]``
    release one unit from the incident.
    Alert ids may be written without the zero padding (``A-42``). The current version is taken
    from the Store, so a stale view still gets ``conflict`` from the backend if someone acts first.

    Raises:
        CommandLineError: unknown verb, alert or unit, or a missing argument.
    """
    words = text.split()
    if not words:
        raise CommandLineError("empty command")
    verb = words[0].upper()
    if verb not in _VERBS:
        raise CommandLineError(f"unknown command {words[0]!r}: use A, D, S, F, C, M, X, T or R")
    by_callsign = {u.callsign.upper(): u.id for u in units.values()}
    found_alerts: list[Alert] = []
    unit_ids: list[str] = []
    rest: list[str] = []
    for word in words[1:]:
        found = _alert_id(word, alerts)
        if found is not None and (not found_alerts or (verb == "M" and len(found_alerts) == 1)):
            found_alerts.append(alerts[found])
        elif not found_alerts and (word.upper() in by_callsign or word in units):
            unit_ids.append(by_callsign.get(word.upper(), word))
        else:
            rest.append(word)
    if not found_alerts:
        raise CommandLineError("no known alert id in the command (e.g. A-000042)")
    alert = found_alerts[0]
    name = _VERBS[verb]
    args: dict[str, object] = {"alert_id": alert.id, "version": alert.version}
    note = " ".join(rest)
    if verb == "D":
        if not unit_ids:
            raise CommandLineError("name at least one unit to dispatch (callsign or id)")
        args["unit_ids"] = unit_ids
    elif verb == "S":
        args.update(status="on_scene", note=note)
    elif verb == "F":
        args.update(status="resolved", note=note)
    elif verb == "C":
        args["disposition"] = rest[0] if rest else "handled"
        args["note"] = " ".join(rest[1:])
    elif verb == "M":
        if len(found_alerts) < 2:
            raise CommandLineError("name the duplicate, then the main incident: M A-43 A-42")
        if found_alerts[1].id == alert.id:
            raise CommandLineError("an alert cannot be merged into itself")
        args.update(into_id=found_alerts[1].id, note=note)
    elif verb == "X":
        if not note:
            raise CommandLineError("give a reason to cancel: X A-42 reason")
        args["reason"] = note
    elif verb == "T":
        if not rest:
            raise CommandLineError("name the operator to transfer to: T A-42 operator")
        args.update(to_operator=rest[0], note=" ".join(rest[1:]))
    elif verb == "R":
        if len(unit_ids) != 1:
            raise CommandLineError("name one unit to release before the alert: R P1023 A-42")
        if unit_ids[0] not in alert.unit_ids:
            raise CommandLineError(f"{unit_ids[0]} is not assigned to {alert.id}")
        args.update(unit_id=unit_ids[0], note=note)
    return name, args


def _alert_id(word: str, alerts: Mapping[str, Alert]) -> str | None:
    if word in alerts:
        return word
    head, _, number = word.upper().partition("-")
    if head == "A" and number.isdigit():
        padded = f"A-{int(number):06d}"
        if padded in alerts:
            return padded
    return None


# ---- reassign, merge and transfer helpers


def busy_elsewhere(
    unit_ids: Iterable[str], alert_id: str, alerts: Mapping[str, Alert]
) -> dict[str, Alert]:
    """Unit id → the other open incident it is assigned to now (dispatching it reassigns it)."""
    wanted = set(unit_ids)
    out: dict[str, Alert] = {}
    for other in alerts.values():
        if other.id == alert_id or not other.is_open:
            continue
        for unit_id in other.unit_ids:
            if unit_id in wanted:
                out[unit_id] = other
    return out


@dataclass(frozen=True, slots=True)
class BusyUnit:
    """A unit working another incident that could be reassigned to this one."""

    unit: Unit
    other: Alert
    distance_m: float
    eta_s: float


def reassignable(
    alert: Alert,
    units: Mapping[str, Unit],
    positions: Mapping[str, Position],
    alerts: Mapping[str, Alert],
    limit: int = 10,
) -> list[BusyUnit]:
    """Units on other open incidents of lower or equal urgency, nearest first.

    A P1 may take a unit off a P3; the operator confirms, and the other incident loses it.
    """
    out = []
    for unit_id, other in busy_elsewhere(units, alert.id, alerts).items():
        unit, pos = units.get(unit_id), positions.get(unit_id)
        if unit is None or pos is None or other.priority < alert.priority:
            continue
        dist = haversine_m(pos.lat, pos.lon, alert.lat, alert.lon)
        speed = SPEED_KMH.get(unit.kind, DEFAULT_SPEED_KMH) / 3.6
        out.append(BusyUnit(unit, other, dist, dist * DETOUR / speed))
    out.sort(key=lambda b: (round(b.eta_s), b.unit.id))
    return out[:limit]


def merge_targets(alert: Alert, alerts: Mapping[str, Alert]) -> list[Alert]:
    """Where a duplicate can be merged: its possible duplicates (oldest, the main incident,
    first), then every other open alert, newest first."""
    if not alert.is_open:
        return []
    dups = possible_duplicates(alert, alerts.values())
    seen = {d.id for d in dups}
    others = sorted(
        (a for a in alerts.values() if a.is_open and a.id != alert.id and a.id not in seen),
        key=lambda a: -a.created_ts,
    )
    return dups + others


def known_operators(alerts: Iterable[Alert], log: Iterable[LogEntry] = ()) -> list[str]:
    """Operator ids the console has seen act (alert owners, history, log authors), sorted."""
    found: set[str] = set()
    for alert in alerts:
        if alert.owner:
            found.add(alert.owner)
        found.update(h.operator for h in alert.history if h.operator)
    found.update(e.author for e in log if e.author)
    return sorted(found)
