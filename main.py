"""Composition root of the dispatch console: arguments, QApplication + qasync, wiring."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from console.domain.store import Store
    from console.services.client import BackendClient
    from widgets.bridge import StoreBridge
    from widgets.dashboard import DashboardPanel
    from widgets.main_window import MainWindow
    from widgets.map import MapPanel
    from widgets.palette import PaletteEntry
    from widgets.radio import RadioLogPanel
    from widgets.video_wall import VideoWallPanel, VlcEngine

__version__ = "0.1.0"
DEFAULT_BACKEND = "ws://127.0.0.1:8765/ws"
KEYRING_SERVICE = "dispatch-console"

log = logging.getLogger("console")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dispatch-console",
        description="Command-and-dispatch console: alert queue, units, video, radio.",
    )
    p.add_argument("--backend", default=None, help=f"backend URL (default {DEFAULT_BACKEND})")
    p.add_argument(
        "--token",
        default=os.environ.get("DISPATCH_CONSOLE_TOKEN"),
        help="operator token (default: $DISPATCH_CONSOLE_TOKEN, else the keyring, else sign-in)",
    )
    p.add_argument("--lang", choices=("zh_CN", "en"), default=None, help="UI language")
    p.add_argument(
        "--theme", choices=("dark", "light"), default=None, help="colour theme (default: settings)"
    )
    p.add_argument("--version", action="version", version=f"dispatch-console {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p


def has_display() -> bool:
    """True when Qt can open windows here (a display, or an explicit QPA platform)."""
    return bool(
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
        or sys.platform in ("win32", "darwin")
    )


def _keyring_get(url: str) -> str | None:
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, url)
    except Exception as exc:  # no usable keyring backend on this machine
        log.warning("keyring unavailable (%s); the token is kept in memory only", exc)
        return None


def _keyring_set(url: str, token: str | None) -> None:
    try:
        import keyring

        if token is None:
            keyring.delete_password(KEYRING_SERVICE, url)
        else:
            keyring.set_password(KEYRING_SERVICE, url, token)
    except Exception as exc:
        log.warning("keyring unavailable (%s); the token is kept in memory only", exc)


PANELS = ("map", "video", "dashboard", "radio")


@dataclass
class Console:
    """Everything the composition root built for one console window."""

    store: Store
    bridge: StoreBridge
    client: BackendClient
    window: MainWindow
    map: MapPanel | None = None
    video: VideoWallPanel | None = None
    engine: VlcEngine | None = None
    dashboard: DashboardPanel | None = None
    radio: RadioLogPanel | None = None

    async def shutdown(self) -> None:
        """Stop the link and every video player (never on the GUI thread's critical path)."""
        await self.client.stop()
        if self.radio is not None:
            self.radio.shutdown()
        if self.video is not None:
            self.video.shutdown()
        if self.engine is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.engine.shutdown)


def prepare_qt() -> None:
    """What Qt needs before the QApplication exists (the map's WebEngine page)."""
    from PySide6.QtCore import QCoreApplication, Qt

    from widgets.map.scheme import register_map_scheme

    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium refuses to run its sandbox as root (containers, kiosk boxes, CI).
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--no-sandbox" not in flags:
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (flags + " --no-sandbox").strip()
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    register_map_scheme()


