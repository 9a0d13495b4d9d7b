"""Dialogs for the side paths of an incident: merge, cancel, transfer, release a unit, reassign.

Each is opened with ``open()`` (never a nested ``exec()``), checks its own input (a refusal
says why and keeps the dialog open) and reports through ``accepted``; ``args()`` gives the
wire arguments without ``version`` (the panel takes it from the Store at send time).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)

from console.domain.model import Alert, Unit
from widgets import labels
from widgets.alerts.dialogs import _buttons
from widgets.naming import named


def _error_label() -> QLabel:
    label = named(QLabel(), "bannerError")
    label.setWordWrap(True)
    label.hide()
    return label


def _alert_text(alert: Alert) -> str:
    return f"{alert.id} · P{alert.priority} · {alert.title}"


class MergeDialog(QDialog):
    """合并: the selected alert (a duplicate) is merged into the main incident."""

    def __init__(
        self,
        alert: Alert,
        targets: list[Alert],
        duplicates: set[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mergeDialog")
        self.setWindowTitle(self.tr("Merge — %1").replace("%1", alert.id))
        self.alert = alert
        self.target = named(QComboBox(), "mergeTarget")
        for other in targets:
            text = _alert_text(other)
            if other.id in duplicates:
                text = self.tr("%1 (possible duplicate)").replace("%1", text)
            self.target.addItem(text, other.id)
        self.note = named(QPlainTextEdit(), "mergeNote")
        self.note.setFixedHeight(70)
        self.error = _error_label()
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{html.escape(_alert_text(alert))}</b>"))
        explain = named(
            QLabel(
                self.tr(
                    "This alert will be closed as merged; its units and cameras join the main "
                    "incident."
                )
            ),
            "dim",
        )
        explain.setWordWrap(True)
        form.addRow(explain)
        form.addRow(self.tr("Main incident"), self.target)
        form.addRow(self.tr("Note"), self.note)
        form.addRow(self.error)
        buttons = _buttons(self, self.tr("Merge"))
        buttons.accepted.connect(self._on_accept)
        form.addRow(buttons)
        self.resize(520, 260)

    def _on_accept(self) -> None:
        if self.target.currentData() is None:
            self.error.setText(self.tr("There is no open incident to merge into."))
            self.error.show()
            return
        self.accept()

    def args(self) -> dict[str, object]:
        """``alert.merge`` arguments (without version)."""
        return {
            "alert_id": self.alert.id,
            "into_id": self.target.currentData(),
            "note": self.note.toPlainText().strip(),
        }


class CancelDialog(QDialog):
    """撤销: an open alert is cancelled; a reason is required and its units are released."""

    def __init__(self, alert: Alert, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cancelDialog")
        self.setWindowTitle(self.tr("Cancel — %1").replace("%1", alert.id))
        self.alert = alert
        self.reason = named(QPlainTextEdit(), "cancelReason")
        self.reason.setPlaceholderText(self.tr("Why is this alert cancelled?"))
        self.reason.setFixedHeight(80)
        self.error = _error_label()
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{html.escape(_alert_text(alert))}</b>"))
        if alert.unit_ids:
            released = self.tr("Its units will be released: %1")
            form.addRow(named(QLabel(released.replace("%1", ", ".join(alert.unit_ids))), "dim"))
        form.addRow(self.tr("Reason"), self.reason)
        form.addRow(self.error)
        buttons = _buttons(self, self.tr("Cancel alert"))
        # "Cancel" next to "Cancel alert" would be ambiguous: this one keeps the alert.
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Keep it"))
        buttons.accepted.connect(self._on_accept)
        form.addRow(buttons)
        self.resize(480, 220)

    def _on_accept(self) -> None:
        if not self.reason.toPlainText().strip():
            self.error.setText(self.tr("Give a reason to cancel."))
            self.error.show()
            self.reason.setFocus()
            return
        self.accept()

    def args(self) -> dict[str, object]:
        """``alert.cancel`` arguments (without version)."""
        return {"alert_id": self.alert.id, "reason": self.reason.toPlainText().strip()}


class TransferDialog(QDialog):
    """移交: another operator takes the alert over (any operator id; the backend checks it)."""

    def __init__(
        self, alert: Alert, operators: list[str], me: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("transferDialog")
        self.setWindowTitle(self.tr("Transfer — %1").replace("%1", alert.id))
        self.alert = alert
        self._me = me
        self.operator = named(QComboBox(), "transferOperator")
        self.operator.setEditable(True)
        for op in operators:
            if op != me and op != alert.owner:
                self.operator.addItem(op, op)
        self.operator.setCurrentText("")
        line = self.operator.lineEdit()
        if line is not None:
            line.setPlaceholderText(self.tr("Operator id"))
        self.note = named(QPlainTextEdit(), "transferNote")
        self.note.setFixedHeight(70)
        self.error = _error_label()
        owner = alert.owner or self.tr("nobody")
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{html.escape(_alert_text(alert))}</b>"))
        form.addRow(self.tr("Owner now"), QLabel(html.escape(owner)))
        form.addRow(self.tr("Transfer to"), self.operator)
        form.addRow(self.tr("Note"), self.note)
        form.addRow(self.error)
        buttons = _buttons(self, self.tr("Transfer"))
        buttons.accepted.connect(self._on_accept)
        form.addRow(buttons)
        self.resize(460, 240)

    def set_operators(self, operators: list[dict[str, str]]) -> None:
        """Offer the backend's operators (``operator.list``): "name (id) · role"."""
        typed = self.operator.currentText()
        self.operator.clear()
        for op in operators:
            if op["id"] in (self._me, self.alert.owner) or op.get("role") == "wall":
                continue
            self.operator.addItem(f"{op['name']} ({op['id']}) · {op.get('role', '')}", op["id"])
        self.operator.setCurrentText(typed)

    def chosen(self) -> str:
        """The operator id chosen from the list, or typed."""
        text = self.operator.currentText().strip()
        index = self.operator.findText(text)
        return str(self.operator.itemData(index)) if index >= 0 else text

    def _on_accept(self) -> None:
        who = self.chosen()
        if not who:
            self.error.setText(self.tr("Name the operator who takes it over."))
            self.error.show()
            return
        if who == self.alert.owner:
            self.error.setText(self.tr("%1 already owns this alert.").replace("%1", who))
            self.error.show()
            return
        self.accept()

    def args(self) -> dict[str, object]:
        """``alert.transfer`` arguments (without version)."""
        return {
            "alert_id": self.alert.id,
            "to_operator": self.chosen(),
            "note": self.note.toPlainText().strip(),
        }


