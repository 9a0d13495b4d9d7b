"""Trajectory search (轨迹, commanders): a plate or a person's sightings drawn on the map.

:class:`TrajectoryDialog` asks for the plate (or person id) and how far back, sends
``sighting.search`` and draws the answer with ``resources/map/trajectory.js`` (numbered points
with times, solid legs where the gap is small, dashed where it is a guess, snapshots on hover);
its time slider fades the points after the chosen one. Operators are refused by the backend
(they see only the watch-list alerts); the refusal shows in the dialog.

In replay the route plays in step with the recording: the dialog searches the recording's own
``sighting.search`` answers (:func:`recording_search`; there is no backend), from the chosen
hours before the replay's "now" to the end of the recording, and :meth:`TrajectoryDialog.follow`
(wired to the replay clock) fades the points after "now" and moves the slider with it, on play
and on every seek.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
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

from console.protocol.codec import format_ts, parse_ts
from console.protocol.session import CommandAnswered
from console.trajectory import build_route, recorded_sightings, seen_by
from widgets.map.tools import ask, dialog_action, subject_fields

if TYPE_CHECKING:
    from console.storage.recording import RecordingFile
    from widgets.commands import SendCommand
    from widgets.map.panel import MapPanel


@dataclass(frozen=True, slots=True)
class ReplayClock:
    """What the dialog needs of replay: the replay's "now", the recording's end, and a way to
    hear the clock move (connected when the dialog is made, after the replay panel exists)."""

    position: Callable[[], float]
    end: Callable[[], float]
    connect: Callable[[Callable[[float], None]], object]


class TrajectoryDialog(QDialog):
    """Search one plate or person and draw the route on ``panel``'s map.

    Args:
        panel: the map to draw on.
        send: sends ``sighting.search`` (in replay, :func:`recording_search`).
        parent: defaults to ``panel``.
        clock: in replay, the replay clock the route follows.
    """

    sig_drawn = Signal(int)
    """A route was drawn (number of points)."""

    def __init__(
        self,
        panel: MapPanel,
        send: SendCommand,
        parent: QWidget | None = None,
        clock: ReplayClock | None = None,
    ) -> None:
        super().__init__(parent or panel)
        self._clock = clock
        self._epochs: list[float] = []
        self._followed: int | None = None
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
        if clock is not None:
            clock.connect(self.follow)

    def run_search(self) -> None:
        """Send ``sighting.search`` for what the dialog says."""
        value = self.value.text().strip()
        if not value:
            self.status.setText(self.tr("Enter a plate or a person id."))
            return
        now = time.time() if self._clock is None else self._clock.position()
        # In replay the search reaches the end of the recording: the route plays on from "now".
        until = now if self._clock is None else max(now, self._clock.end())
        args = {
            "kind": self.kind.currentData(),
            "value": value,
            "since": format_ts(now - self.hours.value() * 3600),
            "until": format_ts(until),
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
        self._epochs = [p["epoch"] for p in points]
        self._followed = None
        if self._clock is not None:
            self.follow(self._clock.position())
        self.sig_drawn.emit(len(points))

    def follow(self, t: float) -> None:
        """Show the route as it was at replay time ``t``: the points after it faded, the slider
        on the last one before it (nothing is sent to the page while that stays the same)."""
        if not self._epochs:
            return
        index = seen_by(self._epochs, t)
        if index == self._followed:
            return
        self._followed = index
        self.slider.blockSignals(True)
        self.slider.setValue(max(0, index))
        self.slider.blockSignals(False)
        self._on_slider(index)  # -1 (none yet): every point faded

    def _on_slider(self, index: int) -> None:
        self._panel.run_js(f"window.ConsoleTrajectory.upto({int(index)})")
        self._label(index)

    def _label(self, index: int) -> None:
        points = self.route["points"]
        if not points:
            self.slider_label.clear()
            return
        if index < 0:
            self.slider_label.setText(self.tr("Not yet sighted at this replay time."))
            return
        p = points[index]
        self.slider_label.setText(f"{p['n']}. {p['time']} · {p['camera']}")

    def _clear(self) -> None:
        self._panel.run_js("window.ConsoleTrajectory.clear()")
        self.route = {"points": [], "legs": []}
        self._epochs = []
        self.slider.setEnabled(False)
        self.status.clear()
        self.slider_label.clear()


def recording_search(file: RecordingFile) -> SendCommand:
    """A command sender for replay: ``sighting.search`` is answered from the recording's own
    search answers (read on a worker thread), every other command is refused locally."""

    def send(name: str, args: dict[str, Any]) -> asyncio.Future[CommandAnswered]:
        loop = asyncio.get_running_loop()
        if name != "sighting.search":
            future: asyncio.Future[CommandAnswered] = loop.create_future()
            future.set_result(
                CommandAnswered(
                    "local", name, args, False, None, "forbidden", "replay mode: nothing is sent"
                )
            )
            return future

        def search() -> CommandAnswered:
            found = recorded_sightings(
                file.commands("sighting.search"),
                args["kind"],
                args["value"],
                parse_ts(args["since"]),
                parse_ts(args["until"]),
            )
            return CommandAnswered(
                "local", name, args, True, None, None, None, {"sightings": found}
            )

        return loop.run_in_executor(None, search)

    return send


def add_trajectory_action(
    panel: MapPanel, send: SendCommand, clock: ReplayClock | None = None
) -> QAction:
    """A "Trajectory…" button on the map's toolbar that opens the dialog (in replay, one that
    searches the recording and follows ``clock``)."""
    return dialog_action(
        panel.toolbar,
        "trajectoryAction",
        QCoreApplication.translate("MapPanel", "Trajectory…"),
        QCoreApplication.translate(
            "MapPanel", "Search a plate or person's sightings and draw the route"
        ),
        lambda: TrajectoryDialog(panel, send, clock=clock),
    )


def open_trajectory(panel: MapPanel) -> TrajectoryDialog:
    """Click the map's "Trajectory…" button and give the dialog it shows (demos and tests)."""
    action = next(a for a in panel.toolbar.actions() if a.objectName() == "trajectoryAction")
    action.trigger()
    dialog = panel.findChild(TrajectoryDialog)
    assert dialog is not None
    return dialog
