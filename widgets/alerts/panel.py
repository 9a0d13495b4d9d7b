"""The alert queue panel: filter bar, table, detail with history, acknowledge with one key."""

from __future__ import annotations

import html
from datetime import datetime

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from console.domain.model import Alert, AlertStatus
from widgets import labels
from widgets.alerts.model import ALERT_ROLE, COLUMNS, AlertFilterProxy, AlertTableModel
from widgets.bridge import StoreBridge
from widgets.theme import Theme

KINDS = (
    "call_110",
    "efence",
    "face_match",
    "plate_match",
    "radio_emergency",
    "video_analytics",
    "manual",
)


class AlertQueuePanel(QWidget):
    """The queue of alerts over the Store, with filters and a detail view."""

    sig_acknowledge_requested = Signal(str, int)
    """The operator asked to acknowledge (alert id, version seen)."""

    def __init__(self, bridge: StoreBridge, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertQueuePanel")
        self._bridge = bridge
        self.model = AlertTableModel(theme, parent=self)
        self.proxy = AlertFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._build()
        bridge.sig_snapshot_loaded.connect(self._on_bridge_snapshot_loaded)
        bridge.sig_alerts_raised.connect(self._on_bridge_alerts_raised)
        bridge.sig_alerts_changed.connect(self._on_bridge_alerts_changed)
        bridge.sig_alert_selected.connect(self._on_bridge_alert_selected)
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(1000)
        self._age_timer.timeout.connect(self.model.tick_ages)
        self._age_timer.start()
        if bridge.store.alerts:
            self._on_bridge_snapshot_loaded(bridge.store.seq or 0)

    # ---- layout

    def _build(self) -> None:
        self.status_filter = QComboBox(objectName="alertStatusFilter")
        self.status_filter.addItem(self.tr("Open"), AlertFilterProxy.OPEN)
        self.status_filter.addItem(self.tr("All"), AlertFilterProxy.ALL)
        for status in AlertStatus:
            self.status_filter.addItem(labels.alert_status(status.value), status.value)
        self.kind_filter = QComboBox(objectName="alertKindFilter")
        self.kind_filter.addItem(self.tr("All kinds"), None)
        for kind in KINDS:
            self.kind_filter.addItem(labels.alert_kind(kind), kind)
        self.priority_filter = QComboBox(objectName="alertPriorityFilter")
        for p in (4, 3, 2, 1):
            text = (
                self.tr("All priorities")
                if p == 4
                else self.tr("P%1 and higher").replace("%1", str(p))
            )
            self.priority_filter.addItem(text, p)
        self.search = QLineEdit(objectName="alertSearch")
        self.search.setPlaceholderText(self.tr("Search id, title, address…"))
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel(objectName="dim")

        self.status_filter.currentIndexChanged.connect(
            lambda: self.proxy.set_status(self.status_filter.currentData())
        )
        self.kind_filter.currentIndexChanged.connect(
            lambda: self.proxy.set_kind(self.kind_filter.currentData())
        )
        self.priority_filter.currentIndexChanged.connect(
            lambda: self.proxy.set_max_priority(self.priority_filter.currentData())
        )
        self.search.textChanged.connect(self.proxy.set_text)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)

        filters = QHBoxLayout()
        filters.addWidget(self.status_filter)
        filters.addWidget(self.kind_filter)
        filters.addWidget(self.priority_filter)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.count_label)

        self.table = QTableView(objectName="alertTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COLUMNS.index("priority"), Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        widths = {
            "priority": 44,
            "id": 90,
            "kind": 110,
            "title": 260,
            "address": 260,
            "status": 100,
            "age": 80,
            "owner": 120,
        }
        for i, col in enumerate(COLUMNS):
            header.resizeSection(i, widths[col])
        header.setSectionResizeMode(COLUMNS.index("title"), QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)

        self.detail = QTextBrowser(objectName="alertDetail")
        self.detail.setOpenLinks(False)
        self.ack_button = QPushButton(self.tr("Acknowledge  [A]"), objectName="ackButton")
        self.ack_button.setEnabled(False)
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.banner = QLabel(objectName="bannerInfo")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self._banner_timer = QTimer(self, singleShot=True, interval=8000)
        self._banner_timer.timeout.connect(self.banner.hide)

        right = QWidget()
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(0, 0, 0, 0)
        rlay.addWidget(self.detail, 1)
        rlay.addWidget(self.ack_button)

        splitter = QSplitter(Qt.Orientation.Horizontal, objectName="alertSplitter")
        splitter.addWidget(self.table)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(filters)
        lay.addWidget(self.banner)
        lay.addWidget(splitter, 1)

        for key in ("A", "Space"):
            shortcut = QShortcut(QKeySequence(key), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.acknowledge_selected)
        self._show_detail(None)
        self._update_count()

    # ---- actions

    def selected_alert(self) -> Alert | None:
        """The alert selected in the table, as currently in the Store."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        alert = rows[0].data(ALERT_ROLE)
        return alert if isinstance(alert, Alert) else None

    def acknowledge_selected(self) -> None:
        """Ask to acknowledge the selected alert (if it is new)."""
        alert = self.selected_alert()
        if alert is None:
            return
        if alert.status is not AlertStatus.NEW:
            self.show_message(
                self.tr("%1 is already %2.")
                .replace("%1", alert.id)
                .replace("%2", labels.alert_status(alert.status.value)),
                error=False,
            )
            return
        self.sig_acknowledge_requested.emit(alert.id, alert.version)

    def show_message(self, text: str, *, error: bool) -> None:
        """Show a plain message above the table for a few seconds."""
        self.banner.setObjectName("bannerError" if error else "bannerInfo")
        self.banner.setStyleSheet("")  # re-polish for the new object name
        self.banner.setText(text)
        self.banner.show()
        self._banner_timer.start()

    def set_operator(self, operator_id: str | None) -> None:
        """Who "me" is in the owner column."""
        self.model.me = operator_id

    # ---- bridge handlers

    def _on_bridge_snapshot_loaded(self, _seq: int) -> None:
        selected = self._bridge.store.selected_alert_id
        self.model.reset_alerts(list(self._bridge.store.alerts.values()))
        if selected:
            self._on_bridge_alert_selected(selected)

    def _on_bridge_alerts_raised(self, alerts: list[Alert]) -> None:
        self.model.add_alerts(alerts)

    def _on_bridge_alerts_changed(self, alerts: list[Alert]) -> None:
        self.model.update_alerts(alerts)
        current = self.selected_alert()
        if current is not None and any(a.id == current.id for a in alerts):
            self._show_detail(current)

    def _on_bridge_alert_selected(self, alert_id: str | None) -> None:
        current = self.selected_alert()
        if alert_id is None or (current is not None and current.id == alert_id):
            return
        row = self.model.row_of(alert_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.table.selectRow(index.row())
            self.table.scrollTo(index)

    def _on_table_selection_changed(self, _sel: QItemSelection, _desel: QItemSelection) -> None:
        alert = self.selected_alert()
        self._show_detail(alert)
        self._bridge.select_alert(alert.id if alert else None)

    def _update_count(self, *_args: object) -> None:
        self.count_label.setText(
            self.tr("%1 shown / %2 total")
            .replace("%1", str(self.proxy.rowCount()))
            .replace("%2", str(self.model.rowCount()))
        )

    def _show_detail(self, alert: Alert | None) -> None:
        self.ack_button.setEnabled(alert is not None and alert.status is AlertStatus.NEW)
        if alert is None:
            hint = html.escape(self.tr("Select an alert to see its details."))
            self.detail.setHtml(f"<p>{hint}</p>")
            return
        e = html.escape
        system = self.tr("system")
        t_address, t_position = self.tr("Address"), self.tr("Position")
        t_grid, t_units, t_history = self.tr("Grid"), self.tr("Units"), self.tr("History")
        rows = "".join(
            f"<tr><td>{e(datetime.fromtimestamp(h.ts).strftime('%H:%M:%S'))}</td>"
            f"<td>{e(h.operator or system)}</td><td>{e(h.action)}</td>"
            f"<td>{e(h.note)}</td></tr>"
            for h in alert.history
        )
        units = ", ".join(alert.unit_ids) or "—"
        self.detail.setHtml(
            f"<h3>P{alert.priority} · {e(alert.title)}</h3>"
            f"<p><b>{e(alert.id)}</b> · {e(labels.alert_kind(alert.kind))} · "
            f"{e(labels.alert_status(alert.status.value))} · v{alert.version}</p>"
            f"<p>{e(alert.description)}</p>"
            f"<p>{e(t_address)}: {e(alert.address)}<br>"
            f"{e(t_position)}: {alert.lat:.5f}, {alert.lon:.5f}<br>"
            f"{e(t_grid)}: {e(alert.grid_id or '—')}<br>"
            f"{e(t_units)}: {e(units)}</p>"
            f"<h4>{e(t_history)}</h4>"
            f"<table cellspacing='4'>{rows}</table>"
        )