class ReleaseDialog(QDialog):
    """释放: one unit leaves the incident and becomes available."""

    def __init__(
        self, alert: Alert, units: Mapping[str, Unit], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("releaseDialog")
        self.setWindowTitle(self.tr("Release a unit — %1").replace("%1", alert.id))
        self.alert = alert
        self.unit = named(QComboBox(), "releaseUnit")
        for unit_id in alert.unit_ids:
            unit = units.get(unit_id)
            text = (
                f"{unit.callsign} ({unit_id}) · {labels.unit_status(unit.status.value)}"
                if unit
                else unit_id
            )
            self.unit.addItem(text, unit_id)
        self.note = named(QPlainTextEdit(), "releaseNote")
        self.note.setFixedHeight(70)
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{html.escape(_alert_text(alert))}</b>"))
        form.addRow(self.tr("Unit"), self.unit)
        form.addRow(self.tr("Note"), self.note)
        if len(alert.unit_ids) == 1 and alert.status.value == "dispatched":
            last = named(
                QLabel(self.tr("It is the last unit: the alert goes back to acknowledged.")), "dim"
            )
            last.setWordWrap(True)
            form.addRow(last)
        buttons = _buttons(self, self.tr("Release"))
        buttons.accepted.connect(self.accept)
        form.addRow(buttons)
        self.resize(460, 220)

    def args(self) -> dict[str, object]:
        """``alert.release_unit`` arguments (without version)."""
        return {
            "alert_id": self.alert.id,
            "unit_id": self.unit.currentData(),
            "note": self.note.toPlainText().strip(),
        }


def reassign_box(
    alert: Alert, busy: Mapping[str, Alert], units: Mapping[str, Unit], parent: QWidget
) -> QMessageBox:
    """改派 confirmation: names each unit's current incident (open it with ``open()``)."""
    lines = []
    for unit_id, other in busy.items():
        unit = units.get(unit_id)
        name = f"{unit.callsign} ({unit_id})" if unit else unit_id
        lines.append(
            QCoreApplication.translate("ReassignBox", "%1 is on %2 (P%3 %4).")
            .replace("%1", name)
            .replace("%2", other.id)
            .replace("%3", str(other.priority))
            .replace("%4", other.title)
        )
    box = QMessageBox(parent)
    box.setObjectName("reassignBox")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(QCoreApplication.translate("ReassignBox", "Reassign units?"))
    box.setText(
        "\n".join(lines)
        + "\n\n"
        + QCoreApplication.translate(
            "ReassignBox", "Reassign to %1? The other incident loses the unit."
        ).replace("%1", alert.id)
    )
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.button(QMessageBox.StandardButton.Yes).setText(
        QCoreApplication.translate("ReassignBox", "Reassign")
    )
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box
