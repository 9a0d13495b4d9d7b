"""Dialogs of the dispatch workflow: dispatch with recommendation, close, feedback, intake.

Each is opened with ``open()`` (never a nested ``exec()``) and reports through ``accepted``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.dispatch import BusyUnit, Recommendation
from console.domain.model import Alert
from console.protocol.schema import ALERT_KINDS
from widgets import labels
from widgets.naming import named

DISPOSITIONS = ("handled", "false_alarm", "duplicate", "transferred", "no_action")


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    box.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    box.rejected.connect(dialog.reject)
    return box


class DispatchDialog(QDialog):
    """派警: available units ranked by ETA; Enter dispatches the top one.

    Choosing another unit than the first is an override and needs a reason, which is logged.
    Units working other incidents follow the available ones, greyed, with the incident they
    are on; choosing one reassigns it (the panel asks to confirm, naming that incident).
    """

    def __init__(
        self,
        alert: Alert,
        ranked: list[Recommendation],
        parent: QWidget | None = None,
        busy: list[BusyUnit] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dispatchDialog")
        self.setWindowTitle(self.tr("Dispatch — %1").replace("%1", alert.id))
        self.alert = alert
        self.ranked = ranked
        self.busy = busy or []
        self._row_units = [r.unit.id for r in ranked] + [b.unit.id for b in self.busy]
        self.table = named(QTableWidget(len(self._row_units), 4), "recommendationTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Unit"), self.tr("ETA"), self.tr("Distance"), self.tr("Why")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        for row, rec in enumerate(ranked):
            cells = [
                f"{rec.unit.callsign} ({rec.unit.id})",
                self.tr("%1 min").replace("%1", str(max(1, round(rec.eta_s / 60)))),
                f"{rec.distance_m / 1000:.1f} km",
                rec.reason,
            ]
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        dim = self.palette().color(self.foregroundRole())
        dim.setAlphaF(0.55)
        for i, b in enumerate(self.busy):
            cells = [
                f"{b.unit.callsign} ({b.unit.id})",
                self.tr("%1 min").replace("%1", str(max(1, round(b.eta_s / 60)))),
                f"{b.distance_m / 1000:.1f} km",
                self.tr("busy on %1 (P%2 %3): reassign")
                .replace("%1", b.other.id)
                .replace("%2", str(b.other.priority))
                .replace("%3", b.other.title),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setForeground(dim)
                self.table.setItem(len(ranked) + i, col, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        if ranked:
            self.table.selectRow(0)
        self.reason = named(QLineEdit(), "overrideReason")
        self.reason.setPlaceholderText(self.tr("Why not the recommended unit?"))
        self.note = named(QLabel(), "bannerError")
        self.note.setWordWrap(True)
        self.note.hide()
        empty = named(QLabel(self.tr("No available unit with a known position.")), "dim")
        empty.setVisible(not ranked)
        buttons = _buttons(self, self.tr("Dispatch"))
        buttons.accepted.connect(self._on_accept)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"<b>P{alert.priority} {alert.title}</b><br>{alert.address}"))
        lay.addWidget(empty)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.reason)
        lay.addWidget(self.note)
        lay.addWidget(buttons)
        self.resize(720, 420)

    def chosen(self) -> list[str]:
        """Unit ids selected, in table order."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self._row_units[r] for r in rows]

    def is_override(self) -> bool:
        """True when the top recommendation is not among the chosen units."""
        return bool(self.ranked) and self.ranked[0].unit.id not in self.chosen()

    def _on_accept(self) -> None:
        if not self.chosen():
            self.note.setText(self.tr("Choose at least one unit."))
            self.note.show()
            return
        if self.is_override() and not self.reason.text().strip():
            self.note.setText(self.tr("You chose another unit than recommended: give a reason."))
            self.note.show()
            self.reason.setFocus()
            return
        self.accept()


