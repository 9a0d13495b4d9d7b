"""The GIS map panel: live units, alerts, cameras, grids and fences on an offline Leaflet map.

Data flow: bridge signals (units, fixes, alerts, cameras, layers, the selection) only record
*pending* changes. A ``QTimer`` at
:data:`FLUSH_HZ` turns whatever is pending into one JSON batch and hands it to the page with
**one** ``runJavaScript`` call per tick, however many markers moved. The page applies the batch in
``ConsoleMap.apply`` and returns how long that took (``sig_batch_applied``).

The batch format is described in :mod:`widgets.map.batch`.

Clicks come back over QWebChannel (:class:`~widgets.map.page.MapPageBridge`): a click on an
alert selects it for every panel (``StoreBridge.select_alert``); a click on a unit or camera
is re-emitted as :attr:`MapPanel.sig_unit_clicked` / :attr:`MapPanel.sig_camera_clicked`.
Commands the map asks for (a fence, a dispatch) go out as :attr:`MapPanel.sig_command_requested`;
their answers come back to :meth:`MapPanel.show_message`.

Wiring (``widgets/launch.py`` and ``widgets/assembly.py``): call
:func:`widgets.map.register_map_scheme` and set ``Qt.AA_ShareOpenGLContexts`` before the
``QApplication`` is created, then ``MapPanel(bridge, theme, parent)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QCursor, QKeySequence
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QMenu,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.model import Alert, Camera, Layer, Position, Unit, UnitStatus
from console.domain.store import Store
from widgets import labels
from widgets.bridge import StoreBridge
from widgets.map.batch import LAYERS, TRAIL_MINUTES, MapBatcher, batch_json
from widgets.map.mbtiles import MBTilesError, MBTilesFile, is_mbtiles_source
from widgets.map.mbtiles import error_text as mbtiles_error_text
from widgets.map.page import MapPageBridge, build_page_html
from widgets.map.scheme import BASE_URL, PAGE_PATH, SCHEME, MapSchemeHandler
from widgets.map.streets import StreetLine, load_demo_streets
from widgets.map.style import page_palette, token, unit_color
from widgets.map.tools import FENCE_MAX_VERTICES, MapTools, fence_ring
from widgets.theme import Theme

#: Batches per second pushed to the page.
FLUSH_HZ = 5.0
#: Longest fence name ``layer.create`` accepts.
FENCE_NAME_MAX = 100


class MapPanel(QWidget):
    """Leaflet map in Qt WebEngine, fed from the Store through the bridge in batches."""

    sig_dispatch_nearest = Signal(str)
    """The operator chose "dispatch nearest available unit" on an alert (alert id)."""
    sig_unit_clicked = Signal(str)
    """A unit marker was clicked on the map (unit id)."""
    sig_camera_clicked = Signal(str)
    """A camera marker was clicked on the map (camera id)."""
    sig_page_ready = Signal()
    """The page has loaded and received its first full batch."""
    sig_batch_applied = Signal(float)
    """A batch was applied in the page (milliseconds the page spent in ``apply``)."""
    sig_base_map_failed = Signal(str)
    """A base map could not be used (the operator's text); the previous one stays."""
    _sig_mbtiles_opened = Signal(int, object, bool)
    """A worker opened an MBTiles file (request number, file or error, GCJ-02)."""
    sig_command_requested = Signal(str, dict, str)
    """A command to send (name, args, text to show when it succeeds): ``layer.create`` for a
    fence the operator drew, ``alert.dispatch`` for a unit dropped on an alert. The answer
    comes back to :meth:`show_message`."""

    def __init__(
        self,
        bridge: StoreBridge,
        theme: Theme,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.time,
        flush_hz: float = FLUSH_HZ,
    ) -> None:
        """Build the panel and start loading the page.

        Args:
            bridge: The Store's Qt face; its Store is read for full resyncs.
            theme: Colours of the map and legend.
            parent: Parent widget.
            clock: Wall clock in epoch seconds, for fix ages (injected in tests and replay).
            flush_hz: Batches per second.
        """
        super().__init__(parent)
        self.setObjectName("mapPanel")
        self._bridge = bridge
        self._store = bridge.store
        self._theme = theme
        self._clock = clock
        self._ready = False
        self.fence_dialog: QInputDialog | None = None
        self._batch = MapBatcher(bridge.store, clock, labels.age, load_demo_streets())

        # The view first, then the profile: children are deleted in creation order and the
        # page (owned by the view) must go before its profile.
        self.view = QWebEngineView(self)
        self.view.setObjectName("mapView")
        self.profile = QWebEngineProfile(self)  # off the record: no cache or cookies on disk
        self._scheme = MapSchemeHandler(self)
        self._scheme.set_page(PAGE_PATH, build_page_html())
        self._base_request = 0
        self._base_error_text = ""
        self._sig_mbtiles_opened.connect(self._on_mbtiles_opened)
        scheme = self._scheme
        self.destroyed.connect(lambda *_: scheme.shutdown())
        self.profile.installUrlSchemeHandler(SCHEME, self._scheme)
        self.page = QWebEnginePage(self.profile, self.view)
        self.page_bridge = MapPageBridge(self)
        self._channel = QWebChannel(self)
        self._channel.registerObject("mapBridge", self.page_bridge)
        self.page.setWebChannel(self._channel)
        self.view.setPage(self.page)

        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("mapToolbar")
        tk = theme.tokens
        self.toolbar.setStyleSheet(
            f"QToolButton {{ color: {tk['text_dim']}; padding: 2px 8px; }}"
            f"QToolButton:checked {{ background: {tk['selection']}; color: {tk['text']}; }}"
        )
        self._actions: dict[str, QAction] = {}
        self._build_toolbar()
        self.tools = MapTools(self, self)
        self.tools.sig_command_requested.connect(self.sig_command_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        self.base_error = QLabel(self)
        self.base_error.setObjectName("bannerError")
        self.base_error.setWordWrap(True)
        self.base_error.hide()
        layout.addWidget(self.base_error)
        layout.addWidget(self.view, 1)

        self.page_bridge.sig_page_ready.connect(self._on_page_ready)
        self.page_bridge.sig_alert_clicked.connect(self._on_page_alert_clicked)
        self.page_bridge.sig_unit_clicked.connect(self.sig_unit_clicked)
        self.page_bridge.sig_alert_context.connect(self._on_page_alert_context)
        self.page_bridge.sig_camera_clicked.connect(self.sig_camera_clicked)
        self.page_bridge.sig_fence_drawn.connect(self._on_fence_drawn)
        self.page_bridge.sig_draw_cancelled.connect(lambda: self.set_drawing(False))
        bridge.sig_snapshot_loaded.connect(self._on_bridge_snapshot_loaded)
        bridge.sig_units_changed.connect(self._on_bridge_units_changed)
        bridge.sig_alerts_raised.connect(self._on_bridge_alerts_changed)
        bridge.sig_alerts_changed.connect(self._on_bridge_alerts_changed)
        bridge.sig_alert_selected.connect(self._on_bridge_alert_selected)
        bridge.sig_cameras_changed.connect(self._on_bridge_cameras_changed)
        bridge.sig_layers_changed.connect(self._on_bridge_layers_changed)
        # A Signal(object): a Signal(list) would hand the slot a fresh copy of the list, 1-3 ms
        # of GUI time per 10,000 fixes (bench/map_updates.py).
        bridge.sig_units_moved.connect(self._on_bridge_units_moved)

        self._timer = QTimer(self)
        self._timer.setInterval(max(1, round(1000 / flush_hz)))
        self._timer.timeout.connect(self.flush)
        self.view.load(QUrl(BASE_URL + PAGE_PATH))

    # ---- public API

    @property
    def is_ready(self) -> bool:
        """True once the page is up and has been sent the whole state."""
        return self._ready

    def set_base_layer(self, source: str | None, *, gcj02: bool = False) -> None:
        """Show a tile base map, or the built-in offline one.

        Args:
            source: An XYZ template such as ``http://gis.local/tiles/{z}/{x}/{y}.png`` (an
                intranet GIS or a Tianditu-style service), the path of a local ``.mbtiles``
                file (opened and read on worker threads, served as ``console-map://`` tiles),
                or ``None`` for the built-in street map of the district. A file that cannot be
                used keeps the current base map and shows why (:attr:`sig_base_map_failed`).
            gcj02: The tiles are in GCJ-02 (Gaode/Tencent style): every marker and outline is
                shifted for display with the same transform as :func:`console.geo.wgs84_to_gcj02`.
                Positions stay WGS-84 everywhere else.
        """
        self._base_request += 1  # a later choice wins over a file still opening
        if source and is_mbtiles_source(source):
            self._scheme.submit(self._open_mbtiles, self._base_request, source, gcj02)
            return
        self._scheme.set_mbtiles(None)
        self._apply_base({"url": source, "gcj02": gcj02} if source else None)

    @property
    def base_map_error(self) -> str:
        """Why the last base map could not be used ("" when it could)."""
        return self._base_error_text

    @property
    def store(self) -> Store:
        """The Store the map shows."""
        return self._store

    @property
    def bridge(self) -> StoreBridge:
        """The Store's Qt face (selection goes through it)."""
        return self._bridge

    def show_error(self, text: str, *, transient: bool = True) -> None:
        """Show a plain error above the map; a transient one goes after 10 s.

        A base map that cannot be used stays said until the base map changes.
        """
        self._show_banner(text, error=True, transient=transient)

    def show_message(self, text: str, *, error: bool) -> None:
        """The answer to a command the map asked for, above the map for 10 s (red: refused)."""
        self._show_banner(text, error=error, transient=True)

    def _show_banner(self, text: str, *, error: bool, transient: bool) -> None:
        name = "bannerError" if error else "bannerInfo"
        if self.base_error.objectName() != name:
            self.base_error.setObjectName(name)
            self.base_error.setStyleSheet("")  # re-polish for the new object name
        self.base_error.setText(text)
        self.base_error.show()
        if transient:
            QTimer.singleShot(10_000, self, lambda: self._hide_error(text))

    def _hide_error(self, text: str) -> None:
        if self.base_error.text() == text and text != self._base_error_text:
            self.base_error.hide()

    def _open_mbtiles(self, request: int, path: str, gcj02: bool) -> None:
        """Worker thread: open and check the file, then hand it to the GUI thread."""
        result: MBTilesFile | MBTilesError
        try:
            result = MBTilesFile(path)
        except MBTilesError as exc:
            result = exc
        self._sig_mbtiles_opened.emit(request, result, gcj02)

    def _on_mbtiles_opened(self, request: int, result: object, gcj02: bool) -> None:
        if request != self._base_request:  # the operator chose something else meanwhile
            if isinstance(result, MBTilesFile):
                self._scheme.submit(result.close)
            return
        if isinstance(result, MBTilesError):
            text = self.tr("Base map not changed: %1").replace("%1", mbtiles_error_text(result))
            self._base_error_text = text
            self.show_error(text, transient=False)
            self.sig_base_map_failed.emit(text)
            return
        assert isinstance(result, MBTilesFile)
        info = result.info
        self._apply_base(
            {
                "url": self._scheme.set_mbtiles(result),
                "gcj02": gcj02,
                "minNative": info.min_zoom,
                "maxNative": info.max_zoom,
                "bounds": info.bounds,
            }
        )

    def _apply_base(self, base: dict[str, Any] | None) -> None:
        self._base_error_text = ""
        self.base_error.hide()
        self._batch.set_base(base)
        # Everything already drawn was placed in the old datum: redraw it all.
        if self._ready:
            self._batch.mark_full()

    def set_streets(self, streets: Sequence[StreetLine]) -> None:
        """Replace the streets of the built-in base map (default: the bundled demo district)."""
        self._batch.set_streets(streets)

    def set_layer_visible(self, layer: str, visible: bool) -> None:
        """Show or hide one of :data:`LAYERS` (also reflected in the toolbar)."""
        self._batch.set_visible(layer, visible)
        action = self._actions[layer]
        if action.isChecked() != visible:
            action.setChecked(visible)

    def set_trail_minutes(self, minutes: int) -> None:
        """How far back unit trails reach (1-120 minutes; default :data:`TRAIL_MINUTES`)."""
        self._batch.set_trail_minutes(minutes)
        self._actions["trails"].setToolTip(
            self.tr("Where each unit went in the last %1 minutes (from zoom 13)").replace(
                "%1", str(minutes)
            )
        )

    def layer_visible(self, layer: str) -> bool:
        """Whether a layer is switched on."""
        return self._batch.visible(layer)

    def fit_district(self) -> None:
        """Zoom to show every grid, fence, unit and camera."""
        self._batch.refit()
        self.flush()

    def centre_on(self, lat: float, lon: float, zoom: int = 16) -> None:
        """Centre the map on a WGS-84 position (shifted for display on a GCJ-02 base map)."""
        self.run_js(f"window.ConsoleMap.centreOn({lat:.7f}, {lon:.7f}, {int(zoom)})")

    @property
    def is_drawing(self) -> bool:
        """True while the operator is drawing a fence."""
        return self._draw_action.isChecked()

    def set_drawing(self, on: bool) -> None:
        """Start or stop drawing a new e-fence (clicks add vertices, double-click finishes)."""
        if self._draw_action.isChecked() != on:
            self._draw_action.setChecked(on)  # comes back here through toggled
            return
        if on and self.tools.is_measuring:
            self.tools.set_measuring(False)
        self._finish_action.setEnabled(on)
        self._cancel_action.setEnabled(on)
        self.run_js(f"window.ConsoleMap.setDrawing({'true' if on else 'false'})")

    def finish_drawing(self) -> None:
        """Close the outline being drawn (as a double-click does) and ask for its name."""
        self.run_js("window.ConsoleMap.drawFinish()")

    def run_js(self, script: str, callback: Callable[[Any], None] | None = None) -> None:
        """Run a script in the page (for tools and tests; data goes through :meth:`flush`)."""
        if callback is None:
            self.page.runJavaScript(script, 0)
        else:
            self.page.runJavaScript(script, 0, callback)

    def flush(self) -> None:
        """Push everything pending to the page in one ``runJavaScript`` call."""
        if not self._ready:
            return
        batch = self._batch.take(self._page_header)
        if batch:
            script = "ConsoleMap.apply(" + batch_json(batch) + ")"
            self.page.runJavaScript(script, 0, self._on_page_batch_applied)

    # ---- toolbar and legend

    def _build_toolbar(self) -> None:
        names = {
            "units": self.tr("Units"),
            "trails": self.tr("Trails"),
            "alerts": self.tr("Alerts"),
            "cameras": self.tr("Cameras"),
            "grids": self.tr("Grids && fences"),
        }
        # The layer switches share one menu button: five buttons of their own pushed the
        # tools at the end (Trajectory…) behind the overflow arrow of a 1920-pixel console.
        self.layers_menu = QMenu(self.tr("Layers"), self)
        self.layers_menu.setObjectName("mapLayersMenu")
        self.layers_menu.setToolTipsVisible(True)
        for layer in LAYERS:
            action = QAction(names[layer], self)
            action.setObjectName(f"mapLayer_{layer}")
            action.setCheckable(True)
            action.setChecked(self._batch.visible(layer))
            action.toggled.connect(lambda on, name=layer: self.set_layer_visible(name, on))
            self.layers_menu.addAction(action)
            self._actions[layer] = action
        layers = QToolButton(self.toolbar)
        layers.setObjectName("mapLayersButton")
        layers.setText(self.tr("Layers"))
        layers.setToolTip(self.tr("Show or hide units, trails, alerts, cameras, grids and fences"))
        layers.setMenu(self.layers_menu)
        layers.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.toolbar.addWidget(layers)
        self._actions["trails"].setToolTip(
            self.tr("Where each unit went in the last %1 minutes (from zoom 13)").replace(
                "%1", str(TRAIL_MINUTES)
            )
        )
        self.toolbar.addSeparator()
        fit = QAction(self.tr("Whole district"), self)
        fit.setObjectName("mapFitDistrict")
        fit.triggered.connect(self.fit_district)
        self.toolbar.addAction(fit)
        self.toolbar.addSeparator()
        draw = QAction(self.tr("Draw fence"), self)
        draw.setObjectName("mapDrawFence")
        draw.setCheckable(True)
        draw.setToolTip(
            self.tr("Click the map to add corners; double-click or Finish to close; Esc cancels.")
        )
        draw.toggled.connect(self.set_drawing)
        self.toolbar.addAction(draw)
        self._draw_action = draw
        finish = QAction(self.tr("Finish"), self)
        finish.setObjectName("mapDrawFinish")
        finish.setEnabled(False)
        finish.triggered.connect(self.finish_drawing)
        self.toolbar.addAction(finish)
        self._finish_action = finish
        # Escape while the panel (or the page in it) has focus; the page also handles it.
        cancel = QAction(self.tr("Cancel drawing"), self)
        cancel.setObjectName("mapDrawCancel")
        cancel.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        cancel.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        cancel.setEnabled(False)
        cancel.triggered.connect(lambda: self.set_drawing(False))
        self.addAction(cancel)
        self._cancel_action = cancel

    def _page_header(self) -> dict[str, Any]:
        return {"theme": page_palette(self._theme), "legend": self._legend()}

    def _legend(self) -> list[dict[str, str]]:
        th = self._theme
        status_names = {
            UnitStatus.AVAILABLE: self.tr("Available"),
            UnitStatus.DISPATCHED: self.tr("Dispatched"),
            UnitStatus.EN_ROUTE: self.tr("En route"),
            UnitStatus.ON_SCENE: self.tr("On scene"),
            UnitStatus.BUSY: self.tr("Busy"),
            UnitStatus.OFF_DUTY: self.tr("Off duty"),
        }
        items = [{"label": status_names[s], "color": unit_color(th, s.value)} for s in UnitStatus]
        items.append({"label": self.tr("No fix > 5 min"), "color": token(th, "map_unit_stale")})
        items += [
            {
                "label": self.tr("Alert P%1").replace("%1", str(p)),
                "color": th.tokens[f"priority_{p}"],
                "shape": "sq",
            }
            for p in (1, 2, 3, 4)
        ]
        items.append({"label": self.tr("Camera"), "color": token(th, "map_camera")})
        items.append(
            {"label": self.tr("E-fence"), "color": token(th, "map_fence"), "shape": "ring"}
        )
        return items

    # ---- batches

    # ---- handlers

    def _on_page_ready(self) -> None:
        self._ready = True
        self._batch.mark_full()
        self.flush()
        self._timer.start()
        self.sig_page_ready.emit()

    def _on_page_batch_applied(self, ms: object) -> None:
        if isinstance(ms, int | float):
            self.sig_batch_applied.emit(float(ms))

    def _on_page_alert_context(self, alert_id: str) -> None:
        self._bridge.select_alert(alert_id)
        menu = QMenu(self)
        action = menu.addAction(self.tr("Dispatch nearest available unit"))
        action.triggered.connect(lambda: self.sig_dispatch_nearest.emit(alert_id))
        self.context_menu = menu
        menu.popup(QCursor.pos())

    def _on_fence_drawn(self, outline: str) -> None:
        self.set_drawing(False)
        ring = fence_ring(outline)
        if ring is None:
            return
        dialog = QInputDialog(self)
        dialog.setObjectName("fenceNameDialog")
        dialog.setWindowTitle(self.tr("New e-fence"))
        dialog.setLabelText(self.tr("Name of the e-fence:"))
        dialog.setInputMode(QInputDialog.InputMode.TextInput)
        dialog.setTextValue("")
        dialog.textValueSelected.connect(lambda name: self._request_fence(name, ring))
        self.fence_dialog = dialog
        dialog.open()

    def _request_fence(self, name: str, ring: list[list[float]]) -> None:
        name = name.strip()[:FENCE_NAME_MAX]
        if not name:
            return
        args = {
            "kind": "efence",
            "name": name,
            "geojson": {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            },
        }
        done = self.tr("E-fence %1 saved.").replace("%1", name)
        self.sig_command_requested.emit("layer.create", args, done)

    def _on_page_alert_clicked(self, alert_id: str) -> None:
        self._bridge.select_alert(alert_id)

    def _on_bridge_snapshot_loaded(self, _seq: int) -> None:
        self._batch.mark_full()

    def _on_bridge_units_changed(self, units: list[Unit]) -> None:
        self._batch.add_units(units)

    def _on_bridge_alerts_changed(self, alerts: list[Alert]) -> None:
        self._batch.add_alerts(alerts)

    def _on_bridge_alert_selected(self, alert_id: str | None) -> None:
        self._batch.select(alert_id)

    def _on_bridge_cameras_changed(self, cameras: list[Camera]) -> None:
        for camera in cameras:
            self._batch.add_camera(camera)

    def _on_bridge_layers_changed(self, layers: list[Layer]) -> None:
        for layer in layers:
            self._batch.add_layer(layer)

    def _on_bridge_units_moved(self, positions: Sequence[Position]) -> None:
        self._batch.add_positions(positions)


__all__ = ["FENCE_MAX_VERTICES", "FLUSH_HZ", "LAYERS", "MapPanel", "fence_ring"]
