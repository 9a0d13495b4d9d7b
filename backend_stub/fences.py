"""Electronic-fence (电子围栏) detection: a unit crossing a fence raises an ``efence`` alert.

:class:`FenceTracker` is the pure part: it keeps, for every ``efence`` layer (a GeoJSON
Polygon or MultiPolygon), which units are inside, and turns committed ``unit.position`` events
into :class:`Crossing` s. A unit's first fix, and the positions known when a fence appears (or
when the backend restarts), only set where a unit is: no alert. The same unit, fence and
direction alerts at most once per ``debounce_s``.

:class:`FenceWatcher` hooks a tracker onto a backend: it sees every committed batch (in commit
order) and appends one ``alert.new`` per crossing through
:meth:`~backend_stub.server.Backend.append_derived`, i.e. like a command: under the command
lock, against the committed state, with ids from ``state.next_alert_id()``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from backend_stub.alert_body import alert_body
from backend_stub.state import DistrictState
from console.geo import point_in_polygon

log = logging.getLogger("backend.fences")

Wire = dict[str, Any]
Polygon = list[list[tuple[float, float]]]
"""Rings of (lon, lat) vertices: the outer ring, then holes."""

#: The same unit, fence and direction raise at most one alert in this many seconds.
DEBOUNCE_S = 60.0
#: Priority of an e-fence crossing alert.
PRIORITY = 2
_TITLE_MAX = 200


@dataclass(frozen=True, slots=True)
class Crossing:
    """A unit entered or left a fence at a fix."""

    unit_id: str
    fence_id: str
    fence_name: str
    entered: bool
    lat: float
    lon: float


@dataclass(slots=True)
class _Fence:
    id: str
    name: str
    polygons: list[Polygon]
    bbox: tuple[float, float, float, float]  # west, south, east, north
    inside: set[str]

    def contains(self, lat: float, lon: float) -> bool:
        west, south, east, north = self.bbox
        if not (west <= lon <= east and south <= lat <= north):
            return False
        return any(point_in_polygon(lat, lon, rings) for rings in self.polygons)


def fence_polygons(geojson: Any) -> list[Polygon]:
    """The polygons of a layer's GeoJSON (a Feature or a bare geometry; Polygon or
    MultiPolygon). Anything else, or malformed coordinates, gives ``[]``."""
    if not isinstance(geojson, dict):
        return []
    geometry = geojson.get("geometry") if geojson.get("type") == "Feature" else geojson
    if not isinstance(geometry, dict):
        return []
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    try:
        if kind == "Polygon":
            raw: list[Any] = [coords]
        elif kind == "MultiPolygon":
            raw = list(coords or [])
        else:
            return []
        polygons = [
            [[(float(p[0]), float(p[1])) for p in ring] for ring in polygon] for polygon in raw
        ]
    except (TypeError, ValueError, IndexError):
        return []
    return [p for p in polygons if p and len(p[0]) >= 3]


class FenceTracker:
    """Which units are inside which fence, and the crossings new positions make.

    Args:
        debounce_s: The same unit, fence and direction alert at most once in this time.
    """

    def __init__(self, debounce_s: float = DEBOUNCE_S) -> None:
        self.debounce_s = debounce_s
        self._fences: dict[str, _Fence] = {}
        self._last_fix: dict[str, tuple[float, float]] = {}
        self._last_alert: dict[tuple[str, str, bool], float] = {}

    @property
    def fence_ids(self) -> list[str]:
        """Ids of the fences watched."""
        return list(self._fences)

    def inside(self, fence_id: str) -> set[str]:
        """Units inside a fence now (a copy)."""
        fence = self._fences.get(fence_id)
        return set(fence.inside) if fence else set()

    def load(self, layers: Iterable[Wire], positions: Mapping[str, Wire]) -> None:
        """Start from a state: its fences and where its units are (no crossings)."""
        for unit_id, pos in positions.items():
            self._last_fix[unit_id] = (pos["lat"], pos["lon"])
        for layer in layers:
            self._set_layer(layer)

    def observe(self, events: Iterable[Wire], now: float) -> list[Crossing]:
        """Feed committed events in order; return the crossings that should alert."""
        crossings: list[Crossing] = []
        for event in events:
            kind = event["type"]
            if kind == "unit.position":
                crossings += self._move(event["unit_id"], event["lat"], event["lon"], now)
            elif kind == "layer.upsert":
                self._set_layer(event["layer"])
            elif kind == "layer.retired":
                self._fences.pop(event["layer_id"], None)
        return crossings

    def _set_layer(self, layer: Wire) -> None:
        if layer.get("kind") != "efence":
            self._fences.pop(layer.get("id", ""), None)
            return
        polygons = fence_polygons(layer.get("geojson"))
        if not polygons:
            log.warning("fence %s has no usable polygon; not watched", layer.get("id"))
            self._fences.pop(layer["id"], None)
            return
        points = [p for polygon in polygons for p in polygon[0]]
        bbox = (
            min(p[0] for p in points),
            min(p[1] for p in points),
            max(p[0] for p in points),
            max(p[1] for p in points),
        )
        fence = _Fence(layer["id"], layer.get("name") or layer["id"], polygons, bbox, set())
        # Units already inside when a fence appears (or is redrawn) did not cross it.
        fence.inside = {
            uid for uid, (lat, lon) in self._last_fix.items() if fence.contains(lat, lon)
        }
        self._fences[fence.id] = fence

    def _move(self, unit_id: str, lat: float, lon: float, now: float) -> list[Crossing]:
        first = unit_id not in self._last_fix
        self._last_fix[unit_id] = (lat, lon)
        out: list[Crossing] = []
        for fence in self._fences.values():
            now_in = fence.contains(lat, lon)
            was_in = unit_id in fence.inside
            if now_in == was_in:
                continue
            if now_in:
                fence.inside.add(unit_id)
            else:
                fence.inside.discard(unit_id)
            if first:
                continue  # a first fix only tells where the unit is
            key = (unit_id, fence.id, now_in)
            last = self._last_alert.get(key)
            if last is not None and now - last < self.debounce_s:
                continue
            self._last_alert[key] = now
            out.append(Crossing(unit_id, fence.id, fence.name, now_in, lat, lon))
        return out


def crossing_alert(state: DistrictState, crossing: Crossing, ts: str) -> Wire:
    """The ``alert.new`` body for a crossing (takes the next alert id from ``state``)."""
    unit = state.units.get(crossing.unit_id, {})
    callsign = unit.get("callsign") or crossing.unit_id
    verb = "进入" if crossing.entered else "离开"
    title = f"电子围栏越界：{callsign} {verb} {crossing.fence_name}"
    alert = alert_body(
        state.next_alert_id(),
        ts,
        kind="efence",
        priority=PRIORITY,
        title=title[:_TITLE_MAX],
        description=f"{callsign}（{crossing.unit_id}）{verb}电子围栏{crossing.fence_name}"
        f"（{crossing.fence_id}）。",
        lat=crossing.lat,
        lon=crossing.lon,
        address=crossing.fence_name,
        grid_id=None,
        note="电子围栏系统",
    )
    return {"type": "alert.new", "alert": alert}


class _Host(Protocol):
    """What a watcher needs of :class:`~backend_stub.server.Backend`."""

    state: DistrictState
    clock: Callable[[], float]

    def on_commit(self, listener: Callable[[list[Wire]], None]) -> None: ...

    def spawn(self, coro: Any, name: str) -> None: ...

    async def append_derived(self, build: Callable[[DistrictState, str], list[Wire]]) -> None: ...


class FenceWatcher:
    """Watches a backend's committed positions and appends e-fence alerts.

    Attach after the backend has loaded its state (``Backend.start`` does it for every
    backend).
    """

    def __init__(self, backend: _Host, debounce_s: float = DEBOUNCE_S) -> None:
        self.backend = backend
        self.tracker = FenceTracker(debounce_s)
        self.tracker.load(backend.state.layers.values(), backend.state.positions)
        self._queue: deque[Crossing] = deque()
        self._draining = False
        backend.on_commit(self._on_commit)

    def _on_commit(self, events: list[Wire]) -> None:
        # Called by the writer for every committed group, in order: the tracker sees events
        # exactly as the state did.
        crossings = self.tracker.observe(events, self.backend.clock())
        if not crossings:
            return
        self._queue.extend(crossings)
        if not self._draining:
            self._draining = True
            self.backend.spawn(self._drain(), "efence-alerts")

    async def _drain(self) -> None:
        try:
            while self._queue:
                await self.backend.append_derived(self._build)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("cannot append e-fence alerts")
        finally:
            self._draining = False

    def _build(self, state: DistrictState, ts: str) -> list[Wire]:
        crossings, self._queue = list(self._queue), deque()
        return [crossing_alert(state, c, ts) for c in crossings]