class CloseDialog(QDialog):
    """结案: a disposition and a note."""

    def __init__(self, alert: Alert, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("closeDialog")
        self.setWindowTitle(self.tr("Close — %1").replace("%1", alert.id))
        self.disposition = named(QComboBox(), "disposition")
        names = {
            "handled": self.tr("Handled"),
            "false_alarm": self.tr("False alarm"),
            "duplicate": self.tr("Duplicate"),
            "transferred": self.tr("Transferred"),
            "no_action": self.tr("No action needed"),
        }
        for key in DISPOSITIONS:
            self.disposition.addItem(names[key], key)
        self.note = named(QPlainTextEdit(), "closeNote")
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{alert.title}</b>"))
        form.addRow(self.tr("Disposition"), self.disposition)
        form.addRow(self.tr("Note"), self.note)
        buttons = _buttons(self, self.tr("Close incident"))
        buttons.accepted.connect(self.accept)
        form.addRow(buttons)


class FeedbackDialog(QDialog):
    """反馈: what the unit reported from the scene."""

    def __init__(self, alert: Alert, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("feedbackDialog")
        self.setWindowTitle(self.tr("Feedback — %1").replace("%1", alert.id))
        self.note = named(QPlainTextEdit(), "feedbackNote")
        self.note.setPlaceholderText(self.tr("What the unit reported from the scene"))
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"<b>{alert.title}</b>"))
        lay.addWidget(self.note)
        buttons = _buttons(self, self.tr("Record feedback"))
        buttons.accepted.connect(self.accept)
        lay.addWidget(buttons)


class IntakeDialog(QDialog):
    """接警: a new alert from a phone call."""

    #: What a phone call usually is comes first; a radio emergency (pressed on a radio,
    #: rarely phoned in) last; the rest in the protocol's order.
    KINDS = (
        "call_110",
        "manual",
        *(k for k in ALERT_KINDS if k not in ("call_110", "manual", "radio_emergency")),
        "radio_emergency",
    )

    def __init__(self, lat: float, lon: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("intakeDialog")
        self.setWindowTitle(self.tr("New alert (phone call)"))
        self.caller = named(QLineEdit(), "intakeCaller")
        self.number = named(QLineEdit(), "intakeNumber")
        self.kind = named(QComboBox(), "intakeKind")
        for kind in self.KINDS:
            self.kind.addItem(labels.alert_kind(kind), kind)
        self.priority = named(QSpinBox(minimum=1, maximum=4, value=3), "intakePriority")
        self.title = named(QLineEdit(), "intakeTitle")
        self.address = named(QLineEdit(), "intakeAddress")
        self.lat = named(QDoubleSpinBox(decimals=6, minimum=-90, maximum=90), "intakeLat")
        self.lon = named(QDoubleSpinBox(decimals=6, minimum=-180, maximum=180), "intakeLon")
        self.lat.setValue(lat)
        self.lon.setValue(lon)
        self.description = named(QPlainTextEdit(), "intakeDescription")
        self.note = named(QLabel(), "bannerError")
        self.note.hide()
        form = QFormLayout(self)
        form.addRow(self.tr("Caller"), self.caller)
        form.addRow(self.tr("Phone number"), self.number)
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Priority (1 highest)"), self.priority)
        form.addRow(self.tr("Title"), self.title)
        form.addRow(self.tr("Address"), self.address)
        form.addRow(self.tr("Latitude"), self.lat)
        form.addRow(self.tr("Longitude"), self.lon)
        form.addRow(self.tr("What happened"), self.description)
        form.addRow(self.note)
        buttons = _buttons(self, self.tr("Create alert"))
        buttons.accepted.connect(self._on_accept)
        form.addRow(buttons)
        self.title.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_accept(self) -> None:
        if not self.title.text().strip():
            self.note.setText(self.tr("Give the alert a title."))
            self.note.show()
            return
        self.accept()

    def args(self) -> dict[str, object]:
        """The ``alert.create`` arguments."""
        parts = [self.caller.text().strip(), self.number.text().strip()]
        who = " ".join(p for p in parts if p)
        text = self.description.toPlainText().strip()
        description = f"{self.tr('Caller')}: {who}\n{text}" if who else text
        return {
            "kind": self.kind.currentData(),
            "priority": self.priority.value(),
            "title": self.title.text().strip(),
            "lat": round(self.lat.value(), 6),
            "lon": round(self.lon.value(), 6),
            "description": description,
            "address": self.address.text().strip(),
        }
