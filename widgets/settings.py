"""Typed console settings over QSettings, with fleet-wide defaults from a TOML file.

Precedence, highest first: command-line options → the operator's own settings (QSettings,
INI, user scope: ``~/.config/dispatch-console/console.ini``) → fleet defaults (TOML, path in
``$DISPATCH_CONSOLE_DEFAULTS`` or ``/etc/dispatch-console/defaults.toml``) → built-in defaults.
No secret is ever stored here: the token lives in the keyring.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from PySide6.QtCore import QSettings

log = logging.getLogger("console.settings")

VERSION = 1
FLEET_DEFAULTS = Path("/etc/dispatch-console/defaults.toml")
_DATA = Path(user_data_dir("dispatch-console", appauthor=False))


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    """Everything an operator can set; see the module docstring for precedence."""

    backend_url: str = "ws://127.0.0.1:8765/ws"
    ca_file: str = ""
    base_map_url: str = ""  # XYZ template or .mbtiles path; empty: the built-in offline map
    base_map_gcj02: bool = False
    language: str = ""  # "" follows the system locale
    theme: str = "dark"
    sounds: bool = True
    evidence_dir: str = str(_DATA / "evidence")
    recording_dir: str = str(_DATA / "recordings")

    @classmethod
    def names(cls) -> list[str]:
        """Names of all settings."""
        return [f.name for f in fields(cls)]


def _coerce(default: Any, value: Any) -> Any:
    if isinstance(default, bool):
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
    return str(value)


def fleet_defaults(path: Path | None = None) -> dict[str, Any]:
    """The fleet-wide defaults file as a dict (empty when absent or broken, with a warning)."""
    path = path or Path(os.environ.get("DISPATCH_CONSOLE_DEFAULTS", FLEET_DEFAULTS))
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        log.warning("ignoring fleet defaults %s: %s", path, exc)
        return {}
    section = data.get("console", data)
    return {k: v for k, v in section.items() if k in ConsoleSettings.names()}


def load(qsettings: QSettings, fleet: dict[str, Any] | None = None) -> ConsoleSettings:
    """Built-in defaults, overlaid by the fleet file, overlaid by the operator's settings."""
    base = ConsoleSettings()
    values: dict[str, Any] = {}
    for key, value in (fleet if fleet is not None else fleet_defaults()).items():
        values[key] = _coerce(getattr(base, key), value)
    migrate(qsettings)
    for key in ConsoleSettings.names():
        stored = qsettings.value(f"settings/{key}")
        if stored is not None:
            values[key] = _coerce(getattr(base, key), stored)
    return replace(base, **values)


def save(qsettings: QSettings, settings: ConsoleSettings) -> None:
    """Store every setting in the operator's QSettings."""
    qsettings.setValue("settings/version", VERSION)
    for key in ConsoleSettings.names():
        qsettings.setValue(f"settings/{key}", getattr(settings, key))
    qsettings.sync()


def migrate(qsettings: QSettings) -> None:
    """Bring settings written by older versions up to :data:`VERSION`."""
    version = int(str(qsettings.value("settings/version", 0) or 0))
    if version < 1:
        # v0 kept only the backend URL, under backend/url.
        url = qsettings.value("backend/url")
        if url is not None and qsettings.value("settings/backend_url") is None:
            qsettings.setValue("settings/backend_url", url)
        qsettings.setValue("settings/version", 1)
