"""Training scenarios: scripted incidents, radio calls and unit behaviour at set times.

A scenario is a JSON or TOML file (format in ``resources/scenarios/README.md``)::

    name = "Night shift: theft then pursuit"
    [[units]]                      # seeded at t = 0 (unit.upsert + a first position)
    id = "S01"; callsign = "P1001"; lat = 39.82; lon = 109.98
    [[steps]]
    at = 5.0                       # seconds after the scenario starts
    alert = { id = "T1", kind = "call_110", priority = 2, title = "...", lat = 39.83, lon = 109.99 }
    [[steps]]
    at = 12.0
    radio = { talkgroup = "1101", source_radio_id = "4600101", duration_s = 6.5 }
    [[steps]]
    at = 20.0
    unit = { id = "S01", status = "en_route", lat = 39.825, lon = 109.985 }
    [[steps]]
    at = 25.0
    log = { text = "嫌疑人向北逃窜", alert_id = "T1" }
    [[steps]]
    at = 30.0
    event = { type = "camera.upsert", camera = { ... } }   # any raw wire event body

:func:`run_scenario` appends each step's events to a :class:`backend_stub.server.Backend` at
its time, measured on an injected clock with an injected sleep, so tests need no real waiting.
"""

from __future__ import annotations

import asyncio
import json
import time
import tomllib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from backend_stub.alert_body import alert_body
from console.protocol.codec import format_ts

Wire = dict[str, Any]
STEP_KINDS = ("alert", "radio", "unit", "log", "event")


class ScenarioError(ValueError):
    """The scenario file is not valid (the message says where)."""


class _Appender(Protocol):
    def append(self, bodies: list[Wire]) -> Awaitable[None]: ...


@dataclass(frozen=True, slots=True)
class Step:
    """Events to append ``at`` seconds after the start."""

    at: float
    bodies: tuple[Wire, ...]


@dataclass(frozen=True, slots=True)
class Scenario:
    """A parsed scenario: its name, the seed events at t = 0 and the timed steps."""

    name: str
    description: str
    seed: tuple[Wire, ...]
    steps: tuple[Step, ...] = field(default=())


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a ``.json`` or ``.toml`` scenario file.

    Raises:
        ScenarioError: the file breaks the format.
    """
    p = Path(path)
    raw = p.read_bytes()
    try:
        data = tomllib.loads(raw.decode()) if p.suffix == ".toml" else json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{p.name}: not valid {p.suffix[1:] or 'JSON'}: {exc}") from None
    return parse_scenario(data, p.name, start=time.time())


def parse_scenario(data: Any, where: str = "scenario", *, start: float = 0.0) -> Scenario:
    """Build a Scenario from decoded JSON/TOML data (``start``: stamps in the seed events)."""
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise ScenarioError(f"{where}: needs a top-level 'name'")
    seed: list[Wire] = []
    for i, u in enumerate(data.get("units", [])):
        try:
            seed.append({"type": "unit.upsert", "unit": _unit(u)})
            seed.append(_position(u["id"], u["lat"], u["lon"], start))
        except (KeyError, TypeError) as exc:
            raise ScenarioError(f"{where}: units[{i}] lacks {exc}") from None
    steps = []
    for i, s in enumerate(data.get("steps", [])):
        try:
            at = float(s["at"])
            kinds = [k for k in STEP_KINDS if k in s]
            if at < 0 or not kinds:
                raise ValueError(f"'at' >= 0 and one of {', '.join(STEP_KINDS)}")
            bodies = [b for k in kinds for b in _bodies(k, s[k], i, at, start)]
        except (KeyError, TypeError, ValueError) as exc:
            raise ScenarioError(f"{where}: steps[{i}]: {exc}") from None
        steps.append(Step(at, tuple(bodies)))
    steps.sort(key=lambda st: st.at)
    return Scenario(data["name"], str(data.get("description", "")), tuple(seed), tuple(steps))


def _unit(u: Wire) -> Wire:
    return {
        "id": u["id"],
        "callsign": u["callsign"],
        "kind": u.get("kind", "patrol_car"),
        "radio_id": u.get("radio_id", "46" + u["id"]),
        "talkgroup": u.get("talkgroup", "1101"),
        "grid_id": u.get("grid_id"),
        "status": u.get("status", "available"),
    }


def _position(unit_id: str, lat: float, lon: float, t: float) -> Wire:
    return {
        "type": "unit.position",
        "unit_id": unit_id,
        "lat": float(lat),
        "lon": float(lon),
        "source": "gps",
        "fix_ts": format_ts(t),
    }


def _bodies(kind: str, v: Wire, i: int, at: float, start: float) -> list[Wire]:
    ts = format_ts(start + at)
    if kind == "alert":
        alert = alert_body(
            v["id"],
            ts,
            kind=v.get("kind", "call_110"),
            priority=int(v.get("priority", 3)),
            title=v["title"],
            description=v.get("description", ""),
            lat=float(v["lat"]),
            lon=float(v["lon"]),
            address=v.get("address", ""),
            grid_id=v.get("grid_id"),
            note="",
            camera_ids=v.get("camera_ids", []),
            unit_ids=v.get("unit_ids", []),
            status=v.get("status", "new"),
            version=int(v.get("version", 1)),
        )
        return [{"type": "alert.new" if alert["version"] == 1 else "alert.updated", "alert": alert}]
    if kind == "radio":
        call = {
            "id": v.get("id", f"SC-R{i}"),
            "talkgroup": v["talkgroup"],
            "source_radio_id": v["source_radio_id"],
            "target_radio_id": v.get("target_radio_id"),
            "kind": v.get("kind", "group"),
            "start_ts": ts,
            "duration_s": float(v.get("duration_s", 5.0)),
            "encrypted": bool(v.get("encrypted", False)),
        }
        if "audio_url" in v:
            call["audio_url"] = v["audio_url"]
        return [{"type": "radio.call", "call": call}]
    if kind == "unit":
        out: list[Wire] = []
        if "status" in v:
            status = {"type": "unit.status", "unit_id": v["id"], "status": v["status"]}
            if "alert_id" in v:
                status["alert_id"] = v["alert_id"]
            out.append(status)
        if "lat" in v:
            out.append(_position(v["id"], v["lat"], v["lon"], start + at))
        if not out:
            raise ValueError("a unit step needs 'status' or 'lat'/'lon'")
        return out
    if kind == "log":
        entry = {"id": v.get("id", f"SC-L{i}"), "ts": ts, "author": v.get("author", "trainer")}
        entry.update(text=v["text"], alert_id=v.get("alert_id"), talkgroup=v.get("talkgroup"))
        return [{"type": "log.entry", "entry": entry}]
    if not isinstance(v, dict) or not isinstance(v.get("type"), str):
        raise ValueError("a raw event needs a 'type'")
    return [dict(v)]


async def run_scenario(
    backend: _Appender,
    scenario: Scenario,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    speed: float = 1.0,
) -> None:
    """Append the seed now, then each step's events at its time (``speed`` > 1: faster)."""
    start = clock()
    if scenario.seed:
        await backend.append(list(scenario.seed))
    for step in scenario.steps:
        delay = start + step.at / speed - clock()
        if delay > 0:
            await sleep(delay)
        await backend.append(list(step.bodies))
