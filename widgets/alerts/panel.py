"""The alert queue panel: filter bar, table, detail with history, keys for every action.

The main loop (acknowledge → dispatch → on scene → feedback → close) lives here; the side
paths (merge, cancel, transfer, release, reassign) and records are in ``actions.py``.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QItemSelection, QObject, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
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
    reassignable,
    recommend,
)
from console.domain.model import Alert, AlertStatus, LogEntry
from console.protocol.schema import ALERT_KINDS
from console.records import incident_record
from widgets import labels
from widgets.alerts.actions import IncidentActions
from widgets.alerts.detail import IncidentHtml
from widgets.alerts.dialogs import CloseDialog, DispatchDialog, FeedbackDialog, IntakeDialog
from widgets.alerts.model import ALERT_ROLE, COLUMNS, AlertFilterProxy, AlertTableModel
from widgets.alerts.snapshot import AlertSnapshotView
from widgets.bridge import StoreBridge
from widgets.naming import named
from widgets.theme import Theme

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
        snapshot_url: Callable[[Alert], str | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("alertQueuePanel")
        self._snapshot_url = snapshot_url or (lambda alert: alert.snapshot_url)
        self._clock = clock
        self._bridge = bridge
        self.bridge = bridge
        self.renderer = IncidentHtml(self)
        self.renderer.colours.update(
            link=theme.color("accent").name(),
            met=theme.color("state_live").name(),
            late=theme.color("timer_red").name(),
        )
        self.side_paths = IncidentActions(self, bridge.store, self.renderer, clock)
        self.side_paths.sig_command_requested.connect(self.sig_command_requested)
        self.side_paths.sig_message.connect(self._on_side_paths_message)
        self.model = AlertTableModel(theme, parent=self, layers=lambda: bridge.store.layers)
        self.model.names = self.renderer.names = bridge.store.operator_label
        self.proxy = AlertFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._build()
        bridge.sig_snapshot_loaded.connect(self._on_bridge_snapshot_loaded)
        bridge.sig_alerts_raised.connect(self._on_bridge_alerts_raised)
        bridge.sig_alerts_changed.connect(self._on_bridge_alerts_changed)
        bridge.sig_alert_selected.connect(self._on_bridge_alert_selected)
        bridge.sig_log_added.connect(self._on_bridge_log_added)
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
        self.status_filter = named(QComboBox(), "alertStatusFilter")
        self.status_filter.addItem(self.tr("Open"), AlertFilterProxy.OPEN)
        self.status_filter.addItem(self.tr("All"), AlertFilterProxy.ALL)
        for status in AlertStatus:
            self.status_filter.addItem(labels.alert_status(status.value), status.value)
        self.kind_filter = named(QComboBox(), "alertKindFilter")
        self.kind_filter.addItem(self.tr("All kinds"), None)
        for kind in ALERT_KINDS:
            self.kind_filter.addItem(labels.alert_kind(kind), kind)
        self.priority_filter = named(QComboBox(), "alertPriorityFilter")
        for p in (4, 3, 2, 1):
            text = (
                self.tr("All priorities")
                if p == 4
                else self.tr("P%1 and higher").replace("%1", str(p))
            )
            self.priority_filter.addItem(text, p)
        self.owner_filter = named(QComboBox(), "alertOwnerFilter")
        self.owner_filter.addItem(self.tr("Anyone's"), AlertFilterProxy.ANYONE)
        self.owner_filter.addItem(self.tr("Mine"), AlertFilterProxy.MINE)
        self.owner_filter.addItem(self.tr("Unowned"), AlertFilterProxy.UNOWNED)
        self.history_button = named(QPushButton(self.tr("History…  [H]")), "historyButton")
        self.history_button.setToolTip(self.tr("Search closed incidents"))
        self.history_button.clicked.connect(self.side_paths.open_history)
        self.search = named(QLineEdit(), "alertSearch")
        self.search.setPlaceholderText(self.tr("Search id, title, address…"))
        self.search.setClearButtonEnabled(True)
        self.count_label = named(QLabel(), "dim")
        self._count_timer = QTimer(self, singleShot=True, interval=250)
        self._count_timer.timeout.connect(self._show_count)

        self.status_filter.currentIndexChanged.connect(
            lambda: self.proxy.set_status(self.status_filter.currentData())
        )
        self.kind_filter.currentIndexChanged.connect(
            lambda: self.proxy.set_kind(self.kind_filter.currentData())
        )
        self.priority_filter.currentIndexChanged.connect(
            lambda: self.proxy.set_max_priority(self.priority_filter.currentData())
        )
        self.owner_filter.currentIndexChanged.connect(self._apply_owner_filter)
        self.search.textChanged.connect(self.proxy.set_text)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsInserted.connect(self._hold_repaint)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._show_count)
        self.proxy.modelReset.connect(self._on_proxy_reset)
        self.proxy.layoutChanged.connect(self._update_count)

        filters = QHBoxLayout()
        filters.addWidget(self.status_filter)
        filters.addWidget(self.kind_filter)
        filters.addWidget(self.priority_filter)
        filters.addWidget(self.owner_filter)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.count_label)
        filters.addWidget(self.history_button)

        self.table = named(QTableView(), "alertTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COLUMNS.index("priority"), Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        # Fixed row heights: with 100,000 rows the header never measures a section.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
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
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._on_table_context_menu)

        self.detail = named(QTextBrowser(), "alertDetail")
        self.detail.setOpenLinks(False)
        self.detail.anchorClicked.connect(self._on_detail_anchor_clicked)
        self.ack_button = named(QPushButton(self.tr("Acknowledge  [A]")), "ackButton")
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.dispatch_button = named(QPushButton(self.tr("Dispatch  [D]")), "dispatchButton")
        self.dispatch_button.clicked.connect(self.dispatch_selected)
        self.scene_button = named(QPushButton(self.tr("On scene  [S]")), "sceneButton")
        self.scene_button.clicked.connect(self.on_scene_selected)
        self.feedback_button = named(QPushButton(self.tr("Feedback  [F]")), "feedbackButton")
        self.feedback_button.clicked.connect(self.feedback_selected)
        self.close_button = named(QPushButton(self.tr("Close  [C]")), "closeButton")
        self.close_button.clicked.connect(self.close_selected)
        self.new_button = named(QPushButton(self.tr("New alert  [N]")), "newAlertButton")
        self.new_button.clicked.connect(self.new_alert)
        self.merge_button = named(QPushButton(self.tr("Merge  [M]")), "mergeButton")
        self.merge_button.clicked.connect(lambda: self.side_paths.merge(self.selected_alert()))
        self.cancel_button = named(QPushButton(self.tr("Cancel  [X]")), "cancelButton")
        self.cancel_button.clicked.connect(lambda: self.side_paths.cancel(self.selected_alert()))
        self.transfer_button = named(QPushButton(self.tr("Transfer  [T]")), "transferButton")
        self.transfer_button.clicked.connect(
            lambda: self.side_paths.transfer(self.selected_alert())
        )
        self.release_button = named(QPushButton(self.tr("Release unit  [R]")), "releaseButton")
        self.release_button.clicked.connect(lambda: self.side_paths.release(self.selected_alert()))
        self.report_button = named(QPushButton(self.tr("Report PDF  [P]")), "reportButton")
        self.report_button.clicked.connect(lambda: self.side_paths.report(self.selected_alert()))
        self.eido_button = named(QPushButton(self.tr("Export EIDO  [E]")), "eidoButton")
        self.eido_button.clicked.connect(lambda: self.side_paths.export_eido(self.selected_alert()))
        self.banner = named(QLabel(), "bannerInfo")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self._banner_timer = QTimer(self, singleShot=True, interval=8000)
        self._banner_timer.timeout.connect(self.banner.hide)

        right = QWidget()
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(0, 0, 0, 0)
        # The snapshot sits beside the detail, not above it: a short queue pane keeps the
        # detail readable.
        self.snapshot = AlertSnapshotView(self._snapshot_url)
        detail_row = QHBoxLayout()
        detail_row.addWidget(self.detail, 1)
        detail_row.addWidget(self.snapshot, 0, Qt.AlignmentFlag.AlignTop)
        rlay.addLayout(detail_row, 1)
        grid = QGridLayout()
        for i, button in enumerate((*self._action_buttons(), self.new_button)):
            grid.addWidget(button, i // 3, i % 3)
        rlay.addLayout(grid)

        splitter = named(QSplitter(Qt.Orientation.Horizontal), "alertSplitter")
        splitter.addWidget(self.table)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(filters)
        lay.addWidget(self.banner)
        lay.addWidget(splitter, 1)
        self.command_line = named(QLineEdit(), "alertCommandLine")
        self.command_line.setPlaceholderText(
            self.tr(
                "Command: A A-42 · D P1023 A-42 · S · F · C A-42 false_alarm · "
                "M A-43 A-42 · X A-42 reason · T A-42 operator · R P1023 A-42"
            )
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
            Qt.Key.Key_M: lambda: self.side_paths.merge(self.selected_alert()),
            Qt.Key.Key_X: lambda: self.side_paths.cancel(self.selected_alert()),
            Qt.Key.Key_T: lambda: self.side_paths.transfer(self.selected_alert()),
            Qt.Key.Key_R: lambda: self.side_paths.release(self.selected_alert()),
            Qt.Key.Key_P: lambda: self.side_paths.report(self.selected_alert()),
            Qt.Key.Key_E: lambda: self.side_paths.export_eido(self.selected_alert()),
            Qt.Key.Key_H: self.side_paths.open_history,
        }
        self.table.installEventFilter(self)
        # At hundreds of new alerts a second, repainting the table after each one cost more than
        # everything else: new rows are painted together, at most 10 times a second.
        self._repaint_timer = QTimer(self, singleShot=True, interval=100)
        self._repaint_timer.timeout.connect(self._release_repaint)
        self._show_detail(None)
        self._show_count()

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
        busy = reassignable(alert, store.units, store.positions, store.alerts)
        dialog = DispatchDialog(alert, ranked, self, busy=busy)
        dialog.accepted.connect(lambda: self._on_dispatch_accepted(dialog))
        self.dispatch_dialog = dialog
        dialog.open()

    def _on_dispatch_accepted(self, dialog: DispatchDialog) -> None:
        alert, units = dialog.alert, dialog.chosen()
        names = ", ".join(
            self._bridge.store.units[u].callsign for u in units if u in self._bridge.store.units
        )
        self.side_paths.dispatch(
            alert.id,
            units,
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
        done = self.tr("Done: %1").replace("%1", text)
        if name == "alert.dispatch":
            unit_ids = args["unit_ids"]
            assert isinstance(unit_ids, list)
            self.side_paths.dispatch(str(args["alert_id"]), unit_ids, done)
        else:
            self.sig_command_requested.emit(name, args, done)

    def show_message(self, text: str, *, error: bool) -> None:
        """Show a plain message above the table for a few seconds."""
        self.banner.setObjectName("bannerError" if error else "bannerInfo")
        self.banner.setStyleSheet("")  # re-polish for the new object name
        self.banner.setText(text)
        self.banner.show()
        self._banner_timer.start()

    def _on_side_paths_message(self, text: str, error: bool) -> None:
        self.show_message(text, error=error)

    def set_operator(self, operator_id: str | None) -> None:
        """Who "me" is in the owner column and the "Mine" filter."""
        self.model.me = operator_id
        self.renderer.me = operator_id
        self._apply_owner_filter()

    def _apply_owner_filter(self, *_args: object) -> None:
        self.proxy.set_owner(self.owner_filter.currentData(), self.model.me)

    def _action_buttons(self) -> tuple[QPushButton, ...]:
        return (
            self.ack_button,
            self.dispatch_button,
            self.scene_button,
            self.feedback_button,
            self.close_button,
            self.merge_button,
            self.cancel_button,
            self.transfer_button,
            self.release_button,
            self.report_button,
            self.eido_button,
        )

    def fill_incident_menu(self, menu: QMenu) -> None:
        """Put every queue action in ``menu`` (the key shown at the right), enabled as the
        buttons are for the selected alert whenever the menu opens."""
        menu.clear()
        for button in (*self._action_buttons(), self.new_button, self.history_button):
            action = menu.addAction(button.text().replace("  [", "\t["), button.click)
            action.setObjectName(f"menu_{button.objectName()}")
            if button is self.eido_button:
                menu.addSeparator()
        menu.aboutToShow.connect(lambda: self._sync_menu(menu))

    def _sync_menu(self, menu: QMenu) -> None:
        buttons = {f"menu_{b.objectName()}": b for b in self._action_buttons()}
        for action in menu.actions():
            button = buttons.get(action.objectName())
            if button is not None:
                action.setEnabled(button.isEnabled())

    def _on_table_context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.setObjectName("alertContextMenu")
        self.fill_incident_menu(menu)
        self._sync_menu(menu)
        self.context_menu = menu
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _on_detail_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() == "merge":
            self.side_paths.merge(self.selected_alert(), url.path())

    def _on_bridge_log_added(self, entries: list[LogEntry]) -> None:
        # Log entries against the selected incident (notes, linked radio calls) show at once.
        current = self._bridge.store.selected_alert_id
        if current and any(e.alert_id == current for e in entries):
            self._show_detail(self.selected_alert())

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

    def _on_proxy_reset(self) -> None:
        # A filter change rebuilt the rows: keep the shared selection if it is still shown.
        selected = self._bridge.store.selected_alert_id
        if selected is not None:
            self._on_bridge_alert_selected(selected)

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

    def _hold_repaint(self, *_args: object) -> None:
        if not self._repaint_timer.isActive():
            self.table.viewport().setUpdatesEnabled(False)
            self._repaint_timer.start()

    def _release_repaint(self) -> None:
        self.table.viewport().setUpdatesEnabled(True)  # repaints what changed meanwhile

    def _update_count(self, *_args: object) -> None:
        # Rows arrive up to hundreds a second: relabel (and relayout the bar) 4 times a second.
        if not self._count_timer.isActive():
            self._count_timer.start()

    def _show_count(self) -> None:
        self.count_label.setText(
            self.tr("%1 shown / %2 total")
            .replace("%1", str(self.proxy.rowCount()))
            .replace("%2", str(self.model.rowCount()))
        )

    def _show_detail(self, alert: Alert | None) -> None:
        status = alert.status if alert is not None else None
        is_open = alert is not None and alert.is_open
        self.ack_button.setEnabled(status is AlertStatus.NEW)
        self.dispatch_button.setEnabled(status in _DISPATCHABLE)
        self.scene_button.setEnabled(status is AlertStatus.DISPATCHED)
        self.feedback_button.setEnabled(status is AlertStatus.ON_SCENE)
        self.close_button.setEnabled(status in _CLOSABLE)
        self.merge_button.setEnabled(is_open)
        self.cancel_button.setEnabled(is_open)
        self.transfer_button.setEnabled(is_open)
        self.release_button.setEnabled(is_open and bool(alert and alert.unit_ids))
        self.report_button.setEnabled(alert is not None)
        self.eido_button.setEnabled(alert is not None)
        self.snapshot.show_alert(alert)
        if alert is None:
            hint = html.escape(self.tr("Select an alert to see its details."))
            self.detail.setHtml(f"<p>{hint}</p>")
            return
        store = self._bridge.store
        record = incident_record(alert, store.units, store.log, store.radio_calls, store.layers)
        dups = possible_duplicates(alert, store.alerts.values()) if alert.is_open else []
        self.detail.setHtml(self.renderer.render(record, dups))
