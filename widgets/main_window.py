"""The main window: panels, menus and the status bar; commands go out through one callable."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QWidget,
)

from console.protocol.codec import ProtocolError
from console.protocol.session import CommandAnswered
from console.services.client import LinkState, LinkStatus
from widgets.alerts.panel import AlertQueuePanel
from widgets.bridge import StoreBridge
from widgets.icons import icon
from widgets.status import LinkStatusWidget
from widgets.theme import Theme

log = logging.getLogger("console.ui")

SendCommand = Callable[[str, dict[str, Any]], "asyncio.Future[CommandAnswered]"]
#: Builds a new panel of a kind ("map", "video", "dashboard", "radio") for another dock.
PanelFactory = Callable[[str], QWidget]
#: Object names of the first dock of each panel kind; the n-th instance is "<kind>Dock<n>".
PANEL_DOCKS = {
    "map": "mapDock",
    "video": "videoDock",
    "dashboard": "dashboardDock",
    "radio": "radioDock",
}
_EXTRA_DOCK = re.compile(r"^(map|video|dashboard|radio)Dock([2-9]|[1-9][0-9])$")
LAYOUT_FORMAT = "dispatch-console-layout"
#: Extra panels a layout may open (each map or video wall costs a web page or players).
MAX_EXTRA_PANELS = 12


def screen_index(widget: QWidget) -> int:
    """Index of the screen ``widget`` is on in ``QGuiApplication.screens()`` (0 if unknown).

    Indexes, not names: separate X screens all report the same name, and a wall's monitors
    are "the second screen", whatever the connector is called."""
    screens = QGuiApplication.screens()
    screen = widget.screen()
    return screens.index(screen) if screen in screens else 0


class PanelDock(QDockWidget):
    """A dock that says when the operator closed it (extra panels are then removed)."""

    sig_closed = Signal(str)
    """The dock was closed (its object name)."""

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.sig_closed.emit(self.objectName())


class MainWindow(QMainWindow):
    """Top-level window of the console."""

    sig_sign_in_requested = Signal()
    """The operator asked to sign in again (e.g. after "unauthorized")."""
    sig_settings_requested = Signal()
    """The operator asked for the settings dialog."""
    sig_open_recording = Signal(str)
    """The operator chose a recording to replay (path)."""
    sig_palette_requested = Signal()
    """The operator pressed Ctrl+K."""
    sig_closed = Signal()
    """The window was closed: the console shuts down."""
    sig_panel_removed = Signal(str, QWidget)
    """An extra panel was closed (dock name, panel): stop it, it is gone."""
    sig_push_layout = Signal(str, str, dict)
    """A commander pushes a layout to the wall consoles (wall group, name, layout document)."""
    sig_push_cameras = Signal(str)
    """A commander pushes the cameras of this console's video wall to a wall group."""

    def __init__(
        self,
        bridge: StoreBridge,
        theme: Theme,
        send_command: SendCommand,
        metrics: Callable[[], tuple[int | None, float]],
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("Dispatch Console — 指挥调度台"))
        self._bridge = bridge
        self._send = send_command
        self._settings = settings
        self._operator_id: str | None = None
        self._theme = theme
        self._panel_factory: PanelFactory | None = None
        self._new_kinds: list[str] = []
        self.new_panel_actions: dict[str, QAction] = {}
        self.alerts = AlertQueuePanel(bridge, theme, self)
        self.alerts.sig_acknowledge_requested.connect(self._on_alerts_acknowledge_requested)
        self.alerts.sig_command_requested.connect(self.run_command)
        self.alerts.side_paths.send = send_command  # history search reads the answer
        self.setCentralWidget(self.alerts)
        self.docks: dict[str, QDockWidget] = {}
        self.link = LinkStatusWidget(theme, metrics, parent=self)
        self.statusBar().addPermanentWidget(self.link, 1)
        self._build_menus()
        self._build_toolbar()
        self.resize(1400, 820)
        self.has_saved_geometry = False
        if settings is not None:
            geometry = settings.value("window/geometry")
            if isinstance(geometry, QByteArray):
                self.has_saved_geometry = self.restoreGeometry(geometry)

    def panel_title(self, name: str) -> str:
        """The translated title of a dock by its object name."""
        titles = {
            "mapDock": self.tr("Map"),
            "videoDock": self.tr("Video wall"),
            "alertsDock": self.tr("Alert queue"),
            "dashboardDock": self.tr("Overview"),
            "radioDock": self.tr("Radio log"),
        }
        extra = _EXTRA_DOCK.match(name)
        if extra is not None:
            base = titles.get(PANEL_DOCKS[extra.group(1)], name)
            return f"{base} {extra.group(2)}"
        return titles.get(name, name)

    def add_panel(
        self,
        widget: QWidget,
        name: str,
        area: Qt.DockWidgetArea,
        *,
        central: bool = False,
        tab_with: str | None = None,
        closable: bool = False,
    ) -> None:
        """Add a panel: as the central widget (the alert queue then docks at the bottom), or
        as a dock that can float onto another monitor. ``name`` is the stable object name that
        saved layouts refer to."""
        if central:
            queue = self.takeCentralWidget()
            self.setCentralWidget(widget)
            if queue is not None:
                self.add_panel(queue, "alertsDock", Qt.DockWidgetArea.BottomDockWidgetArea)
            return
        dock = PanelDock(self.panel_title(name), self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        features = (
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        if closable:
            features |= QDockWidget.DockWidgetFeature.DockWidgetClosable
            dock.sig_closed.connect(self.remove_panel)
        dock.setFeatures(features)
        self.addDockWidget(area, dock)
        if tab_with is not None and tab_with in self.docks:
            self.tabifyDockWidget(self.docks[tab_with], dock)
            self.docks[tab_with].raise_()
        self.docks[name] = dock
        self._view_menu.addAction(dock.toggleViewAction())

    # ---- panels opened more than once (two maps, two video walls, …)

    def set_panel_factory(self, factory: PanelFactory, kinds: Iterable[str]) -> None:
        """Let View → New … open more panels of ``kinds`` built by ``factory``."""
        self._panel_factory = factory
        self._new_kinds = [k for k in PANEL_DOCKS if k in set(kinds)]
        texts = {
            "map": self.tr("New map"),
            "video": self.tr("New video wall"),
            "dashboard": self.tr("New overview"),
            "radio": self.tr("New radio log"),
        }
        icons = {"map": "map", "video": "video", "dashboard": "dashboard", "radio": "radio"}
        first = self._panels_separator
        for kind in self._new_kinds:
            action = QAction(icon(icons[kind], self._theme), texts[kind], self)
            action.setObjectName(f"new_{kind}")
            action.triggered.connect(lambda _=False, k=kind: self.new_panel(k))
            self._view_menu.insertAction(first, action)
            self.new_panel_actions[kind] = action
        if self._new_kinds:
            self._view_menu.insertSeparator(self.new_panel_actions[self._new_kinds[0]])

    def new_panel(self, kind: str, name: str | None = None) -> QDockWidget | None:
        """Open another panel of ``kind`` (floating, so it can go to another monitor).

        ``name`` is its dock's object name (default: the next free ``<kind>Dock<n>``, n ≥ 2);
        a named panel is being restored and is placed by the layout instead.
        """
        if self._panel_factory is None or kind not in PANEL_DOCKS:
            return None
        chosen = name is None
        if name is None:
            n = 2
            while f"{PANEL_DOCKS[kind]}{n}" in self.docks:
                n += 1
            name = f"{PANEL_DOCKS[kind]}{n}"
        area = {
            "map": Qt.DockWidgetArea.LeftDockWidgetArea,
            "video": Qt.DockWidgetArea.RightDockWidgetArea,
            "dashboard": Qt.DockWidgetArea.RightDockWidgetArea,
            "radio": Qt.DockWidgetArea.BottomDockWidgetArea,
        }[kind]
        self.add_panel(self._panel_factory(kind), name, area, closable=True)
        dock = self.docks[name]
        if chosen:
            dock.setFloating(True)
            frame = self.frameGeometry()
            dock.resize(int(frame.width() * 0.6), int(frame.height() * 0.6))
            dock.move(frame.center() - dock.rect().center())
            dock.show()
        return dock

    def remove_panel(self, name: str) -> None:
        """Close an extra panel for good (its players and pages are stopped)."""
        if _EXTRA_DOCK.match(name) is None or name not in self.docks:
            return
        dock = self.docks.pop(name)
        self._view_menu.removeAction(dock.toggleViewAction())
        self.removeDockWidget(dock)
        widget = dock.widget()
        self.sig_panel_removed.emit(name, widget)
        dock.deleteLater()

    def sync_docks(self, names: Iterable[str]) -> None:
        """Open the extra panels ``names`` lists and close those it does not (before a
        saved state is restored, so that state finds every dock it names)."""
        # A layout may come from elsewhere (a file, a push): open a sane number of panels.
        wanted = set(sorted(n for n in names if _EXTRA_DOCK.match(n))[:MAX_EXTRA_PANELS])
        for name in sorted(set(self.docks) - wanted):
            if _EXTRA_DOCK.match(name):
                self.remove_panel(name)
        for name in sorted(wanted - set(self.docks)):
            match = _EXTRA_DOCK.match(name)
            assert match is not None
            if match.group(1) in self._new_kinds:
                self.new_panel(match.group(1), name)

    # ---- named layouts (per operator), export/import, reset

    def _layout_group(self) -> str:
        return f"layouts/{self._operator_id or 'default'}"

    def layout_names(self) -> list[str]:
        """Names of this operator's saved layouts."""
        if self._settings is None:
            return []
        self._settings.beginGroup(self._layout_group())
        try:
            return sorted(self._settings.childKeys())
        finally:
            self._settings.endGroup()

    def layout_document(self, name: str) -> dict[str, object]:
        """The current layout as a portable JSON-able document."""
        placement = {"mainWindow": screen_index(self)}
        for dock_name, dock in self.docks.items():
            if dock.isFloating() and dock.isVisible():
                placement[dock_name] = screen_index(dock)
        return {
            "format": LAYOUT_FORMAT,
            "version": 2,
            "name": name,
            "docks": sorted(self.docks),
            "geometry": bytes(self.saveGeometry().toBase64().data()).decode(),
            "state": bytes(self.saveState().toBase64().data()).decode(),
            # Which screen (index, left to right as Qt lists them) each window is on: the
            # main window and every floating panel. Wall mode puts them back there.
            "screens": [
                {"name": s.name(), "size": [s.size().width(), s.size().height()]}
                for s in QGuiApplication.screens()
            ],
            "placement": placement,
        }

    def apply_layout_document(self, doc: dict[str, object]) -> bool:
        """Restore a layout document; panels on a monitor that is gone come back on screen."""
        if doc.get("format") != LAYOUT_FORMAT:
            return False
        docks = doc.get("docks")
        if isinstance(docks, list):
            self.sync_docks(str(n) for n in docks)
        geometry = QByteArray.fromBase64(str(doc.get("geometry", "")).encode())
        state = QByteArray.fromBase64(str(doc.get("state", "")).encode())
        # The window geometry may not fit this monitor set (then the window keeps its place);
        # the panels' arrangement is what a layout is.
        self.restoreGeometry(geometry)
        ok = self.restoreState(state)
        self._rescue_off_screen()
        return ok

    def _rescue_off_screen(self) -> None:
        screens = [s.availableGeometry() for s in QGuiApplication.screens()]
        primary = QGuiApplication.primaryScreen()
        if primary is None or not screens:
            return
        home = primary.availableGeometry()
        for widget in [self, *self.docks.values()]:
            if widget is not self and not widget.isFloating():  # type: ignore[attr-defined]
                continue
            if not any(g.intersects(widget.frameGeometry()) for g in screens):
                widget.move(home.topLeft())

    def save_layout(self, name: str) -> None:
        """Save the current layout under ``name`` for this operator."""
        if self._settings is not None and name.strip():
            key = f"{self._layout_group()}/{name.strip()}"
            self._settings.setValue(key, json.dumps(self.layout_document(name.strip())))

    def load_layout(self, name: str) -> bool:
        """Restore a saved layout by name."""
        if self._settings is None:
            return False
        doc = self.saved_layout(name)
        return doc is not None and self.apply_layout_document(doc)

    def saved_layout(self, name: str) -> dict[str, Any] | None:
        """The document of this operator's saved layout ``name`` (None if there is none)."""
        if self._settings is None:
            return None
        raw = self._settings.value(f"{self._layout_group()}/{name}")
        try:
            doc = json.loads(str(raw))
        except (TypeError, ValueError):
            return None
        return doc if isinstance(doc, dict) else None

    def reset_layout(self) -> None:
        """Back to the default arrangement of panels."""
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        if self._settings is not None:
            self._settings.remove(self._state_key())
        self._default_layout()

    def _state_key(self) -> str:
        # A layout saved with another set of panels would hide or squeeze the new ones.
        return "window/state/" + "+".join(sorted(self.docks))

    def restore_layout(self) -> None:
        """Bring back the dock layout saved at the last close for this set of panels, or lay
        out the default: map in the middle, video/overview on the right, queue at the bottom."""
        extras = self._settings.value("window/docks") if self._settings is not None else None
        if isinstance(extras, str):  # QSettings gives a one-item list back as a string
            extras = [extras]
        if isinstance(extras, list):
            self.sync_docks(str(n) for n in extras)
        state = self._settings.value(self._state_key()) if self._settings is not None else None
        if isinstance(state, QByteArray) and self.restoreState(state):
            self._rescue_off_screen()
            return
        self._default_layout()

    def _default_layout(self) -> None:
        if not self.has_saved_geometry:
            screen = self.screen()
            if screen is not None:
                self.setGeometry(screen.availableGeometry())
        width, height = self.width(), self.height()
        right = [d for n, d in self.docks.items() if n in ("videoDock", "dashboardDock")]
        if right:
            self.resizeDocks(right[:1], [int(width * 0.4)], Qt.Orientation.Horizontal)
        if "alertsDock" in self.docks:
            self.resizeDocks(
                [self.docks["alertsDock"]], [int(height * 0.38)], Qt.Orientation.Vertical
            )

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.sign_in_action = QAction(self.tr("Sign in again…"), self)
        self.sign_in_action.triggered.connect(self.sig_sign_in_requested)
        file_menu.addAction(self.sign_in_action)
        open_recording = QAction(self.tr("Open recording…"), self)
        open_recording.triggered.connect(self._ask_recording)
        file_menu.addAction(open_recording)
        settings_action = QAction(self.tr("Settings…"), self)
        settings_action.setShortcut(QKeySequence("Ctrl+,"))
        settings_action.triggered.connect(self.sig_settings_requested)
        file_menu.addAction(settings_action)
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        self._view_menu = self.menuBar().addMenu(self.tr("&View"))
        palette = QAction(self.tr("Find anything…"), self)
        palette.setShortcut(QKeySequence("Ctrl+K"))
        palette.triggered.connect(self.sig_palette_requested)
        self._view_menu.addAction(palette)
        self._layouts_menu = self._view_menu.addMenu(self.tr("Layouts"))
        self._layouts_menu.aboutToShow.connect(self._fill_layouts_menu)
        self._panels_separator = self._view_menu.addSeparator()
        # The video wall's evidence list in a window (assembly shows it when there is a wall).
        self.evidence_action = QAction(self.tr("Evidence…"), self)
        self.evidence_action.setVisible(False)
        self._view_menu.insertAction(self._panels_separator, self.evidence_action)
        # Commanders only (set_link_status shows it); assembly opens the window.
        self.inventory_action = QAction(self.tr("Inventory and sources…"), self)
        self.inventory_action.setVisible(False)
        self._view_menu.insertAction(self._panels_separator, self.inventory_action)
        # Only a commander may push to the wall consoles (set_link_status shows the menu).
        self.wall_menu = self.menuBar().addMenu(self.tr("&Wall"))
        self.push_layout_action = QAction(self.tr("Push layout to wall…"), self)
        self.push_layout_action.triggered.connect(self._ask_push_layout)
        self.wall_menu.addAction(self.push_layout_action)
        self.push_cameras_action = QAction(self.tr("Push cameras to wall…"), self)
        self.push_cameras_action.triggered.connect(self._ask_push_cameras)
        self.wall_menu.addAction(self.push_cameras_action)
        self.wall_menu.menuAction().setVisible(False)
        self.incident_menu = self.menuBar().addMenu(self.tr("&Incident"))
        self.alerts.fill_incident_menu(self.incident_menu)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        keys = QAction(self.tr("Keyboard shortcuts"), self)
        keys.setShortcut(QKeySequence("F1"))
        keys.triggered.connect(self.show_keys)
        help_menu.addAction(keys)

    def _build_toolbar(self) -> None:
        """The main actions with icons: the closed loop on the selected alert, find, settings."""
        bar = QToolBar(self.tr("Main toolbar"), self)
        bar.setObjectName("mainToolBar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        alerts = self.alerts
        for name, text, run in (
            ("new-alert", self.tr("New alert"), alerts.new_alert),
            ("acknowledge", self.tr("Acknowledge"), alerts.acknowledge_selected),
            ("dispatch", self.tr("Dispatch"), alerts.dispatch_selected),
            ("on-scene", self.tr("On scene"), alerts.on_scene_selected),
            ("feedback", self.tr("Feedback"), alerts.feedback_selected),
            ("close", self.tr("Close alert"), alerts.close_selected),
        ):
            action = bar.addAction(icon(name, self._theme), text)
            action.setObjectName(f"tool_{name}")
            action.triggered.connect(run)
        bar.addSeparator()
        find = bar.addAction(icon("search", self._theme), self.tr("Find"))
        find.setObjectName("tool_search")
        find.setToolTip(self.tr("Find anything (Ctrl+K)"))
        find.triggered.connect(self.sig_palette_requested)
        settings = bar.addAction(icon("settings", self._theme), self.tr("Settings"))
        settings.setObjectName("tool_settings")
        settings.triggered.connect(self.sig_settings_requested)
        self.toolbar = bar
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    # ---- pushing to the wall consoles (commanders)

    def _wall_groups(self) -> list[str]:
        used = self._settings.value("wall/groups") if self._settings is not None else None
        groups = [used] if isinstance(used, str) else list(used or [])
        return ["all", *[str(g) for g in groups if g != "all"]]

    def _remember_group(self, group: str) -> None:
        if self._settings is not None and group != "all":
            groups = [g for g in self._wall_groups() if g not in ("all", group)]
            self._settings.setValue("wall/groups", [group, *groups][:10])

    def _ask_push_layout(self) -> None:
        from widgets.wall import PushDialog

        dialog = PushDialog(self._wall_groups(), self.layout_names(), self)
        dialog.accepted.connect(lambda: self._push_layout(dialog.group(), dialog.layout_name()))
        self.push_dialog = dialog
        dialog.open()

    def _push_layout(self, group: str, name: str | None) -> None:
        """Send a saved layout (or, with ``name`` None, the current arrangement)."""
        doc: dict[str, Any] | None
        if name is None:
            doc = self.layout_document(self.tr("Current layout"))
        else:
            doc = self.saved_layout(name)
        if doc is None or not group:
            return
        self._remember_group(group)
        self.sig_push_layout.emit(group, str(doc["name"]), doc)

    def _ask_push_cameras(self) -> None:
        from widgets.wall import PushDialog

        dialog = PushDialog(self._wall_groups(), None, self)
        dialog.accepted.connect(lambda: self._push_cameras(dialog.group()))
        self.push_dialog = dialog
        dialog.open()

    def _push_cameras(self, group: str) -> None:
        if group:
            self._remember_group(group)
            self.sig_push_cameras.emit(group)

    def _ask_recording(self) -> None:
        dialog = QFileDialog(
            self, self.tr("Open recording"), "", self.tr("Recordings (*.sqlite3 *.rec)")
        )
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.sig_open_recording)
        self.recording_dialog = dialog
        dialog.open()

    def _fill_layouts_menu(self) -> None:
        menu = self._layouts_menu
        menu.clear()
        for name in self.layout_names():
            menu.addAction(name, lambda n=name: self.load_layout(n))
        if self.layout_names():
            menu.addSeparator()
        menu.addAction(self.tr("Save layout as…"), self._ask_layout_name)
        menu.addAction(self.tr("Export layout…"), self._export_layout)
        menu.addAction(self.tr("Import layout…"), self._import_layout)
        menu.addAction(self.tr("Reset to default"), self.reset_layout)

    def _ask_layout_name(self) -> None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(self.tr("Save layout"))
        dialog.setLabelText(self.tr("Layout name:"))
        dialog.textValueSelected.connect(self.save_layout)
        self.layout_dialog = dialog
        dialog.open()

    def _export_layout(self) -> None:
        dialog = QFileDialog(self, self.tr("Export layout"), "", "Layout (*.layout.json)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("layout.json")
        dialog.fileSelected.connect(
            lambda path: Path(path).write_text(
                json.dumps(self.layout_document(Path(path).stem), indent=1), "utf-8"
            )
        )
        self.layout_dialog = dialog
        dialog.open()

    def _import_layout(self) -> None:
        dialog = QFileDialog(self, self.tr("Import layout"), "", "Layout (*.layout.json)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.import_layout_file)
        self.layout_dialog = dialog
        dialog.open()

    def import_layout_file(self, path: str) -> bool:
        """Apply a layout file and keep it under its name; a bad file is refused plainly."""
        try:
            doc = json.loads(Path(path).read_text("utf-8"))
        except (OSError, ValueError) as exc:
            self.alerts.show_message(
                self.tr("Not a layout file: %1").replace("%1", str(exc)), error=True
            )
            return False
        if not isinstance(doc, dict) or not self.apply_layout_document(doc):
            self.alerts.show_message(
                self.tr("Not a layout file: %1").replace("%1", path), error=True
            )
            return False
        self.save_layout(str(doc.get("name") or Path(path).stem))
        return True

    def show_keys(self) -> None:
        """The keyboard shortcuts, in a message box."""
        QMessageBox.information(
            self,
            self.tr("Keyboard shortcuts"),
            self.tr(
                "A or Space: acknowledge the selected alert\n"
                "D: dispatch (Enter takes the recommended unit)\n"
                "S: units on scene · F: record feedback · C: close with a disposition\n"
                "N: new alert from a phone call\n"
                "M: merge a duplicate · X: cancel · T: transfer · R: release a unit\n"
                "H: search closed incidents · P: PDF report · E: EIDO export\n"
                "Ctrl+K: find any alert, unit, camera, layout or action\n"
                "Ctrl+,: settings\n"
                "Up/Down: move through the queue\n"
                "Ctrl+Q: quit"
            ),
        )

    def set_link_status(self, status: LinkStatus) -> None:
        """Show the backend link state."""
        self.link.set_status(status)
        if status.state is LinkState.LIVE:
            self.wall_menu.menuAction().setVisible(status.role == "commander")
            self.inventory_action.setVisible(status.role == "commander")
        if status.state is LinkState.LIVE:
            self.alerts.set_operator(self._operator_id)
        if status.state is LinkState.UNAUTHORIZED:
            self.alerts.show_message(
                self.tr("The backend refused the sign-in: %1. Use File → Sign in again.").replace(
                    "%1", status.detail
                ),
                error=True,
            )

    def set_operator_id(self, operator_id: str | None) -> None:
        """The signed-in operator's id (for "me" in owner columns)."""
        self._operator_id = operator_id
        self.alerts.set_operator(operator_id)

    def _on_alerts_acknowledge_requested(self, alert_id: str, version: int) -> None:
        self.run_command(
            "alert.acknowledge",
            {"alert_id": alert_id, "version": version},
            self.tr("%1 acknowledged.").replace("%1", alert_id),
        )

    def run_command(self, name: str, args: dict[str, Any], done_text: str) -> None:
        """Send a command; show ``done_text`` when it succeeds, the refusal plainly if not."""
        try:
            future = self._send(name, args)
        except ProtocolError as exc:
            self.alerts.show_message(exc.message, error=True)
            return
        future.add_done_callback(lambda f: self._on_command_answered(f, done_text))

    def _on_command_answered(self, future: asyncio.Future[CommandAnswered], done: str) -> None:
        if future.cancelled():
            return
        answer = future.result()
        if answer.ok:
            if done:
                self.alerts.show_message(done, error=False)
            return
        message = self.alerts.bridge.store.with_names(answer.message or "")  # "by wang"
        if answer.code == "conflict":
            text = self.tr(
                "Not done — someone else changed this alert first: %1 "
                "The row now shows its current state."
            ).replace("%1", message)
        else:
            text = (
                self.tr("Not done (%1): %2").replace("%1", answer.code or "").replace("%2", message)
            )
        self.alerts.show_message(text, error=True)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._settings is not None:
            self._settings.setValue("window/geometry", self.saveGeometry())
            self._settings.setValue(self._state_key(), self.saveState())
            self._settings.setValue("window/docks", sorted(self.docks))
        super().closeEvent(event)
        self.sig_closed.emit()
