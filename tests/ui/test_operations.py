"""Operations and look: redacted rotating logs, crash reports with a restart offer, the wall
theme and the SVG icons."""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from widgets import icons
from widgets.crash import install_crash_handler, relaunch_command
from widgets.logs import recent_log_lines, redact, remove_logging_handlers, setup_logging
from widgets.theme import OPTIONAL_TOKENS, THEMES, Theme

TOKEN = "op-3f9a1c2b7d4e.Zk3_vQ-9sLx2Tq8WmA0bYc"
PASSWORD = "hunter2-Correct-Horse"
SECRETS = (TOKEN, "Zk3_vQ-9sLx2Tq8WmA0bYc", PASSWORD, "s3cr3t-bearer-value")
log = logging.getLogger("console.test_operations")


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[Path]:
    root = logging.getLogger()
    level = root.level
    path = setup_logging(tmp_path / "logs", logging.INFO, console=False)
    yield path
    remove_logging_handlers()
    root.setLevel(level)


def _leaky_messages() -> None:
    log.info("hello sent: %s", json.dumps({"type": "hello", "token": TOKEN, "protocol": 2}))
    log.warning("sign-in for %s with password=%r failed", "li.wei", PASSWORD)
    log.info('login body {"user": "li.wei", "password": "%s"}', PASSWORD)
    log.info("headers: {'Authorization': 'Bearer s3cr3t-bearer-value'}")
    log.info("token in a URL: wss://backend/ws?t=%s", TOKEN)


def test_log_file_is_json_lines_without_secrets(logs: Path) -> None:
    _leaky_messages()
    try:
        raise RuntimeError(f"backend refused {TOKEN}")
    except RuntimeError:
        log.exception("sign-in failed")
    text = logs.read_text("utf-8")
    for secret in SECRETS:
        assert secret not in text
    entries = [json.loads(line) for line in text.splitlines()]
    assert len(entries) == 6
    assert {"ts", "level", "logger", "message"} <= set(entries[0])
    assert entries[0]["logger"] == "console.test_operations" and entries[1]["level"] == "WARNING"
    assert entries[0]["message"].startswith("hello sent") and "[REDACTED]" in entries[0]["message"]
    assert "li.wei" in entries[2]["message"]  # only the secret goes, not the context
    assert "Bearer [REDACTED]" in entries[3]["message"]
    assert "RuntimeError: backend refused [REDACTED]" in entries[5]["exc"]
    assert all(secret not in line for line in recent_log_lines() for secret in SECRETS)


def test_log_file_rotates_at_its_size_limit(tmp_path: Path) -> None:
    root = logging.getLogger()
    level = root.level
    path = setup_logging(tmp_path, logging.INFO, console=False, max_bytes=2_000, backups=2)
    try:
        for i in range(100):
            log.info("unit %03d moved to grid cell %s", i, "x" * 40)
    finally:
        remove_logging_handlers()
        root.setLevel(level)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["console.log", "console.log.1", "console.log.2"]
    for name in files:
        assert (tmp_path / name).stat().st_size <= 2_000
    last = json.loads(path.read_text("utf-8").splitlines()[-1])
    assert "unit 099" in last["message"]


def test_redact_catches_key_value_secrets_in_urls() -> None:
    assert redact("GET /ws?access_token=abc123&x=1 password=pw9") == (
        "GET /ws?access_token=[REDACTED]&x=1 password=[REDACTED]"
    )


def test_redact_keeps_ordinary_text() -> None:
    text = "unit op-team-3 at grid 12.4; token budget 3; password policy updated"
    assert redact(text) == text


def _raise_somewhere(message: str) -> BaseException:
    try:
        raise ValueError(message)
    except ValueError as exc:
        return exc


