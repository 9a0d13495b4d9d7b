"""On-tile PTZ controls: hold an arrow or zoom button to move, let go to stop; presets."""

from __future__ import annotations

import functools
import string

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QMenu, QToolButton, QWidget

from widgets.naming import named
from widgets.theme import Theme

PRESETS = 8
"""Presets offered in the tile's menu (the protocol allows 1..255)."""


class PtzPad(QWidget):
    """A small pad over a PTZ camera's tile: arrows, zoom in/out and a preset menu.

    Pressing a direction emits ``sig_ptz_requested(action, 0)``; releasing it emits
    ``("stop", 0)``; choosing preset N emits ``("preset", N)``. The tile adds the camera and
    speed and the panel sends the ``camera.ptz`` command.
    """

    sig_ptz_requested = Signal(str, int)
    """The operator asked for a PTZ action (action, preset number or 0)."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ptzPad")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.buttons: dict[str, QToolButton] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(3, 3, 3, 3)
        grid.setSpacing(2)
        tips = {
            "up": self.tr("Tilt up (hold)"),
            "down": self.tr("Tilt down (hold)"),
            "left": self.tr("Pan left (hold)"),
            "right": self.tr("Pan right (hold)"),
            "zoom_in": self.tr("Zoom in (hold)"),
            "zoom_out": self.tr("Zoom out (hold)"),
        }
        places = {
            "up": ("▲", 0, 1),
            "left": ("◀", 1, 0),
            "right": ("▶", 1, 2),
            "down": ("▼", 2, 1),
            "zoom_in": ("+", 0, 3),
            "zoom_out": ("−", 2, 3),
        }
        for action, (glyph, row, col) in places.items():
            button = named(QToolButton(self), f"ptz_{action}")
            button.setText(glyph)
            button.setToolTip(tips[action])
            button.setAutoRepeat(False)
            button.pressed.connect(lambda a=action: self.sig_ptz_requested.emit(a, 0))
            button.released.connect(lambda: self.sig_ptz_requested.emit("stop", 0))
            grid.addWidget(button, row, col)
            self.buttons[action] = button
        presets = named(QToolButton(self), "ptz_presets")
        presets.setText("P")
        presets.setToolTip(self.tr("Go to a preset position"))
        presets.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(presets)
        for n in range(1, PRESETS + 1):
            menu.addAction(
                self.tr("Preset %1").replace("%1", str(n)),
                functools.partial(self.sig_ptz_requested.emit, "preset", n),
            )
        presets.setMenu(menu)
        grid.addWidget(presets, 1, 1)
        self.buttons["preset"] = presets
        self.preset_menu = menu
        for button in self.buttons.values():
            button.setFixedSize(24, 22)
        shade = theme.color("window")
        self.setStyleSheet(
            string.Template(
                f"QWidget#ptzPad {{ background: rgba({shade.red()}, {shade.green()},"
                f" {shade.blue()}, 170); border-radius: 4px; }}"
                " QWidget#ptzPad QToolButton { background: ${panel}; color: ${text};"
                " border: 1px solid ${border}; border-radius: 3px; }"
                " QWidget#ptzPad QToolButton:pressed { background: ${accent}; }"
                " QWidget#ptzPad QToolButton::menu-indicator { image: none; }"
            ).substitute(theme.tokens)
        )
        self.adjustSize()

    def busy(self) -> bool:
        """True while a direction or zoom button is held down."""
        return any(b.isDown() for a, b in self.buttons.items() if a != "preset")
