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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from console.dispatch import recommend
from console.domain.store import DomainEvent, Store, WallCamerasPushed, WallLayoutPushed
from console.protocol.session import CommandAnswered
from console.services.client import BackendClient, LinkState, LinkStatus
from widgets import labels
from widgets.bridge import StoreBridge
from widgets.main_window import MainWindow
from widgets.palette import CommandPalette, PaletteEntry
from widgets.theme import Theme
from widgets.wall import WallMode

if TYPE_CHECKING:
    from console.replay import ReplayEngine
    from console.services.media_server import MediaServer
    from widgets.dashboard import DashboardPanel
    from widgets.inventory import InventoryWindow
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
    media: MediaServer | None = None
    #: Panels opened more than once (View → New map …).
    extras: list[QWidget] = field(default_factory=list)
    #: Set on a wall console (``--wall``): shows pushed layouts and cameras.
    wall: WallMode | None = None
    #: The Inventory and sources window (commanders; View menu), made on first use.
    inventory: InventoryWindow | None = None

    async def shutdown(self) -> None:
        """Stop the link (or the replay) and every player (never blocking the GUI thread)."""
        if self.client is not None:
            await self.client.stop()
            if self.client.recorder is not None:  # flushes the last batch, then closes
                await asyncio.get_running_loop().run_in_executor(None, self.client.recorder.close)
        if self.replay_panel is not None:
            self.replay_panel.shutdown()
        if self.media is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.media.stop)
        if self.replay is not None:
            self.replay.close()
        for extra in self.extras:
            _stop_panel(extra)
        self.extras.clear()
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
    wall_group: str | None = None,
) -> Console:
    """Wire Store, bridge, backend client, main window and panels (not yet started).

    ``panels`` picks the optional panels: ``map`` (central, the alert queue docks under it),
    ``video`` (a dock on the right), ``dashboard`` (tabbed with the video wall) and ``radio``
    (tabbed with the alert queue). With ``wall_group`` the console is a wall display for that
    group ("all" for none in particular): no chrome, nothing sent, pushed layouts and cameras
    shown (call ``console.wall.show_layout`` for the first layout).
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
    send = client.command if wall_group is None else _refuse("wall console: read-only")
    window = MainWindow(
        bridge, theme, send, lambda: (client.head_seq, client.event_rate()), settings
    )
    operator_id = token.split(".", 1)[0] if "." in token else None
    window.set_operator_id(operator_id)
    if recorder is not None:  # a failing recorder turns the status bar red ("Recording failed")
        window.link.set_recording_source(lambda: recorder.error)
    console = Console(store, bridge, client, window)
    _add_panels(console, theme, panels, operator_id or "", evidence_dir)
    if console.video is not None:
        console.video.use_settings(settings)  # saved views persist per console profile
    _finish(console)
    if wall_group is not None:
        console.wall = WallMode(window, wall_group)
        store.subscribe(lambda events: _on_wall_events(console, events))
    else:
        window.sig_push_layout.connect(lambda g, n, doc: push_layout(console, g, n, doc))
        window.sig_push_cameras.connect(lambda g: push_cameras(console, g))
        window.inventory_action.triggered.connect(lambda: open_inventory(console, send))
    return console


def open_inventory(
    console: Console, send: Callable[[str, dict[str, Any]], asyncio.Future[CommandAnswered]]
) -> None:
    """Show the Inventory and sources window (made on first use), with the sources asked for."""
    from widgets.inventory import InventoryWindow

    if console.inventory is None:
        console.inventory = InventoryWindow(console.bridge, send, console.window)
    console.inventory.show()
    console.inventory.raise_()
    console.inventory.refresh_sources()


def _refuse(reason: str) -> Callable[[str, dict[str, Any]], asyncio.Future[CommandAnswered]]:
    """A command sender that answers every command ``forbidden`` locally, sending nothing."""

    def refuse(name: str, args: dict[str, Any]) -> asyncio.Future[CommandAnswered]:
        answer = CommandAnswered("local", name, args, False, None, "forbidden", reason)
        future: asyncio.Future[CommandAnswered] = asyncio.get_running_loop().create_future()
        future.set_result(answer)
        return future

    return refuse


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
    from console.services.media_server import MediaServer
    from widgets import settings as console_settings
    from widgets.replay import ReplayBanner, ReplayPanel
    from widgets.replay.audio import ReplayAudio

    store = Store()
    bridge = StoreBridge(store)
    theme = Theme(theme_name)
    engine = ReplayEngine(str(path), store)
    refuse = _refuse("replay mode: nothing is sent")
    window = MainWindow(
        bridge, theme, refuse, lambda: (store.seq, float(engine.events_per_second)), settings
    )
    # Radio audio comes from the recording itself (served on 127.0.0.1), also for the radio log.
    media = MediaServer(engine.file).start()
    engine.audio_source = media.local_url
    console = Console(store, bridge, None, window, replay=engine, media=media)
    _add_panels(console, theme, tuple(p for p in panels if p != "video"), author, None)
    console.replay_panel = ReplayPanel(
        engine,
        theme,
        author=author,
        audio=ReplayAudio(engine, media.local_url),
        evidence_dir=Path(console_settings.load(settings).evidence_dir),
    )
    window.add_panel(console.replay_panel, "replayDock", Qt.DockWidgetArea.BottomDockWidgetArea)
    window.setMenuWidget(_with_banner(window, ReplayBanner(theme, path)))
    # No link at all in replay: say so rather than "Connecting".
    window.set_link_status(
        LinkStatus(LinkState.OFFLINE, detail=window.tr("replay: no backend link"))
    )
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
    if console.video is not None:
        console.video.sig_command_requested.connect(console.window.run_command)


def _add_panels(
    console: Console,
    theme: Theme,
    panels: tuple[str, ...],
    operator: str,
    evidence_dir: Path | None,
) -> None:
    """Build the chosen panels over the console's bridge and dock them; View → New … opens
    more of the same kinds."""
    console.window.set_panel_factory(
        lambda kind: _extra_panel(console, theme, kind, operator, evidence_dir), panels
    )
    console.window.sig_panel_removed.connect(lambda _n, p: _on_panel_removed(console, p))
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
        console.window.evidence_action.triggered.connect(console.video.open_evidence_window)
        console.window.evidence_action.setVisible(True)
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


def _extra_panel(
    console: Console, theme: Theme, kind: str, operator: str, evidence_dir: Path | None
) -> QWidget:
    """Another panel of ``kind`` (View → New …), wired like the first one."""
    window = console.window
    panel: QWidget
    if kind == "map":
        from widgets.map import MapPanel

        map_panel = MapPanel(console.bridge, theme)
        map_panel.sig_dispatch_nearest.connect(lambda aid: dispatch_nearest(console, aid))
        map_panel.sig_command_requested.connect(window.run_command)
        map_panel.sig_unit_clicked.connect(lambda uid: show_unit(console, uid))
        panel = map_panel
    elif kind == "video":
        from widgets.video_wall import VideoWallPanel, VlcEngine

        if console.engine is None:
            console.engine = VlcEngine()
        video = VideoWallPanel(
            console.bridge,
            theme,
            engine=console.engine,
            evidence_dir=evidence_dir,
            operator=operator,
        )
        video.sig_command_requested.connect(window.run_command)
        if console.video is not None:
            video.views = console.video.views  # one set of saved views per console
        panel = video
    elif kind == "dashboard":
        from widgets.dashboard import DashboardPanel

        panel = DashboardPanel(console.bridge, theme)
    elif kind == "radio":
        from widgets.radio import RadioLogPanel

        radio = RadioLogPanel(console.bridge, theme)
        radio.sig_command_requested.connect(window.run_command)
        panel = radio
    else:
        raise KeyError(kind)
    console.extras.append(panel)
    return panel


def _stop_panel(panel: QWidget) -> None:
    """Stop what a panel runs (players, timers) before it goes away."""
    shutdown = getattr(panel, "shutdown", None)
    if callable(shutdown):
        shutdown()


def _on_panel_removed(console: Console, panel: QWidget) -> None:
    if panel in console.extras:
        console.extras.remove(panel)
    _stop_panel(panel)
    panel.deleteLater()


def video_panels(console: Console) -> list[VideoWallPanel]:
    """Every video wall of the console, the first one first."""
    from widgets.video_wall import VideoWallPanel

    extras = [p for p in console.extras if isinstance(p, VideoWallPanel)]
    return [console.video, *extras] if console.video is not None else extras


def _on_wall_events(console: Console, events: list[DomainEvent]) -> None:
    """A wall console obeys pushes for its group or "all" (after the Store's update)."""
    from PySide6.QtCore import QTimer

    wall = console.wall
    if wall is None:
        return
    for event in events:
        if isinstance(event, WallLayoutPushed) and wall.wants(event.wall):
            doc = dict(event.layout)
            QTimer.singleShot(0, console.window, lambda d=doc: _show_pushed_layout(console, d))
        elif isinstance(event, WallCamerasPushed) and wall.wants(event.wall):
            ids = list(event.camera_ids)
            QTimer.singleShot(0, console.window, lambda c=ids: show_cameras(console, c))


def _show_pushed_layout(console: Console, doc: dict[str, Any]) -> None:
    if console.wall is not None and not console.wall.show_layout(doc):
        log.warning("pushed layout %r is not a layout document; ignored", doc.get("name"))


def show_cameras(console: Console, camera_ids: list[str]) -> None:
    """Put cameras on the (first) video wall's tiles, in the smallest layout that holds them."""
    from console.video import LAYOUTS

    walls = video_panels(console)
    if not walls or not camera_ids:
        return
    fits = [n for n, lay in LAYOUTS.items() if lay.size >= len(camera_ids)]
    largest = max(LAYOUTS, key=lambda n: LAYOUTS[n].size)
    name = min(fits, key=lambda n: LAYOUTS[n].size) if fits else largest
    wall = walls[0]
    wall.set_layout(name)
    ids: list[str | None] = list(camera_ids)
    wall.open_cameras(ids + [None] * (LAYOUTS[name].size - len(ids)))


def push_layout(console: Console, group: str, name: str, doc: dict[str, Any]) -> None:
    """Commander: show a layout on the wall consoles of ``group``."""
    window = console.window
    window.run_command(
        "wall.show_layout",
        {"wall": group, "name": name, "layout": doc},
        window.tr("Layout %1 pushed to wall %2.").replace("%1", name).replace("%2", group),
    )


def push_cameras(console: Console, group: str) -> None:
    """Commander: show the cameras of this console's video wall on the wall consoles."""
    window = console.window
    walls = video_panels(console)
    ids = [c for c in (walls[0].assigned() if walls else []) if c]
    if not ids:
        window.alerts.show_message(window.tr("No cameras on the video wall to push."), error=True)
        return
    window.run_command(
        "wall.show_cameras",
        {"wall": group, "camera_ids": ids[:36]},
        window.tr("%1 cameras pushed to wall %2.")
        .replace("%1", str(len(ids[:36])))
        .replace("%2", group),
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
    entries += [
        PaletteEntry(tr("Action"), action.text(), action.trigger)
        for action in window.new_panel_actions.values()
    ]
    if window.wall_menu.menuAction().isVisible():  # commanders
        entries += [
            PaletteEntry(tr("Action"), a.text(), a.trigger)
            for a in (window.push_layout_action, window.push_cameras_action)
        ]
    if window.inventory_action.isVisible():  # commanders
        entries.append(
            PaletteEntry(
                tr("Action"), window.inventory_action.text(), window.inventory_action.trigger
            )
        )
    return entries


def open_palette(console: Console) -> None:
    """Show the command palette over the main window."""
    palette = CommandPalette(palette_entries(console), console.window)
    console.window.palette = palette
    palette.open()
