"""Named layouts: the arrangement of the main window and its docks as portable documents.

A layout document (``format`` :data:`LAYOUT_FORMAT`) holds the window's geometry and dock
state, the docks it needs (extra panels are opened for it, see :class:`PanelRegistry`) and
which screen each window was on (wall mode puts them back there). :class:`LayoutStore` keeps
an operator's named layouts and the arrangement at the last close in QSettings, reads and
writes layout files, and brings windows left on a monitor that is gone back on screen.
:class:`LayoutMenu` is View → Layouts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QCoreApplication, QObject, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QFileDialog, QInputDialog, QMenu, QWidget

from widgets.commands import MessageSink
from widgets.main_window import MainWindow
from widgets.registry import PanelRegistry

LAYOUT_FORMAT = "dispatch-console-layout"
"""The ``format`` of every layout document (files, saved layouts, pushes to a wall)."""


def screen_index(widget: QWidget) -> int:
    """Index of the screen ``widget`` is on in ``QGuiApplication.screens()`` (0 if unknown).

    Indexes, not names: separate X screens all report the same name, and a wall's monitors
    are "the second screen", whatever the connector is called."""
    screens = QGuiApplication.screens()
    screen = widget.screen()
    return screens.index(screen) if screen in screens else 0


def read_layout_file(path: str | Path) -> dict[str, Any] | None:
    """The layout document in a file (None: unreadable, or not a layout)."""
    try:
        doc = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("format") == LAYOUT_FORMAT else None


class LayoutStore:
    """An operator's named layouts and the window's last arrangement, in QSettings.

    Args:
        window: The main window whose docks are arranged.
        registry: The panels (default sizes; which extra docks a layout may open).
        settings: The console's settings (None: nothing is kept).
        operator: The signed-in operator's id (layouts are kept per operator).
        status: Where a refused layout file is said.
    """

    def __init__(
        self,
        window: MainWindow,
        registry: PanelRegistry,
        settings: QSettings | None,
        operator: Callable[[], str | None],
        status: MessageSink,
    ) -> None:
        self._window = window
        self._registry = registry
        self._settings = settings
        self._operator = operator
        self._status = status
        self.has_saved_geometry = False
        """True when the window came back where it was at the last close."""

    # ---- the last arrangement (window/ keys)

    def restore_geometry(self) -> bool:
        """Put the window where it was at the last close (before panels are added)."""
        geometry = self._settings.value("window/geometry") if self._settings else None
        if isinstance(geometry, QByteArray):
            self.has_saved_geometry = self._window.restoreGeometry(geometry)
        return self.has_saved_geometry

    def _state_key(self) -> str:
        # A layout saved with another set of panels would hide or squeeze the new ones.
        return "window/state/" + "+".join(sorted(self._window.docks))

    def restore(self) -> None:
        """Bring back the dock layout saved at the last close for this set of panels, or lay
        out the default: map in the middle, video/overview on the right, queue at the bottom."""
        settings = self._settings
        extras = settings.value("window/docks") if settings is not None else None
        if isinstance(extras, str):  # QSettings gives a one-item list back as a string
            extras = [extras]
        if isinstance(extras, list):
            self._window.sync_docks(str(n) for n in extras)
        state = settings.value(self._state_key()) if settings is not None else None
        if isinstance(state, QByteArray) and self._window.restoreState(state):
            self.rescue_off_screen()
            return
        self.default()

    def remember(self) -> None:
        """Keep the window's geometry, dock state and extra panels for the next start."""
        if self._settings is not None:
            window = self._window
            self._settings.setValue("window/geometry", window.saveGeometry())
            self._settings.setValue(self._state_key(), window.saveState())
            self._settings.setValue("window/docks", sorted(window.docks))

    def reset(self) -> None:
        """Back to the default arrangement of panels."""
        for dock in self._window.docks.values():
            dock.setFloating(False)
            dock.show()
        if self._settings is not None:
            self._settings.remove(self._state_key())
        self.default()

    def default(self) -> None:
        """The default sizes: the first side dock and the first top/bottom one get their
        registry ``share`` of the window."""
        window = self._window
        if not self.has_saved_geometry:
            screen = window.screen()
            if screen is not None:
                window.setGeometry(screen.availableGeometry())
        sides = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)
        shares: dict[Qt.Orientation, tuple[QDockWidget, float]] = {}
        for name, dock in window.docks.items():
            spec = self._registry.of_dock(name)
            if spec is None or spec.share is None or name != spec.dock:
                continue
            across = spec.area in sides
            orientation = Qt.Orientation.Horizontal if across else Qt.Orientation.Vertical
            shares.setdefault(orientation, (dock, spec.share))
        for orientation, (dock, share) in shares.items():
            length = window.width() if orientation is Qt.Orientation.Horizontal else window.height()
            window.resizeDocks([dock], [int(length * share)], orientation)

    def rescue_off_screen(self) -> None:
        """Move the window and floating docks left on a monitor that is gone onto this one."""
        screens = [s.availableGeometry() for s in QGuiApplication.screens()]
        primary = QGuiApplication.primaryScreen()
        if primary is None or not screens:
            return
        home = primary.availableGeometry()
        window = self._window
        widgets: list[QWidget] = [window, *(d for d in window.docks.values() if d.isFloating())]
        for widget in widgets:
            if not any(g.intersects(widget.frameGeometry()) for g in screens):
                widget.move(home.topLeft())

    # ---- layout documents

    def document(self, name: str) -> dict[str, object]:
        """The current layout as a portable JSON-able document."""
        window = self._window
        placement = {"mainWindow": screen_index(window)}
        for dock_name, dock in window.docks.items():
            if dock.isFloating() and dock.isVisible():
                placement[dock_name] = screen_index(dock)
        return {
            "format": LAYOUT_FORMAT,
            "version": 2,
            "name": name,
            "docks": sorted(window.docks),
            "geometry": bytes(window.saveGeometry().toBase64().data()).decode(),
            "state": bytes(window.saveState().toBase64().data()).decode(),
            # Which screen (index, left to right as Qt lists them) each window is on: the
            # main window and every floating panel. Wall mode puts them back there.
            "screens": [
                {"name": s.name(), "size": [s.size().width(), s.size().height()]}
                for s in QGuiApplication.screens()
            ],
            "placement": placement,
        }

    def apply(self, doc: dict[str, object]) -> bool:
        """Restore a layout document; panels on a monitor that is gone come back on screen."""
        if doc.get("format") != LAYOUT_FORMAT:
            return False
        window = self._window
        docks = doc.get("docks")
        if isinstance(docks, list):
            window.sync_docks(str(n) for n in docks)
        geometry = QByteArray.fromBase64(str(doc.get("geometry", "")).encode())
        state = QByteArray.fromBase64(str(doc.get("state", "")).encode())
        # The window geometry may not fit this monitor set (then the window keeps its place);
        # the panels' arrangement is what a layout is.
        window.restoreGeometry(geometry)
        ok = window.restoreState(state)
        self.rescue_off_screen()
        return ok

    # ---- named layouts (per operator)

    def _group(self) -> str:
        return f"layouts/{self._operator() or 'default'}"

    def names(self) -> list[str]:
        """Names of this operator's saved layouts."""
        if self._settings is None:
            return []
        self._settings.beginGroup(self._group())
        try:
            return sorted(self._settings.childKeys())
        finally:
            self._settings.endGroup()

    def save(self, name: str) -> None:
        """Save the current layout under ``name`` for this operator."""
        if self._settings is not None and name.strip():
            key = f"{self._group()}/{name.strip()}"
            self._settings.setValue(key, json.dumps(self.document(name.strip())))

    def load(self, name: str) -> bool:
        """Restore a saved layout by name."""
        doc = self.saved(name)
        return doc is not None and self.apply(doc)

    def saved(self, name: str) -> dict[str, Any] | None:
        """The document of this operator's saved layout ``name`` (None if there is none)."""
        if self._settings is None:
            return None
        raw = self._settings.value(f"{self._group()}/{name}")
        try:
            doc = json.loads(str(raw))
        except (TypeError, ValueError):
            return None
        return doc if isinstance(doc, dict) else None

    # ---- files

    def export_file(self, path: str) -> None:
        """Write the current layout to ``path`` (named after the file)."""
        text = json.dumps(self.document(Path(path).stem), indent=1)
        Path(path).write_text(text, "utf-8")

    def import_file(self, path: str) -> bool:
        """Apply a layout file and keep it under its name; a bad file is refused plainly."""
        try:
            doc = json.loads(Path(path).read_text("utf-8"))
        except (OSError, ValueError) as exc:
            self._refuse(str(exc))
            return False
        if not isinstance(doc, dict) or not self.apply(doc):
            self._refuse(path)
            return False
        self.save(str(doc.get("name") or Path(path).stem))
        return True

    def _refuse(self, why: str) -> None:
        text = QCoreApplication.translate("MainWindow", "Not a layout file: %1")
        self._status.show_message(text.replace("%1", why), error=True)


