"""The main window: panels, menus and the status bar; commands go out through one callable."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
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
    QWidget,
)

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
    sig_settings_requested = Signal()
    """The operator asked for the settings dialog."""
    sig_open_recording = Signal(str)
    """The operator chose a recording to replay (path)."""
    sig_palette_requested = Signal()
    """The operator pressed Ctrl+K."""
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
        self.alerts.sig_command_requested.connect(self.run_command)
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
            "radioDock": self.tr("Radio log"),
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
        return {
            "format": "dispatch-console-layout",
            "version": 1,
            "name": name,
            "docks": sorted(self.docks),
            "geometry": bytes(self.saveGeometry().toBase64().data()).decode(),
            "state": bytes(self.saveState().toBase64().data()).decode(),
        }

    def apply_layout_document(self, doc: dict[str, object]) -> bool:
        """Restore a layout document; panels on a monitor that is gone come back on screen."""
        if doc.get("format") != "dispatch-console-layout":
            return False
        geometry = QByteArray.fromBase64(str(doc.get("geometry", "")).encode())
        state = QByteArray.fromBase64(str(doc.get("state", "")).encode())
        ok = self.restoreGeometry(geometry) and self.restoreState(state)
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
        raw = self._settings.value(f"{self._layout_group()}/{name}")
        try:
            doc = json.loads(str(raw))
        except (TypeError, ValueError):
            return False
        return isinstance(doc, dict) and self.apply_layout_document(doc)

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
        self._view_menu.addSeparator()
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        keys = QAction(self.tr("Keyboard shortcuts"), self)
        keys.setShortcut(QKeySequence("F1"))
        keys.triggered.connect(self.show_keys)
        help_menu.addAction(keys)

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
