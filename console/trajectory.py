"""A sighting search's answer as a route to draw (轨迹): numbered points and the legs between.

Qt-free. A leg between two sightings is solid when the gap is small enough to trust the
street between the cameras (:data:`MAX_GAP_S`, and a speed a vehicle can drive); otherwise it
is a guess, drawn dashed. Sightings of cameras no longer in the inventory (no position) are
left out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from console.geo import haversine_m
from console.protocol.codec import parse_ts

#: Longest gap between two sightings drawn as a solid line.
MAX_GAP_S = 600.0
#: Faster than this between two cameras (a misread, or a missed stretch) is a guess.
MAX_SPEED_MS = 45.0


def build_route(sightings: list[dict[str, Any]], upto: int | None = None) -> dict[str, Any]:
    """``{points: [{n, lat, lon, time, ts, camera, value, snapshot}], legs: [{guess}], upto}``."""
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
