"""The map page (built with folium, offline) and the QWebChannel object it calls back.

Why folium: it writes the Leaflet boilerplate (the map div, ``L.map`` with its options, the
scale control) from Python, so map options stay in one typed call here, and a site that wants
more folium features (GeoJSON styling, plugins with local assets) can add them to the same
figure. Its CDN defaults (Leaflet, jQuery, Bootstrap, Font Awesome) are replaced on the map
instance by the vendored Leaflet under ``resources/map/leaflet/``, served through the
``console-map://`` scheme, so the rendered page references no http(s) URL at all. The live
layers are not folium objects: they are pushed into the page in batches by ``map.js``.
"""

from __future__ import annotations

import folium
from branca.element import Figure, MacroElement
from jinja2 import Template
from PySide6.QtCore import QObject, Signal, Slot

from widgets.map.scheme import BASE_URL

#: The folium map's JavaScript variable name (``map_`` + id).
MAP_ID = "console"
#: Initial view: the urban core of the demo district (Dongsheng, Ordos).
DEFAULT_CENTER = (39.82, 109.98)
DEFAULT_ZOOM = 13


class _InitScript(MacroElement):
    """Runs ``ConsoleMap.init(<map>)`` after folium has created the map."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "window.ConsoleMap.init({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "ConsoleInit"


def build_page_html(center: tuple[float, float] = DEFAULT_CENTER, zoom: int = DEFAULT_ZOOM) -> str:
    """Render the map page.

    Args:
        center: Initial (lat, lon).
        zoom: Initial zoom level.

    Returns:
        A complete HTML document whose every resource is a ``console-map://`` URL.
    """
    fmap = folium.Map(
        location=list(center),
        zoom_start=zoom,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        attribution_control=False,
    )
    fmap._id = MAP_ID  # a stable variable name (map_console) instead of a random one
    # Per instance, not on the class: no CDN link survives, and no other folium user is touched.
    fmap.default_js = [("leaflet", BASE_URL + "leaflet/leaflet.js")]
    fmap.default_css = [("leaflet_css", BASE_URL + "leaflet/leaflet.css")]
    root: Figure = fmap.get_root()  # type: ignore[assignment]
    header = root.header
    header.add_child(
        folium.Element(
            f'<link rel="stylesheet" href="{BASE_URL}map.css"/>'
            f'<script src="{BASE_URL}qwebchannel.js"></script>'
            f'<script src="{BASE_URL}map.js"></script>'
            f'<script src="{BASE_URL}trajectory.js"></script>'
            f'<script src="{BASE_URL}where_next.js"></script>'
        ),
        name="console_assets",
    )
    fmap.add_child(_InitScript(), name="console_init")
    return str(root.render())


class MapPageBridge(QObject):
    """Registered on the page's QWebChannel as ``mapBridge``: the page calls these slots."""

    sig_page_ready = Signal()
    """The page script and its channel are up: the panel may push data."""
    sig_alert_clicked = Signal(str)
    """An alert symbol was clicked (alert id)."""
    sig_unit_clicked = Signal(str)
    """A unit marker was clicked (unit id)."""
    sig_camera_clicked = Signal(str)
    """A camera marker was clicked (camera id)."""
    sig_alert_context = Signal(str)
    """An alert symbol was right-clicked (alert id)."""
    sig_fence_drawn = Signal(str)
    """A fence outline was finished: JSON ``{"gcj02": bool, "pts": [[lat, lon], ...]}`` in
    display coordinates."""
    sig_draw_cancelled = Signal()
    """Drawing was cancelled in the page (Escape)."""
    sig_unit_context = Signal(str)
    """A unit marker was right-clicked (unit id)."""
    sig_follow_stopped = Signal()
    """The operator panned the map while it followed a unit: following stopped."""
    sig_measure_changed = Signal(str)
    """The measured path changed: JSON ``{"gcj02": bool, "pts": [[lat, lon], ...]}``."""
    sig_unit_dropped = Signal(str, str)
    """A unit was dragged onto an alert (unit id, alert id)."""

    @Slot()
    def pageReady(self) -> None:
        """Called once by the page when ``ConsoleMap`` and the channel are ready."""
        self.sig_page_ready.emit()

    @Slot(str)
    def alertClicked(self, alert_id: str) -> None:
        """Called by the page on a click on an alert."""
        self.sig_alert_clicked.emit(alert_id)

    @Slot(str)
    def unitClicked(self, unit_id: str) -> None:
        """Called by the page on a click on a unit."""
        self.sig_unit_clicked.emit(unit_id)

    @Slot(str)
    def alertContext(self, alert_id: str) -> None:
        """Called by the page on a right-click on an alert."""
        self.sig_alert_context.emit(alert_id)

    @Slot(str)
    def cameraClicked(self, camera_id: str) -> None:
        """Called by the page on a click on a camera."""
        self.sig_camera_clicked.emit(camera_id)

    @Slot(str)
    def fenceDrawn(self, outline: str) -> None:
        """Called by the page when a fence outline is finished (double-click)."""
        self.sig_fence_drawn.emit(outline)

    @Slot()
    def drawCancelled(self) -> None:
        """Called by the page when the operator pressed Escape while drawing."""
        self.sig_draw_cancelled.emit()

    @Slot(str)
    def unitContext(self, unit_id: str) -> None:
        """Called by the page on a right-click on a unit."""
        self.sig_unit_context.emit(unit_id)

    @Slot()
    def followStopped(self) -> None:
        """Called by the page when a pan ended "follow"."""
        self.sig_follow_stopped.emit()

    @Slot(str)
    def measureChanged(self, path: str) -> None:
        """Called by the page when a point was added to the measured path."""
        self.sig_measure_changed.emit(path)

    @Slot(str, str)
    def unitDropped(self, unit_id: str, alert_id: str) -> None:
        """Called by the page when a unit was dropped on an alert."""
        self.sig_unit_dropped.emit(unit_id, alert_id)
