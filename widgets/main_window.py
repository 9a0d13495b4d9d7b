"""The main window: panels, menus and the status bar; commands go out through one callable."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMessageBox, QWidget

from console.protocol.codec import ProtocolError
from console.protocol.session import CommandAnswered
from console.services.client import LinkState, LinkStatus
from widgets.alerts.panel import AlertQueuePanel
from widgets.bridge import StoreBridge
from widgets.status import LinkStatusWidget
from widgets.theme import Theme

log = logging.getLogger("console.ui")

SendCommand = Callable[[str, dict[str, Any]], "asyncio.Future[CommandAnswered]"]


class MainWindow(QMainWindow):
    """Top-level window of the console."""

    sig_sign_in_requested = Signal()
    """The operator asked to sign in again (e.g. after "unauthorized")."""
    sig_closed = Signal()
    """The window was closed: the console shuts down."""

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
        self.alerts = AlertQueuePanel(bridge, theme, self)
        self.alerts.sig_acknowledge_requested.connect(self._on_alerts_acknowledge_requested)
        self.alerts.sig_command_requested.connect(self._run_command)
        self.setCentralWidget(self.alerts)
        self.docks: dict[str, QDockWidget] = {}
        self.link = LinkStatusWidget(theme, metrics, parent=self)
        self.statusBar().addPermanentWidget(self.link, 1)
        self._build_menus()
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
        }
        return titles.get(name, name)

    def add_panel(
        self,
        widget: QWidget,
        name: str,
        area: Qt.DockWidgetArea,
        *,
        central: bool = False,
        tab_with: str | None = None,
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
        dock = QDockWidget(self.panel_title(name), self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        if tab_with is not None and tab_with in self.docks:
            self.tabifyDockWidget(self.docks[tab_with], dock)
            self.docks[tab_with].raise_()
        self.docks[name] = dock
        self._view_menu.addAction(dock.toggleViewAction())

    def _state_key(self) -> str:
        # A layout saved with another set of panels would hide or squeeze the new ones.
        return "window/state/" + "+".join(sorted(self.docks))

    def restore_layout(self) -> None:
        """Bring back the dock layout saved at the last close for this set of panels, or lay
        out the default: map in the middle, video/overview on the right, queue at the bottom."""
        state = self._settings.value(self._state_key()) if self._settings is not None else None
        if isinstance(state, QByteArray) and self.restoreState(state):
            return
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
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        self._view_menu = self.menuBar().addMenu(self.tr("&View"))
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        keys = QAction(self.tr("Keyboard shortcuts"), self)
        keys.setShortcut(QKeySequence("F1"))
        keys.triggered.connect(self._show_keys)
        help_menu.addAction(keys)

    def _show_keys(self) -> None:
        QMessageBox.information(
            self,
            self.tr("Keyboard shortcuts"),
            self.tr(
                "A or Space: acknowledge the selected alert\n"
                "D: dispatch (Enter takes the recommended unit)\n"
                "S: units on scene · F: record feedback · C: close with a disposition\n"
                "N: new alert from a phone call\n"
                "Up/Down: move through the queue\n"
                "Ctrl+Q: quit"
            ),
        )

    def set_link_status(self, status: LinkStatus) -> None:
        """Show the backend link state."""
        self.link.set_status(status)
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
        self._run_command(
            "alert.acknowledge",
            {"alert_id": alert_id, "version": version},
            self.tr("%1 acknowledged.").replace("%1", alert_id),
        )

    def _run_command(self, name: str, args: dict[str, Any], done_text: str) -> None:
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
        if answer.code == "conflict":
            text = self.tr(
                "Not done — someone else changed this alert first: %1 "
                "The row now shows its current state."
            ).replace("%1", answer.message or "")
        else:
            text = (
                self.tr("Not done (%1): %2")
                .replace("%1", answer.code or "")
                .replace("%2", answer.message or "")
            )
        self.alerts.show_message(text, error=True)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._settings is not None:
            self._settings.setValue("window/geometry", self.saveGeometry())
            self._settings.setValue(self._state_key(), self.saveState())
        super().closeEvent(event)
        self.sig_closed.emit()
