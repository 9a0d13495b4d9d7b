"""The video wall panel: camera tree, tiled layouts, enlarge, tours, evidence, alarm linkage."""

from __future__ import annotations

import concurrent.futures
import functools
import os
import string
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.domain.model import Alert, Camera
from console.domain.store import CameraPtzMoved
from console.video import (
    LAYOUTS,
    MAX_VIEW_NAME,
    EvidenceRecord,
    SavedView,
    Tour,
    WallLayout,
    linked_cameras,
    stream_for_cell,
    wall_pages,
)
from widgets.bridge import StoreBridge
from widgets.media import VlcEngine
from widgets.naming import named
from widgets.theme import Theme
from widgets.video_wall.camera_tree import CameraTree
from widgets.video_wall.clip_bar import ClipProgressBar
from widgets.video_wall.clips import ClipJob, ClipRequest
from widgets.video_wall.evidence import EvidenceListWidget
from widgets.video_wall.tile import VideoTile
from widgets.video_wall.views import ViewBook

MAX_TILES = max(lay.size for lay in LAYOUTS.values())
LINK_RADIUS_M = 300.0
CLIP_LENGTHS_S = (10, 30, 60, 120)


def native_output_default() -> bool:
    """Draw video straight into X11 windows when Qt runs on xcb (not offscreen or Wayland).

    ``DISPATCH_VIDEO_OUTPUT=callback`` forces the frame-callback path, ``native`` the native
    one.
    """
    forced = os.environ.get("DISPATCH_VIDEO_OUTPUT", "").strip().lower()
    if forced in ("callback", "native"):
        return forced == "native"
    return QGuiApplication.platformName() == "xcb"


