"""Where next (精准布控, commanders): the cameras ahead of a plate or person, and the units to send.

:class:`WhereNextDialog` sends ``sighting.where_next`` for a plate or person id and shows the
answer: the cameras ahead of the last sighting with the window in which the target can reach
each (drawn on the map with their street paths by ``resources/map/where_next.js``), one click
to put them on this console's video wall (``sig_show_cameras``) or push them to a wall group
(``sig_push_cameras``: ``wall.show_cameras``), and the available units ranked by ETA to the
intercept points, sent with the ordinary ``alert.dispatch`` to an open incident — the plate's
watch-list alert first — or to a new one made with ``alert.create``. The composition root wires
the two wall signals (panels never import each other). Operators are refused by the backend.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console import where_next
from console.domain.model import Alert
from console.protocol.session import CommandAnswered
from widgets.map.tools import ask, dialog_action, subject_fields
from widgets.map.trajectory import TrajectoryDialog

if TYPE_CHECKING:
    from widgets.commands import MessageSink, SendCommand
    from widgets.map.panel import MapPanel

_ID = Qt.ItemDataRole.UserRole


class WhereNextDialog(QDialog):
    """Ask where a plate or person goes next, show the cameras and units, act on them."""

    sig_show_cameras = Signal(list)
    """Put these cameras (ids, earliest first) on this console's video wall."""
    sig_push_cameras = Signal(str, list)
    """Push these cameras to the wall consoles of a group (group, camera ids)."""
    sig_answered = Signal(int)
    """An answer was shown (number of cameras ahead)."""

    def __init__(self, panel: MapPanel, send: SendCommand, parent: QWidget | None = None) -> None:
        super().__init__(parent or panel)
        self.setObjectName("whereNextDialog")
        self.setWindowTitle(self.tr("Where next"))
        self.setModal(False)
        self.resize(620, 640)
        self._panel = panel
        self._send = send
        self.data: dict[str, Any] = {}
        self._pending: tuple[str, list[str]] | None = None  # (title, units) of a new incident
        self.kind, self.value = subject_fields(self)
        self.horizon = QSpinBox(self)
        self.horizon.setRange(1, 60)
        self.horizon.setValue(15)
        self.horizon.setSuffix(self.tr(" min"))
        self.search = QPushButton(self.tr("Where next"), self)
        self.search.setDefault(True)
        self.clear = QPushButton(self.tr("Clear"), self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.cameras = self._tree(
            [self.tr("Camera ahead"), self.tr("Arrival window"), self.tr("Distance")]
        )
        self.to_wall = QPushButton(self.tr("On the video wall"), self)
        self.to_wall.setToolTip(self.tr("The selected cameras (or all of them) on the video wall"))
        self.wall_group = QComboBox(self)
        self.wall_group.setEditable(True)
        self.wall_group.addItem("all")
        self.push = QPushButton(self.tr("Push to wall"), self)
        self.units = self._tree(
            [self.tr("Unit"), self.tr("ETA"), self.tr("Intercept at"), self.tr("In time")]
        )
        self.incident = QComboBox(self)
        self.dispatch = QPushButton(self.tr("Dispatch"), self)
        self.dispatch.setToolTip(self.tr("Send the checked units to the chosen incident"))
        form = QFormLayout()
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Plate or person id"), self.value)
        form.addRow(self.tr("Look ahead"), self.horizon)
        row = QHBoxLayout()
        row.addWidget(self.search)
        row.addWidget(self.clear)
        wall = QHBoxLayout()
        wall.addWidget(self.to_wall)
        wall.addStretch(1)
        wall.addWidget(QLabel(self.tr("Wall group"), self))
        wall.addWidget(self.wall_group)
        wall.addWidget(self.push)
        send_row = QHBoxLayout()
        send_row.addWidget(QLabel(self.tr("Incident"), self))
        send_row.addWidget(self.incident, 1)
        send_row.addWidget(self.dispatch)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.cameras, 3)
        layout.addLayout(wall)
        layout.addWidget(self.units, 2)
        layout.addLayout(send_row)
        self.search.clicked.connect(self.run_query)
        self.value.returnPressed.connect(self.run_query)
        self.clear.clicked.connect(self._clear)
        self.to_wall.clicked.connect(self.show_on_wall)
        self.push.clicked.connect(self.push_to_wall)
        self.dispatch.clicked.connect(self.dispatch_units)
        panel.bridge.sig_alerts_raised.connect(self._on_alerts_raised)
        self._enable()

    def _tree(self, headers: list[str]) -> QTreeWidget:
        tree = QTreeWidget(self)
        tree.setHeaderLabels(headers)
        tree.setRootIsDecorated(False)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        return tree

    def _enable(self) -> None:
        has = bool(self.data.get("cameras"))
        self.to_wall.setEnabled(has)
        self.push.setEnabled(has)
        self.dispatch.setEnabled(bool(self.data.get("units")))

    # ---- the query

    def run_query(self) -> None:
        """Send ``sighting.where_next`` for what the dialog says."""
        value = self.value.text().strip()
        if not value:
            self.status.setText(self.tr("Enter a plate or a person id."))
            return
        args = {
            "kind": self.kind.currentData(),
            "value": value,
            "horizon_s": self.horizon.value() * 60,
        }
        self.status.setText(self.tr("Looking ahead…"))
        self._ask("sighting.where_next", args, self._on_answer)

    def _ask(
        self, name: str, args: dict[str, Any], then: Callable[[CommandAnswered], None]
    ) -> None:
        ask(self._send, name, args, self.status, then)

    def _on_answer(self, answer: CommandAnswered) -> None:
        self.show_answer(answer.data or {})

    def show_answer(self, data: dict[str, Any]) -> None:
        """Show a ``sighting.where_next`` answer: the lists, the map, the incidents."""
        self.data = data
        self.cameras.clear()
        for cam in where_next.cameras_ahead(data):
            item = QTreeWidgetItem([cam.name, cam.window, cam.distance])
            item.setData(0, _ID, cam.id)
            if cam.guess:
                item.setToolTip(1, self.tr("A guess: no street graph"))
            self.cameras.addTopLevelItem(item)
        self.units.clear()
        for i, unit in enumerate(where_next.units_to_send(data)):
            item = QTreeWidgetItem(
                [
                    unit.callsign,
                    unit.eta,
                    unit.camera,
                    self.tr("yes") if unit.in_time else self.tr("late"),
                ]
            )
            item.setData(0, _ID, unit.id)
            first = i == 0 or (unit.in_time and i < 2)
            item.setCheckState(0, Qt.CheckState.Checked if first else Qt.CheckState.Unchecked)
            self.units.addTopLevelItem(item)
        for tree in (self.cameras, self.units):
            for column in range(tree.columnCount()):
                tree.resizeColumnToContents(column)
        self._fill_incidents()
        origin = data.get("from") or {}
        speed = data.get("speed") or {}
        km_h = f"{speed.get('min_ms', 0) * 3.6:.0f}–{speed.get('max_ms', 0) * 3.6:.0f} km/h"
        text = (
            self.tr("Last seen %1 at %2; %3 cameras ahead, %4 units.")
            .replace("%1", where_next.clock(origin["ts"]) if origin else "—")
            .replace("%2", str(origin.get("camera_name", "")))
            .replace("%3", str(self.cameras.topLevelItemCount()))
            .replace("%4", str(self.units.topLevelItemCount()))
        )
        if speed.get("source") == "observed":
            text += " " + self.tr("Speed from its sightings: %1.").replace("%1", km_h)
        else:
            text += " " + self.tr("Speed assumed: %1.").replace("%1", km_h)
        if data.get("routing") == "straight_line":
            text += " " + self.tr(
                "No street graph on this site: straight lines, every window is a guess."
            )
        self.status.setText(text)
        if origin:
            overlay = json.dumps(where_next.overlay(data), ensure_ascii=False)
            self._panel.run_js(f"window.ConsoleWhereNext.show({overlay})")
        self._enable()
        self.sig_answered.emit(self.cameras.topLevelItemCount())

    # ---- the wall

    def chosen_cameras(self) -> list[str]:
        """The selected cameras ahead (all of them when none is selected), earliest first."""
        items = [self.cameras.topLevelItem(i) for i in range(self.cameras.topLevelItemCount())]
        chosen = [it for it in items if it is not None and it.isSelected()] or items
        return [str(it.data(0, _ID)) for it in chosen if it is not None][:36]

    def show_on_wall(self) -> None:
        """Put the chosen cameras on this console's video wall."""
        ids = self.chosen_cameras()
        if ids:
            self.sig_show_cameras.emit(ids)
            self.status.setText(
                self.tr("%1 cameras on the video wall.").replace("%1", str(len(ids)))
            )

    def push_to_wall(self) -> None:
        """Push the chosen cameras to the wall consoles of the group named."""
        group = self.wall_group.currentText().strip() or "all"
        ids = self.chosen_cameras()
        if ids:
            self.sig_push_cameras.emit(group, ids)

    # ---- dispatch

    def _fill_incidents(self) -> None:
        store = self._panel.bridge.store
        self.incident.clear()
        for alert in where_next.incidents_for(store.alerts.values(), self.value.text()):
            self.incident.addItem(f"{alert.id} P{alert.priority} {alert.title}", alert.id)
        self.incident.addItem(self.tr("New incident at the last sighting"), None)

    def checked_units(self) -> list[str]:
        """The units ticked in the list."""
        items = [self.units.topLevelItem(i) for i in range(self.units.topLevelItemCount())]
        return [
            str(it.data(0, _ID))
            for it in items
            if it is not None and it.checkState(0) == Qt.CheckState.Checked
        ]

    def dispatch_units(self) -> None:
        """Send the ticked units to the chosen incident (``alert.dispatch``), making the
        incident first (``alert.create``) when a new one is chosen."""
        unit_ids = self.checked_units()
        if not unit_ids:
            self.status.setText(self.tr("Tick the units to send."))
            return
        alert_id = self.incident.currentData()
        alert = self._panel.bridge.store.alerts.get(alert_id) if alert_id else None
        if alert is not None:
            self._dispatch(alert, unit_ids)
            return
        value = self.data.get("value", self.value.text().strip())
        title = (
            self.tr("Intercept %1 (%2)")
            .replace("%1", value)
            .replace("%2", time.strftime("%H:%M:%S"))
        )
        self._pending = (title, unit_ids)
        args = where_next.new_incident_args(self.data, title)
        self._ask("alert.create", args, lambda _answer: None)  # dispatched once it arrives

    def _on_alerts_raised(self, alerts: list[Alert]) -> None:
        if self._pending is None:
            return
        title, unit_ids = self._pending
        for alert in alerts:
            if alert.title == title:
                self._pending = None
                self._fill_incidents()
                self.incident.setCurrentIndex(max(0, self.incident.findData(alert.id)))
                self._dispatch(alert, unit_ids)
                return

    def _dispatch(self, alert: Alert, unit_ids: list[str]) -> None:
        store = self._panel.bridge.store
        names = ", ".join(store.units[u].callsign if u in store.units else u for u in unit_ids)
        done = self.tr("%1 dispatched to %2.").replace("%1", names).replace("%2", alert.id)
        self._ask(
            "alert.dispatch",
            {"alert_id": alert.id, "unit_ids": unit_ids, "version": alert.version},
            lambda _answer: self.status.setText(done),
        )

    def show_message(self, text: str, *, error: bool) -> None:
        """The answer to a push to the wall (``MessageSink``), in the dialog's status line."""
        del error  # the text says whether it worked
        self.status.setText(text)

    def _clear(self) -> None:
        self._panel.run_js("window.ConsoleWhereNext.clear()")
        self.data = {}
        self.cameras.clear()
        self.units.clear()
        self.status.clear()
        self._enable()


