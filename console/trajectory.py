"""A sighting search's answer as a route to draw (轨迹): numbered points and the legs between.

Qt-free. A leg between two sightings is solid when the gap is small enough to trust the
street between the cameras (:data:`MAX_GAP_S`, and a speed a vehicle can drive); otherwise it
is a guess, drawn dashed. Sightings of cameras no longer in the inventory (no position) are
left out.

In replay there is no backend to search: :func:`recorded_sightings` finds a subject's sightings
in the ``sighting.search`` answers the recording kept, and :func:`seen_by` says how much of a
route the replay clock has reached (the map fades the rest).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from console.geo import haversine_m
from console.protocol.codec import parse_ts
from console.protocol.sightings import normalize_plate

#: Longest gap between two sightings drawn as a solid line.
MAX_GAP_S = 600.0
#: Faster than this between two cameras (a misread, or a missed stretch) is a guess.
MAX_SPEED_MS = 45.0


def build_route(sightings: list[dict[str, Any]], upto: int | None = None) -> dict[str, Any]:
    """``{points: [{n, lat, lon, time, ts, epoch, camera, value, snapshot}], legs: [{guess}],
    upto}``."""
    points: list[dict[str, Any]] = []
    epochs: list[float] = []
    for s in sightings:
        if s.get("lat") is None or s.get("lon") is None:
            continue
        epoch = parse_ts(s["ts"])
        epochs.append(epoch)
        points.append(
            {
                "n": len(points) + 1,
                "lat": float(s["lat"]),
                "lon": float(s["lon"]),
                "ts": s["ts"],
                "epoch": epoch,
                "time": datetime.fromtimestamp(epoch).strftime("%m-%d %H:%M:%S"),
                "camera": s.get("camera_name") or s.get("camera_id", ""),
                "value": s.get("value", ""),
                "snapshot": s.get("snapshot_url"),
            }
        )
    legs = []
    for i in range(len(points) - 1):
        a, b = points[i], points[i + 1]
        gap = epochs[i + 1] - epochs[i]
        metres = haversine_m(a["lat"], a["lon"], b["lat"], b["lon"])
        guess = gap > MAX_GAP_S or metres > MAX_SPEED_MS * max(gap, 1.0)
        legs.append({"guess": guess})
    return {"points": points, "legs": legs, "upto": upto}


def subject_key(kind: str, value: str) -> tuple[str, str]:
    """Whom a sighting is of, in one form: a plate typed any way, a person id as it is."""
    return kind, normalize_plate(value) if kind == "plate" else value.strip()


def recorded_sightings(
    commands: Iterable[tuple[float, str, dict[str, Any], dict[str, Any]]],
    kind: str,
    value: str,
    since: float,
    until: float,
) -> list[dict[str, Any]]:
    """The sightings of one subject in ``[since, until]`` that recorded searches answered.

    Args:
        commands: a recording's ``(time, name, args, result)`` rows (``RecordingFile.commands``).
        kind: ``plate`` or ``face``.
        value: the plate (any case and spacing) or person id.
        since: epoch seconds.
        until: epoch seconds.

    Returns:
        ``data.sightings`` as the backend would answer: each sighting once (by id), in time order.
    """
    key = subject_key(kind, value)
    found: dict[str, tuple[float, dict[str, Any]]] = {}
    for _, name, _, result in commands:
        if name != "sighting.search" or not result.get("ok"):
            continue
        for s in (result.get("data") or {}).get("sightings", []):
            if subject_key(s.get("kind", ""), s.get("value", "")) != key:
                continue
            ts = parse_ts(s["ts"])
            if since <= ts <= until:
                found.setdefault(str(s.get("id", (s["ts"], s.get("camera_id")))), (ts, s))
    return [s for _, s in sorted(found.values(), key=lambda f: f[0])]


def seen_by(epochs: Sequence[float], t: float) -> int:
    """The index of the last of a route's point times (``epoch``, ascending) at or before ``t``
    (-1: none yet)."""
    return bisect_right(epochs, t) - 1