class VideoWallPanel(QWidget):
    """A video wall over the Store's cameras. More than one may be open (share the engine).

    Args:
        bridge: The Store's Qt face (cameras, alert selection).
        theme: Palette tokens.
        parent: Qt parent.
        engine: The libVLC engine to make players from (default: a private one, shut down
            with the panel).
        evidence_dir: Where snapshots go (default: ``~/dispatch-evidence``).
        operator: Recorded in evidence sidecars.
        clock: Monotonic seconds, for tours (injected in tests).
        settings: Where saved views persist (None: only for this session).
        native: libVLC draws into native X11 windows (default: when Qt runs on xcb), else
            frames come through callbacks and Qt paints them.
    """

    sig_snapshot_saved = Signal(object)
    """A snapshot was saved (``EvidenceRecord``)."""
    sig_clip_saved = Signal(object)
    """A clip finished recording and was hashed (``EvidenceRecord``)."""
    sig_clip_failed = Signal(str)
    """A clip could not be recorded (the reason)."""
    sig_layout_changed = Signal(str)
    """The wall layout changed (layout name)."""
    sig_command_requested = Signal(str, dict, str)
    """Send a backend command (name, args, text shown when it succeeds): PTZ."""

    def __init__(
        self,
        bridge: StoreBridge,
        theme: Theme,
        parent: QWidget | None = None,
        *,
        engine: VlcEngine | None = None,
        evidence_dir: Path | None = None,
        operator: str = "",
        clock: Callable[[], float] = time.monotonic,
        settings: QSettings | None = None,
        native: bool | None = None,
        sign_url: Callable[[str], str] = str,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("videoWallPanel")
        self._bridge = bridge
        self._theme = theme
        self._own_engine = engine is None
        self.engine = engine or VlcEngine()
        self.evidence_dir = evidence_dir or Path.home() / "dispatch-evidence"
        self.operator = operator
        self._sign_url = sign_url
        self._clock = clock
        self.layout_name = "4"
        self.tiles: list[VideoTile] = []
        self._assigned: list[str | None] = [None] * MAX_TILES
        self._enlarged: int | None = None
        self._selected = 0
        self.tour: Tour | None = None
        self._tour_tile: int | None = None
        self.ptz_speed = 5
        """Speed (1..10) of PTZ moves from the tile pads."""
        self.views = ViewBook(settings)
        self.clip_seconds = 30
        """Length of the clip the Record button makes."""
        self._io = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="evidence")
        self.evidence_window: EvidenceListWidget | None = None
        self._dialog: QInputDialog | None = None
        self.native = native_output_default() if native is None else native
        self._watched: QWidget | None = None
        self.minimized = False
        """True while the window holding the wall is minimised (no tile decodes)."""
        self._build()
        self._apply_layout()
        bridge.sig_snapshot_loaded.connect(self._on_bridge_snapshot_loaded)
        bridge.sig_alert_selected.connect(self._on_bridge_alert_selected)
        bridge.sig_alerts_raised.connect(self._on_bridge_alerts_raised)
        bridge.sig_cameras_changed.connect(self._on_bridge_cameras_changed)
        bridge.sig_ptz_moved.connect(self._on_bridge_ptz_moved)
        self._tour_timer = QTimer(self, interval=250)
        self._tour_timer.timeout.connect(self._on_tour_timer)
        self.evidence_list.reload()
        if bridge.store.cameras:
            self._on_bridge_snapshot_loaded(bridge.store.seq or 0)

    # ---- layout

    def _build(self) -> None:
        self.layout_box = named(QComboBox(), "wallLayout")
        for name in LAYOUTS:
            self.layout_box.addItem(self.tr("%1 tiles").replace("%1", name), name)
        self.layout_box.setCurrentIndex(list(LAYOUTS).index(self.layout_name))
        self.layout_box.currentIndexChanged.connect(
            lambda: self.set_layout(str(self.layout_box.currentData()))
        )
        self.tour_button = named(QPushButton(self.tr("Tour")), "wallTourButton")
        self.tour_button.setCheckable(True)
        self.tour_button.setToolTip(self.tr("Cycle the cameras the tree shows over the wall"))
        self.tour_button.toggled.connect(self._on_tour_button_toggled)
        self.dwell_box = named(QSpinBox(), "wallTourDwell")
        self.dwell_box.setRange(5, 300)
        self.dwell_box.setValue(20)
        self.dwell_box.setSuffix(self.tr(" s"))
        self.snapshot_button = named(QPushButton(self.tr("Snapshot")), "wallSnapshot")
        self.snapshot_button.setToolTip(self.tr("Save the selected tile's picture as evidence"))
        self.snapshot_button.clicked.connect(self.snapshot_selected)
        self.clip_button = named(QToolButton(), "wallClipButton")
        self.clip_button.setText(self.tr("Record clip"))
        self.clip_button.setToolTip(
            self.tr("Record the next seconds of the selected tile's stream as evidence")
        )
        self.clip_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.clip_button.clicked.connect(lambda: self.record_clip(self.clip_seconds))
        clip_menu = QMenu(self.clip_button)
        for seconds in CLIP_LENGTHS_S:
            clip_menu.addAction(
                self.tr("Record %1 s").replace("%1", str(seconds)),
                functools.partial(self.record_clip, seconds),
            )
        self.clip_button.setMenu(clip_menu)
        self.clip_progress = ClipProgressBar()
        self.clip_progress.sig_clip_saved.connect(self._on_clip_saved)
        self.clip_progress.sig_clip_failed.connect(self._on_clip_failed)
        self.views_button = named(QToolButton(), "wallViewsButton")
        self.views_button.setText(self.tr("Views"))
        self.views_button.setToolTip(self.tr("Saved wall views: recall, save, delete"))
        self.views_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.views_menu = QMenu(self.views_button)
        self.views_menu.aboutToShow.connect(self._fill_views_menu)
        self.views_button.setMenu(self.views_menu)
        self.tour_source = named(QComboBox(), "wallTourSource")
        self.tour_source.addItem(self.tr("cameras"), "cameras")
        self.tour_source.addItem(self.tr("views"), "views")
        self.tour_source.setToolTip(self.tr("What the tour cycles through"))
        self.follow_box = named(QCheckBox(self.tr("Follow P1 alerts")), "wallFollowAlerts")
        self.follow_box.setChecked(True)
        # How many tiles play, kept apart from what the operator's last action said: a tile
        # that goes live or drops must not wipe "Clip of C2 failed" before anyone reads it.
        self.live_label = named(QLabel(), "dim")
        self.status_label = named(QLabel(), "dim")

        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Layout")))
        bar.addWidget(self.layout_box)
        bar.addWidget(self.views_button)
        bar.addWidget(self.tour_button)
        bar.addWidget(self.tour_source)
        bar.addWidget(self.dwell_box)
        bar.addWidget(self.snapshot_button)
        bar.addWidget(self.clip_button)
        bar.addWidget(self.follow_box)
        bar.addStretch(1)
        status = QHBoxLayout()
        status.addWidget(self.live_label)
        status.addWidget(self.status_label, 1)
        status.addWidget(self.clip_progress)

        self.camera_tree = CameraTree(self._theme)
        self.camera_tree.sig_camera_activated.connect(self._on_tree_camera_activated)
        self.evidence_list = EvidenceListWidget(self.evidence_dir, self._io)
        left = named(QSplitter(Qt.Orientation.Vertical), "wallLeftSplitter")
        left.addWidget(self.camera_tree)
        left.addWidget(self.evidence_list)
        left.setStretchFactor(0, 4)
        left.setStretchFactor(1, 1)

        self.wall = named(QWidget(), "wallGrid")
        self.grid = QGridLayout(self.wall)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        for i in range(MAX_TILES):
            tile = VideoTile(self._theme, self.engine, self.wall, native=self.native)
            tile.sign_url = self._sign_url
            tile.setObjectName(f"videoTile{i}")
            tile.hide()
            tile.sig_camera_dropped.connect(lambda cid, i=i: self.open_camera(cid, i))
            tile.sig_double_clicked.connect(lambda i=i: self.toggle_enlarge(i))
            tile.sig_clicked.connect(lambda i=i: self.select_tile(i))
            tile.sig_state_changed.connect(self._update_status)
            tile.sig_ptz_requested.connect(self._on_tile_ptz_requested)
            self.tiles.append(tile)

        splitter = named(QSplitter(Qt.Orientation.Horizontal), "wallSplitter")
        splitter.addWidget(left)
        splitter.addWidget(self.wall)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        splitter.setSizes([240, 960])

        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(bar)
        lay.addWidget(splitter, 1)
        lay.addLayout(status)
        # The application QSS does not style item views other than tables; style ours here.
        self.setStyleSheet(
            string.Template(
                "QTreeView#cameraTreeView, QListWidget#wallEvidence { background: ${panel};"
                " border: 1px solid ${border}; selection-background-color: ${selection};"
                " selection-color: ${text}; }"
                " QWidget#wallGrid { background: ${border}; }"
                " QToolButton#wallClipButton, QToolButton#wallViewsButton {"
                " background: ${panel_alt}; border: 1px solid ${border}; border-radius: 3px;"
                " padding: 4px 10px; }"
                " QToolButton#wallClipButton { padding-right: 18px; }"
                " QToolButton#wallClipButton:hover, QToolButton#wallViewsButton:hover {"
                " border-color: ${accent}; }"
                " QToolButton#wallClipButton::menu-button { border-left: 1px solid ${border};"
                " width: 14px; }"
                " QProgressBar#wallClipProgress { background: ${panel}; border: 1px solid"
                " ${border}; border-radius: 3px; text-align: center; }"
                " QProgressBar#wallClipProgress::chunk { background: ${selection}; }"
            ).substitute(self._theme.tokens)
        )

    @property
    def current_layout(self) -> WallLayout:
        """The layout in use."""
        return LAYOUTS[self.layout_name]

    def visible_tiles(self) -> list[VideoTile]:
        """Tiles of the current layout (all of them, even when one is enlarged)."""
        return self.tiles[: self.current_layout.size]

    def set_layout(self, name: str) -> None:
        """Switch to layout ``name``; tiles keep their cameras, extra tiles stop decoding."""
        if name not in LAYOUTS:
            raise KeyError(name)
        if name == self.layout_name and self.grid.count():
            return
        self.layout_name = name
        self._enlarged = None
        index = self.layout_box.findData(name)
        if index != self.layout_box.currentIndex():
            self.layout_box.setCurrentIndex(index)
        self._apply_layout()
        if self.tour is not None and self._tour_tile is None and not self._touring_views():
            self.stop_tour()
        self.sig_layout_changed.emit(name)

    def _apply_layout(self) -> None:
        lay = self.current_layout
        while self.grid.count():
            self.grid.takeAt(0)
        for r in range(6):
            self.grid.setRowStretch(r, 1 if r < lay.rows else 0)
            self.grid.setColumnStretch(r, 1 if r < lay.cols else 0)
        shown = []
        for i, tile in enumerate(self.tiles):
            if i < lay.size and self._enlarged in (None, i):
                cell = lay.cells[i]
                if self._enlarged is None:
                    self.grid.addWidget(tile, cell.row, cell.col, cell.row_span, cell.col_span)
                else:
                    self.grid.addWidget(tile, 0, 0, lay.rows, lay.cols)
                shown.append(i)
            else:
                tile.hide()  # a hidden tile stops decoding
        # Size the tiles before any of them opens a stream: main/sub and the decode size
        # follow the tile's size, and the old size (another layout's) would be wrong.
        for i in shown:
            cell = lay.cells[i]
            self.tiles[i].stream_override = stream_for_cell(
                lay.size, cell.row_span, cell.col_span, self._enlarged is not None
            )
            self.tiles[i].hold(True)
            self.tiles[i].show()
        self.grid.activate()
        for i in shown:
            self._assign_tile(i)
            self.tiles[i].hold(False)
        self._update_status()

    def _assign_tile(self, index: int) -> None:
        camera_id = self._assigned[index]
        camera = self._bridge.store.cameras.get(camera_id) if camera_id else None
        tile = self.tiles[index]
        if camera is None:
            if tile.camera is not None:
                tile.set_camera(None)
        elif tile.camera is None or tile.camera != camera:
            tile.set_camera(camera)

    # ---- actions

    def open_camera(self, camera_id: str, tile: int | None = None) -> None:
        """Show a camera in tile ``tile`` (default: the selected tile)."""
        index = self._selected if tile is None else tile
        if not 0 <= index < MAX_TILES:
            raise IndexError(index)
        self._assigned[index] = camera_id
        if index < self.current_layout.size:
            self._assign_tile(index)
        self.select_tile(index)

    def open_cameras(self, camera_ids: Sequence[str | None], first: int = 0) -> None:
        """Show cameras in consecutive tiles from ``first`` (None empties a tile)."""
        for offset, cid in enumerate(camera_ids):
            if first + offset >= self.current_layout.size:
                break
            self._assigned[first + offset] = cid
            self._assign_tile(first + offset)

    def clear_tile(self, index: int) -> None:
        """Empty a tile."""
        self._assigned[index] = None
        self._assign_tile(index)

    def assigned(self) -> list[str | None]:
        """The camera id of every tile in the current layout."""
        return self._assigned[: self.current_layout.size]

    def select_tile(self, index: int) -> None:
        """Make ``index`` the tile that snapshots and tree activations apply to."""
        self._selected = index
        for i, tile in enumerate(self.tiles):
            if tile.selected != (i == index):
                tile.selected = i == index
                tile.update()

    def toggle_enlarge(self, index: int) -> None:
        """Enlarge tile ``index`` over the whole wall, or restore the layout."""
        self._enlarged = None if self._enlarged is not None else index
        self.select_tile(index)
        self._apply_layout()

    @property
    def enlarged(self) -> int | None:
        """The enlarged tile, if any."""
        return self._enlarged

    def snapshot_selected(self) -> EvidenceRecord | None:
        """Save the selected tile's picture as evidence (PNG + JSON sidecar)."""
        record = self.tiles[self._selected].snapshot(self.evidence_dir, self.operator)
        if record is None:
            self.status_label.setText(self.tr("No picture to save in the selected tile."))
            return None
        self.evidence_list.add_record(record)
        if self.evidence_window is not None:
            self.evidence_window.add_record(record)
        self.status_label.setText(self.tr("Saved %1").replace("%1", record.file))
        self.sig_snapshot_saved.emit(record)
        return record

    # ---- clips and the evidence list

    def record_clip(self, seconds: int, tile: int | None = None) -> ClipJob | None:
        """Record the next ``seconds`` of a tile's camera (main stream) on a worker thread."""
        t = self.tiles[self._selected if tile is None else tile]
        cam = t.camera
        if cam is None or not cam.streams:
            self.status_label.setText(self.tr("No camera to record in the selected tile."))
            return None
        if not cam.online:
            self.status_label.setText(self.tr("%1 is offline.").replace("%1", cam.name))
            return None
        streams = dict(cam.streams)
        url = self._sign_url(streams.get("main") or next(iter(streams.values())))
        return self.clip_progress.record(
            ClipRequest(url, cam.id, cam.name, seconds, self.evidence_dir, self.operator)
        )

    @property
    def clip_jobs(self) -> list[ClipJob]:
        """Clips being recorded."""
        return self.clip_progress.jobs

    def _on_clip_saved(self, record: EvidenceRecord) -> None:
        self.evidence_list.add_record(record)
        if self.evidence_window is not None:
            self.evidence_window.add_record(record)
        self.status_label.setText(self.tr("Clip saved: %1").replace("%1", record.file))
        self.sig_clip_saved.emit(record)

    def _on_clip_failed(self, camera_name: str, reason: str) -> None:
        self.status_label.setText(
            self.tr("Clip of %1 failed: %2").replace("%1", camera_name).replace("%2", reason)
        )
        self.sig_clip_failed.emit(reason)

    def open_evidence_window(self) -> EvidenceListWidget:
        """The evidence list in a window of its own (View menu)."""
        if self.evidence_window is None:
            window = EvidenceListWidget(self.evidence_dir, self._io, self)
            window.setWindowFlag(Qt.WindowType.Window)
            window.setWindowTitle(self.tr("Evidence — %1").replace("%1", str(self.evidence_dir)))
            window.resize(640, 420)
            window.setStyleSheet(self.styleSheet())
            self.evidence_window = window
        self.evidence_window.reload()
        self.evidence_window.show()
        self.evidence_window.raise_()
        return self.evidence_window

    # ---- saved views

    def use_settings(self, settings: QSettings) -> None:
        """Keep saved views in ``settings`` (read the ones already there)."""
        self.views = ViewBook(settings)

    def current_view(self, name: str) -> SavedView:
        """The wall as it is now (layout and cameras) under ``name``."""
        return SavedView(name, self.layout_name, tuple(self.assigned()))

    def save_view(self, name: str) -> SavedView | None:
        """Save the wall under ``name`` (replacing a view of that name); None if refused."""
        clean = name.strip()
        if not clean:
            self.status_label.setText(self.tr("A view needs a name."))
            return None
        if len(clean) > MAX_VIEW_NAME:
            self.status_label.setText(
                self.tr("A view name has at most %1 characters.").replace("%1", str(MAX_VIEW_NAME))
            )
            return None
        view = self.views.save(self.current_view(clean))
        self.status_label.setText(self.tr("View %1 saved.").replace("%1", view.name))
        return view

    def recall_view(self, name: str) -> bool:
        """Show a saved view (layout and cameras); False if there is none of that name."""
        view = self.views.get(name)
        if view is None:
            return False
        self.stop_tour()
        self._show_view(view)
        self.status_label.setText(self.tr("View %1").replace("%1", view.name))
        return True

    def delete_view(self, name: str) -> bool:
        """Forget a saved view."""
        return self.views.delete(name)

    def _show_view(self, view: SavedView) -> None:
        if view.layout != self.layout_name:
            self.set_layout(view.layout)
        size = self.current_layout.size
        self.open_cameras([*view.cameras, *[None] * size][:size])

    def _fill_views_menu(self) -> None:
        menu = self.views_menu
        menu.clear()
        names = self.views.names()
        for name in names:
            menu.addAction(name, functools.partial(self.recall_view, name))
        if names:
            menu.addSeparator()
        menu.addAction(self.tr("Save current view…"), self._ask_view_name)
        if names:
            sub = menu.addMenu(self.tr("Delete view"))
            for name in names:
                sub.addAction(name, functools.partial(self.delete_view, name))

    def _ask_view_name(self) -> None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(self.tr("Save view"))
        dialog.setLabelText(self.tr("Name of this wall view:"))
        dialog.textValueSelected.connect(self.save_view)
        self._dialog = dialog
        dialog.open()

    def link_alert(self, alert: Alert) -> list[str]:
        """Open the alert's cameras (or the nearest within 300 m) in the first tiles."""
        ids = linked_cameras(
            alert.camera_ids,
            alert.lat,
            alert.lon,
            self._bridge.store.cameras,
            LINK_RADIUS_M,
            limit=min(4, self.current_layout.size),
        )
        if ids:
            if self._enlarged is not None:
                self.toggle_enlarge(self._enlarged)
            self.stop_tour()
            self.open_cameras(ids)
            self.status_label.setText(self.tr("Linked to alert %1").replace("%1", alert.id))
        return ids

    # ---- tours

    def start_view_tour(self, names: Sequence[str], dwell_s: float) -> None:
        """Cycle saved views (layout and cameras) over the wall."""
        self.stop_tour()
        views = [v for v in (self.views.get(n) for n in names) if v is not None]
        if not views:
            return
        self.tour = Tour(views, dwell_s, self._clock())
        self._tour_tile = None
        self._show_tour_item(self.tour.current())
        self._tour_timer.start()

    def start_tour(
        self, camera_ids: Sequence[str], dwell_s: float, tile: int | None = None
    ) -> None:
        """Cycle cameras: pages over the whole wall, or one camera at a time through ``tile``."""
        self.stop_tour()
        if not camera_ids:
            return
        items: list[object]
        if tile is None:
            items = list(wall_pages(camera_ids, self.current_layout.size))
        else:
            items = list(camera_ids)
        self.tour = Tour(items, dwell_s, self._clock())
        self._tour_tile = tile
        self._show_tour_item(self.tour.current())
        self._tour_timer.start()

    def stop_tour(self) -> None:
        """Stop the running tour (the cameras shown stay)."""
        self.tour = None
        self._tour_tile = None
        self._tour_timer.stop()
        if self.tour_button.isChecked():
            self.tour_button.blockSignals(True)
            self.tour_button.setChecked(False)
            self.tour_button.blockSignals(False)

    def _show_tour_item(self, item: object) -> None:
        if isinstance(item, SavedView):
            self._show_view(item)
        elif self._tour_tile is None:
            page: list[str | None] = list(item) if isinstance(item, tuple) else []
            size = self.current_layout.size
            self.open_cameras([*page, *[None] * (size - len(page))][:size])
        else:
            self.open_camera(str(item), self._tour_tile)

    def _on_tour_timer(self) -> None:
        if self.tour is None:
            return
        item = self.tour.poll(self._clock())
        if item is not None:
            self._show_tour_item(item)

    def _touring_views(self) -> bool:
        return self.tour is not None and isinstance(self.tour.current(), SavedView)

    def _on_tour_button_toggled(self, on: bool) -> None:
        if not on:
            self.stop_tour()
            return
        if self.tour_source.currentData() == "views":
            self.start_view_tour(self.views.names(), self.dwell_box.value())
            if self.tour is None:
                self.status_label.setText(self.tr("Save some views first."))
        else:
            self.start_tour(self.camera_tree.visible_camera_ids(), self.dwell_box.value())
        # start_* unchecked the button (stop_tour); show whether a tour runs, quietly.
        self.tour_button.blockSignals(True)
        self.tour_button.setChecked(self.tour is not None)
        self.tour_button.blockSignals(False)

    # ---- minimised window

    def showEvent(self, event: QShowEvent) -> None:
        """Watch the window that holds the wall (it changes when the dock floats)."""
        super().showEvent(event)
        window = self.window()
        if window is not self._watched:
            if self._watched is not None:
                self._watched.removeEventFilter(self)
            window.installEventFilter(self)
            self._watched = window
        self._set_minimized(window.isMinimized())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A minimised window stops every tile's decoding; restoring it starts them again."""
        if watched is self._watched and event.type() == QEvent.Type.WindowStateChange:
            assert self._watched is not None
            self._set_minimized(self._watched.isMinimized())
        return False

    def _set_minimized(self, minimized: bool) -> None:
        if minimized == self.minimized:
            return
        self.minimized = minimized
        for tile in self.tiles:
            if minimized:
                tile.suspend()
            else:
                tile.resume()
        self._update_status()

    # ---- shutdown

    def shutdown(self) -> None:
        """Stop every player and release it (blocks until libVLC let go; call before exit)."""
        self._tour_timer.stop()
        if self._watched is not None:
            self._watched.removeEventFilter(self)
            self._watched = None
        self.clip_progress.shutdown()
        self._io.shutdown(wait=True, cancel_futures=True)
        for tile in self.tiles:
            tile.release()
        if self._own_engine:
            self.engine.shutdown()

    # ---- handlers

    def _on_bridge_snapshot_loaded(self, _seq: int) -> None:
        cameras = self._bridge.store.cameras
        self.camera_tree.set_cameras(cameras.values())
        if not any(self._assigned) and cameras:
            # A wall never starts blank: the first online cameras until the operator or an
            # alert chooses others.
            online = sorted(c.id for c in cameras.values() if c.online)
            self._assigned[: self.current_layout.size] = online[: self.current_layout.size] + [
                None
            ] * max(0, self.current_layout.size - len(online))
        for i in range(self.current_layout.size):
            self._assign_tile(i)

    def _on_bridge_ptz_moved(self, event: CameraPtzMoved) -> None:
        if event.operator == self.operator:
            return
        for tile in self.visible_tiles():
            if tile.camera is not None and tile.camera.id == event.camera_id:
                tile.show_ptz_notice(event.operator or "")

    def _on_bridge_cameras_changed(self, cameras: list[Camera]) -> None:
        changed = {cam.id: cam for cam in cameras}
        for cam in changed.values():
            self.camera_tree.upsert(cam)
        for i in range(self.current_layout.size):
            if self._assigned[i] in changed:
                self._assign_tile(i)

    def _on_bridge_alert_selected(self, alert_id: str | None) -> None:
        alert = self._bridge.store.alerts.get(alert_id) if alert_id else None
        if alert is not None:
            self.link_alert(alert)

    def _on_bridge_alerts_raised(self, alerts: list[Alert]) -> None:
        if not self.follow_box.isChecked():
            return
        urgent = [a for a in alerts if a.priority == 1 and a.is_open]
        if urgent:
            self.link_alert(urgent[-1])

    def _on_tile_ptz_requested(self, camera_id: str, action: str, preset: int) -> None:
        args: dict[str, object] = {"camera_id": camera_id, "action": action}
        if action != "stop":
            args["speed"] = self.ptz_speed
        if action == "preset":
            args["preset"] = preset
        self.sig_command_requested.emit("camera.ptz", args, "")

    def _on_tree_camera_activated(self, camera_id: str) -> None:
        self.open_camera(camera_id)

    def _update_status(self, *_args: object) -> None:
        tiles = self.visible_tiles()
        live = sum(1 for t in tiles if t.state.value == "live")
        used = sum(1 for t in tiles if t.camera is not None)
        self.live_label.setText(
            self.tr("%1 of %2 tiles live").replace("%1", str(live)).replace("%2", str(used))
        )
