"""The composition root: builds one console window from its parts and wires them together.

Live (:func:`build_console`: Store, bridge, ``BackendClient`` with its recorder, the window,
the panels, the command runner, layouts, wall push or wall mode, sign-in and settings) or
replay (:func:`build_replay`: the same Store and panels fed by a ``ReplayEngine``, no client
at all). ``widgets/launch.py`` starts the process and decides what to build from the command
line and settings; ``main.py`` only parses the command line.

The panels are the entries of :data:`REGISTRY` (one :class:`~widgets.registry.PanelSpec` per
kind: how it is built and wired, its dock, title and default place); :class:`Console`
(``widgets/parts.py``) is what gets built. Panels never import each other: cross-panel
behaviour (``widgets/cross_panel.py``: dispatch from the map, Ctrl+K, pushes to a wall) is
wired here, over the bridge's signals and the panels' own.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from console.domain.model import Alert
from console.domain.store import Store
from console.protocol.codec import ProtocolError
from console.protocol.session import CommandAnswered
from console.services.client import BackendClient, LinkState, LinkStatus
from widgets import settings as console_settings
from widgets.alerts.panel import AlertQueuePanel
from widgets.bridge import StoreBridge
from widgets.commands import CommandRunner, SendCommand
from widgets.cross_panel import (
    dispatch_nearest,
    on_wall_pushed,
    open_inventory,
    open_palette,
    push_camera_ids,
    push_cameras,
    push_layout,
    show_cameras,
    show_unit,
)
from widgets.layout_store import LayoutMenu, LayoutStore
from widgets.link_control import LinkControl, TokenKeyring, operator_of
from widgets.main_window import MainWindow
from widgets.parts import Console, stop_panel
from widgets.registry import PanelRegistry, PanelSpec
from widgets.theme import Theme
from widgets.wall import WallMode
from widgets.wall_push import WallPush

__all__ = [
    "PANELS",
    "REGISTRY",
    "Console",
    "build_console",
    "build_replay",
    "open_inventory",
    "open_palette",
]

Area = Qt.DockWidgetArea


# ---- the panel registry: one entry per kind


def _alerts_panel(console: Console) -> QWidget:
    from console.snapshots import snapshot_request_url

    store, sign = console.bridge.store, console.stream_urls.sign
    return AlertQueuePanel(
        console.bridge,
        console.theme,
        snapshot_url=lambda alert: snapshot_request_url(alert, store.cameras, sign),
    )


def _wire_alerts(console: Console, panel: QWidget) -> None:
    assert isinstance(panel, AlertQueuePanel)
    commands = console.commands

    def acknowledge(alert_id: str, version: int) -> None:
        done = QCoreApplication.translate("MainWindow", "%1 acknowledged.").replace("%1", alert_id)
        commands.run("alert.acknowledge", {"alert_id": alert_id, "version": version}, done, panel)

    panel.sig_acknowledge_requested.connect(acknowledge)
    commands.attach(panel.sig_command_requested, panel)
    panel.side_paths.send = commands.send  # history search and transfer read the answer


def _map_panel(console: Console) -> QWidget:
    from widgets.map import MapPanel

    return MapPanel(console.bridge, console.theme)


def _wire_map(console: Console, panel: QWidget) -> None:
    from widgets.map import MapPanel

    assert isinstance(panel, MapPanel)
    panel.sig_dispatch_nearest.connect(lambda aid: dispatch_nearest(console, aid, panel))
    console.commands.attach(panel.sig_command_requested, panel)
    panel.sig_unit_clicked.connect(lambda uid: show_unit(console, uid))
    from widgets.map.trajectory import ReplayClock, add_trajectory_action, recording_search

    engine = console.replay
    if engine is None:
        add_trajectory_action(panel, console.commands.send)  # commanders; operators are refused
    else:  # replay: the recording's searches, in step with the replay clock
        clock = ReplayClock(
            lambda: engine.position,
            lambda: engine.end_ts,
            lambda slot: _on_replay_moved(console, slot),
        )
        add_trajectory_action(panel, recording_search(engine.file), clock)
    from widgets.map.where_next import add_where_next_action

    add_where_next_action(
        panel,
        console.commands.send,
        lambda ids: show_cameras(console, ids),
        lambda group, ids, reply_to: push_camera_ids(console, group, ids, reply_to),
    )


def _on_replay_moved(console: Console, slot: Callable[[float], None]) -> None:
    """Call ``slot`` with the replay time whenever it moves (the replay panel is built after
    the maps: this runs when a map's dialog is first made)."""
    timeline = console.replay_panel
    assert timeline is not None
    timeline.sig_position_changed.connect(slot)


def _video_panel(console: Console) -> QWidget:
    from widgets.media import VlcEngine
    from widgets.video_wall import VideoWallPanel

    if console.engine is None:
        console.engine = VlcEngine()
    return VideoWallPanel(
        console.bridge,
        console.theme,
        engine=console.engine,
        evidence_dir=console.evidence_dir,
        operator=console.operator,
        sign_url=console.stream_urls.sign,
    )


def _wire_video(console: Console, panel: QWidget) -> None:
    from widgets.video_wall import VideoWallPanel

    assert isinstance(panel, VideoWallPanel)
    console.commands.attach(panel.sig_command_requested)  # no message area: the status area
    first = console.video
    if first is panel:
        panel.use_settings(console.settings)  # saved views persist per console profile
        console.window.evidence_action.triggered.connect(panel.open_evidence_window)
        console.window.evidence_action.setVisible(True)
    elif first is not None:
        panel.views = first.views  # one set of saved views per console


def _dashboard_panel(console: Console) -> QWidget:
    from widgets.dashboard import DashboardPanel

    return DashboardPanel(console.bridge, console.theme)


def _radio_panel(console: Console) -> QWidget:
    from widgets.radio import RadioLogPanel

    # Its own libVLC instance: the wall's is muted, radio playback must be heard.
    return RadioLogPanel(console.bridge, console.theme)


def _wire_radio(console: Console, panel: QWidget) -> None:
    from widgets.radio import RadioLogPanel

    assert isinstance(panel, RadioLogPanel)
    console.commands.attach(panel.sig_command_requested, panel)


def _replay_panel(console: Console) -> QWidget:
    from widgets.replay import ReplayPanel
    from widgets.replay.audio import ReplayAudio

    engine, media = console.replay, console.media
    assert engine is not None and media is not None
    return ReplayPanel(
        engine,
        console.theme,
        author=console.operator,
        audio=ReplayAudio(engine, media.local_url),
        evidence_dir=console.evidence_dir,
    )


REGISTRY = PanelRegistry(
    [
        PanelSpec[Console](
            "alerts",
            _alerts_panel,
            str(QT_TRANSLATE_NOOP("MainWindow", "Alert queue")),
            area=Area.BottomDockWidgetArea,
            wire=_wire_alerts,
            share=0.38,
            always=True,
        ),
        PanelSpec[Console](
            "map",
            _map_panel,
            str(QT_TRANSLATE_NOOP("MainWindow", "Map")),
            icon="map",
            area=Area.LeftDockWidgetArea,
            wire=_wire_map,
            new_text=str(QT_TRANSLATE_NOOP("MainWindow", "New map")),
            central=True,
        ),
        PanelSpec[Console](
            "video",
            _video_panel,
            str(QT_TRANSLATE_NOOP("MainWindow", "Video wall")),
            icon="video",
            area=Area.RightDockWidgetArea,
            wire=_wire_video,
            new_text=str(QT_TRANSLATE_NOOP("MainWindow", "New video wall")),
            share=0.4,
            modes=("live",),
            # The camera tree and evidence list, the layout label, the tiles' PTZ pads.
            wall_hidden=("wallLeftSplitter", "wallLayoutLabel", "ptz*"),
        ),
        PanelSpec[Console](
            "dashboard",
            _dashboard_panel,
            str(QT_TRANSLATE_NOOP("MainWindow", "Overview")),
            icon="dashboard",
            area=Area.RightDockWidgetArea,
            tab_with="videoDock",
            new_text=str(QT_TRANSLATE_NOOP("MainWindow", "New overview")),
            share=0.4,
        ),
        PanelSpec[Console](
            "radio",
            _radio_panel,
            str(QT_TRANSLATE_NOOP("MainWindow", "Radio log")),
            icon="radio",
            area=Area.BottomDockWidgetArea,
            tab_with="alertsDock",
            wire=_wire_radio,
            new_text=str(QT_TRANSLATE_NOOP("MainWindow", "New radio log")),
        ),
        PanelSpec[Console](
            "replay",
            _replay_panel,
            None,  # its dock is titled by its object name
            area=Area.BottomDockWidgetArea,
            modes=("replay",),
            always=True,
        ),
    ]
)
"""Every kind of panel, in the order they are built and docked."""
#: The optional panels a console has unless told otherwise.
PANELS = tuple(s.kind for s in REGISTRY if not s.always)


# ---- building


def build_console(
    url: str,
    token: str,
    settings: QSettings,
    theme_name: str = "dark",
    panels: tuple[str, ...] = PANELS,
    evidence_dir: Path | None = None,
    keyring: TokenKeyring | None = None,
    record_to: Path | None = None,
    wall_group: str | None = None,
    script: Path | None = None,
) -> Console:
    """Wire Store, bridge, backend client, main window and panels (not yet started).

    ``panels`` picks the optional panels: ``map`` (central, the alert queue docks under it),
    ``video`` (a dock on the right), ``dashboard`` (tabbed with the video wall) and ``radio``
    (tabbed with the alert queue). With ``wall_group`` the console is a wall display for that
    group ("all" for none in particular): no chrome, nothing sent, pushed layouts and cameras
    shown (call ``console.wall.show_layout`` for the first layout). ``keyring`` keeps the
    token once the backend took it (None: nowhere); ``script`` is the program's entry script,
    to open a recording in a process of its own.
    """
    store = Store()
    bridge = StoreBridge(store)
    saved: dict[str, str | None] = {"token": None}

    def on_status(status: LinkStatus) -> None:
        window.set_link_status(status)
        if status.state is LinkState.LIVE:  # perhaps a restarted backend: its tokens are new
            console.stream_urls.expire()
        if status.state is LinkState.LIVE and saved["token"] != client.token:
            saved["token"] = client.token
            settings.setValue("settings/backend_url", client.url)
            if keyring is not None and client.token:
                keyring.remember(client.url, client.token)

    recorder = None
    if record_to is not None:
        from console.services.recorder import Recorder

        record_to.parent.mkdir(parents=True, exist_ok=True)
        recorder = Recorder(record_to, store, meta={"backend": url})
    client = BackendClient(url, token, store, on_status=on_status, recorder=recorder)
    operator_id = operator_of(token)
    console = Console(
        store,
        bridge,
        Theme(theme_name),
        settings,
        mode="live",
        operator=operator_id or "",
        evidence_dir=evidence_dir,
        client=client,
    )
    send = client.command if wall_group is None else _refuse("wall console: read-only")
    window = _build_window(console, send, lambda: (client.head_seq, client.event_rate()))
    window.set_operator_id(operator_id)
    if recorder is not None:  # a failing recorder turns the status bar red ("Recording failed")
        window.link.set_recording_source(lambda: recorder.error)
    _build_panels(console, panels)
    prefs = console_settings.load(settings)
    if console.map is not None and prefs.base_map_url:
        console.map.set_base_layer(prefs.base_map_url, gcj02=prefs.base_map_gcj02)
    _finish(console)
    _wire_live(console, keyring, script)
    if wall_group is not None:
        console.wall = WallMode(
            window, window.docks, console.layouts.apply, REGISTRY.wall_hidden(), wall_group
        )
        bridge.sig_wall_pushed.connect(lambda event: on_wall_pushed(console, event))
    else:
        wall_push = console.wall_push = WallPush(console.layouts, settings, window)
        window.push_layout_action.triggered.connect(wall_push.ask_layout)
        window.push_cameras_action.triggered.connect(wall_push.ask_cameras)
        wall_push.sig_push_layout.connect(lambda g, n, doc: push_layout(console, g, n, doc))
        wall_push.sig_push_cameras.connect(lambda g: push_cameras(console, g))
        window.inventory_action.triggered.connect(lambda: open_inventory(console, send))
        window.watch_action.triggered.connect(lambda: _open_watch_list(console, send))
    return console


def _open_watch_list(console: Console, send: SendCommand) -> None:
    """Show the watch-list window (made on first use), the list asked for afresh."""
    from widgets.watch import WatchListWindow

    window = console.window.findChild(WatchListWindow, "watchListWindow")
    if window is None:
        window = WatchListWindow(send, console.window)
    window.show()
    window.raise_()
    window.refresh()


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
    from widgets.replay import ReplayBanner

    store = Store()
    bridge = StoreBridge(store)
    engine = ReplayEngine(str(path), store)
    # Radio audio comes from the recording itself (served on 127.0.0.1), also for the radio log.
    media = MediaServer(engine.file).start()
    engine.audio_source = media.local_url
    console = Console(
        store,
        bridge,
        Theme(theme_name),
        settings,
        mode="replay",
        operator=author,
        evidence_dir=Path(console_settings.load(settings).evidence_dir),
        replay=engine,
        media=media,
    )
    refuse = _refuse("replay mode: nothing is sent")
    window = _build_window(console, refuse, lambda: (store.seq, float(engine.events_per_second)))
    _build_panels(console, panels)
    window.setMenuWidget(_with_banner(window, ReplayBanner(console.theme, path)))
    # No link at all in replay: say so rather than "Connecting".
    window.set_link_status(
        LinkStatus(
            LinkState.OFFLINE,
            detail=QCoreApplication.translate("MainWindow", "replay: no backend link"),
        )
    )
    window.setWindowTitle(
        QCoreApplication.translate("MainWindow", "Replay — %1").replace("%1", Path(path).name)
    )
    engine.seek(engine.start_ts)
    _finish(console)
    return console


def _build_window(
    console: Console, send: SendCommand, metrics: Callable[[], tuple[int | None, float]]
) -> MainWindow:
    """The window around the alert queue, its command runner and its layouts."""
    queue = REGISTRY.get("alerts")
    alerts = queue.factory(console)
    assert isinstance(alerts, AlertQueuePanel)
    console.panels[queue.kind] = alerts
    window = console.window = MainWindow(alerts, console.theme, metrics, REGISTRY)
    console.commands = CommandRunner(send, console.store.with_names, window, parent=window)
    layouts = console.layouts = LayoutStore(
        window, REGISTRY, console.settings, lambda: window.operator_id, window
    )
    layouts.restore_geometry()
    LayoutMenu(window.layouts_menu, layouts, window)
    window.sig_closing.connect(layouts.remember)
    if queue.wire is not None:
        queue.wire(console, alerts)
    return window


def _build_panels(console: Console, panels: tuple[str, ...]) -> None:
    """Build the chosen panels (the registry's order) and dock them; View → New … opens more
    of the same kinds."""
    window = console.window
    specs = [
        s
        for s in REGISTRY
        if console.mode in s.modes and (s.always or s.kind in panels) and s.kind != "alerts"
    ]
    window.set_panel_factory(lambda kind: _extra_panel(console, kind), [s.kind for s in specs])
    window.sig_panel_removed.connect(lambda _n, p: _on_panel_removed(console, p))
    for spec in specs:
        panel = spec.factory(console)
        console.panels[spec.kind] = panel
        window.add_panel(panel, spec.dock, spec.area, central=spec.central, tab_with=spec.tab_with)
        if spec.wire is not None:
            spec.wire(console, panel)


def _extra_panel(console: Console, kind: str) -> QWidget:
    """Another panel of ``kind`` (View → New …), wired like the first one."""
    spec = REGISTRY.get(kind)
    panel = spec.factory(console)
    if spec.wire is not None:
        spec.wire(console, panel)
    console.extras.append(panel)
    return panel


def _finish(console: Console) -> None:
    console.layouts.restore()
    console.window.sig_palette_requested.connect(lambda: open_palette(console))


def _wire_live(console: Console, keyring: TokenKeyring | None, script: Path | None) -> None:
    """A live console's File menu (sign in again, settings, open a recording) and the P1 beep."""
    window, client, settings = console.window, console.client, console.settings
    assert client is not None

    def base_map(source: str | None, gcj02: bool) -> None:
        if console.map is not None:
            console.map.set_base_layer(source, gcj02=gcj02)

    link = console.link_control = LinkControl(
        client, settings, keyring, base_map, window.set_operator_id, window
    )
    window.sig_settings_requested.connect(link.open_settings)
    window.sig_sign_in_requested.connect(link.sign_in_again)
    window.sig_open_recording.connect(lambda path: open_recording(path, script))

    def on_raised(alerts: list[Alert]) -> None:
        # Priority-1 arrivals are heard, not only seen (an operator may be on the phone).
        if any(a.priority == 1 for a in alerts) and console_settings.load(settings).sounds:
            QApplication.beep()

    console.bridge.sig_alerts_raised.connect(on_raised)
    _renew_stream_urls(console)


def _renew_stream_urls(console: Console) -> None:
    """Keep the cameras' gateway URLs signed: ask ``camera.stream_urls`` when due (walls too)."""
    client, urls = console.client, console.stream_urls
    assert client is not None
    asking = False

    def on_answer(future: asyncio.Future[CommandAnswered]) -> None:
        nonlocal asking
        asking = False
        answer = None if future.cancelled() or future.exception() else future.result()
        if answer is not None and answer.ok and answer.data is not None:
            urls.apply(answer.data)
        else:
            urls.failed()

    def tick() -> None:
        nonlocal asking
        if asking or not urls.due() or not console.store.cameras:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the store fed without a link (tests); the timer asks later
            return
        asking = True
        try:
            client.command("camera.stream_urls", {}).add_done_callback(on_answer)
        except ProtocolError:
            asking = False
            urls.failed()

    timer = QTimer(console.window, interval=1000)
    timer.timeout.connect(tick)
    timer.start()
    console.bridge.sig_snapshot_loaded.connect(lambda _seq: tick())
    console.bridge.sig_cameras_changed.connect(lambda _cams: tick())


def open_recording(path: str, script: Path | None) -> None:
    """Replay a recording in a window and process of its own: it cannot touch the live link."""
    from PySide6.QtCore import QProcess

    if getattr(sys, "frozen", False):  # the bundle's executable is the program
        program = []
    else:
        program = [str(script if script is not None else Path(sys.argv[0]).resolve())]
    QProcess.startDetached(sys.executable, [*program, "--replay", path])


def _refuse(reason: str) -> SendCommand:
    """A command sender that answers every command ``forbidden`` locally, sending nothing."""

    def refuse(name: str, args: dict[str, Any]) -> asyncio.Future[CommandAnswered]:
        answer = CommandAnswered("local", name, args, False, None, "forbidden", reason)
        future: asyncio.Future[CommandAnswered] = asyncio.get_running_loop().create_future()
        future.set_result(answer)
        return future

    return refuse


def _with_banner(window: MainWindow, banner: QWidget) -> QWidget:
    """The menu bar with the permanent REPLAY banner under it."""
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0)
    lay.addWidget(window.menuBar())
    lay.addWidget(banner)
    return box


def _on_panel_removed(console: Console, panel: QWidget) -> None:
    if panel in console.extras:
        console.extras.remove(panel)
    stop_panel(panel)
    panel.deleteLater()
