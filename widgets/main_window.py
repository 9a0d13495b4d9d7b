"""The main window: docks for the panels, menus, the toolbar and the status bar.

It builds no panel and sends nothing: the composition root (``widgets/assembly.py``) gives it
the alert queue and docks the other panels (what kinds there are, their titles and default
places come from the panel registry); named layouts are ``widgets/layout_store.py``, commands
and their answers ``widgets/commands.py``, pushing to a wall ``widgets/wall_push.py``. Menus
and toolbar buttons that need those say so through the actions and signals below.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QWidget,
)

from console.services.client import LinkState, LinkStatus
from widgets.alerts.panel import AlertQueuePanel
from widgets.icons import icon
from widgets.registry import MAX_EXTRA_PANELS, PanelRegistry
from widgets.status import LinkStatusWidget
from widgets.theme import Theme

log = logging.getLogger("console.ui")

#: Builds a new panel of a kind ("map", "video", "dashboard", "radio") for another dock.
PanelFactory = Callable[[str], QWidget]


class PanelDock(QDockWidget):
    """A dock that says when the operator closed it (extra panels are then removed)."""

    sig_closed = Signal(str)
    """The dock was closed (its object name)."""

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.sig_closed.emit(self.objectName())


class MainWindow(QMainWindow):
    """Top-level window of the console.

    Args:
        alerts: The alert queue: the window's centre (until a central panel takes it) and
            the target of the toolbar, the Incident menu and the window's messages.
        theme: Colours and icons.
        metrics: The link's (head seq, events per second), for the status bar.
        registry: The panel kinds (dock titles, View → New …, extra dock names).
    """

    sig_sign_in_requested = Signal()
    """The operator asked to sign in again (e.g. after "unauthorized")."""
    sig_settings_requested = Signal()
    """The operator asked for the settings dialog."""
    sig_open_recording = Signal(str)
    """The operator chose a recording to replay (path)."""
    sig_palette_requested = Signal()
    """The operator pressed Ctrl+K."""
    sig_closing = Signal()
    """The window is about to close (its arrangement is still there to be kept)."""
    sig_closed = Signal()
    """The window was closed: the console shuts down."""
    sig_panel_removed = Signal(str, QWidget)
    """An extra panel was closed (dock name, panel): stop it, it is gone."""

    def __init__(
        self,
        alerts: AlertQueuePanel,
        theme: Theme,
        metrics: Callable[[], tuple[int | None, float]],
        registry: PanelRegistry,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("Dispatch Console — 指挥调度台"))
        self._operator_id: str | None = None
        self._theme = theme
        self._registry = registry
        self._panel_factory: PanelFactory | None = None
        self._new_kinds: list[str] = []
        self.new_panel_actions: dict[str, QAction] = {}
        self.alerts = alerts
        queue = registry.get("alerts")
        # Where the panel in the centre docks when another takes the centre.
        self._central_dock = (queue.dock, queue.area)
        self.setCentralWidget(alerts)
        self.docks: dict[str, QDockWidget] = {}
        self.link = LinkStatusWidget(theme, metrics, parent=self)
        self.statusBar().addPermanentWidget(self.link, 1)
        self._build_menus()
        self._build_toolbar()
        self.resize(1400, 820)

    @property
    def operator_id(self) -> str | None:
        """The signed-in operator's id (None before sign-in, or for a bare token)."""
        return self._operator_id

    def panel_title(self, name: str) -> str:
        """The translated title of a dock by its object name."""
        return self._registry.title(name)

    def show_message(self, text: str, *, error: bool) -> None:
        """The window's status area: a message above the alert queue for a few seconds."""
        self.alerts.show_message(text, error=error)

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
        """Add a panel: as the central widget (the one there then docks at its own area), or
        as a dock that can float onto another monitor. ``name`` is the stable object name that
        saved layouts refer to."""
        if central:
            displaced = self.takeCentralWidget()
            self.setCentralWidget(widget)
            if displaced is not None:
                self.add_panel(displaced, *self._central_dock)
            self._central_dock = (name, area)
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
        wanted = set(kinds)
        specs = [s for s in self._registry if s.kind in wanted and s.new_text is not None]
        self._new_kinds = [s.kind for s in specs]
        first = self._panels_separator
        for spec in specs:
            action = QAction(icon(spec.icon, self._theme), self._registry.new_text(spec), self)
            action.setObjectName(f"new_{spec.kind}")
            action.triggered.connect(lambda _=False, k=spec.kind: self.new_panel(k))
            self._view_menu.insertAction(first, action)
            self.new_panel_actions[spec.kind] = action
        if self._new_kinds:
            self._view_menu.insertSeparator(self.new_panel_actions[self._new_kinds[0]])

    def new_panel(self, kind: str, name: str | None = None) -> QDockWidget | None:
        """Open another panel of ``kind`` (floating, so it can go to another monitor).

        ``name`` is its dock's object name (default: the next free ``<kind>Dock<n>``, n ≥ 2);
        a named panel is being restored and is placed by the layout instead.
        """
        if self._panel_factory is None or kind not in self._new_kinds:
            return None
        spec = self._registry.get(kind)
        chosen = name is None
        if name is None:
            n = 2
            while f"{spec.dock}{n}" in self.docks:
                n += 1
            name = f"{spec.dock}{n}"
        self.add_panel(self._panel_factory(kind), name, spec.area, closable=True)
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
        if not self._registry.is_extra(name) or name not in self.docks:
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
        registry = self._registry
        # A layout may come from elsewhere (a file, a push): open a sane number of panels.
        wanted = set(sorted(n for n in names if registry.is_extra(n))[:MAX_EXTRA_PANELS])
        for name in sorted(set(self.docks) - wanted):
            if registry.is_extra(name):
                self.remove_panel(name)
        for name in sorted(wanted - set(self.docks)):
            extra = registry.parse_extra(name)
            assert extra is not None
            if extra[0] in self._new_kinds:
                self.new_panel(extra[0], name)

    # ---- menus and toolbar

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
        # Filled by the layout store's menu each time it opens.
        self.layouts_menu = self._view_menu.addMenu(self.tr("Layouts"))
        self._panels_separator = self._view_menu.addSeparator()
        # The video wall's evidence list in a window (assembly shows it when there is a wall).
        self.evidence_action = QAction(self.tr("Evidence…"), self)
        self.evidence_action.setVisible(False)
        self._view_menu.insertAction(self._panels_separator, self.evidence_action)
        # Commanders only (set_link_status shows it); assembly opens the window.
        self.inventory_action = QAction(self.tr("Inventory and sources…"), self)
        self.inventory_action.setVisible(False)
        self._view_menu.insertAction(self._panels_separator, self.inventory_action)
        self.watch_action = QAction(self.tr("Watch list…"), self)
        self.watch_action.setObjectName("watchListAction")
        self.watch_action.setVisible(False)
        self._view_menu.insertAction(self._panels_separator, self.watch_action)
        # Only a commander may push to the wall consoles (set_link_status shows the menu).
        self.wall_menu = self.menuBar().addMenu(self.tr("&Wall"))
        self.push_layout_action = QAction(self.tr("Push layout to wall…"), self)
        self.wall_menu.addAction(self.push_layout_action)
        self.push_cameras_action = QAction(self.tr("Push cameras to wall…"), self)
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

    def _ask_recording(self) -> None:
        dialog = QFileDialog(
            self, self.tr("Open recording"), "", self.tr("Recordings (*.sqlite3 *.rec)")
        )
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.sig_open_recording)
        self.recording_dialog = dialog
        dialog.open()

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

    # ---- link and operator

    def set_link_status(self, status: LinkStatus) -> None:
        """Show the backend link state."""
        self.link.set_status(status)
        if status.state is LinkState.LIVE:
            self.wall_menu.menuAction().setVisible(status.role == "commander")
            self.inventory_action.setVisible(status.role == "commander")
            self.watch_action.setVisible(status.role == "commander")
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

    def closeEvent(self, event: QCloseEvent) -> None:
        self.sig_closing.emit()
        super().closeEvent(event)
        self.sig_closed.emit()
