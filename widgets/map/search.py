"""Find things on the map: units by callsign or radio id, grids and fences by name or id,
alerts by address or id.

:func:`search_map` is Qt-free and reads only the Store; :class:`MapSearchBox` is the toolbar's
search field (with completion) that takes the operator to the chosen hit.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from console import geo
from console.domain.model import Layer
from console.domain.store import Store

#: The most hits offered in the completion list.
MAX_HITS = 12
_KIND_ORDER = {"unit": 0, "grid": 1, "efence": 2, "alert": 3}


@dataclass(frozen=True, slots=True)
class MapHit:
    """One thing the search found, and where it is (WGS-84)."""

    kind: str  # unit | grid | efence | alert
    id: str
    text: str  # what the completion list shows, e.g. "P1023 · 4600123"
    lat: float
    lon: float


def _rank(query: str, *fields: str) -> int | None:
    """0 exact, 1 prefix, 2 substring (best over the fields), None if no field matches."""
    best: int | None = None
    for f in fields:
        f = f.casefold()
        if not f:
            continue
        r = 0 if f == query else 1 if f.startswith(query) else 2 if query in f else None
        if r is not None and (best is None or r < best):
            best = r
    return best


def layer_centre(layer: Layer) -> tuple[float, float] | None:
    """The centroid of a grid's or fence's outer ring, or None for other geometry."""
    geom = layer.geojson.get("geometry") or layer.geojson
    if geom.get("type") == "Polygon" and geom.get("coordinates"):
        ring = [(float(p[0]), float(p[1])) for p in geom["coordinates"][0]]
        if ring:
            return geo.polygon_centroid(ring)
    return None


def search_map(store: Store, text: str, limit: int = MAX_HITS) -> list[MapHit]:
    """Hits for ``text``, best first: exact, then prefix, then substring matches.

    Units need a position and alerts must be open to be found (the map shows nothing else).
    """
    query = text.strip().casefold()
    if not query:
        return []
    ranked: list[tuple[int, int, str, MapHit]] = []
    for unit in store.units.values():
        pos = store.positions.get(unit.id)
        r = _rank(query, unit.callsign, unit.radio_id, unit.id) if pos is not None else None
        if r is not None and pos is not None:
            hit = MapHit("unit", unit.id, f"{unit.callsign} · {unit.radio_id}", pos.lat, pos.lon)
            ranked.append((r, 0, unit.callsign, hit))
    for layer in store.layers.values():
        r = _rank(query, layer.name, layer.id)
        centre = layer_centre(layer) if r is not None else None
        if r is not None and centre is not None:
            hit = MapHit(layer.kind, layer.id, f"{layer.name} · {layer.id}", *centre)
            ranked.append((r, _KIND_ORDER.get(layer.kind, 2), layer.name, hit))
    for alert in store.alerts.values():
        if not alert.is_open:
            continue
        r = _rank(query, alert.address, alert.id)
        if r is not None:
            hit = MapHit("alert", alert.id, f"{alert.id} · {alert.address}", alert.lat, alert.lon)
            ranked.append((r, 3, alert.id, hit))
    ranked.sort(key=lambda t: (t[0], t[1], t[2]))
    return [t[3] for t in ranked[:limit]]


class MapSearchBox(QLineEdit):
    """The map's search field: type, pick a completion or press Enter, the map goes there."""

    sig_hit_chosen = Signal(object)
    """The operator chose a :class:`MapHit`."""
    sig_no_match = Signal(str)
    """Enter was pressed and nothing matched (the text typed)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        """Search ``store`` as the operator types."""
        super().__init__(parent)
        self.setObjectName("mapSearch")
        self.setPlaceholderText(self.tr("Callsign, radio id, grid or address…"))
        self.setClearButtonEnabled(True)
        self.setFixedWidth(240)
        self._store = store
        self._hits: dict[str, MapHit] = {}
        self._model = QStringListModel(self)
        completer = QCompleter(self._model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        # The list is already the search result: show it as it is, not re-filtered by prefix.
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setMaxVisibleItems(MAX_HITS)
        self.setCompleter(completer)
        completer.activated.connect(self._on_completer_activated)
        self.textEdited.connect(self._on_text_edited)
        self.returnPressed.connect(self._on_return_pressed)

    @property
    def completions(self) -> list[str]:
        """What the completion list offers for the current text."""
        return self._model.stringList()

    def _on_text_edited(self, text: str) -> None:
        hits = search_map(self._store, text)
        self._hits = {h.text: h for h in hits}
        self._model.setStringList([h.text for h in hits])
        if hits:
            self.completer().complete()

    def _on_completer_activated(self, text: str) -> None:
        hit = self._hits.get(text)
        if hit is not None:
            self.sig_hit_chosen.emit(hit)

    def _on_return_pressed(self) -> None:
        text = self.text()
        hit = self._hits.get(text)
        if hit is None:
            hits = search_map(self._store, text, limit=1)
            hit = hits[0] if hits else None
        if hit is None:
            if text.strip():
                self.sig_no_match.emit(text.strip())
            return
        self.sig_hit_chosen.emit(hit)
