"""The camera tree: cameras grouped by grid, with search and online status; drag to a tile."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.domain.model import Camera
from widgets.naming import named
from widgets.theme import Theme
from widgets.video_wall.status import offline_reason
from widgets.video_wall.tile import camera_mime

CAMERA_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _dot(colour: QColor, size: int = 10) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    p.drawEllipse(1, 1, size - 2, size - 2)
    p.end()
    return QIcon(pix)


def _grids(tree: QTreeWidget) -> Iterator[QTreeWidgetItem]:
    for g in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(g)
        if item is not None:
            yield item


def _children(item: QTreeWidgetItem) -> Iterator[QTreeWidgetItem]:
    for i in range(item.childCount()):
        child = item.child(i)
        if child is not None:
            yield child


class _CameraTreeView(QTreeWidget):
    """A tree whose camera items drag out as camera ids."""

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:
        """The first dragged camera's id."""
        for item in items:
            camera_id = item.data(0, CAMERA_ID_ROLE)
            if camera_id:
                return camera_mime(str(camera_id))
        return QMimeData()


class CameraTree(QWidget):
    """Cameras by grid with a search box; green/red dots for online/offline."""

    sig_camera_activated = Signal(str)
    """The operator double-clicked or pressed Enter on a camera (camera id)."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cameraTree")
        self._online = _dot(theme.color("state_live"))
        self._offline = _dot(theme.color("state_offline"))
        self._items: dict[str, QTreeWidgetItem] = {}
        self._grids: dict[str, QTreeWidgetItem] = {}
        self.search = named(QLineEdit(), "cameraSearch")
        self.search.setPlaceholderText(self.tr("Search cameras…"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._apply_filter)
        self.tree = named(_CameraTreeView(), "cameraTreeView")
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.itemActivated.connect(self._on_tree_item_activated)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.search)
        lay.addWidget(self.tree, 1)

    def set_cameras(self, cameras: Iterable[Camera]) -> None:
        """Replace the whole tree."""
        self.tree.clear()
        self._items.clear()
        self._grids.clear()
        for cam in sorted(cameras, key=lambda c: (c.grid_id or "~", c.id)):
            self.upsert(cam)
        self._apply_filter(self.search.text())

    def upsert(self, cam: Camera) -> None:
        """Add a camera or update its name, grid and status."""
        item = self._items.get(cam.id)
        grid = self._grid_item(cam.grid_id or "")
        if item is None:
            item = QTreeWidgetItem()
            item.setData(0, CAMERA_ID_ROLE, cam.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsDragEnabled)
            self._items[cam.id] = item
            grid.addChild(item)
        elif item.parent() is not grid:
            old = item.parent()
            if old is not None:
                old.removeChild(item)
            grid.addChild(item)
        reason = offline_reason(cam)
        item.setText(0, f"{cam.name}  ({cam.id})" + (f"  · {reason}" if reason else ""))
        item.setIcon(0, self._online if cam.online else self._offline)
        status = self.tr("online") if cam.online else self.tr("offline")
        if reason:
            status += f" ({reason})"
        item.setToolTip(0, f"{cam.id} · {status}" + (" · PTZ" if cam.ptz else ""))
        self._update_grid_label(grid)

    def visible_camera_ids(self) -> list[str]:
        """Cameras the current search shows, in tree order (for tours)."""
        out = []
        for grid in _grids(self.tree):
            for item in _children(grid):
                if not item.isHidden():
                    out.append(str(item.data(0, CAMERA_ID_ROLE)))
        return out

    def selected_camera_ids(self) -> list[str]:
        """Cameras selected in the tree."""
        return [
            str(i.data(0, CAMERA_ID_ROLE))
            for i in self.tree.selectedItems()
            if i.data(0, CAMERA_ID_ROLE)
        ]

    def _grid_item(self, grid_id: str) -> QTreeWidgetItem:
        item = self._grids.get(grid_id)
        if item is None:
            item = QTreeWidgetItem(self.tree)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDragEnabled)
            item.setData(0, Qt.ItemDataRole.UserRole, grid_id)
            self._grids[grid_id] = item
        return item

    def _update_grid_label(self, grid: QTreeWidgetItem) -> None:
        grid_id = grid.data(0, Qt.ItemDataRole.UserRole) or self.tr("No grid")
        online = sum(
            1 for item in _children(grid) if item.icon(0).cacheKey() == self._online.cacheKey()
        )
        grid.setText(0, f"{grid_id}  ({online}/{grid.childCount()})")

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for grid in _grids(self.tree):
            shown = 0
            for item in _children(grid):
                hit = not needle or needle in item.text(0).lower()
                item.setHidden(not hit)
                shown += hit
            grid.setHidden(shown == 0)
            grid.setExpanded(bool(needle) and shown > 0)

    def _on_tree_item_activated(self, item: QTreeWidgetItem, _col: int) -> None:
        camera_id = item.data(0, CAMERA_ID_ROLE)
        if camera_id:
            self.sig_camera_activated.emit(str(camera_id))
