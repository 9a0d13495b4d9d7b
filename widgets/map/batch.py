"""Pending map changes and the batch format the page applies (no widgets, no page).

:class:`MapBatcher` records what changed since the last tick and turns it into one JSON-ready
batch for ``ConsoleMap.apply`` (``resources/map/map.js``). It is kept apart from the panel so
the hot path (10,000 fixes a second) is small, testable and measurable on its own.

Batch fields (all optional)::

    theme, legend, reset, base {url, gcj02}, streets [[name, main, [[lat, lon]...]]...],
    layers [[id, kind, name, geojson]...], cameras [[id, lat, lon, name, online]...],
    units [[id, callsign, status, key]...], trailMinutes int, now (epoch s, with pos),
    pos [key, lat µdeg, lon µdeg, heading, key, ...] (flat ints; heading -1 if unknown),
    stale [[id, "4 min" | null]...], alerts [[id, lat, lon, priority, status, title]...],
    alertsGone [id...], visible {layer: bool}, select id|null, centre bool,
    fit [west, south, east, north]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from console import geo
from console.domain.model import Alert, Camera, Layer, Position, Unit
from console.domain.store import Store
from widgets.map.streets import StreetLine

#: How often stale/fresh transitions and age labels are re-evaluated, seconds.
STALE_CHECK_S = 1.0
#: The layers an operator can switch.
LAYERS = ("units", "trails", "alerts", "cameras", "grids")
#: Layers that start switched off.
LAYERS_OFF = frozenset({"trails"})
#: Default length of unit trails, minutes.
TRAIL_MINUTES = 10

_UNSET: Any = object()


class MapBatcher:
    """Collects changes between ticks; :meth:`take` drains them into one batch."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], float],
        age_label: Callable[[float], str],
        streets: Sequence[StreetLine] = (),
    ) -> None:
        """Start with a full resync pending.

        Args:
            store: Read for full resyncs and the periodic staleness scan.
            clock: Wall clock, epoch seconds.
            age_label: Display text for a fix age in seconds ("4 min").
            streets: Streets of the built-in base map.
        """
        self._store = store
        self._clock = clock
        self._age_label = age_label
        self._full = True
        self._fitted = False
        self._units: dict[str, Unit] = {}
        self._positions: dict[str, Position] = {}
        self._alerts: dict[str, Alert] = {}
        self._cameras: dict[str, Camera] = {}
        self._layers: dict[str, Layer] = {}
        self._stale_shown: dict[str, str] = {}
        self._keys: dict[str, int] = {}  # unit id -> small int the page indexes units by
        self._last_stale_check = 0.0
        self._select: Any = _UNSET
        self._base: dict[str, Any] | None = None
        self._base_dirty = False
        self._streets: list[StreetLine] = list(streets)
        self._streets_dirty = False
        self._visible = {layer: layer not in LAYERS_OFF for layer in LAYERS}
        self._trail_minutes = TRAIL_MINUTES
        self._trail_dirty = True
        self._visible_dirty = False

    # ---- recording changes

    def mark_full(self) -> None:
        """Send everything again with the next batch (new page, snapshot, datum change)."""
        self._full = True

    def refit(self) -> None:
        """Zoom the page to the data with the next batch."""
        self._fitted = False

    def add_units(self, units: Iterable[Unit]) -> None:
        """Units added or changed."""
        for unit in units:
            self._units[unit.id] = unit

    def add_positions(self, positions: Iterable[Position]) -> None:
        """New fixes (only the latest per unit is kept until the next batch)."""
        pending = self._positions
        for p in positions:
            pending[p.unit_id] = p

    def add_alerts(self, alerts: Iterable[Alert]) -> None:
        """Alerts raised or changed (closed ones leave the map)."""
        for alert in alerts:
            self._alerts[alert.id] = alert

    def add_camera(self, camera: Camera) -> None:
        """A camera added or changed."""
        self._cameras[camera.id] = camera

    def add_layer(self, layer: Layer) -> None:
        """A grid or fence added or changed."""
        self._layers[layer.id] = layer

    def select(self, alert_id: str | None) -> None:
        """Mark (and centre on) this alert."""
        self._select = alert_id

    def set_base(self, base: dict[str, Any] | None) -> None:
        """Tile base layer ``{url, gcj02}`` or ``None`` for the built-in map."""
        self._base = base
        self._base_dirty = True

    def set_streets(self, streets: Sequence[StreetLine]) -> None:
        """Streets of the built-in base map."""
        self._streets = list(streets)
        self._streets_dirty = True

    def set_visible(self, layer: str, visible: bool) -> None:
        """Switch a layer of :data:`LAYERS`."""
        if layer not in self._visible:
            raise ValueError(f"unknown map layer {layer!r}")
        self._visible[layer] = visible
        self._visible_dirty = True

    def set_trail_minutes(self, minutes: int) -> None:
        """How far back unit trails reach (the page keeps one point per unit every 10 s)."""
        if not 1 <= minutes <= 120:
            raise ValueError(f"trail length must be 1-120 minutes, not {minutes}")
        self._trail_minutes = minutes
        self._trail_dirty = True

    def visible(self, layer: str) -> bool:
        """Whether a layer is switched on."""
        return self._visible[layer]

    def page_key(self, unit_id: str) -> int | None:
        """The small integer the page knows a unit by (``None`` if not sent yet)."""
        return self._keys.get(unit_id)

    # ---- draining

    def take(self, header: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Everything pending as one batch (empty if nothing changed).

        Args:
            header: Called on a full resync for the fields that come with it (theme,
                legend); ``reset`` is added here.
        """
        batch: dict[str, Any] = {}
        store = self._store
        if self._full:
            self._full = False
            batch.update(header(), reset=True)
            self._base_dirty = self._streets_dirty = self._visible_dirty = True
            self._units = dict(store.units)
            self._positions = dict(store.positions)
            self._alerts = dict(store.alerts)
            self._cameras = dict(store.cameras)
            self._layers = dict(store.layers)
            self._stale_shown = {}
            self._keys = {}
            self._last_stale_check = 0.0
            self._select = store.selected_alert_id
            self._trail_dirty = True
            batch["centre"] = False
        if self._base_dirty:
            self._base_dirty = False
            batch["base"] = self._base
        if self._streets_dirty:
            self._streets_dirty = False
            batch["streets"] = [s.to_page() for s in self._streets]
        if self._layers:
            batch["layers"] = [
                [la.id, la.kind, la.name, la.geojson] for la in self._layers.values()
            ]
            self._layers = {}
        if self._cameras:
            batch["cameras"] = [
                [c.id, c.lat, c.lon, c.name, c.online] for c in self._cameras.values()
            ]
            self._cameras = {}
        units: list[list[Any]] = []
        for u in self._units.values():
            key = self._keys.get(u.id)
            if key is None:
                self._new_key(u.id, units)
            else:
                units.append([u.id, u.callsign, u.status.value, key])
        self._units = {}
        pos = self._flat_positions(units) if self._positions else None
        if units:
            batch["units"] = units
        if self._trail_dirty:
            self._trail_dirty = False
            batch["trailMinutes"] = self._trail_minutes
        if pos:
            batch["pos"] = pos
            batch["now"] = round(self._clock(), 3)  # trail point times
        stale = self._stale_changes()
        if stale:
            batch["stale"] = stale
        if self._alerts:
            shown = [a for a in self._alerts.values() if a.is_open]
            gone = [a.id for a in self._alerts.values() if not a.is_open]
            if shown:
                batch["alerts"] = [
                    [a.id, a.lat, a.lon, a.priority, a.status.value, a.title] for a in shown
                ]
            if gone:
                batch["alertsGone"] = gone
            self._alerts = {}
        if self._visible_dirty:
            self._visible_dirty = False
            batch["visible"] = dict(self._visible)
        if self._select is not _UNSET:
            batch["select"] = self._select
            self._select = _UNSET
        if not self._fitted:
            box = self._data_box()
            if box is not None:
                self._fitted = True
                batch["fit"] = box
        return batch

    def _flat_positions(self, units_out: list[list[Any]]) -> list[int]:
        """Pending fixes as ``[key, lat µdeg, lon µdeg, heading, ...]``: small ints only.

        Integers keep the JSON short and fast to write and parse (1 µdeg is about 0.1 m);
        units are referred to by the page key given with their first ``units`` entry.
        """
        pending, self._positions = self._positions, {}
        keys = self._keys
        for uid in pending.keys() - keys.keys():
            self._new_key(uid, units_out)
        if not self._stale_shown.keys().isdisjoint(pending):
            # A new fix makes a stale unit live at once, not at the next periodic check.
            self._last_stale_check = 0.0
        # Column by column with comprehensions: this runs for 10,000 units a second.
        fixes = pending.values()
        out = [0] * (4 * len(pending))
        out[0::4] = [keys[uid] for uid in pending]
        out[1::4] = [int(p.lat * 1e6) for p in fixes]
        out[2::4] = [int(p.lon * 1e6) for p in fixes]
        out[3::4] = [-1 if p.heading_deg is None else int(p.heading_deg) for p in fixes]
        return out

    def _new_key(self, uid: str, units_out: list[list[Any]]) -> int:
        key = len(self._keys)
        self._keys[uid] = key
        unit = self._store.units.get(uid)
        if unit is None:
            units_out.append([uid, uid, "", key])
        else:
            units_out.append([uid, unit.callsign, unit.status.value, key])
        return key

    def _stale_changes(self) -> list[list[Any]]:
        """Stale/fresh transitions and age labels that changed, about once a second."""
        now = self._clock()
        if now - self._last_stale_check < STALE_CHECK_S:
            return []
        self._last_stale_check = now
        shown = self._stale_shown
        cutoff = geo.stale_cutoff(now)  # geo.is_stale(fix, now) == fix <= 0 or fix < cutoff
        stale = {
            uid: now - p.fix_ts
            for uid, p in self._store.positions.items()
            if p.fix_ts < cutoff or p.fix_ts <= 0
        }
        changes: list[list[Any]] = [[uid, None] for uid in shown.keys() - stale.keys()]
        for uid, _ in changes:
            del shown[uid]
        for uid, age_s in stale.items():
            label = self._age_label(age_s)
            if shown.get(uid) != label:
                shown[uid] = label
                changes.append([uid, label])
        return changes

    def _data_box(self) -> list[float] | None:
        lats: list[float] = []
        lons: list[float] = []
        for layer in self._store.layers.values():
            geom = layer.geojson.get("geometry") or layer.geojson
            if geom.get("type") == "Polygon":
                for lon, lat, *_ in geom["coordinates"][0]:
                    lons.append(lon)
                    lats.append(lat)
        if not lats:
            for p in self._store.positions.values():
                lats.append(p.lat)
                lons.append(p.lon)
        if not lats:
            return None
        return [min(lons), min(lats), max(lons), max(lats)]
