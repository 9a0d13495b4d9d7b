"""Fence geometry and crossings without a backend (backend_stub.fences)."""

from __future__ import annotations

from typing import Any

from backend_stub.fences import FenceTracker, fence_polygons
from backend_stub.state import ring_problem


def square(w: float, s: float, e: float, n: float) -> list[list[float]]:
    return [[w, s], [e, s], [e, n], [w, n], [w, s]]


def layer(lid: str, geometry: dict[str, Any], kind: str = "efence") -> dict[str, Any]:
    return {
        "id": lid,
        "kind": kind,
        "name": lid,
        "geojson": {"type": "Feature", "geometry": geometry, "properties": {}},
    }


def pos(uid: str, lat: float, lon: float) -> dict[str, Any]:
    return {"type": "unit.position", "unit_id": uid, "lat": lat, "lon": lon}


def test_multipolygon_with_a_hole_and_grids_ignored() -> None:
    multi = {
        "type": "MultiPolygon",
        "coordinates": [
            [square(0, 0, 10, 10), square(4, 4, 6, 6)],  # a hole in the middle
            [square(20, 0, 30, 10)],
        ],
    }
    tracker = FenceTracker()
    tracker.load(
        [
            layer("F-1", multi),
            layer("G-1", {"type": "Polygon", "coordinates": [square(0, 0, 50, 50)]}, "grid"),
        ],
        {"U1": {"unit_id": "U1", "lat": -1.0, "lon": 1.0}},
    )
    assert tracker.fence_ids == ["F-1"]
    steps = [(1.0, 1.0, True), (5.0, 5.0, False), (5.0, 25.0, True), (15.0, 25.0, False)]
    for t, (lat, lon, entered) in enumerate(steps):
        crossings = tracker.observe([pos("U1", lat, lon)], now=1000.0 * t)
        assert [(c.fence_id, c.entered) for c in crossings] == [("F-1", entered)]


def test_first_fix_and_debounce() -> None:
    tracker = FenceTracker(debounce_s=60)
    tracker.observe([layer_event("F-1")], now=0)
    assert tracker.observe([pos("U1", 5, 5)], now=0) == []  # first fix: inside, no alert
    assert tracker.inside("F-1") == {"U1"}
    assert [c.entered for c in tracker.observe([pos("U1", 50, 50)], now=1)] == [False]
    assert [c.entered for c in tracker.observe([pos("U1", 5, 5)], now=2)] == [True]
    assert tracker.observe([pos("U1", 50, 50), pos("U1", 5, 5)], now=59) == []
    assert len(tracker.observe([pos("U1", 50, 50), pos("U1", 5, 5)], now=62)) == 2


def layer_event(lid: str) -> dict[str, Any]:
    geometry = {"type": "Polygon", "coordinates": [square(0, 0, 10, 10)]}
    return {"type": "layer.upsert", "layer": layer(lid, geometry)}


def test_unusable_geometry_is_not_watched() -> None:
    assert fence_polygons({"type": "Point", "coordinates": [1, 2]}) == []
    assert fence_polygons({"type": "Polygon", "coordinates": "nope"}) == []
    assert fence_polygons(None) == []


def test_ring_problems() -> None:
    assert ring_problem(square(109.9, 39.8, 110.0, 39.9)) is None
    assert ring_problem(square(109.9, 39.8, 110.0, 39.9)[:-1]) is not None  # open
    assert ring_problem([[109.9, 39.8], [110.0, 39.8], [110.1, 39.8], [109.9, 39.8]]) is not None
    assert ring_problem([[1.0, 1.0], [2.0, 2.0], [1.0, 1.0], [1.0, 1.0]]) is not None