class Crashes:
    """A crash handler installed for one test, with the restarts it asked for."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.restarts: list[str] = []
        # Installed inside the test, not in a fixture: pytest swaps threading.excepthook per
        # test phase, so a hook set during setup would not be the one in force during the call.
        self.handler = install_crash_handler(
            folder,
            restart=lambda: self.restarts.append("restart"),
            parent_getter=lambda: None,
            version="9.9.9",
        )

    def reports(self) -> list[Path]:
        return sorted(self.folder.glob("crash-*.txt"))

    def close(self) -> None:
        self.handler.uninstall()
        if self.handler.dialog is not None:
            self.handler.dialog.close()


# pytest-qt would otherwise take over sys.excepthook for the test and fail it on purpose.
@pytest.mark.qt_no_exception_capture
def test_crash_report_has_traceback_and_no_secrets_and_offers_restart(
    logs: Path, tmp_path: Path, qtbot: QtBot
) -> None:
    _leaky_messages()
    crashes = Crashes(tmp_path / "crashes")
    try:
        handler = crashes.handler
        assert sys.excepthook == handler.excepthook
        exc = _raise_somewhere("grid cell out of range")
        sys.excepthook(type(exc), exc, exc.__traceback__)
        reports = crashes.reports()
        assert len(reports) == 1
        assert re.fullmatch(r"crash-\d{8}-\d{6}\.txt", reports[0].name)
        text = reports[0].read_text("utf-8")
        assert "version: 9.9.9" in text and "python: " in text and "qt: " in text
        assert "ValueError: grid cell out of range" in text and "_raise_somewhere" in text
        assert "hello sent" in text  # the log tail is there...
        for secret in SECRETS:
            assert secret not in text  # ...without the secrets it held
        qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible())
        box = handler.dialog
        assert isinstance(box, QMessageBox)
        assert str(reports[0]) in box.informativeText()
        restart = box.findChild(QPushButton, "crashRestart")
        assert restart is not None
        restart.click()
        assert crashes.restarts == ["restart"]
        qtbot.waitUntil(lambda: handler.dialog is None)
    finally:
        crashes.close()
    assert sys.excepthook != handler.excepthook


@pytest.mark.qt_no_exception_capture
def test_crash_in_a_worker_thread_is_reported_and_shown_on_the_gui_thread(
    logs: Path, tmp_path: Path, qtbot: QtBot, qapp: QApplication
) -> None:
    crashes = Crashes(tmp_path / "crashes")
    try:
        handler = crashes.handler
        assert threading.excepthook == handler.thread_excepthook

        def work() -> None:
            raise OSError(f"recorder lost its file (token {TOKEN})")

        worker = threading.Thread(target=work, name="recorder")
        worker.start()
        worker.join()
        reports = crashes.reports()
        assert len(reports) == 1
        text = reports[0].read_text("utf-8")
        assert "thread: recorder" in text and "OSError: recorder lost its file" in text
        assert TOKEN not in text
        assert handler.dialog is None  # nothing was built on the worker thread
        qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible())
        assert handler.dialog.thread() == qapp.thread()
        close = handler.dialog.findChild(QPushButton, "crashClose")
        assert close is not None
        close.click()
        qtbot.waitUntil(lambda: handler.dialog is None)
        assert crashes.restarts == []
    finally:
        crashes.close()


def test_relaunch_command_repeats_this_process() -> None:
    program, args = relaunch_command()
    assert program == sys.executable
    assert args == sys.orig_argv[1:]


def test_themes_define_the_same_tokens_and_fill_every_placeholder(qapp: QApplication) -> None:
    assert THEMES == ("dark", "light", "wall")
    themes = [Theme(name) for name in THEMES]
    keys = [set(t.tokens) - OPTIONAL_TOKENS for t in themes]
    assert keys[0] == keys[1] == keys[2]
    for theme in themes:
        qss = theme.stylesheet()
        assert "${" not in qss and "$" not in qss
        for key, value in theme.tokens.items():
            if key not in ("name", *OPTIONAL_TOKENS):
                assert QColor(value).isValid(), (theme.name, key, value)


def test_wall_theme_is_black_with_bright_text_and_larger_type(qapp: QApplication) -> None:
    wall, dark = Theme("wall"), Theme("dark")
    assert wall.color("window") == QColor("#000000") and wall.color("panel") == QColor("#000000")
    assert wall.color("text").lightness() == 255
    for token in ("priority_1", "status_new", "unit_available", "state_live"):
        assert wall.color(token).hsvSaturation() > 200, token
    assert wall.font_scale == 1.6 and dark.font_scale == 1.0
    assert "font-size: 16.0pt" in wall.stylesheet() and "font-size: 10pt" in dark.stylesheet()
    font, sheet = qapp.font(), qapp.styleSheet()
    try:
        before = font.pointSizeF()
        wall.apply(qapp)
        assert qapp.font().pointSizeF() == pytest.approx(before * 1.6)
    finally:
        qapp.setFont(font)
        qapp.setStyleSheet(sheet)


@pytest.mark.parametrize("name", icons.icon_names())
def test_every_icon_renders_in_the_theme_colour(name: str, qapp: QApplication) -> None:
    theme = Theme("dark")
    image = icons.render(name, theme.tokens["accent"], 48).toImage()
    painted = [
        image.pixelColor(x, y)
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() == 255
    ]
    assert len(painted) > 48, "nothing drawn"
    assert all(c.rgb() == theme.color("accent").rgb() for c in painted)
    made = icons.icon(name, theme, "accent")
    assert not made.isNull() and made.availableSizes()
    assert icons.icon(name, theme, "accent") is made  # cached per (name, colour)


def test_icon_set_is_complete_and_unknown_names_are_refused(qapp: QApplication) -> None:
    expected = {
        "acknowledge", "dispatch", "on-scene", "feedback", "close", "new-alert", "map",
        "video", "radio", "dashboard", "replay", "settings", "search",
    }  # fmt: skip
    assert set(icons.icon_names()) == expected
    with pytest.raises(KeyError, match="no icon named 'siren'; available: acknowledge"):
        icons.icon("siren", Theme("dark"))
