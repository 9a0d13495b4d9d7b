"""Themes: palette tokens (JSON) applied to a QSS template, and colours for models."""

from __future__ import annotations

import json
import string
from importlib import resources

from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication

THEMES = ("dark", "light")


class Theme:
    """A named set of palette tokens; every colour in the UI comes from here."""

    def __init__(self, name: str = "dark") -> None:
        if name not in THEMES:
            raise ValueError(f"unknown theme {name!r}")
        folder = resources.files("resources") / "themes"
        self.name = name
        self.tokens: dict[str, str] = json.loads((folder / f"{name}.json").read_text("utf-8"))
        self._qss = string.Template((folder / "app.qss").read_text("utf-8"))

    def color(self, token: str) -> QColor:
        """The colour of a palette token."""
        return QColor(self.tokens[token])

    def unit_color(self, status: str) -> QColor:
        """The colour of a unit status, the same on the map, the dashboard and in tables."""
        return QColor(self.tokens.get(f"unit_{status}", self.tokens["text_dim"]))

    def stylesheet(self) -> str:
        """The application stylesheet with the tokens filled in."""
        return self._qss.substitute(self.tokens)

    def apply(self, app: QApplication) -> None:
        """Style the whole application."""
        app.setStyle("Fusion")
        font = QFont(app.font())
        # CJK text from a real CJK face rather than whatever fontconfig falls back to.
        font.setFamilies(["Noto Sans CJK SC", "Noto Sans", "DejaVu Sans", *font.families()])
        app.setFont(font)
        app.setStyleSheet(self.stylesheet())