def build_console(
    url: str,
    token: str,
    settings: QSettings,
    theme_name: str = "dark",
    panels: tuple[str, ...] = PANELS,
    evidence_dir: Path | None = None,
) -> Console:
    """Wire Store, bridge, backend client, main window and panels (not yet started).

    ``panels`` picks the optional panels: ``map`` (central, the alert queue docks under it),
    ``video`` (a dock on the right), ``dashboard`` (tabbed with the video wall) and ``radio``
    (tabbed with the alert queue).
    """
    from console.domain.store import Store
    from console.services.client import BackendClient, LinkState, LinkStatus
    from widgets.bridge import StoreBridge
    from widgets.main_window import MainWindow
    from widgets.theme import Theme

    loop = asyncio.get_running_loop()
    store = Store()
    bridge = StoreBridge(store)
    saved: dict[str, str | None] = {"token": None}

    def on_status(status: LinkStatus) -> None:
        window.set_link_status(status)
        if status.state is LinkState.LIVE and saved["token"] != client.token:
            saved["token"] = client.token
            settings.setValue("settings/backend_url", client.url)
            loop.run_in_executor(None, _keyring_set, client.url, client.token)

    client = BackendClient(url, token, store, on_status=on_status)
    theme = Theme(theme_name)
    window = MainWindow(
        bridge, theme, client.command, lambda: (client.head_seq, client.event_rate()), settings
    )
    operator_id = token.split(".", 1)[0] if "." in token else None
    window.set_operator_id(operator_id)
    console = Console(store, bridge, client, window)
    if "map" in panels:
        from PySide6.QtCore import Qt

        from widgets.map import MapPanel

        console.map = MapPanel(bridge, theme)
        window.add_panel(
            console.map,
            "mapDock",
            Qt.DockWidgetArea.TopDockWidgetArea,
            central=True,
        )
    if "video" in panels:
        from PySide6.QtCore import Qt

        from widgets.video_wall import VideoWallPanel, VlcEngine

        console.engine = VlcEngine()
        console.video = VideoWallPanel(
            bridge,
            theme,
            engine=console.engine,
            evidence_dir=evidence_dir,
            operator=operator_id or "",
        )
        window.add_panel(
            console.video,
            "videoDock",
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
    if "dashboard" in panels:
        from PySide6.QtCore import Qt

        from widgets.dashboard import DashboardPanel

        console.dashboard = DashboardPanel(bridge, theme)
        window.add_panel(
            console.dashboard,
            "dashboardDock",
            Qt.DockWidgetArea.RightDockWidgetArea,
            tab_with="videoDock",
        )
    if "radio" in panels:
        from PySide6.QtCore import Qt

        from widgets.radio import RadioLogPanel

        # Its own libVLC instance: the wall's is muted, radio playback must be heard.
        console.radio = RadioLogPanel(bridge, theme)
        console.radio.sig_command_requested.connect(window.run_command)
        window.add_panel(
            console.radio,
            "radioDock",
            Qt.DockWidgetArea.BottomDockWidgetArea,
            tab_with="alertsDock",
        )
    window.restore_layout()
    window.sig_palette_requested.connect(lambda: open_palette(console))
    if console.map is not None:
        console.map.sig_dispatch_nearest.connect(lambda aid: dispatch_nearest(console, aid))
        console.map.sig_unit_clicked.connect(lambda uid: show_unit(console, uid))
    return console


def dispatch_nearest(console: Console, alert_id: str) -> None:
    """派警 from the map: the recommended (nearest by ETA) available unit, in one gesture."""
    import time

    from console.dispatch import recommend

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
    import time

    from widgets import labels

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
    from widgets import labels
    from widgets.palette import PaletteEntry

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
    from widgets.palette import CommandPalette

    palette = CommandPalette(palette_entries(console), console.window)
    console.window.palette = palette
    palette.open()


async def run_console(args: argparse.Namespace, closed: asyncio.Event) -> int:
    """Build the console, connect, and run until the main window closes."""
    from PySide6.QtWidgets import QApplication

    from console.domain.model import Alert
    from widgets import settings as console_settings
    from widgets.login import LoginDialog

    loop = asyncio.get_running_loop()
    settings = user_settings()
    prefs = console_settings.load(settings)
    url = args.backend or prefs.backend_url
    token = args.token or await loop.run_in_executor(None, _keyring_get, url)

    async def ask(url: str, message: str = "") -> tuple[str, str] | None:
        dialog = LoginDialog(url, message)
        done: asyncio.Future[int] = loop.create_future()
        dialog.finished.connect(lambda code: done.done() or done.set_result(code))
        dialog.open()
        return dialog.values() if await done else None

    if not token:
        answer = await ask(url)
        if answer is None:
            return 1
        url, token = answer

    console = build_console(
        url, token, settings, args.theme or prefs.theme, evidence_dir=Path(prefs.evidence_dir)
    )
    client, window = console.client, console.window
    if console.map is not None and prefs.base_map_url:
        console.map.set_base_layer(prefs.base_map_url, gcj02=prefs.base_map_gcj02)

    def open_settings() -> None:
        from widgets.settings_dialog import SettingsDialog

        dialog = SettingsDialog(console_settings.load(settings), window)

        def saved() -> None:
            new = dialog.result_settings()
            console_settings.save(settings, new)
            if console.map is not None:
                console.map.set_base_layer(new.base_map_url or None, gcj02=new.base_map_gcj02)
            if new.backend_url != client.url:
                from console.protocol.session import ClientSession

                client.session = ClientSession()
                client.url = new.backend_url
                client.reconnect_now()

        dialog.accepted.connect(saved)
        window.settings_dialog = dialog
        dialog.open()

    window.sig_settings_requested.connect(open_settings)

    def on_raised(alerts: list[Alert]) -> None:
        # Priority-1 arrivals are heard, not only seen (an operator may be on the phone).
        if any(a.priority == 1 for a in alerts) and console_settings.load(settings).sounds:
            QApplication.beep()

    console.bridge.sig_alerts_raised.connect(on_raised)

    async def sign_in_again() -> None:
        answer = await ask(client.url, "")
        if answer is None:
            return
        new_url, new_token = answer
        await loop.run_in_executor(None, _keyring_set, client.url, None)
        if new_url != client.url:
            from console.protocol.session import ClientSession

            client.session = ClientSession()
        client.url, client.token = new_url, new_token
        window.set_operator_id(new_token.split(".", 1)[0] if "." in new_token else None)
        client.reconnect_now()

    window.sig_sign_in_requested.connect(lambda: loop.create_task(sign_in_again()))
    window.sig_closed.connect(closed.set)
    if window.has_saved_geometry:
        window.show()
    else:
        window.showMaximized()  # first run: a control-room screen is the console's own
    client.start()
    await closed.wait()
    await console.shutdown()
    return 0


def user_settings() -> QSettings:
    """The operator's own settings file (INI, user scope)."""
    from PySide6.QtCore import QSettings

    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "dispatch-console", "console"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``dispatch-console``."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not has_display():
        print(
            "dispatch-console: no display found (DISPLAY/WAYLAND_DISPLAY unset).\n"
            "Run it on a desktop, or on a virtual display:  xvfb-run -a dispatch-console ...\n"
            "(or: xvfb-run -a make demo)",
            file=sys.stderr,
        )
        return 2
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from widgets import i18n

    prepare_qt()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("dispatch-console")
    app.setQuitOnLastWindowClosed(False)
    from widgets import settings as console_settings
    from widgets.theme import Theme

    prefs = console_settings.load(user_settings())
    translators = i18n.install(app, args.lang or prefs.language or i18n.default_language())
    Theme(args.theme or prefs.theme).apply(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    closed = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: loop.call_soon_threadsafe(closed.set))
    wake = QTimer(interval=300)  # lets Python run its signal handlers while Qt idles
    wake.timeout.connect(lambda: None)
    wake.start()
    try:
        with loop:
            code = loop.run_until_complete(run_console(args, closed))
    finally:
        del translators
    return code


if __name__ == "__main__":
    sys.exit(main())
