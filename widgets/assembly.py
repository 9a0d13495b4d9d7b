"""Assembles a console window from its parts: Store, bridge, link or replay, panels.

``main.py`` (the composition root) decides what to build from the command line and settings;
this module knows how the parts connect. Panels never import each other: cross-panel actions
(Ctrl+K, dispatch from the map) are wired here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from console.dispatch import recommend
from console.domain.store import Store
from console.protocol.session import CommandAnswered
from console.services.client import BackendClient, LinkState, LinkStatus
from widgets import labels
from widgets.bridge import StoreBridge
from widgets.main_window import MainWindow
from widgets.palette import CommandPalette, PaletteEntry
from widgets.theme import Theme

if TYPE_CHECKING:
    from console.replay import ReplayEngine
    from widgets.dashboard import DashboardPanel
    from widgets.map import MapPanel
    from widgets.radio import RadioLogPanel
    from widgets.replay import ReplayPanel
    from widgets.video_wall import VideoWallPanel, VlcEngine

log = logging.getLogger("console.assembly")

PANELS = ("map", "video", "dashboard", "radio")


@dataclass
class Console:
    """Everything the composition root built for one console window."""

    store: Store
    bridge: StoreBridge
    client: BackendClient | None
    window: MainWindow
    map: MapPanel | None = None
    video: VideoWallPanel | None = None
    engine: VlcEngine | None = None
    dashboard: DashboardPanel | None = None
    radio: RadioLogPanel | None = None
    replay: ReplayEngine | None = None
    replay_panel: ReplayPanel | None = None

    async def shutdown(self) -> None:
        """Stop the link (or the replay) and every player (never blocking the GUI thread)."""
        if self.client is not None:
            await self.client.stop()
            if self.client.recorder is not None:  # flushes the last batch, then closes
                await asyncio.get_running_loop().run_in_executor(None, self.client.recorder.close)
        if self.replay_panel is not None:
            self.replay_panel.shutdown()
        if self.replay is not None:
            self.replay.close()
        if self.radio is not None:
            self.radio.shutdown()
        if self.video is not None:
            self.video.shutdown()
        if self.engine is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.engine.shutdown)


def build_console(
    url: str,
    token: str,
    settings: QSettings,
    theme_name: str = "dark",
    panels: tuple[str, ...] = PANELS,
    evidence_dir: Path | None = None,
    remember_token: Callable[[str, str], None] | None = None,
    record_to: Path | None = None,
) -> Console:
    """Wire Store, bridge, backend client, main window and panels (not yet started).

    ``panels`` picks the optional panels: ``map`` (central, the alert queue docks under it),
    ``video`` (a dock on the right), ``dashboard`` (tabbed with the video wall) and ``radio``
    (tabbed with the alert queue).
    """

    store = Store()
    bridge = StoreBridge(store)
    saved: dict[str, str | None] = {"token": None}

    def on_status(status: LinkStatus) -> None:
        window.set_link_status(status)
        if status.state is LinkState.LIVE and saved["token"] != client.token:
            saved["token"] = client.token
            settings.setValue("settings/backend_url", client.url)
            if remember_token is not None and client.token:
                remember_token(client.url, client.token)

    recorder = None
    if record_to is not None:
        from console.services.recorder import Recorder

        record_to.parent.mkdir(parents=True, exist_ok=True)
        recorder = Recorder(record_to, store, meta={"backend": url})
    client = BackendClient(url, token, store, on_status=on_status, recorder=recorder)
    theme = Theme(theme_name)
    window = MainWindow(
        bridge, theme, client.command, lambda: (client.head_seq, client.event_rate()), settings
    )
    operator_id = token.split(".", 1)[0] if "." in token else None
    window.set_operator_id(operator_id)
    console = Console(store, bridge, client, window)
    _add_panels(console, theme, panels, operator_id or "", evidence_dir)
    _finish(console)
    return console


def build_replay(
    path: str | Path,
    settings: QSettings,
    theme_name: str = "dark",
    panels: tuple[str, ...] = PANELS,
    author: str = "",
) -> Console:
    """Replay mode: the same Store and panels as live, driven by a recording's clock.

    There is no backend client at all, so nothing can reach a live backend: every command is
    answered ``forbidden`` here. A permanent REPLAY banner sits above the panels.
    """
    from console.replay import ReplayEngine
    from widgets.replay import ReplayBanner, ReplayPanel

    store = Store()
    bridge = StoreBridge(store)
    theme = Theme(theme_name)
    engine = ReplayEngine(str(path), store)

    def refuse(name: str, args: dict[str, Any]) -> asyncio.Future[CommandAnswered]:
        answer = CommandAnswered(
            "replay", name, args, False, None, "forbidden", "replay mode: nothing is sent"
        )
        future: asyncio.Future[CommandAnswered] = asyncio.get_running_loop().create_future()
        future.set_result(answer)
        return future

    window = MainWindow(
        bridge, theme, refuse, lambda: (store.seq, float(engine.events_per_second)), settings
    )
    console = Console(store, bridge, None, window, replay=engine)
    _add_panels(console, theme, tuple(p for p in panels if p != "video"), author, None)
    console.replay_panel = ReplayPanel(engine, theme, author=author)
    window.add_panel(console.replay_panel, "replayDock", Qt.DockWidgetArea.BottomDockWidgetArea)
    window.setMenuWidget(_with_banner(window, ReplayBanner(theme, path)))
    window.setWindowTitle(window.tr("Replay — %1").replace("%1", Path(path).name))
    engine.seek(engine.start_ts)
    _finish(console)
    return console


def _with_banner(window: MainWindow, banner: QWidget) -> QWidget:
    """The menu bar with the permanent REPLAY banner under it."""
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0)
    lay.addWidget(window.menuBar())
    lay.addWidget(banner)
    return box


def _finish(console: Console) -> None:
    console.window.restore_layout()
    console.window.sig_palette_requested.connect(lambda: open_palette(console))
    if console.map is not None:
        console.map.sig_dispatch_nearest.connect(lambda aid: dispatch_nearest(console, aid))
        console.map.sig_command_requested.connect(console.window.run_command)
        console.map.sig_unit_clicked.connect(lambda uid: show_unit(console, uid))


def _add_panels(
    console: Console,
    theme: Theme,
    panels: tuple[str, ...],
    operator: str,
    evidence_dir: Path | None,
) -> None:
    """Build the chosen panels over the console's bridge and dock them."""
    if "map" in panels:
        from widgets.map import MapPanel

        console.map = MapPanel(console.bridge, theme)
        console.window.add_panel(
            console.map,
            "mapDock",
            Qt.DockWidgetArea.TopDockWidgetArea,
            central=True,
        )
    if "video" in panels:
        from widgets.video_wall import VideoWallPanel, VlcEngine

        console.engine = VlcEngine()
        console.video = VideoWallPanel(
            console.bridge,
            theme,
            engine=console.engine,
            evidence_dir=evidence_dir,
            operator=operator,
        )
        console.window.add_panel(
            console.video,
            "videoDock",
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
    if "dashboard" in panels:
        from widgets.dashboard import DashboardPanel

        console.dashboard = DashboardPanel(console.bridge, theme)
        console.window.add_panel(
            console.dashboard,
            "dashboardDock",
            Qt.DockWidgetArea.RightDockWidgetArea,
            tab_with="videoDock",
        )
    if "radio" in panels:
        from widgets.radio import RadioLogPanel

        # Its own libVLC instance: the wall's is muted, radio playback must be heard.
        console.radio = RadioLogPanel(console.bridge, theme)
        console.radio.sig_command_requested.connect(console.window.run_command)
        console.window.add_panel(
            console.radio,
            "radioDock",
            Qt.DockWidgetArea.BottomDockWidgetArea,
            tab_with="alertsDock",
        )


def dispatch_nearest(console: Console, alert_id: str) -> None:
    """派警 from the map: the recommended (nearest by ETA) available unit, in one gesture."""
    store, window = console.store, console.window
    alert = store.alerts.get(alert_id)
    if alert is None:
        return
    ranked = recommend(alert, store.units, store.positions, time.time(), limit=1)
    if not ranked:
        window.alerts.show_message(
            window.tr("No available unit with a known position."), error=True
        )
        return
    unit = ranked[0].unit
    window.run_command(
        "alert.dispatch",
        {"alert_id": alert.id, "unit_ids": [unit.id], "version": alert.version},
        window.tr("%1 dispatched to %2.").replace("%1", unit.callsign).replace("%2", alert.id),
    )


def show_unit(console: Console, unit_id: str) -> None:
    """A unit clicked on the map: its details in the status bar."""
    unit = console.store.units.get(unit_id)
    if unit is None:
        return
    pos = console.store.positions.get(unit_id)
    fix = labels.age(time.time() - pos.fix_ts) if pos is not None else "—"
    tg = console.store.talkgroups.get(unit.talkgroup, unit.talkgroup)
    console.window.statusBar().showMessage(
        f"{unit.callsign} · {labels.unit_status(unit.status.value)} · {unit.kind} · "
        f"{tg} ({unit.talkgroup}) · {unit.radio_id} · {fix}",
        15000,
    )


def palette_entries(console: Console) -> list[PaletteEntry]:
    """Everything Ctrl+K can find: alerts, units, cameras, layouts and actions."""

    store, window, tr = console.store, console.window, console.window.tr
    entries: list[PaletteEntry] = []
    for alert in sorted(store.alerts.values(), key=lambda a: a.created_ts, reverse=True):
        entries.append(
            PaletteEntry(
                tr("Alert"),
                f"{alert.id} P{alert.priority} {alert.title} {alert.address}",
                lambda a=alert: console.bridge.select_alert(a.id),
            )
        )
    for unit in store.units.values():

        def centre(u: str = unit.id) -> None:
            pos = store.positions.get(u)
            if pos is not None and console.map is not None:
                console.map.centre_on(pos.lat, pos.lon)

        entries.append(
            PaletteEntry(
                tr("Unit"),
                f"{unit.callsign} {unit.radio_id} {labels.unit_status(unit.status)}",
                centre,
            )
        )
    for camera in store.cameras.values():

        def show(c: str = camera.id) -> None:
            if console.video is not None:
                console.video.open_camera(c)
            cam = store.cameras[c]
            if console.map is not None:
                console.map.centre_on(cam.lat, cam.lon, 17)

        entries.append(PaletteEntry(tr("Camera"), f"{camera.id} {camera.name}", show))
    for name in window.layout_names():
        entries.append(PaletteEntry(tr("Layout"), name, lambda n=name: window.load_layout(n)))
    entries += [
        PaletteEntry(tr("Action"), tr("Settings…"), window.sig_settings_requested.emit),
        PaletteEntry(tr("Action"), tr("Reset to default"), window.reset_layout),
        PaletteEntry(tr("Action"), tr("New alert  [N]"), window.alerts.new_alert),
        PaletteEntry(tr("Action"), tr("Keyboard shortcuts"), window.show_keys),
    ]
    return entries


def open_palette(console: Console) -> None:
    """Show the command palette over the main window."""
    palette = CommandPalette(palette_entries(console), console.window)
    console.window.palette = palette
    palette.open()
