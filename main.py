"""Composition root of the dispatch console: arguments, QApplication + qasync, wiring."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from widgets.assembly import Console
    from widgets.main_window import MainWindow

LAYOUT_FORMAT = "dispatch-console-layout"

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
        "--theme",
        choices=("dark", "light", "wall"),
        default=None,
        help="colour theme (default: settings; wall = high contrast for a video wall)",
    )
    p.add_argument(
        "--replay", metavar="FILE", default=None, help="replay a recording (no backend at all)"
    )
    p.add_argument(
        "--record",
        metavar="FILE",
        default=None,
        help="record this session to FILE (default: a new file in the recording folder)",
    )
    p.add_argument("--no-record", action="store_true", help="do not record this session")
    p.add_argument(
        "--wall",
        metavar="LAYOUT",
        default=None,
        help="wall mode: show a saved layout (or a layout file) full screen over every monitor,"
        " read-only, no menus; sign in with a wall-role token",
    )
    p.add_argument(
        "--wall-group",
        metavar="NAME",
        default="all",
        help="the wall group this wall console belongs to (pushes to it or to 'all' are shown)",
    )
    p.add_argument(
        "--smoke-exit",
        metavar="SECONDS",
        type=float,
        default=None,
        help="installation check: quit once the main window is shown, the backend's snapshot is"
        " loaded and the map page is ready, printing one JSON line; exit 3 if that takes longer"
        " than SECONDS",
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


async def run_replay(args: argparse.Namespace, closed: asyncio.Event) -> int:
    """Replay a recording on every panel until the window closes."""
    from widgets import settings as console_settings
    from widgets.assembly import build_replay

    settings = user_settings()
    prefs = console_settings.load(settings)
    path = Path(args.replay)
    try:
        console = build_replay(
            path, settings, args.theme or prefs.theme, author=os.environ.get("USER", "")
        )
    except Exception as exc:  # a damaged or foreign file: say so, do not crash
        print(f"dispatch-console: cannot open recording {path}: {exc}", file=sys.stderr)
        return 2
    console.window.sig_closed.connect(closed.set)
    console.window.show()
    await closed.wait()
    await console.shutdown()
    return 0


async def run_console(args: argparse.Namespace, closed: asyncio.Event) -> int:
    """Build the console, connect, and run until the main window closes."""
    from PySide6.QtWidgets import QApplication

    from console.domain.model import Alert
    from widgets import settings as console_settings
    from widgets.assembly import build_console
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

    def remember(url: str, token: str) -> None:
        loop.run_in_executor(None, _keyring_set, url, token)

    console = build_console(
        url,
        token,
        settings,
        args.theme or ("wall" if args.wall else prefs.theme),
        evidence_dir=Path(prefs.evidence_dir),
        remember_token=remember,
        record_to=None if args.no_record else recording_path(args.record, prefs.recording_dir),
        wall_group=args.wall_group if args.wall else None,
    )
    client, window = console.client, console.window
    assert client is not None
    wall_layout = find_wall_layout(args.wall, window) if args.wall else None
    if args.wall and wall_layout is None:
        names = ", ".join(window.layout_names()) or "none"
        print(
            f"dispatch-console: no layout {args.wall!r} (not a layout file, and no saved layout"
            f" of that name; saved layouts: {names})",
            file=sys.stderr,
        )
        await console.shutdown()
        return 2
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

    def open_recording(path: str) -> None:
        # Replay runs in its own window and process: it cannot touch the live link.
        from PySide6.QtCore import QProcess

        script = [] if getattr(sys, "frozen", False) else [str(Path(__file__).resolve())]
        QProcess.startDetached(sys.executable, [*script, "--replay", path])  # frozen: the bundle

    window.sig_open_recording.connect(open_recording)

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
    smoke = SmokeCheck(console, args.smoke_exit, closed) if args.smoke_exit else None
    if console.wall is not None and wall_layout is not None:
        console.wall.show_layout(wall_layout)
    elif window.has_saved_geometry:
        window.show()
    else:
        window.showMaximized()  # first run: a control-room screen is the console's own
    client.start()
    await closed.wait()
    await console.shutdown()
    return smoke.code if smoke is not None else 0


def find_wall_layout(name: str, window: MainWindow) -> dict[str, object] | None:
    """The layout ``--wall`` names: a layout file, else a saved layout of that name."""
    import json

    path = Path(name)
    if path.is_file():
        try:
            doc = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return doc if isinstance(doc, dict) and doc.get("format") == LAYOUT_FORMAT else None
    return window.saved_layout(name)


class SmokeCheck:
    """``--smoke-exit``: close the console once it is usable, or give up after ``seconds``.

    Usable: the main window is shown, the backend's snapshot is applied and the map page has
    loaded (Qt WebEngine works). Prints one JSON line on stdout either way, with the libVLC
    it loaded; ``code`` is 0 when it got there, 3 when not (used by tests/package).
    """

    def __init__(self, console: Console, seconds: float, closed: asyncio.Event) -> None:
        import time

        self.code = 3
        self._console, self._closed, self._t0 = console, closed, time.monotonic()
        self.waiting = {"snapshot"} | ({"map"} if console.map is not None else set())
        console.bridge.sig_snapshot_loaded.connect(lambda _seq: self._reached("snapshot"))
        if console.map is not None:
            console.map.sig_page_ready.connect(lambda: self._reached("map"))
        asyncio.get_running_loop().call_later(seconds, self._finish)

    def _reached(self, what: str) -> None:
        self.waiting.discard(what)
        if not self.waiting and self._console.window.isVisible():
            self.code = 0
            self._finish()

    def _finish(self) -> None:
        import json
        import time

        if self._closed.is_set():
            return
        report: dict[str, object] = {
            "smoke": "ok" if self.code == 0 else "timeout",
            "waiting": sorted(self.waiting),
            "seconds": round(time.monotonic() - self._t0, 2),
            "frozen": bool(getattr(sys, "frozen", False)),
        }
        if self._console.engine is not None:
            import vlc

            report["libvlc"] = vlc.libvlc_get_version().decode()
            report["libvlc_path"] = str(getattr(vlc.dll, "_name", ""))
            report["vlc_filters"] = len(self._console.engine.instance.video_filter_list_get())
        print(json.dumps(report), flush=True)
        self._closed.set()


def recording_path(explicit: str | None, folder: str) -> Path:
    """Where this session is recorded: the given file, or a new time-stamped one."""
    if explicit:
        return Path(explicit)
    import time

    return Path(folder) / time.strftime("console-%Y%m%d-%H%M%S.sqlite3")


def user_settings() -> QSettings:
    """The operator's own settings file (INI, user scope)."""
    from PySide6.QtCore import QSettings

    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "dispatch-console", "console"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``dispatch-console``."""
    args = _parser().parse_args(argv)
    from platformdirs import user_log_dir

    from widgets.logs import setup_logging

    log_dir = Path(user_log_dir("dispatch-console", appauthor=False))
    setup_logging(log_dir, logging.DEBUG if args.verbose else logging.INFO)
    if not has_display():
        print(
            "dispatch-console: no display found (DISPLAY/WAYLAND_DISPLAY unset).\n"
            "Run it on a desktop, or on a virtual display:  xvfb-run -a dispatch-console ...\n"
            "(or: xvfb-run -a make demo)",
            file=sys.stderr,
        )
        return 2
    if args.replay and not Path(args.replay).is_file():
        print(f"dispatch-console: no recording at {args.replay}", file=sys.stderr)
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
    Theme(args.theme or ("wall" if args.wall else prefs.theme)).apply(app)
    from widgets.gc_guard import GuiThreadCollector

    collector = GuiThreadCollector(parent=app)  # Qt objects die on the GUI thread only
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    closed = asyncio.Event()
    from PySide6.QtCore import QProcess

    from widgets.crash import install_crash_handler, relaunch_command

    def restart() -> None:
        program, arguments = relaunch_command()
        QProcess.startDetached(program, arguments, os.getcwd())
        loop.call_soon(closed.set)

    crash_handler = install_crash_handler(
        log_dir / "crashes", restart=restart, parent_getter=app.activeWindow, version=__version__
    )
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: loop.call_soon_threadsafe(closed.set))
    wake = QTimer(interval=300)  # lets Python run its signal handlers while Qt idles
    wake.timeout.connect(lambda: None)
    wake.start()
    try:
        with loop:
            run = run_replay if args.replay else run_console
            code = loop.run_until_complete(run(args, closed))
    finally:
        crash_handler.uninstall()
        collector.stop()
        del translators
    return code


if __name__ == "__main__":
    sys.exit(main())