def add_where_next_action(
    panel: MapPanel,
    send: SendCommand,
    show_cameras: Callable[[list[str]], None],
    push_cameras: Callable[[str, list[str], MessageSink], None],
) -> QAction:
    """A "Where next…" button on the map's toolbar that opens the dialog; the plate or person
    searched last in the trajectory dialog is filled in."""

    def make() -> QDialog:
        dialog = WhereNextDialog(panel, send)
        dialog.sig_show_cameras.connect(show_cameras)
        dialog.sig_push_cameras.connect(lambda group, ids: push_cameras(group, ids, dialog))
        return dialog

    def fill_in(dialog: QDialog) -> None:
        trajectory = panel.findChild(TrajectoryDialog)
        searched = trajectory.value.text().strip() if trajectory is not None else ""
        if isinstance(dialog, WhereNextDialog) and searched and not dialog.value.text():
            assert trajectory is not None
            dialog.kind.setCurrentIndex(trajectory.kind.currentIndex())
            dialog.value.setText(searched)

    return dialog_action(
        panel.toolbar,
        "whereNextAction",
        QCoreApplication.translate("MapPanel", "Where next…"),
        QCoreApplication.translate(
            "MapPanel", "The cameras ahead of a plate or person, and the units to send"
        ),
        make,
        fill_in,
    )
