"""Crash handling: a report file for every uncaught exception, and an offer to restart.

Reports hold the time, versions, platform, the traceback and the last log lines, all passed
through :func:`widgets.logs.redact`; never environment variables or settings values.
"""

from __future__ import annotations

import logging
import platform
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import PySide6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot, qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from widgets.logs import recent_log_lines, redact

log = logging.getLogger("console.crash")
# A crash loop (an exception on every repaint) must not fill the disk.
MAX_REPORTS = 20


def relaunch_command() -> tuple[str, list[str]]:
    """Program and arguments that start this process again, as it was started."""
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: the executable is the program
        return sys.executable, sys.argv[1:]
    return sys.executable, list(sys.orig_argv[1:])


class CrashHandler(QObject):
    """Writes crash reports from any thread and shows the restart offer on the GUI thread.

    Create it on the GUI thread: queued signals then bring reports from other threads here.
    """

    sig_crash_reported = Signal(str)
    """A report was written (its path); delivered on the GUI thread."""

    def __init__(
        self,
        report_dir: Path,
        *,
        restart: Callable[[], None] | None,
        parent_getter: Callable[[], QWidget | None],
        version: str = "",
        log_lines: Callable[[], list[str]] = recent_log_lines,
    ) -> None:
        super().__init__()
        self.report_dir = report_dir
        self.dialog: QMessageBox | None = None
        self.reports: list[Path] = []
        self._restart = restart
        self._parent_getter = parent_getter
        self._version = version or QCoreApplication.applicationVersion() or "unknown"
        self._log_lines = log_lines
        self._lock = threading.Lock()
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        self.sig_crash_reported.connect(self._on_crash_reported, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        """Become ``sys.excepthook`` and ``threading.excepthook``."""
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook

    def uninstall(self) -> None:
        """Give the hooks back to whoever had them before :meth:`install`."""
        if sys.excepthook == self.excepthook:
            sys.excepthook = self._previous_hook
        if threading.excepthook == self.thread_excepthook:
            threading.excepthook = self._previous_thread_hook

    def excepthook(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        """The ``sys.excepthook``: report, then offer a restart (on the GUI thread)."""
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous_hook(exc_type, exc, tb)
            return
        self._handle(exc_type, exc, tb, threading.current_thread().name)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        """The ``threading.excepthook``: as :meth:`excepthook`, for a Python thread."""
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "?"
        self._handle(args.exc_type, args.exc_value, args.exc_traceback, name)

    def write_report(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
        thread_name: str = "",
    ) -> Path | None:
        """Write a redacted crash report; None when the report cap is reached."""
        with self._lock:
            if len(self.reports) >= MAX_REPORTS:
                return None
            self.report_dir.mkdir(parents=True, exist_ok=True)
            stamp = time.strftime("%Y%m%d-%H%M%S")
            path = self.report_dir / f"crash-{stamp}.txt"
            n = 1
            while path.exists():  # several crashes in one second
                path = self.report_dir / f"crash-{stamp}-{n}.txt"
                n += 1
            path.write_text(self._report_text(exc_type, exc, tb, thread_name), "utf-8")
            self.reports.append(path)
            return path

    def _report_text(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
        thread_name: str,
    ) -> str:
        lines = [
            "dispatch-console crash report",
            f"time: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
            f"version: {self._version}",
            f"platform: {platform.platform()}",
            f"python: {sys.version.replace(chr(10), ' ')}",
            f"qt: {qVersion()} (PySide6 {PySide6.__version__})",
            f"thread: {thread_name}",
            "",
            "traceback:",
            "".join(traceback.format_exception(exc_type, exc, tb)).rstrip(),
            "",
            "recent log lines:",
        ]
        try:
            lines.extend(self._log_lines())
        except Exception as err:  # the report matters more than its log tail
            lines.append(f"(log lines unavailable: {err!r})")
        return redact("\n".join(lines)) + "\n"

    def _handle(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
        thread_name: str,
    ) -> None:
        try:
            log.critical("uncaught exception in %s", thread_name, exc_info=(exc_type, exc, tb))
            path = self.write_report(exc_type, exc, tb, thread_name)
        except Exception:  # a hook that raises hides the original error; fall back
            self._previous_hook(exc_type, exc, tb)
            return
        if path is not None:
            # Queued even from the GUI thread: the dialog is built from the event loop, not
            # from inside whatever paint or slot just failed.
            self.sig_crash_reported.emit(str(path))

    @Slot(str)
    def _on_crash_reported(self, path: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.setInformativeText(self._details(path))
            return
        box = QMessageBox(self._parent_getter())
        box.setObjectName("crashDialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(QCoreApplication.translate("CrashHandler", "Unexpected error"))
        box.setText(
            QCoreApplication.translate(
                "CrashHandler", "The console hit an unexpected error and may not work correctly."
            )
        )
        box.setInformativeText(self._details(path))
        if self._restart is not None:
            restart = box.addButton(
                QCoreApplication.translate("CrashHandler", "Restart"),
                QMessageBox.ButtonRole.AcceptRole,
            )
            restart.setObjectName("crashRestart")
            restart.clicked.connect(self._on_restart_clicked)
        close = box.addButton(
            QCoreApplication.translate("CrashHandler", "Close"), QMessageBox.ButtonRole.RejectRole
        )
        close.setObjectName("crashClose")
        box.setDefaultButton(close)
        box.destroyed.connect(self._on_dialog_destroyed)
        self.dialog = box
        box.open()

    def _details(self, path: str) -> str:
        return QCoreApplication.translate("CrashHandler", "A report was written to:\n%1").replace(
            "%1", path
        )

    @Slot()
    def _on_restart_clicked(self) -> None:
        if self._restart is not None:
            self._restart()

    @Slot()
    def _on_dialog_destroyed(self) -> None:
        self.dialog = None


def install_crash_handler(
    report_dir: Path,
    *,
    restart: Callable[[], None] | None,
    parent_getter: Callable[[], QWidget | None],
    version: str = "",
) -> CrashHandler:
    """Report every uncaught exception (any thread) to ``report_dir`` and offer a restart.

    Call on the GUI thread once the QApplication exists; keep the returned handler alive.

    Args:
        report_dir: Folder of the ``crash-YYYYmmdd-HHMMSS.txt`` reports.
        restart: Starts the console again (and ends this one); None: no Restart button.
        parent_getter: The window the dialog belongs to, asked when it opens.
        version: The console version written into reports.
    """
    app = QCoreApplication.instance()
    if app is not None and QThread.currentThread() != app.thread():
        raise RuntimeError("install_crash_handler must run on the GUI thread")
    handler = CrashHandler(
        report_dir, restart=restart, parent_getter=parent_getter, version=version
    )
    handler.install()
    return handler
