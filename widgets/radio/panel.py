"""The 350 MHz radio log panel: live call feed, filters, emergencies, playback, dispatch log.

The panel composes the parts (``filters``, ``feed``, ``playback``, ``dispatch_log``,
``export``) and keeps them fed from the Store through the bridge's signals (calls heard, log
entries, units, alerts, snapshots); calls and log entries are buffered and put into the tables by a
10 Hz timer, one ``beginInsertRows`` per batch, so a 50 calls/s feed costs the GUI thread a
few short slices a second.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal, SignalInstance
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from console.domain.model import Alert, LogEntry, RadioCall, Unit
from console.radio import (
    CallIndex,
    EmergencyAck,
    ExportResult,
    LogBook,
    RadioFilter,
    emergency_ack,
    emergency_alert_for,
    format_alias,
    link_calls_text,
    linked_calls,
    play_order,
    radio_aliases,
    replay_last,
)
from widgets.bridge import StoreBridge
from widgets.media import VlcEngine
from widgets.naming import named
from widgets.radio.dispatch_log import DispatchLogView
from widgets.radio.export import RadioExporter
from widgets.radio.feed import RadioFeedView
from widgets.radio.filters import FAVOURITES, RadioFilterBar
from widgets.radio.model import (
    LOG_COLUMNS,
    LogEntryTableModel,
    RadioCallFilterProxy,
    RadioCallTableModel,
)
from widgets.radio.playback import RadioPlayerBar
from widgets.radio.player import RADIO_VLC_ARGS, RadioPlayer
from widgets.theme import Theme

__all__ = ["FAVOURITES", "LOG_COLUMNS", "RadioLogPanel"]


class RadioLogPanel(QWidget):
    """Radio call log with filters, emergency acknowledgement, playback and the dispatch log."""

    sig_command_requested = Signal(str, dict, str)
    """The operator asked for a command (name, args, text to show when it is done)."""
    sig_export_finished = Signal(object)
    """An export finished (ExportResult, or the exception that stopped it)."""

    def __init__(
        self,
        bridge: StoreBridge,
        theme: Theme,
        parent: QWidget | None = None,
        *,
        engine: VlcEngine | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("radioLogPanel")
        self._bridge = bridge
        self._theme = theme
        self._own_engine = engine is None
        self.engine = engine if engine is not None else VlcEngine(RADIO_VLC_ARGS, workers=1)
        self.index = CallIndex()
        self.model = RadioCallTableModel(theme, self)
        self.proxy = RadioCallFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.log_model = LogEntryTableModel(theme, LogBook(), self)
        self.model.names = self.log_model.names = bridge.store.operator_label
        self.player = RadioPlayer(self.engine, self)
        self.exporter = RadioExporter(self.engine.pool, self)
        self.exporter.sig_export_finished.connect(self.sig_export_finished)
        self._pending_calls: list[RadioCall] = []
        self._pending_entries: list[LogEntry] = []
        self._links_dirty = False
        self._unit_of_radio: dict[str, str] = {}
        self._build(clock)
        self._flush_timer = QTimer(self, interval=100)
        self._flush_timer.timeout.connect(self._flush)
        self._flush_timer.start()
        # Disconnected in shutdown (the bridge outlives a panel closed from the View menu).
        self._listening: list[tuple[SignalInstance, Callable[..., None]]] = [
            (bridge.sig_calls_heard, self._on_calls_heard),
            (bridge.sig_log_added, self._on_log_added),
            (bridge.sig_alerts_raised, self._on_alerts),
            (bridge.sig_alerts_changed, self._on_alerts),
            (bridge.sig_units_changed, self._on_units),
            (bridge.sig_snapshot_loaded, self._reload),
        ]
        for signal, slot in self._listening:
            signal.connect(slot)
        self._reload()

    # ---- layout

    def _build(self, clock: Callable[[], float]) -> None:
        self.filters = RadioFilterBar(self._theme, clock=clock)
        self.filters.sig_filter_changed.connect(self._apply_filter)
        self.feed = RadioFeedView(self.model, self.proxy, self._theme)
        self.feed.sig_call_activated.connect(self.play_selected)
        self.feed.sig_selection_changed.connect(self._update_buttons)
        self.player_bar = RadioPlayerBar(self.player, self.model)
        self.player_bar.sig_play_clicked.connect(self.play_selected)
        self.player_bar.sig_replay_requested.connect(self.replay_last)
        self.player_bar.sig_play_results_requested.connect(self.play_results)
        self.player_bar.sig_export_requested.connect(
            lambda: self.exporter.ask_path(self, self.export_range)
        )
        self.player_bar.sig_link_requested.connect(self.link_selected)
        self.player_bar.sig_error.connect(lambda text: self.show_message(text, error=True))
        self.log_view = DispatchLogView(
            self.log_model,
            lambda: self._bridge.store.selected_alert_id,
            self.filters.selected_talkgroup,
        )
        self.log_view.sig_command_requested.connect(self.sig_command_requested)
        self.log_view.sig_error.connect(lambda text: self.show_message(text, error=True))

        self.emergency_banner = named(QLabel(), "bannerError")
        self.ack_button = named(QPushButton(self.tr("Acknowledge emergency")), "radioAck")
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.emergency_box = QWidget()
        banner = QHBoxLayout(self.emergency_box)
        banner.setContentsMargins(0, 0, 0, 0)
        banner.addWidget(self.emergency_banner, 1)
        banner.addWidget(self.ack_button)
        self.emergency_box.hide()

        top = QWidget()
        tlay = QVBoxLayout(top)
        tlay.setContentsMargins(0, 0, 0, 0)
        tlay.addWidget(self.feed, 1)
        tlay.addWidget(self.player_bar)
        splitter = named(QSplitter(Qt.Orientation.Vertical), "radioSplitter")
        splitter.addWidget(top)
        splitter.addWidget(self.log_view)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)

        self.banner = named(QLabel(), "bannerInfo")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self._banner_timer = QTimer(self, singleShot=True, interval=8000)
        self._banner_timer.timeout.connect(self.banner.hide)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.filters)
        lay.addWidget(self.emergency_box)
        lay.addWidget(self.banner)
        lay.addWidget(splitter, 1)

        # The controls operators (and tests) reach most, by their names on the panel.
        f, b, lv = self.filters, self.player_bar, self.log_view
        self.talkgroup_filter, self.favourite_button = f.talkgroup_filter, f.favourite_button
        self.radio_filter, self.kind_filter, self.search = f.radio_filter, f.kind_filter, f.search
        self.min_duration, self.range_check = f.min_duration, f.range_check
        self.range_from, self.range_to, self.count_label = f.range_from, f.range_to, f.count_label
        self.table, self.new_badge = self.feed.table, self.feed.new_badge
        self.play_button, self.speed, self.link_button = b.play_button, b.speed, b.link_button
        self.log_table, self.log_input = lv.table, lv.input
        self.write_button, self.correct_button = lv.write_button, lv.correct_button
        self._update_buttons()

    @property
    def favourites(self) -> frozenset[str]:
        """The favourite talkgroups."""
        return self.filters.favourites

    def set_favourites(self, talkgroups: frozenset[str]) -> None:
        """Favourite talkgroups (restored from settings by the main window)."""
        self.filters.set_favourites(talkgroups)

    # ---- store → tables

    def _on_calls_heard(self, calls: list[RadioCall]) -> None:
        self._pending_calls.extend(calls)

    def _on_log_added(self, entries: list[LogEntry]) -> None:
        self._pending_entries.extend(entries)

    def _on_alerts(self, alerts: list[Alert]) -> None:
        if any(alert.kind == "radio_emergency" for alert in alerts):
            self._links_dirty = True

    def _on_units(self, units: list[Unit]) -> None:
        for unit in units:
            self.model.radios[unit.radio_id] = unit.callsign
            self._unit_of_radio[unit.radio_id] = unit.id

    def _reload(self, _seq: int = 0) -> None:
        store = self._bridge.store
        self.model.talkgroups = dict(store.talkgroups)
        self.log_model.talkgroups = self.model.talkgroups
        self.model.radios = radio_aliases(store.units.values())
        self._unit_of_radio = {u.radio_id: u.id for u in store.units.values()}
        calls = list(store.radio_calls)
        self.index.extend(calls)
        for call in calls:
            self._locate(call)
        self.model.reset_calls(calls)
        book = LogBook()
        book.extend(store.log)
        self.log_model.reset_entries(book)
        self._pending_calls.clear()
        self._pending_entries.clear()
        self._links_dirty = True
        self.filters.set_talkgroups(self.model.talkgroups)
        self._flush()

    def _locate(self, call: RadioCall) -> None:
        lat, lon = call.lat, call.lon
        if lat is None or lon is None:
            # A call without a position: the source unit's last fix when heard.
            unit_id = self._unit_of_radio.get(call.source_radio_id)
            pos = self._bridge.store.positions.get(unit_id) if unit_id else None
            if pos is None:
                return
            lat, lon = pos.lat, pos.lon
        self.model.locations[call.id] = (float(lat), float(lon))

    def _flush(self) -> None:
        """Move buffered calls and entries into the tables (10 Hz)."""
        if self._pending_calls:
            calls, self._pending_calls = self._pending_calls, []
            fresh = [c for c in calls if self.index.add(c)]
            for call in fresh:
                self._locate(call)
                if call.kind == "emergency":
                    self._links_dirty = True
            self._insert_calls(fresh)
        if self._pending_entries:
            entries, self._pending_entries = self._pending_entries, []
            fresh_entries = self.log_view.add_entries(entries)
            if any(e.alert_id for e in fresh_entries):
                self._links_dirty = True
        if self._links_dirty:
            self._links_dirty = False
            self._update_links()

    def _insert_calls(self, calls: list[RadioCall]) -> None:
        if not calls:
            return
        self.feed.insert_calls(calls)
        self._update_count()
        self._update_emergencies()

    def _update_links(self) -> None:
        """Incident links of the calls, and the emergencies acknowledged on the backend."""
        store = self._bridge.store
        links = linked_calls(self.log_model.book.entries)
        acks: dict[str, EmergencyAck] = {}
        for call in self.model.emergencies.values():
            alert = store.alerts.get(links.get(call.id, ""))
            if alert is None or alert.kind != "radio_emergency":
                callsign = self.model.radios.get(call.source_radio_id)
                alert = emergency_alert_for(call, store.alerts.values(), callsign)
            if alert is None:
                continue
            links.setdefault(call.id, alert.id)
            ack = emergency_ack(alert)
            if ack is not None:
                acks[call.id] = ack
        old, self.model.links = self.model.links, links
        old_acks, self.model.acks = self.model.acks, acks
        changed = {k for k in links.keys() | old.keys() if links.get(k) != old.get(k)}
        changed |= {k for k in acks.keys() | old_acks.keys() if acks.get(k) != old_acks.get(k)}
        self.model.refresh(changed)
        if acks != old_acks:
            self._update_emergencies()

    def scroll_to_newest(self) -> None:
        """Back to the top of the feed (it follows new calls again)."""
        self.feed.scroll_to_newest()

    # ---- filters

    def current_filter(self) -> RadioFilter:
        """The filter the controls describe."""
        return self.filters.current_filter()

    def _apply_filter(self) -> None:
        self.proxy.set_filter(self.filters.current_filter())
        self._update_count()

    def _update_count(self) -> None:
        self.filters.set_counts(self.proxy.rowCount(), self.model.rowCount())

    # ---- emergencies

    def _update_emergencies(self) -> None:
        pending = self.model.pending_emergencies()
        if not pending:
            self.emergency_box.hide()
            return
        newest = pending[-1]
        who = format_alias(self.model.radios.get(newest.source_radio_id), newest.source_radio_id)
        self.emergency_banner.setText(
            self.tr("%1 emergency call(s) to acknowledge — latest from %2")
            .replace("%1", str(len(pending)))
            .replace("%2", who)
        )
        self.emergency_box.show()

    def acknowledge_selected(self) -> None:
        """Acknowledge the selected emergency calls (else the oldest pending one).

        The row stops standing out here at once. The acknowledgement is recorded with a
        ``log.write`` and, when the linked ``radio_emergency`` alert is still new,
        ``alert.acknowledge``: once the backend has it, every console shows the row as
        acknowledged, by whom and when (see ``_update_links``).
        """
        calls = [c for c in self.selected_calls() if self.model.needs_ack(c)]
        if not calls:
            calls = self.model.pending_emergencies()[:1]
        store = self._bridge.store
        for call in calls:
            self.model.acknowledged.add(call.id)
            who = format_alias(self.model.radios.get(call.source_radio_id), call.source_radio_id)
            alert_id = self.model.links.get(call.id)
            args: dict[str, object] = {
                "text": self.tr("Emergency call %1 from %2 acknowledged.")
                .replace("%1", call.id)
                .replace("%2", who),
                "talkgroup": call.talkgroup,
            }
            if alert_id:
                args["alert_id"] = alert_id
            self.sig_command_requested.emit("log.write", args, "")
            alert = store.alerts.get(alert_id or "")
            if alert is not None and alert.status.value == "new":
                self.sig_command_requested.emit(
                    "alert.acknowledge",
                    {"alert_id": alert.id, "version": alert.version},
                    self.tr("%1 acknowledged.").replace("%1", alert.id),
                )
        self.model.refresh([c.id for c in calls])
        self._update_emergencies()

    # ---- playback

    def selected_calls(self) -> list[RadioCall]:
        """The selected calls, oldest first."""
        return self.feed.selected_calls()

    def visible_calls(self) -> list[RadioCall]:
        """The calls the filters let through, oldest first."""
        return self.feed.visible_calls()

    def play_selected(self) -> None:
        """Play the selected calls in order."""
        self.player.play_calls(play_order(self.selected_calls()))

    def play_results(self) -> None:
        """Play every call the filters show, oldest first."""
        self.player.play_calls(play_order(self.visible_calls()))

    def replay_last(self, n: int) -> None:
        """Play the newest ``n`` calls (with audio) shown, oldest of them first."""
        self.player.play_calls(replay_last(self.visible_calls(), n))

    # ---- export

    def export_range(
        self, path: str, start: float | None = None, end: float | None = None
    ) -> concurrent.futures.Future[ExportResult]:
        """Export the calls of [start, end) (default: the filter's time range, else all shown).

        Runs on the engine's worker pool; ``sig_export_finished`` tells when it is done.
        """
        flt = self.current_filter()
        if start is None and end is None and flt.start_ts is not None:
            start, end = flt.start_ts, flt.end_ts
        rest = dataclasses.replace(flt, start_ts=None, end_ts=None)
        calls = [
            c
            for c in self.index.search(None, start, end)
            if rest.matches(c, self.model.haystack(c) if rest.text else "")
        ]
        return self.exporter.export(
            path,
            calls,
            talkgroups=self.model.talkgroups,
            radios=self.model.radios,
            links=self.model.links,
            locations=self.model.locations,
        )

    # ---- dispatch log and incident links

    def write_entry(self) -> None:
        """Send the composed entry as ``log.write`` (linked to the incident and talkgroup)."""
        self.log_view.write_entry()

    def selected_entry(self) -> LogEntry | None:
        """The log entry selected in the dispatch log."""
        return self.log_view.selected_entry()

    def start_correction(self) -> None:
        """Start a correction of the selected entry (a new entry; the old one stays)."""
        self.log_view.start_correction()

    def link_selected(self) -> None:
        """Attach the selected calls to the incident selected in the alert queue."""
        alert_id = self._bridge.store.selected_alert_id
        calls = self.selected_calls()
        if not calls:
            return
        if not alert_id:
            self.show_message(self.tr("Select an incident in the alert queue first."), error=True)
            return
        self.sig_command_requested.emit(
            "log.write",
            {"text": link_calls_text([c.id for c in calls]), "alert_id": alert_id},
            self.tr("%1 call(s) linked to %2.")
            .replace("%1", str(len(calls)))
            .replace("%2", alert_id),
        )

    def _update_buttons(self) -> None:
        self.player_bar.set_has_selection(bool(self.table.selectionModel().selectedRows()))
        self.log_view.update_buttons()

    # ---- misc

    def show_message(self, text: str, *, error: bool) -> None:
        """Show a plain message above the table for a few seconds."""
        self.banner.setObjectName("bannerError" if error else "bannerInfo")
        self.banner.setStyleSheet("")
        self.banner.setText(text)
        self.banner.show()
        self._banner_timer.start()

    def shutdown(self) -> None:
        """Stop playback and release libVLC (call before the application quits)."""
        for signal, slot in self._listening:
            signal.disconnect(slot)
        self._listening.clear()
        self._flush_timer.stop()
        done = self.player.release()
        done.result(timeout=10)
        if self._own_engine:
            self.engine.shutdown()
