"""The permanent REPLAY banner: nobody mistakes a replay for the live picture."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from widgets.theme import Theme


class ReplayBanner(QLabel):
    """A full-width strip saying REPLAY, the recording's name and that commands are off.

    Args:
        theme: palette tokens for its colours.
        recording: the recording file shown in the banner.
    """

    def __init__(self, theme: Theme, recording: str | Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("replayBanner")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setText(
            self.tr("REPLAY — {name} — not live; no command reaches a backend").format(
                name=Path(recording).name
            )
        )
        t = theme.tokens
        self.setStyleSheet(
            f"QLabel#replayBanner {{ background: {t['banner_error_bg']}; color: {t['text']};"
            f" border: 2px solid {t['priority_1']}; font-weight: bold; font-size: 12pt;"
            " padding: 4px; letter-spacing: 2px; }"
        )
