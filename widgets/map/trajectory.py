"""Trajectory search (轨迹, commanders): a plate or a person's sightings drawn on the map.

:class:`TrajectoryDialog` asks for the plate (or person id) and how far back, sends
``sighting.search`` and draws the answer with ``resources/map/trajectory.js`` (numbered points
with times, solid legs where the gap is small, dashed where it is a guess, snapshots on hover);
its time slider fades the points after the chosen one. Operators are refused by the backend
(they see only the watch-list alerts); the refusal shows in the dialog.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from console.protocol.codec import format_ts
from console.protocol.session import CommandAnswered
from console.trajectory import build_route
from widgets.map.tools import ask, dialog_action, subject_fields

if TYPE_CHECKING:
    from widgets.commands import SendCommand
    from widgets.map.panel import MapPanel


class TrajectoryDialog(QDialog):
    """Search one plate or person and draw the route on ``panel``'s map."""

    sig_drawn = Signal(int)
    """A route was drawn (number of points)."""

    def __init__(self, panel: MapPanel, send: SendCommand, parent: QWidget | None = None) -> None:
        super().__init__(parent or panel)
        self.setObjectName("trajectoryDialog")
        self.setWindowTitle(self.tr("Trajectory search"))
        self.setModal(False)
        self._panel = panel
        self._send = send
        self.route: dict[str, Any] = {"points": [], "legs": []}
        self.kind, self.value = subject_fields(self)
        self.hours = QSpinBox(self)
        self.hours.setRange(1, 90 * 24)
        self.hours.setValue(24)
        self.hours.setSuffix(self.tr(" h"))
        self.search = QPushButton(self.tr("Search"), self)
        self.search.setDefault(True)
        self.clear = QPushButton(self.tr("Clear"), self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setEnabled(False)
        self.slider_label = QLabel(self)
        form = QFormLayout()
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Plate or person id"), self.value)
        form.addRow(self.tr("Last"), self.hours)
        buttons = QHBoxLayout()
        buttons.addWidget(self.search)
        buttons.addWidget(self.clear)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.slider)
        layout.addWidget(self.slider_label)
        self.search.clicked.connect(self.run_search)
        self.value.returnPressed.connect(self.run_search)
        self.clear.clicked.connect(self._clear)
        self.slider.valueChanged.connect(self._on_slider)

    def run_search(self) -> None:
        """Send ``sighting.search`` for what the dialog says."""
        value = self.value.text().strip()
        if not value:
            self.status.setText(self.tr("Enter a plate or a person id."))
            return
        now = time.time()
        args = {
            "kind": self.kind.currentData(),
            "value": value,
            "since": format_ts(now - self.hours.value() * 3600),
            "until": format_ts(now),
        }
        self.status.setText(self.tr("Searching…"))
        ask(self._send, "sighting.search", args, self.status, self._on_answer)

    def _on_answer(self, answer: CommandAnswered) -> None:
        self.show_route((answer.data or {}).get("sightings", []))

    def show_route(self, sightings: list[dict[str, Any]]) -> None:
        """Draw a search's sightings (``data.sightings``) on the map."""
        self.route = build_route(sightings)
        points = self.route["points"]
        guesses = sum(1 for leg in self.route["legs"] if leg["guess"])
        self.status.setText(
            self.tr("%1 sightings; %2 legs are guesses (dashed).")
            .replace("%1", str(len(points)))
            .replace("%2", str(guesses))
        )
        self._panel.run_js(f"window.ConsoleTrajectory.show({json.dumps(self.route)})")
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(points) - 1))
        self.slider.setValue(max(0, len(points) - 1))
        self.slider.blockSignals(False)
        self.slider.setEnabled(len(points) > 1)
        self._label(self.slider.value())
        self.sig_drawn.emit(len(points))

    def _on_slider(self, index: int) -> None:
        self._panel.run_js(f"window.ConsoleTrajectory.upto({int(index)})")
        self._label(index)

    def _label(self, index: int) -> None:
        points = self.route["points"]
        if not points:
            self.slider_label.clear()
            return
        p = points[index]
        self.slider_label.setText(f"{p['n']}. {p['time']} · {p['camera']}")

    def _clear(self) -> None:
        self._panel.run_js("window.ConsoleTrajectory.clear()")
        self.route = {"points": [], "legs": []}
        self.slider.setEnabled(False)
        self.status.clear()
        self.slider_label.clear()


def add_trajectory_action(panel: MapPanel, send: SendCommand) -> QAction:
    """A "Trajectory…" button on the map's toolbar that opens the dialog."""
    return dialog_action(
        panel.toolbar,
        "trajectoryAction",
        QCoreApplication.translate("MapPanel", "Trajectory…"),
        QCoreApplication.translate(
            "MapPanel", "Search a plate or person's sightings and draw the route"
        ),
        lambda: TrajectoryDialog(panel, send),
    )