class LayoutMenu(QObject):
    """View → Layouts: the saved layouts, then save as, export, import and reset.

    Args:
        menu: The (empty) submenu; it is filled each time it opens.
        store: The layouts.
        parent: The window its dialogs belong to.
    """

    def __init__(self, menu: QMenu, store: LayoutStore, parent: QWidget) -> None:
        super().__init__(parent)
        self._menu = menu
        self._store = store
        self._parent = parent
        self.dialog: QInputDialog | QFileDialog | None = None
        """The dialog opened last (tests drive it)."""
        menu.aboutToShow.connect(self._fill)

    def _fill(self) -> None:
        menu, store = self._menu, self._store
        menu.clear()
        names = store.names()
        for name in names:
            menu.addAction(name).triggered.connect(lambda _=False, n=name: store.load(n))
        if names:
            menu.addSeparator()
        for text, run in (
            (QCoreApplication.translate("MainWindow", "Save layout as…"), self._ask_name),
            (QCoreApplication.translate("MainWindow", "Export layout…"), self._ask_export),
            (QCoreApplication.translate("MainWindow", "Import layout…"), self._ask_import),
            (QCoreApplication.translate("MainWindow", "Reset to default"), store.reset),
        ):
            menu.addAction(text).triggered.connect(run)

    def _ask_name(self) -> None:
        dialog = QInputDialog(self._parent)
        dialog.setWindowTitle(QCoreApplication.translate("MainWindow", "Save layout"))
        dialog.setLabelText(QCoreApplication.translate("MainWindow", "Layout name:"))
        dialog.textValueSelected.connect(self._store.save)
        self._open(dialog)

    def _ask_export(self) -> None:
        title = QCoreApplication.translate("MainWindow", "Export layout")
        dialog = QFileDialog(self._parent, title, "", "Layout (*.layout.json)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("layout.json")
        dialog.fileSelected.connect(self._store.export_file)
        self._open(dialog)

    def _ask_import(self) -> None:
        title = QCoreApplication.translate("MainWindow", "Import layout")
        dialog = QFileDialog(self._parent, title, "", "Layout (*.layout.json)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self._store.import_file)
        self._open(dialog)

    def _open(self, dialog: QInputDialog | QFileDialog) -> None:
        self.dialog = dialog
        dialog.open()
