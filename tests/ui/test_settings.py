"""Settings: precedence (operator over fleet over built-in), migration, and the dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from widgets import settings as cs
from widgets.settings_dialog import SettingsDialog


def test_operator_settings_beat_fleet_defaults_beat_built_ins(tmp_path: Path) -> None:
    fleet_file = tmp_path / "defaults.toml"
    fleet_file.write_text(
        '[console]\nbackend_url = "wss://zhihui.example:8765/ws"\ntheme = "light"\n'
        "sounds = false\nunknown_key = 1\n",
        "utf-8",
    )
    qs = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
    fleet = cs.fleet_defaults(fleet_file)
    assert "unknown_key" not in fleet
    loaded = cs.load(qs, fleet)
    assert loaded.backend_url == "wss://zhihui.example:8765/ws"
    assert loaded.theme == "light" and loaded.sounds is False
    assert loaded.language == ""  # built-in default
    cs.save(qs, cs.ConsoleSettings(theme="dark", backend_url="ws://10.0.0.2:8765/ws"))
    again = cs.load(QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat), fleet)
    assert again.theme == "dark" and again.backend_url == "ws://10.0.0.2:8765/ws"
    assert again.sounds is True  # saved by the operator, so it beats the fleet file


def test_broken_fleet_file_is_ignored(tmp_path: Path) -> None:
    bad = tmp_path / "defaults.toml"
    bad.write_text("this is = = not toml", "utf-8")
    assert cs.fleet_defaults(bad) == {}


def test_v0_backend_url_is_migrated(tmp_path: Path) -> None:
    qs = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
    qs.setValue("backend/url", "ws://old:8765/ws")
    assert cs.load(qs, {}).backend_url == "ws://old:8765/ws"
    assert int(qs.value("settings/version")) == cs.VERSION


def test_dialog_refuses_bad_values_and_returns_edits(qtbot: QtBot) -> None:
    dialog = SettingsDialog(cs.ConsoleSettings())
    qtbot.addWidget(dialog)
    dialog.backend.setText("http://wrong")
    dialog._on_accept()
    assert dialog.error.isVisibleTo(dialog) and "ws://" in dialog.error.text()
    dialog.backend.setText("wss://ok:8765/ws")
    dialog.base_map.setText("http://tiles.local/{z}/{x}.png")
    dialog._on_accept()
    assert "{y}" in dialog.error.text()
    dialog.base_map.setText("http://tiles.local/{z}/{x}/{y}.png")
    dialog.theme.setCurrentIndex(dialog.theme.findData("light"))
    dialog._on_accept()
    edited = dialog.result_settings()
    assert edited.backend_url == "wss://ok:8765/ws" and edited.theme == "light"
    assert edited.base_map_url.endswith("{y}.png")
