"""Map geometry without Qt: the GCJ-02 display offset, distances, fences and staleness.

Positions are WGS-84 (CGCS2000) everywhere in the console: on the wire, in the Store and in
storage. GCJ-02 ("Mars coordinates") is only a display concern for base maps published in
it (Gaode, Tencent, most public district boundary files); :func:`wgs84_to_gcj02` shifts a
point for such a base map and :func:`gcj02_to_wgs84` undoes it (iteratively, to well under
a centimetre).

The staleness rule lives here so the map, the tables and the backend agree on it: a unit
whose last fix is older than :data:`STALE_AFTER_S` is stale; it is drawn grey with its age
and never removed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
    "EARTH_RADIUS_M",
    "STALE_AFTER_S",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "fix_age_minutes",
    "gcj02_to_wgs84",
    "haversine_m",
    "is_stale",
    "out_of_china",
    "point_in_polygon",
    "point_in_ring",
    "stale_cutoff",
    "wgs84_to_gcj02",
]

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8
#: A unit with no fix for longer than this (seconds) is stale.
STALE_AFTER_S = 300.0

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 obfuscation.
_GCJ_A = 6_378_245.0
_GCJ_EE = 0.00669342162296594323

Ring = Sequence[tuple[float, float]]
"""A closed or open ring of (lon, lat) vertices, GeoJSON order."""


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two WGS-84 points.

    Args:
        lat1: Latitude of the first point, degrees.
        lon1: Longitude of the first point, degrees.
        lat2: Latitude of the second point, degrees.
        lon2: Longitude of the second point, degrees.

    Returns:
        The distance in metres on a sphere of radius :data:`EARTH_RADIUS_M`.
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def out_of_china(lat: float, lon: float) -> bool:
    """True outside the rough bounding box where GCJ-02 applies (no shift there)."""
    return not (73.66 < lon < 135.05 and 3.86 < lat < 53.55)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj_delta(lat: float, lon: float) -> tuple[float, float]:
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    rad = math.radians(lat)
    magic = 1 - _GCJ_EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Shift a WGS-84 point into GCJ-02 for display on a GCJ-02 base map.

    Args:
        lat: WGS-84 latitude, degrees.
        lon: WGS-84 longitude, degrees.

    Returns:
        ``(lat, lon)`` in GCJ-02; the input unchanged outside China.
    """
    if out_of_china(lat, lon):
        return lat, lon
    dlat, dlon = _gcj_delta(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float, tolerance_deg: float = 1e-9) -> tuple[float, float]:
    """Undo :func:`wgs84_to_gcj02` by fixed-point iteration.

    Args:
        lat: GCJ-02 latitude, degrees.
        lon: GCJ-02 longitude, degrees.
        tolerance_deg: Stop when a step moves less than this (1e-9° is about 0.1 mm).

    Returns:
        ``(lat, lon)`` in WGS-84; the input unchanged outside China.
    """
    if out_of_china(lat, lon):
        return lat, lon
    wlat, wlon = lat, lon
    for _ in range(30):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        dlat, dlon = glat - lat, glon - lon
        wlat, wlon = wlat - dlat, wlon - dlon
        if abs(dlat) < tolerance_deg and abs(dlon) < tolerance_deg:
            break
    return wlat, wlon


_BD_X_PI = math.pi * 3000.0 / 180.0


def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Undo Baidu's BD-09 offset, which Baidu applies on top of GCJ-02.

    Returns:
        ``(lat, lon)`` in GCJ-02.
    """
    x, y = lon - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def bd09_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """BD-09 (Baidu maps) to WGS-84: through GCJ-02, to about a metre."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))


def point_in_ring(lat: float, lon: float, ring: Ring) -> bool:
    """Ray casting: is a point inside one (lon, lat) ring?

    Edges are half-open, so a point on an edge shared by two adjacent cells belongs to
    exactly one of them. The ring may or may not repeat its first vertex.
    """
    if len(ring) < 3:
        return False
    inside = False
    x0, y0 = ring[-1]
    for x1, y1 in ring:
        if (y1 > lat) != (y0 > lat) and lon < (x0 - x1) * (lat - y1) / (y0 - y1) + x1:
            inside = not inside
        x0, y0 = x1, y1
    return inside


def point_in_polygon(lat: float, lon: float, rings: Sequence[Ring]) -> bool:
    """Is a point inside a GeoJSON-style polygon (outer ring, then holes)?

    Args:
        lat: Latitude, degrees.
        lon: Longitude, degrees.
        rings: The outer ring followed by zero or more hole rings, (lon, lat) vertices.

    Returns:
        True inside the outer ring and outside every hole.
    """
    if not rings or not point_in_ring(lat, lon, rings[0]):
        return False
    return not any(point_in_ring(lat, lon, hole) for hole in rings[1:])


def stale_cutoff(now: float, stale_after_s: float = STALE_AFTER_S) -> float:
    """Fixes older than this epoch time are stale (for scanning many units at once).

    ``is_stale(fix_ts, now)`` is exactly ``fix_ts <= 0 or fix_ts < stale_cutoff(now)``.
    """
    return now - stale_after_s


def is_stale(fix_ts: float, now: float, stale_after_s: float = STALE_AFTER_S) -> bool:
    """The staleness rule: no fix for more than ``stale_after_s`` seconds.

    A unit with no fix at all (``fix_ts`` of 0) is stale too.
    """
    return fix_ts <= 0 or fix_ts < stale_cutoff(now, stale_after_s)


def fix_age_minutes(fix_ts: float, now: float) -> int:
    """Whole minutes since a fix (rounded down, never negative), for the "4 min" label."""
    return max(0, int((now - fix_ts) // 60))


def path_length_m(points: Sequence[tuple[float, float]]) -> float:
    """Length of a path of WGS-84 ``(lat, lon)`` points, metres (haversine per leg)."""
    return sum(haversine_m(*points[i - 1], *points[i]) for i in range(1, len(points)))


def polygon_centroid(ring: Ring) -> tuple[float, float]:
    """The area centroid ``(lat, lon)`` of a (lon, lat) ring (its vertex mean when degenerate).

    Planar in degrees, which is fine at the size of a grid or a fence.
    """
    pts = list(ring)
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    if not pts:
        raise ValueError("empty ring")
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=False):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if abs(area) < 1e-15:
        return (sum(p[1] for p in pts) / len(pts), sum(p[0] for p in pts) / len(pts))
    return (cy / (3 * area), cx / (3 * area))
