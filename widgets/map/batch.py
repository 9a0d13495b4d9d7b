"""Pending map changes and the batch format the page applies (no widgets, no page).

:class:`MapBatcher` records what changed since the last tick and turns it into one JSON-ready
batch for ``ConsoleMap.apply`` (``resources/map/map.js``). It is kept apart from the panel so
the hot path (10,000 fixes a second) is small, testable and measurable on its own.

Batch fields (all optional)::

    theme, legend, reset, base {url, gcj02}, streets [[name, main, [[lat, lon]...]]...],
    layers [[id, kind, name, geojson]...], cameras [[id, lat, lon, name, online]...],
    units [[id, callsign, status, key]...], trailMinutes int, now (epoch s, with pos),
    pos [key, lat µdeg, lon µdeg, heading, key, ...] (flat ints; heading -1 if unknown; in
        the dict :meth:`MapBatcher.take` returns it is a numpy int64 array, which
        :func:`batch_json` writes as a JSON array of ints),
    stale [[id, "4 min" | null]...], alerts [[id, lat, lon, priority, status, title]...],
    alertsGone [id...], visible {layer: bool}, select id|null, centre bool,
    fit [west, south, east, north]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

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
#: Pending position lists folded into one (see :meth:`MapBatcher.add_positions`).
_MAX_PENDING_LISTS = 32


def batch_json(batch: dict[str, Any]) -> str:
    """The JSON text of a batch from :meth:`MapBatcher.take` (compact; ``pos`` as int array)."""
    pos = batch.get("pos")
    if not isinstance(pos, np.ndarray):
        return json.dumps(batch, separators=(",", ":"))
    rest = {k: v for k, v in batch.items() if k != "pos"}
    head = json.dumps(rest, separators=(",", ":"))[:-1]
    return head + ("," if rest else "") + '"pos":[' + _pos_text(pos) + "]}"


def _pos_text(pos: np.ndarray) -> str:
    """``pos`` as JSON array items: ``"k,lat,lon,h,k,..."`` (without the brackets).

    The largest part of a batch (40,000 ints for 10,000 units), written with numpy digit by
    digit, about three times quicker than ``json.dumps``: each of the four columns is
    right-aligned in its own width, padded with spaces (JSON whitespace, so the text parses
    to the same numbers; about 8 % longer than the compact form).
    """
    rows = pos.reshape(-1, 4)
    if not rows.size or int(np.abs(rows).max()) >= 2**32:  # (the page never sees such ints)
        return json.dumps(pos.tolist(), separators=(",", ":"))[1:-1]
    blocks = []
    n = len(rows)
    for column in rows.T:
        a = np.abs(column).astype(np.uint32)
        negative = column < 0
        n_digits = len(str(int(a.max())))
        width = n_digits + bool(negative.any())
        block = np.full((n, width + 1), ord(" "), np.uint8)
        block[:, width] = ord(",")
        rest = a
        for j in range(n_digits):
            rest, digit = np.divmod(rest, 10)
            digit += ord("0")
            # No leading zeros: past its first digit a number only has digits if >= 10**j.
            block[:, width - 1 - j] = digit if j == 0 else np.where(a >= 10**j, digit, ord(" "))
        if width > n_digits:
            rows_neg = np.flatnonzero(negative)
            length = np.ones(len(rows_neg), np.int64)
            for j in range(1, n_digits):
                length += a[rows_neg] >= 10**j
            block[rows_neg, width - 1 - length] = ord("-")
        blocks.append(block)
    return np.hstack(blocks).tobytes()[:-1].decode("ascii")


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
        # Fixes as handed in, one list per add_positions call: merged (latest per unit) in take.
        self._positions: list[list[Position]] = []
        self._alerts: dict[str, Alert] = {}
        self._cameras: dict[str, Camera] = {}
        self._layers: dict[str, Layer] = {}
        self._stale_shown: dict[str, str] = {}
        self._keys: dict[str, int] = {}  # unit id -> small int the page indexes units by
        self._key_ids: list[str] = []  # page key -> unit id
        # By page key: fix time of the last position sent (NaN: none yet) and whether the page
        # shows the unit as stale, for the staleness scan without walking every Position.
        self._fix_ts = np.full(64, np.nan)
        self._stale_key = np.zeros(64, bool)
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
        """New fixes (only the latest per unit is kept until the next batch).

        Cheap on purpose (this runs on the GUI thread for every Store update): the fixes are
        kept as handed in and merged by :meth:`take`. Until the page is ready nothing is
        taken, so many lists are folded into one (latest per unit) to bound the memory.
        """
        fixes = list(positions)
        if not fixes:
            return
        pending = self._positions
        pending.append(fixes)
        if len(pending) >= _MAX_PENDING_LISTS:
            latest = {p.unit_id: p for fs in pending for p in fs}
            self._positions = [list(latest.values())]

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
            self._positions = [list(store.positions.values())]
            self._alerts = dict(store.alerts)
            self._cameras = dict(store.cameras)
            self._layers = dict(store.layers)
            self._stale_shown = {}
            self._keys = {}
            self._key_ids = []
            size = max(64, len(store.positions) + len(store.units))
            self._fix_ts = np.full(size, np.nan)
            self._stale_key = np.zeros(size, bool)
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
        if pos is not None and pos.size:
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

    def _flat_positions(self, units_out: list[list[Any]]) -> np.ndarray:
        """Pending fixes as ``[key, lat µdeg, lon µdeg, heading, ...]``: small ints only.

        Integers keep the JSON short and fast to write and parse (1 µdeg is about 0.1 m);
        units are referred to by the page key given with their first ``units`` entry. Only
        the latest pending fix of each unit is sent. Also records each fix time by key for
        :meth:`_stale_changes`.
        """
        lists, self._positions = self._positions, []
        fixes = lists[0] if len(lists) == 1 else [p for fs in lists for p in fs]
        # Column by column with comprehensions and numpy: this runs for 10,000 units a second.
        known = self._keys
        n = len(fixes)
        try:
            keys = np.fromiter([known[p.unit_id] for p in fixes], np.int64, n)
        except KeyError:  # new units: -1 for now, keys given below
            keys = np.fromiter([known.get(p.unit_id, -1) for p in fixes], np.int64, n)
        for i in np.flatnonzero(keys < 0).tolist():
            uid = fixes[i].unit_id
            key = self._keys.get(uid)  # a new unit may be in more than one list
            keys[i] = self._new_key(uid, units_out) if key is None else key
        latest: Any = slice(None)
        if len(keys) and np.bincount(keys).max() > 1:
            # The same unit more than once: keep its last fix.
            _, first_from_end = np.unique(keys[::-1], return_index=True)
            latest = np.sort(len(keys) - 1 - first_from_end)
            keys = keys[latest]
        if self._stale_key[keys].any():
            # A new fix makes a stale unit live at once, not at the next periodic check.
            self._last_stale_check = 0.0
        out = np.empty((len(keys), 4), np.int64)
        out[:, 0] = keys
        # Float to int64 truncates towards zero, as int() does.
        out[:, 1] = np.fromiter([p.lat for p in fixes], np.float64, n)[latest] * 1e6
        out[:, 2] = np.fromiter([p.lon for p in fixes], np.float64, n)[latest] * 1e6
        heading = np.array([p.heading_deg for p in fixes], np.float64)[latest]  # None: NaN
        out[:, 3] = np.where(np.isnan(heading), -1.0, heading)
        self._fix_ts[keys] = np.fromiter([p.fix_ts for p in fixes], np.float64, n)[latest]
        return out.reshape(-1)

    def _new_key(self, uid: str, units_out: list[list[Any]]) -> int:
        key = len(self._keys)
        self._keys[uid] = key
        self._key_ids.append(uid)
        if key >= len(self._fix_ts):
            size = 2 * key + 64
            self._fix_ts = np.concatenate([self._fix_ts, np.full(size - key, np.nan)])
            self._stale_key = np.concatenate([self._stale_key, np.zeros(size - key, bool)])
        unit = self._store.units.get(uid)
        if unit is None:
            units_out.append([uid, uid, "", key])
        else:
            units_out.append([uid, unit.callsign, unit.status.value, key])
        return key

    def _stale_changes(self) -> list[list[Any]]:
        """Stale/fresh transitions and age labels that changed, about once a second.

        Works on the fix times recorded by key (every Store position goes through
        :meth:`add_positions` or a full resync), so it costs a vector compare plus the stale
        units, not a walk over every position.
        """
        now = self._clock()
        if now - self._last_stale_check < STALE_CHECK_S:
            return []
        self._last_stale_check = now
        shown = self._stale_shown
        cutoff = geo.stale_cutoff(now)  # geo.is_stale(fix, now) == fix <= 0 or fix < cutoff
        fix = self._fix_ts[: len(self._key_ids)]
        stale_keys = np.flatnonzero((fix < cutoff) | (fix <= 0))  # NaN (no fix) is neither
        ids = self._key_ids
        stale = {
            ids[k]: now - ts
            for k, ts in zip(stale_keys.tolist(), fix[stale_keys].tolist(), strict=True)
        }
        changes: list[list[Any]] = [[uid, None] for uid in shown.keys() - stale.keys()]
        for uid, _ in changes:
            del shown[uid]
        for uid, age_s in stale.items():
            label = self._age_label(age_s)
            if shown.get(uid) != label:
                shown[uid] = label
                changes.append([uid, label])
        self._stale_key[: len(fix)] = False
        self._stale_key[stale_keys] = True
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
