"""History search over closed incidents (``alert.history``); a result opens its detail."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from console.domain.model import Alert
from console.domain.store import Store
from console.protocol.codec import ProtocolError, format_ts
from console.protocol.schema import ALERT_KINDS
from console.protocol.session import CommandAnswered
from console.records import incident_record
from widgets import labels
from widgets.alerts.detail import IncidentHtml
from widgets.naming import named

SendCommand = Callable[[str, dict[str, Any]], "asyncio.Future[CommandAnswered]"]
LIMIT = 200


class HistorySearchDialog(QDialog):
    """Search closed incidents by text, kind and period; newest first."""

    sig_report_requested = Signal(object)
    """The operator asked for the PDF report of a closed incident (Alert)."""
    sig_export_requested = Signal(object)
    """The operator asked for the EIDO export of a closed incident (Alert)."""

    def __init__(
        self,
        send: SendCommand,
        store: Store,
        renderer: IncidentHtml,
        parent: QWidget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historyDialog")
        self.setWindowTitle(self.tr("Incident history (closed)"))
        self._send = send
        self._store = store
        self._renderer = renderer
        self._clock = clock
        self.results: list[Alert] = []
        self.pending: asyncio.Future[CommandAnswered] | None = None

        self.text = named(QLineEdit(), "historyText")
        self.text.setPlaceholderText(self.tr("Text in id, title, address, description…"))
        self.text.setClearButtonEnabled(True)
        self.text.returnPressed.connect(self.search)
        self.kind = named(QComboBox(), "historyKind")
        self.kind.addItem(self.tr("All kinds"), None)
        for kind in ALERT_KINDS:
            self.kind.addItem(labels.alert_kind(kind), kind)
        self.period = named(QComboBox(), "historyPeriod")
        for text, hours in (
            (self.tr("Last 24 hours"), 24),
            (self.tr("Last 7 days"), 24 * 7),
            (self.tr("Last 30 days"), 24 * 30),
            (self.tr("Any time"), None),
        ):
            self.period.addItem(text, hours)
        self.period.setCurrentIndex(1)
        self.search_button = named(QPushButton(self.tr("Search")), "historySearch")
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)
        self.status = named(QLabel(), "dim")

        self.table = named(QTableWidget(0, 7), "historyTable")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("ID"),
                self.tr("Closed"),
                self.tr("P"),
                self.tr("Kind"),
                self.tr("Title"),
                self.tr("Disposition"),
                self.tr("Owner"),
            ]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.detail = named(QTextBrowser(), "historyDetail")
        self.report_button = named(QPushButton(self.tr("Report (PDF)…")), "historyReport")
        self.export_button = named(QPushButton(self.tr("Export EIDO…")), "historyExport")
        self.report_button.clicked.connect(lambda: self.sig_report_requested.emit(self.selected()))
        self.export_button.clicked.connect(lambda: self.sig_export_requested.emit(self.selected()))

        bar = QHBoxLayout()
        bar.addWidget(self.text, 1)
        bar.addWidget(self.kind)
        bar.addWidget(self.period)
        bar.addWidget(self.search_button)
        right = QWidget()
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(0, 0, 0, 0)
        rlay.addWidget(self.detail, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.report_button)
        buttons.addWidget(self.export_button)
        rlay.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.status)
        lay.addWidget(splitter, 1)
        self._show(None)
        self.resize(1100, 600)

    def args(self) -> dict[str, Any]:
        """The ``alert.history`` arguments for the current search fields."""
        args: dict[str, Any] = {"limit": LIMIT}
        if self.text.text().strip():
            args["text"] = self.text.text().strip()
        if self.kind.currentData():
            args["kind"] = self.kind.currentData()
        hours = self.period.currentData()
        if hours:
            args["since"] = format_ts(self._clock() - hours * 3600)
        return args

    def search(self) -> None:
        """Ask the backend; results replace the table when the answer comes."""
        try:
            future = self._send("alert.history", self.args())
        except ProtocolError as exc:
            self.status.setText(exc.message)
            return
        self.status.setText(self.tr("Searching…"))
        self.search_button.setEnabled(False)
        self.pending = future
        future.add_done_callback(self._on_answer)

    def _on_answer(self, future: asyncio.Future[CommandAnswered]) -> None:
        if future is not self.pending:
            return
        self.pending = None
        self.search_button.setEnabled(True)
        if future.cancelled():
            self.status.setText(self.tr("Search cancelled (link lost)."))
            return
        answer = future.result()
        if not answer.ok:
            self.status.setText(
                self.tr("Search refused (%1): %2")
                .replace("%1", answer.code or "")
                .replace("%2", answer.message or "")
            )
            return
        try:
            found = [Alert.from_wire(a) for a in (answer.data or {}).get("alerts", [])]
        except (KeyError, TypeError, ValueError) as exc:
            self.status.setText(
                self.tr("The backend sent a bad answer: %1").replace("%1", str(exc))
            )
            return
        self.set_results(found)

    def set_results(self, alerts: list[Alert]) -> None:
        """Show ``alerts`` (newest first, as the backend sends them)."""
        self.results = alerts
        self.table.setRowCount(len(alerts))
        for row, alert in enumerate(alerts):
            closed = alert.history[-1].ts if alert.history else alert.created_ts
            cells = [
                alert.id,
                datetime.fromtimestamp(closed).strftime("%Y-%m-%d %H:%M"),
                f"P{alert.priority}",
                labels.alert_kind(alert.kind),
                alert.title,
                alert.disposition or "",
                self._renderer.owner(alert),
            ]
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        if len(alerts) >= LIMIT:
            text = self.tr("%1 newest shown; narrow the search to see older ones.")
        else:
            text = self.tr("%1 closed incidents found.")
        self.status.setText(text.replace("%1", str(len(alerts))))
        if alerts:
            self.table.selectRow(0)
        self._show(self.selected())  # row 0 may have been selected already

    def selected(self) -> Alert | None:
        """The result selected in the table."""
        rows = self.table.selectionModel().selectedRows()
        return self.results[rows[0].row()] if rows else None

    def _on_table_selection_changed(self) -> None:
        self._show(self.selected())

    def _show(self, alert: Alert | None) -> None:
        self.report_button.setEnabled(alert is not None)
        self.export_button.setEnabled(alert is not None)
        if alert is None:
            hint = self.tr("Search, then pick an incident.")
            self.detail.setHtml(f"<p>{hint}</p>")
            return
        s = self._store
        record = incident_record(alert, s.units, s.log, s.radio_calls, s.layers)
        self.detail.setHtml(self._renderer.render(record))
