"""The video wall panel: camera tree, tiled layouts, enlarge, tours, snapshots, alarm linkage."""

from __future__ import annotations

import string
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from console.domain.model import Alert, Camera
from console.domain.store import CameraUpserted, DomainEvent
from console.video import (
    LAYOUTS,
    EvidenceRecord,
    Tour,
    WallLayout,
    linked_cameras,
    wall_pages,
)
from widgets.bridge import StoreBridge
from widgets.theme import Theme
from widgets.video_wall.camera_tree import CameraTree
from widgets.video_wall.player import VlcEngine
from widgets.video_wall.tile import VideoTile

MAX_TILES = max(lay.size for lay in LAYOUTS.values())
LINK_RADIUS_M = 300.0


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
    """

    sig_snapshot_saved = Signal(object)
    """A snapshot was saved (``EvidenceRecord``)."""
    sig_layout_changed = Signal(str)
    """The wall layout changed (layout name)."""

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
    ) -> None:
        super().__init__(parent)
        self.setObjectName("videoWallPanel")
        self._bridge = bridge
        self._theme = theme
        self._own_engine = engine is None
        self.engine = engine or VlcEngine()
        self.evidence_dir = evidence_dir or Path.home() / "dispatch-evidence"
        self.operator = operator
        self._clock = clock
        self.layout_name = "4"
        self.tiles: list[VideoTile] = []
        self._assigned: list[str | None] = [None] * MAX_TILES
        self._enlarged: int | None = None
        self._selected = 0
        self.tour: Tour | None = None
        self._tour_tile: int | None = None
        self._build()
        self._apply_layout()
        bridge.sig_snapshot_loaded.connect(self._on_bridge_snapshot_loaded)
        bridge.sig_alert_selected.connect(self._on_bridge_alert_selected)
        bridge.sig_alerts_raised.connect(self._on_bridge_alerts_raised)
        self._unsubscribe: Callable[[], None] | None = bridge.store.subscribe(self._on_store_events)
        self._tour_timer = QTimer(self, interval=250)
        self._tour_timer.timeout.connect(self._on_tour_timer)
        if bridge.store.cameras:
            self._on_bridge_snapshot_loaded(bridge.store.seq or 0)

    # ---- layout

    def _build(self) -> None:
        self.layout_box = QComboBox(objectName="wallLayout")
        for name in LAYOUTS:
            self.layout_box.addItem(self.tr("%1 tiles").replace("%1", name), name)
        self.layout_box.setCurrentIndex(list(LAYOUTS).index(self.layout_name))
        self.layout_box.currentIndexChanged.connect(
            lambda: self.set_layout(str(self.layout_box.currentData()))
        )
        self.tour_button = QPushButton(self.tr("Tour"), objectName="wallTourButton")
        self.tour_button.setCheckable(True)
        self.tour_button.setToolTip(self.tr("Cycle the cameras the tree shows over the wall"))
        self.tour_button.toggled.connect(self._on_tour_button_toggled)
        self.dwell_box = QSpinBox(objectName="wallTourDwell")
        self.dwell_box.setRange(5, 300)
        self.dwell_box.setValue(20)
        self.dwell_box.setSuffix(self.tr(" s"))
        self.snapshot_button = QPushButton(self.tr("Snapshot"), objectName="wallSnapshot")
        self.snapshot_button.setToolTip(self.tr("Save the selected tile's picture as evidence"))
        self.snapshot_button.clicked.connect(self.snapshot_selected)
        self.follow_box = QCheckBox(self.tr("Follow P1 alerts"), objectName="wallFollowAlerts")
        self.follow_box.setChecked(True)
        self.status_label = QLabel(objectName="dim")

        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Layout")))
        bar.addWidget(self.layout_box)
        bar.addWidget(self.tour_button)
        bar.addWidget(self.dwell_box)
        bar.addWidget(self.snapshot_button)
        bar.addWidget(self.follow_box)
        bar.addStretch(1)
        bar.addWidget(self.status_label)

        self.camera_tree = CameraTree(self._theme)
        self.camera_tree.sig_camera_activated.connect(self._on_tree_camera_activated)
        self.evidence_list = QListWidget(objectName="wallEvidence")
        self.evidence_list.setToolTip(self.tr("Evidence saved from this wall"))
        left = QSplitter(Qt.Orientation.Vertical, objectName="wallLeftSplitter")
        left.addWidget(self.camera_tree)
        left.addWidget(self.evidence_list)
        left.setStretchFactor(0, 4)
        left.setStretchFactor(1, 1)

        self.wall = QWidget(objectName="wallGrid")
        self.grid = QGridLayout(self.wall)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        for i in range(MAX_TILES):
            tile = VideoTile(self._theme, self.engine, self.wall)
            tile.setObjectName(f"videoTile{i}")
            tile.hide()
            tile.sig_camera_dropped.connect(lambda cid, i=i: self.open_camera(cid, i))
            tile.sig_double_clicked.connect(lambda i=i: self.toggle_enlarge(i))
            tile.sig_clicked.connect(lambda i=i: self.select_tile(i))
            tile.sig_state_changed.connect(self._update_status)
            self.tiles.append(tile)

        splitter = QSplitter(Qt.Orientation.Horizontal, objectName="wallSplitter")
        splitter.addWidget(left)
        splitter.addWidget(self.wall)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        splitter.setSizes([240, 960])

        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(bar)
        lay.addWidget(splitter, 1)
        # The application QSS does not style item views other than tables; style ours here.
        self.setStyleSheet(
            string.Template(
                "QTreeView#cameraTreeView, QListWidget#wallEvidence { background: ${panel};"
                " border: 1px solid ${border}; selection-background-color: ${selection};"
                " selection-color: ${text}; }"
                " QWidget#wallGrid { background: ${border}; }"
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
        if self.tour is not None and self._tour_tile is None:
            self.stop_tour()
        self.sig_layout_changed.emit(name)

    def _apply_layout(self) -> None:
        lay = self.current_layout
        while self.grid.count():
            self.grid.takeAt(0)
        for r in range(6):
            self.grid.setRowStretch(r, 1 if r < lay.rows else 0)
            self.grid.setColumnStretch(r, 1 if r < lay.cols else 0)
        for i, tile in enumerate(self.tiles):
            if i < lay.size and self._enlarged in (None, i):
                cell = lay.cells[i]
                if self._enlarged is None:
                    self.grid.addWidget(tile, cell.row, cell.col, cell.row_span, cell.col_span)
                else:
                    self.grid.addWidget(tile, 0, 0, lay.rows, lay.cols)
                self._assign_tile(i)
                tile.show()
            else:
                tile.hide()  # a hidden tile stops decoding
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
        item = QListWidgetItem(f"{record.taken_at[11:19]}  {record.camera_name}")
        item.setToolTip(f"{record.file}\nSHA-256 {record.sha256}\n{record.operator}")
        self.evidence_list.insertItem(0, item)
        self.status_label.setText(self.tr("Saved %1").replace("%1", record.file))
        self.sig_snapshot_saved.emit(record)
        return record

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
        if self._tour_tile is None:
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

    def _on_tour_button_toggled(self, on: bool) -> None:
        if on:
            self.start_tour(self.camera_tree.visible_camera_ids(), self.dwell_box.value())
            self.tour_button.setChecked(self.tour is not None)
        else:
            self.stop_tour()

    # ---- shutdown

    def shutdown(self) -> None:
        """Stop every player and release it (blocks until libVLC let go; call before exit)."""
        self._tour_timer.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
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

    def _on_store_events(self, events: list[DomainEvent]) -> None:
        changed: dict[str, Camera] = {}
        for event in events:
            if isinstance(event, CameraUpserted):
                changed[event.camera.id] = event.camera
        if not changed:
            return
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

    def _on_tree_camera_activated(self, camera_id: str) -> None:
        self.open_camera(camera_id)

    def _update_status(self, *_args: object) -> None:
        tiles = self.visible_tiles()
        live = sum(1 for t in tiles if t.state.value == "live")
        used = sum(1 for t in tiles if t.camera is not None)
        self.status_label.setText(
            self.tr("%1 of %2 tiles live").replace("%1", str(live)).replace("%2", str(used))
        )
