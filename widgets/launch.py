"""Starting the console process: Qt, the qasync loop, language and theme, then one console.

``main.py`` parses the command line and calls :func:`start`; everything after that is here:
logging and crash reports, the ``QApplication`` and its event loop, the token (the command
line, the keyring, else the sign-in dialog), building the console (``widgets/assembly.py``)
and running it until its window closes. Module-level imports are the standard library only,
so that ``main.py`` can answer ``--help`` without Qt.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from widgets.assembly import Console
    from widgets.gc_guard import GuiThreadCollector
    from widgets.layout_store import LayoutStore


def has_display() -> bool:
    """True when Qt can open windows here (a display, or an explicit QPA platform)."""
    return bool(
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
        or sys.platform in ("win32", "darwin")
    )


def user_settings() -> QSettings:
    """The operator's own settings file (INI, user scope)."""
    from PySide6.QtCore import QSettings

    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "dispatch-console", "console"
    )


def recording_path(explicit: str | None, folder: str) -> Path:
    """Where this session is recorded: the given file, or a new time-stamped one."""
    if explicit:
        return Path(explicit)
    import time

    return Path(folder) / time.strftime("console-%Y%m%d-%H%M%S.sqlite3")


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


def start(args: argparse.Namespace, *, version: str, script: Path) -> int:
    """Run the console the command line asks for; the process's exit code.

    Args:
        args: The parsed command line (``main.py``).
        version: The console's version (crash reports).
        script: The entry script, to start a replay in a process of its own.
    """
    import logging

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
    from PySide6.QtCore import QProcess, QTimer
    from PySide6.QtWidgets import QApplication

    from widgets import i18n
    from widgets import settings as console_settings
    from widgets.crash import install_crash_handler, relaunch_command
    from widgets.gc_guard import GuiThreadCollector
    from widgets.theme import Theme

    prepare_qt()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("dispatch-console")
    app.setQuitOnLastWindowClosed(False)
    prefs = console_settings.load(user_settings())
    translators = i18n.install(app, args.lang or prefs.language or i18n.default_language())
    Theme(args.theme or ("wall" if args.wall else prefs.theme)).apply(app)
    collector = GuiThreadCollector(parent=app)  # Qt objects die on the GUI thread only
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    closed = asyncio.Event()

    def restart() -> None:
        program, arguments = relaunch_command()
        QProcess.startDetached(program, arguments, os.getcwd())
        loop.call_soon(closed.set)

    crash_handler = install_crash_handler(
        log_dir / "crashes", restart=restart, parent_getter=app.activeWindow, version=version
    )
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: loop.call_soon_threadsafe(closed.set))
    wake = QTimer(interval=300)  # lets Python run its signal handlers while Qt idles
    wake.timeout.connect(lambda: None)
    wake.start()
    try:
        with loop:
            run = (
                run_replay(args, closed)
                if args.replay
                else run_console(args, closed, script, collector)
            )
            code = int(loop.run_until_complete(run))
    finally:
        crash_handler.uninstall()
        collector.stop()
        del translators
    return code


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


async def run_console(
    args: argparse.Namespace,
    closed: asyncio.Event,
    script: Path,
    collector: GuiThreadCollector | None = None,
) -> int:
    """Build the console, connect, and run until the main window closes.

    ``collector`` settles each snapshot the console loads (see :mod:`widgets.gc_guard`).
    """
    from widgets import settings as console_settings
    from widgets.assembly import build_console
    from widgets.link_control import TokenKeyring, ask_sign_in

    settings = user_settings()
    prefs = console_settings.load(settings)
    keyring = TokenKeyring()
    url = args.backend or prefs.backend_url
    token = args.token or await keyring.get(url)
    if not token:
        answer = await ask_sign_in(url)
        if answer is None:
            return 1
        url, token = answer

    console = build_console(
        url,
        token,
        settings,
        args.theme or ("wall" if args.wall else prefs.theme),
        evidence_dir=Path(prefs.evidence_dir),
        keyring=keyring,
        record_to=None if args.no_record else recording_path(args.record, prefs.recording_dir),
        wall_group=args.wall_group if args.wall else None,
        script=script,
    )
    client, window = console.client, console.window
    assert client is not None
    if collector is not None:
        console.bridge.sig_snapshot_loaded.connect(lambda _seq: collector.settle())
    wall_layout = find_wall_layout(args.wall, console.layouts) if args.wall else None
    if args.wall and wall_layout is None:
        names = ", ".join(console.layouts.names()) or "none"
        print(
            f"dispatch-console: no layout {args.wall!r} (not a layout file, and no saved"
            f" layout of that name; saved layouts: {names})",
            file=sys.stderr,
        )
        await console.shutdown()
        return 2
    window.sig_closed.connect(closed.set)
    smoke = SmokeCheck(console, args.smoke_exit, closed) if args.smoke_exit else None
    if console.wall is not None and wall_layout is not None:
        console.wall.show_layout(wall_layout)
    elif console.layouts.has_saved_geometry:
        window.show()
    else:
        window.showMaximized()  # first run: a control-room screen is the console's own
    client.start()
    await closed.wait()
    await console.shutdown()
    return smoke.code if smoke is not None else 0


def find_wall_layout(name: str, layouts: LayoutStore) -> dict[str, Any] | None:
    """The layout ``--wall`` names: a layout file, else a saved layout of that name."""
    from widgets.layout_store import read_layout_file

    path = Path(name)
    return read_layout_file(path) if path.is_file() else layouts.saved(name)


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
