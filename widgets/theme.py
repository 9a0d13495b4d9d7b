"""Themes: palette tokens (JSON) applied to a QSS template, and colours for models."""

from __future__ import annotations

import json
import re
import string
from importlib import resources

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

THEMES: tuple[str, ...] = ("dark", "light")
THEMES += ("wall",)  # high contrast, readable on a video wall from 5 m
#: Tokens a theme may leave out; every other key is defined by every theme.
OPTIONAL_TOKENS = frozenset({"font_scale"})


class Theme:
    """A named set of palette tokens; every colour in the UI comes from here."""

    def __init__(self, name: str = "dark") -> None:
        if name not in THEMES:
            raise ValueError(f"unknown theme {name!r}")
        folder = resources.files("resources") / "themes"
        self.name = name
        self.tokens: dict[str, str] = json.loads((folder / f"{name}.json").read_text("utf-8"))
        self._qss = string.Template((folder / "app.qss").read_text("utf-8"))
        if self.font_scale != 1.0:
            self._qss = string.Template(_scale_font_sizes(self._qss.template, self.font_scale))

    @property
    def font_scale(self) -> float:
        """How much larger than normal text is drawn (the optional ``font_scale`` token)."""
        return float(self.tokens.get("font_scale", "1"))

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
        if self.font_scale != 1.0 and font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * self.font_scale)
        app.setFont(font)
        app.setPalette(self.palette())
        app.setStyleSheet(self.stylesheet())

    def palette(self) -> QPalette:
        """A QPalette in the theme's colours, for what the stylesheet does not reach: a
        floating panel is a window of its own, and is painted with the palette."""
        pal = QPalette()
        role = QPalette.ColorRole
        for roles, token in (
            ((role.Window,), "window"),
            ((role.Base,), "panel"),
            ((role.AlternateBase, role.Button, role.ToolTipBase), "panel_alt"),
            ((role.WindowText, role.Text, role.ButtonText, role.ToolTipText), "text"),
            ((role.BrightText,), "text"),
            ((role.PlaceholderText,), "text_dim"),
            ((role.Highlight,), "selection"),
            ((role.HighlightedText,), "text"),
            ((role.Link,), "accent"),
        ):
            for r in roles:
                pal.setColor(r, self.color(token))
        return pal


def _scale_font_sizes(qss: str, scale: float) -> str:
    """``qss`` with every ``font-size: <n>pt`` multiplied by ``scale``."""
    return re.sub(
        r"font-size:\s*([0-9.]+)pt",
        lambda m: f"font-size: {float(m.group(1)) * scale:.1f}pt",
        qss,
    )
