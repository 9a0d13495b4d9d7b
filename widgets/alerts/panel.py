"""The alert queue panel: filter bar, table, detail with history, acknowledge with one key."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QEvent, QItemSelection, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
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

from console.dispatch import (
    CommandLineError,
    parse_command_line,
    possible_duplicates,
    recommend,
)
from console.domain.model import Alert, AlertStatus
from widgets import labels
from widgets.alerts.dialogs import CloseDialog, DispatchDialog, FeedbackDialog, IntakeDialog
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


_DISPATCHABLE = (
    AlertStatus.NEW,
    AlertStatus.ACKNOWLEDGED,
    AlertStatus.DISPATCHED,
    AlertStatus.ON_SCENE,
)
_CLOSABLE = (AlertStatus.NEW, AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED)


class AlertQueuePanel(QWidget):
    """The queue of alerts over the Store, with filters and a detail view."""

    sig_acknowledge_requested = Signal(str, int)
    """The operator asked to acknowledge (alert id, version seen)."""
    sig_command_requested = Signal(str, dict, str)
    """The operator asked for a command (name, args, text to show when it is done)."""

    def __init__(
        self,
        bridge: StoreBridge,
        theme: Theme,
        parent: QWidget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("alertQueuePanel")
        self._clock = clock
        self._bridge = bridge
        self.model = AlertTableModel(theme, parent=self, layers=lambda: bridge.store.layers)
        self.proxy = AlertFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._build()
        bridge.sig_snapshot_loaded.connect(self._on_bridge_snapshot_loaded)
        bridge.sig_alerts_raised.connect(self._on_bridge_alerts_raised)
        bridge.sig_alerts_changed.connect(self._on_bridge_alerts_changed)
        bridge.sig_alert_selected.connect(self._on_bridge_alert_selected)
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(1000)
        # Ages and countdowns are computed when cells paint: repainting the visible rows once a
        # second is enough, and costs nothing per row off screen (no dataChanged storms
        # through the sort/filter proxy).
        self._age_timer.timeout.connect(self.table.viewport().update)
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
            "timer": 90,
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
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.dispatch_button = QPushButton(self.tr("Dispatch  [D]"), objectName="dispatchButton")
        self.dispatch_button.clicked.connect(self.dispatch_selected)
        self.scene_button = QPushButton(self.tr("On scene  [S]"), objectName="sceneButton")
        self.scene_button.clicked.connect(self.on_scene_selected)
        self.feedback_button = QPushButton(self.tr("Feedback  [F]"), objectName="feedbackButton")
        self.feedback_button.clicked.connect(self.feedback_selected)
        self.close_button = QPushButton(self.tr("Close  [C]"), objectName="closeButton")
        self.close_button.clicked.connect(self.close_selected)
        self.new_button = QPushButton(self.tr("New alert  [N]"), objectName="newAlertButton")
        self.new_button.clicked.connect(self.new_alert)
        self.banner = QLabel(objectName="bannerInfo")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self._banner_timer = QTimer(self, singleShot=True, interval=8000)
        self._banner_timer.timeout.connect(self.banner.hide)

        right = QWidget()
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(0, 0, 0, 0)
        rlay.addWidget(self.detail, 1)
        grid = QGridLayout()
        for i, button in enumerate(
            (
                self.ack_button,
                self.dispatch_button,
                self.scene_button,
                self.feedback_button,
                self.close_button,
                self.new_button,
            )
        ):
            grid.addWidget(button, i // 2, i % 2)
        rlay.addLayout(grid)

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
        self.command_line = QLineEdit(objectName="alertCommandLine")
        self.command_line.setPlaceholderText(
            self.tr("Command: A A-42 · D P1023 A-42 · S A-42 · F A-42 note · C A-42 false_alarm")
        )
        self.command_line.returnPressed.connect(self._on_command_line_entered)
        lay.addWidget(self.command_line)

        # Keyboard-first: plain letter keys act on the selected alert while the queue has focus.
        self._keys = {
            Qt.Key.Key_A: self.acknowledge_selected,
            Qt.Key.Key_Space: self.acknowledge_selected,
            Qt.Key.Key_D: self.dispatch_selected,
            Qt.Key.Key_S: self.on_scene_selected,
            Qt.Key.Key_F: self.feedback_selected,
            Qt.Key.Key_C: self.close_selected,
            Qt.Key.Key_N: self.new_alert,
        }
        self.table.installEventFilter(self)
        self._show_detail(None)
        self._update_count()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            slot = self._keys.get(Qt.Key(event.key()))
            if slot is not None:
                slot()
                return True
        return super().eventFilter(watched, event)

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

    def dispatch_selected(self) -> None:
        """派警: open the recommendation for the selected alert."""
        alert = self.selected_alert()
        if alert is None or alert.status not in _DISPATCHABLE:
            return
        store = self._bridge.store
        ranked = recommend(alert, store.units, store.positions, self._clock())
        dialog = DispatchDialog(alert, ranked, self)
        dialog.accepted.connect(lambda: self._on_dispatch_accepted(dialog))
        self.dispatch_dialog = dialog
        dialog.open()

    def _on_dispatch_accepted(self, dialog: DispatchDialog) -> None:
        alert, units = dialog.alert, dialog.chosen()
        current = self._bridge.store.alerts.get(alert.id, alert)
        names = ", ".join(
            self._bridge.store.units[u].callsign for u in units if u in self._bridge.store.units
        )
        self.sig_command_requested.emit(
            "alert.dispatch",
            {"alert_id": alert.id, "unit_ids": units, "version": current.version},
            self.tr("%1 dispatched to %2.").replace("%1", names).replace("%2", alert.id),
        )
        if dialog.is_override():
            top = dialog.ranked[0].unit.callsign
            text = (
                self.tr("Recommendation %1 overridden: %2")
                .replace("%1", top)
                .replace("%2", dialog.reason.text().strip())
            )
            self.sig_command_requested.emit("log.write", {"text": text, "alert_id": alert.id}, "")

    def on_scene_selected(self) -> None:
        """到场: the units reported arriving (by radio)."""
        alert = self.selected_alert()
        if alert is not None and alert.status is AlertStatus.DISPATCHED:
            self.sig_command_requested.emit(
                "alert.set_status",
                {"alert_id": alert.id, "status": "on_scene", "note": "", "version": alert.version},
                self.tr("%1 on scene.").replace("%1", alert.id),
            )

    def feedback_selected(self) -> None:
        """反馈: record what the unit reported; the alert becomes resolved."""
        alert = self.selected_alert()
        if alert is None or alert.status is not AlertStatus.ON_SCENE:
            return
        dialog = FeedbackDialog(alert, self)
        dialog.accepted.connect(
            lambda: self.sig_command_requested.emit(
                "alert.set_status",
                {
                    "alert_id": alert.id,
                    "status": "resolved",
                    "note": dialog.note.toPlainText().strip(),
                    "version": self._bridge.store.alerts[alert.id].version,
                },
                self.tr("Feedback recorded for %1.").replace("%1", alert.id),
            )
        )
        self.feedback_dialog = dialog
        dialog.open()

    def close_selected(self) -> None:
        """结案: close with a disposition (after feedback, or as a false alarm)."""
        alert = self.selected_alert()
        if alert is None or alert.status not in _CLOSABLE:
            return
        dialog = CloseDialog(alert, self)
        dialog.accepted.connect(
            lambda: self.sig_command_requested.emit(
                "alert.close",
                {
                    "alert_id": alert.id,
                    "disposition": dialog.disposition.currentData(),
                    "note": dialog.note.toPlainText().strip(),
                    "version": self._bridge.store.alerts[alert.id].version,
                },
                self.tr("%1 closed.").replace("%1", alert.id),
            )
        )
        self.close_dialog = dialog
        dialog.open()

    def new_alert(self) -> None:
        """接警: create an alert from a phone call."""
        alert = self.selected_alert()
        lat, lon = (alert.lat, alert.lon) if alert else (39.82, 109.98)
        dialog = IntakeDialog(lat, lon, self)
        dialog.accepted.connect(
            lambda: self.sig_command_requested.emit(
                "alert.create", dialog.args(), self.tr("Alert created.")
            )
        )
        self.intake_dialog = dialog
        dialog.open()

    def _on_command_line_entered(self) -> None:
        text = self.command_line.text().strip()
        if not text:
            return
        store = self._bridge.store
        try:
            name, args = parse_command_line(text, store.alerts, store.units)
        except CommandLineError as exc:
            self.show_message(str(exc), error=True)
            return
        self.command_line.clear()
        self.sig_command_requested.emit(name, args, self.tr("Done: %1").replace("%1", text))

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

    def _duplicates_html(self, alert: Alert) -> str:
        if not alert.is_open:
            return ""
        dups = possible_duplicates(alert, self._bridge.store.alerts.values())
        if not dups:
            return ""
        items = ", ".join(html.escape(f"{d.id} {d.title}") for d in dups[:5])
        title = html.escape(self.tr("Possible duplicates"))
        return f"<p><b>{title}:</b> {items}</p>"

    def _show_detail(self, alert: Alert | None) -> None:
        status = alert.status if alert is not None else None
        self.ack_button.setEnabled(status is AlertStatus.NEW)
        self.dispatch_button.setEnabled(status in _DISPATCHABLE)
        self.scene_button.setEnabled(status is AlertStatus.DISPATCHED)
        self.feedback_button.setEnabled(status is AlertStatus.ON_SCENE)
        self.close_button.setEnabled(status in _CLOSABLE)
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
            f"{self._duplicates_html(alert)}"
            f"<h4>{e(t_history)}</h4>"
            f"<table cellspacing='4'>{rows}</table>"
        )
