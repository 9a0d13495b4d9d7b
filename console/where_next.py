"""Where next (精准布控): a ``sighting.where_next`` answer as rows to list and marks to draw.

Qt-free. The backend answers with the cameras ahead of the last sighting (each with the window
in which the target can reach it) and the available units ranked by ETA to those intercept
points; this module turns that into what the operator reads (local clock times, kilometres,
minutes) and the overlay the map page draws, and picks the incident the units go to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console.domain.model import Alert
from console.protocol.codec import parse_ts

Wire = dict[str, Any]


def clock(ts: str, fmt: str = "%H:%M:%S") -> str:
    """A wire timestamp as the local wall-clock time an operator reads (``14:03:27``)."""
    return datetime.fromtimestamp(parse_ts(ts)).strftime(fmt)


def minutes(seconds: float) -> str:
    """``"3.5 min"`` (one decimal under ten minutes, whole minutes above)."""
    m = seconds / 60.0
    return f"{m:.1f} min" if m < 10 else f"{m:.0f} min"


@dataclass(frozen=True, slots=True)
class CameraAhead:
    """One camera ahead of the target, as the list shows it."""

    id: str
    name: str
    distance: str
    window: str
    guess: bool


@dataclass(frozen=True, slots=True)
class UnitToSend:
    """One available unit, ranked, with the intercept point it goes to."""

    id: str
    callsign: str
    kind: str
    eta: str
    camera: str
    in_time: bool


def cameras_ahead(data: Wire) -> list[CameraAhead]:
    """The answer's cameras in its order (earliest arrival first)."""
    return [
        CameraAhead(
            c["id"],
            c.get("name") or c["id"],
            f"{c['distance_m'] / 1000:.1f} km",
            f"{clock(c['earliest'])}–{clock(c['latest'])}",
            bool(c.get("guess")),
        )
        for c in data.get("cameras", [])
    ]


def units_to_send(data: Wire) -> list[UnitToSend]:
    """The answer's units in its order (those in time first, then by ETA)."""
    return [
        UnitToSend(
            u["id"],
            u.get("callsign") or u["id"],
            u.get("kind") or "",
            minutes(float(u["eta_s"])),
            u.get("camera_name") or u.get("camera_id", ""),
            bool(u.get("in_time")),
        )
        for u in data.get("units", [])
    ]


def overlay(data: Wire) -> Wire:
    """What ``resources/map/where_next.js`` draws: the last sighting, the cameras ahead with
    their paths and windows, and each unit joined to its intercept point."""
    origin = data["from"]
    cameras = {c["id"]: c for c in data.get("cameras", [])}
    return {
        "from": {
            "lat": origin["lat"],
            "lon": origin["lon"],
            "label": f"{data.get('value', '')} {clock(origin['ts'])}",
        },
        "cameras": [
            {
                "id": c["id"],
                "lat": c["lat"],
                "lon": c["lon"],
                # On the map only the window (HH:MM), short enough not to cover the streets;
                # the name and the exact window in the tooltip.
                "label": f"{clock(c['earliest'], '%H:%M')}–{clock(c['latest'], '%H:%M')}",
                "tip": f"{c.get('name') or c['id']} {clock(c['earliest'])}–{clock(c['latest'])}",
                "path": c.get("path") or [[origin["lat"], origin["lon"]], [c["lat"], c["lon"]]],
                "guess": bool(c.get("guess")),
            }
            for c in cameras.values()
        ],
        "units": [
            {
                "id": u["id"],
                "lat": u["lat"],
                "lon": u["lon"],
                "label": f"{u.get('callsign') or u['id']} {minutes(float(u['eta_s']))}",
                "to": [cameras[u["camera_id"]]["lat"], cameras[u["camera_id"]]["lon"]],
            }
            for u in data.get("units", [])
            if u.get("camera_id") in cameras
        ],
    }


def incidents_for(alerts: Iterable[Alert], value: str) -> list[Alert]:
    """Open incidents the units may go to: the watch-list matches of this plate or person
    first (newest first), then every other open alert, newest first."""
    open_alerts = sorted((a for a in alerts if a.is_open), key=lambda a: a.created_ts, reverse=True)
    needle = value.strip().upper()

    def names_it(alert: Alert) -> bool:
        text = f"{alert.title} {alert.watch_entry or ''}".upper()
        return bool(needle) and alert.kind in ("plate_match", "face_match") and needle in text

    return [a for a in open_alerts if names_it(a)] + [a for a in open_alerts if not names_it(a)]


def new_incident_args(data: Wire, title: str) -> Wire:
    """``alert.create`` arguments for an interception incident at the last sighting."""
    origin = data["from"]
    return {
        "kind": "plate_match" if data.get("kind") == "plate" else "face_match",
        "priority": 1,
        "title": title,
        "lat": origin["lat"],
        "lon": origin["lon"],
        "address": origin.get("camera_name") or origin.get("camera_id", ""),
    }
