"""The 350 MHz radio log panel: live call feed, filters, emergencies, playback, dispatch log.

The panel listens to the Store directly (the bridge has no radio signals yet); calls and log
entries are buffered and put into the tables by a 10 Hz timer, one ``beginInsertRows`` per
batch, so a 50 calls/s feed costs the GUI thread a few short slices a second.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import time
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QDateTime, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.domain.model import LogEntry, RadioCall
from console.domain.store import (
    AlertChanged,
    AlertRaised,
    DomainEvent,
    LogEntryAdded,
    RadioCallHeard,
    SnapshotLoaded,
    UnitUpserted,
)
from console.radio import (
    KINDS,
    CallIndex,
    ExportResult,
    LogBook,
    NewCallsCounter,
    RadioFilter,
    check_entry_text,
    correction_text,
    emergency_alert_for,
    export_zip,
    format_alias,
    link_calls_text,
    linked_calls,
    play_order,
    radio_aliases,
    replay_last,
    toggle_favourite,
)
from widgets.bridge import StoreBridge
from widgets.radio.model import (
    CALL_ROLE,
    COLUMNS,
    ENTRY_ROLE,
    LOG_COLUMNS,
    LogEntryTableModel,
    RadioCallFilterProxy,
    RadioCallTableModel,
    kind_label,
)
from widgets.radio.player import RADIO_VLC_ARGS, RATES, RadioPlayer
from widgets.theme import Theme
from widgets.video_wall.player import VlcEngine

FAVOURITES = "__favourites__"


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
        self._clock = clock
        self._own_engine = engine is None
        self.engine = engine if engine is not None else VlcEngine(RADIO_VLC_ARGS, workers=1)
        self.index = CallIndex()
        self.counter = NewCallsCounter()
        self.favourites: frozenset[str] = frozenset()
        self.model = RadioCallTableModel(theme, self)
        self.proxy = RadioCallFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.log_model = LogEntryTableModel(theme, LogBook(), self)
        self.player = RadioPlayer(self.engine, self)
        self._pending_calls: list[RadioCall] = []
        self._pending_entries: list[LogEntry] = []
        self._links_dirty = False
        self._unit_of_radio: dict[str, str] = {}
        self._exports: set[concurrent.futures.Future[ExportResult]] = set()
        self._build()
        self._flush_timer = QTimer(self, interval=100)
        self._flush_timer.timeout.connect(self._flush)
        self._flush_timer.start()
        self._unsubscribe: Callable[[], None] | None = bridge.store.subscribe(self._on_store_events)
        self._reload()

    # ---- layout

    def _build(self) -> None:
        self.talkgroup_filter = QComboBox(objectName="radioTalkgroupFilter")
        self.favourite_button = QPushButton("★", objectName="radioFavouriteButton")
        self.favourite_button.setCheckable(True)
        self.favourite_button.setToolTip(self.tr("Add or remove the talkgroup from favourites"))
        self.favourite_button.setFixedWidth(32)
        self.radio_filter = QLineEdit(objectName="radioIdFilter")
        self.radio_filter.setPlaceholderText(self.tr("Radio id"))
        self.radio_filter.setClearButtonEnabled(True)
        self.radio_filter.setMaximumWidth(110)
        self.kind_filter = QComboBox(objectName="radioKindFilter")
        self.kind_filter.addItem(self.tr("All kinds"), None)
        for kind in KINDS:
            self.kind_filter.addItem(kind_label(kind), kind)
        self.min_duration = QDoubleSpinBox(objectName="radioMinDuration")
        self.min_duration.setRange(0, 600)
        self.min_duration.setDecimals(0)
        self.min_duration.setPrefix(self.tr("≥ "))
        self.min_duration.setSuffix(self.tr(" s"))
        self.min_duration.setToolTip(self.tr("Minimum duration"))
        self.range_check = QCheckBox(self.tr("From"), objectName="radioRangeCheck")
        now = QDateTime.fromSecsSinceEpoch(int(self._clock()))
        self.range_from = QDateTimeEdit(now.addSecs(-3600), objectName="radioRangeFrom")
        self.range_to = QDateTimeEdit(now.addSecs(3600), objectName="radioRangeTo")
        for edit in (self.range_from, self.range_to):
            edit.setDisplayFormat("MM-dd HH:mm")
            edit.setEnabled(False)
        self.search = QLineEdit(objectName="radioSearch")
        self.search.setPlaceholderText(self.tr("Search calls…"))
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel(objectName="dim")

        for signal in (
            self.talkgroup_filter.currentIndexChanged,
            self.kind_filter.currentIndexChanged,
            self.radio_filter.textChanged,
            self.search.textChanged,
            self.min_duration.valueChanged,
            self.range_check.toggled,
            self.range_from.dateTimeChanged,
            self.range_to.dateTimeChanged,
        ):
            signal.connect(self._apply_filter)
        self.range_check.toggled.connect(self.range_from.setEnabled)
        self.range_check.toggled.connect(self.range_to.setEnabled)
        self.favourite_button.clicked.connect(self._on_favourite_clicked)
        t = self._theme.tokens
        self.favourite_button.setStyleSheet(
            f"QPushButton {{ color: {t['text_dim']}; }} "
            f"QPushButton:checked {{ color: {t['timer_amber']}; }}"
        )

        filters = QHBoxLayout()
        filters.addWidget(self.talkgroup_filter)
        filters.addWidget(self.favourite_button)
        filters.addWidget(self.radio_filter)
        filters.addWidget(self.kind_filter)
        filters.addWidget(self.min_duration)
        filters.addWidget(self.range_check)
        filters.addWidget(self.range_from)
        filters.addWidget(QLabel(self.tr("to")))
        filters.addWidget(self.range_to)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.count_label)

        self.emergency_banner = QLabel(objectName="bannerError")
        self.ack_button = QPushButton(self.tr("Acknowledge emergency"), objectName="radioAck")
        self.ack_button.clicked.connect(self.acknowledge_selected)
        banner = QHBoxLayout()
        banner.addWidget(self.emergency_banner, 1)
        banner.addWidget(self.ack_button)
        self.emergency_box = QWidget()
        self.emergency_box.setLayout(banner)
        banner.setContentsMargins(0, 0, 0, 0)
        self.emergency_box.hide()

        self.table = QTableView(objectName="radioCallTable")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        widths = {
            "time": 70,
            "talkgroup": 170,
            "source": 140,
            "target": 130,
            "kind": 90,
            "duration": 64,
            "location": 150,
            "incident": 90,
        }
        for i, col in enumerate(COLUMNS):
            header.resizeSection(i, widths[col])
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.play_selected())
        self.table.verticalScrollBar().valueChanged.connect(self._on_scroll_value_changed)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.new_badge = QPushButton(self.table, objectName="newCallsBadge")
        t = self._theme.tokens
        self.new_badge.setStyleSheet(
            f"QPushButton {{ background: {t['accent']}; color: {t['text']}; "
            f"border: 1px solid {t['border']}; border-radius: 10px; padding: 2px 12px; }}"
        )
        self.new_badge.hide()
        self.new_badge.clicked.connect(self.scroll_to_newest)

        self._build_player_bar()
        self._build_log_pane()

        top = QWidget()
        tlay = QVBoxLayout(top)
        tlay.setContentsMargins(0, 0, 0, 0)
        tlay.addWidget(self.table, 1)
        tlay.addLayout(self.player_bar)
        splitter = QSplitter(Qt.Orientation.Vertical, objectName="radioSplitter")
        splitter.addWidget(top)
        splitter.addWidget(self.log_pane)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)

        self.banner = QLabel(objectName="bannerInfo")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self._banner_timer = QTimer(self, singleShot=True, interval=8000)
        self._banner_timer.timeout.connect(self.banner.hide)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(filters)
        lay.addWidget(self.emergency_box)
        lay.addWidget(self.banner)
        lay.addWidget(splitter, 1)
        self._update_buttons()

    def _build_player_bar(self) -> None:
        self.play_button = QPushButton(self.tr("Play"), objectName="radioPlay")
        self.play_button.clicked.connect(self._on_play_clicked)
        self.stop_button = QPushButton(self.tr("Stop"), objectName="radioStop")
        self.stop_button.clicked.connect(self.player.stop)
        self.seek_slider = QSlider(Qt.Orientation.Horizontal, objectName="radioSeek")
        self.seek_slider.setRange(0, 1000)
        self.seek_slider.sliderReleased.connect(
            lambda: self.player.seek(self.seek_slider.value() / 1000)
        )
        self.time_label = QLabel("0:00 / 0:00", objectName="dim")
        self.now_playing = QLabel(objectName="dim")
        self.speed = QComboBox(objectName="radioSpeed")
        for rate in RATES:
            self.speed.addItem(f"{rate:g}×", rate)
        self.speed.setCurrentIndex(RATES.index(1.0))
        self.speed.setToolTip(self.tr("Playback speed"))
        self.speed.currentIndexChanged.connect(
            lambda: self.player.set_rate(float(self.speed.currentData()))
        )
        self.replay_n = QSpinBox(objectName="radioReplayN")
        self.replay_n.setRange(1, 50)
        self.replay_n.setValue(5)
        self.replay_button = QPushButton(self.tr("Replay last"), objectName="radioReplay")
        self.replay_button.clicked.connect(lambda: self.replay_last(self.replay_n.value()))
        self.play_results_button = QPushButton(self.tr("Play results"), objectName="radioPlayAll")
        self.play_results_button.clicked.connect(self.play_results)
        self.export_button = QPushButton(self.tr("Export…"), objectName="radioExport")
        self.export_button.clicked.connect(self._on_export_clicked)
        self.link_button = QPushButton(self.tr("Link to incident"), objectName="radioLink")
        self.link_button.clicked.connect(self.link_selected)
        self.player.sig_state_changed.connect(self._on_player_state_changed)
        self.player.sig_position_changed.connect(self._on_player_position_changed)
        self.player.sig_call_started.connect(self._on_player_call_started)

        bar = QHBoxLayout()
        for w in (self.play_button, self.stop_button):
            bar.addWidget(w)
        bar.addWidget(self.seek_slider, 1)
        bar.addWidget(self.time_label)
        bar.addWidget(self.speed)
        bar.addWidget(self.replay_button)
        bar.addWidget(self.replay_n)
        bar.addWidget(self.play_results_button)
        bar.addWidget(self.export_button)
        bar.addWidget(self.link_button)
        outer = QVBoxLayout()
        outer.addLayout(bar)
        outer.addWidget(self.now_playing)
        self.player_bar = outer

    def _build_log_pane(self) -> None:
        self.log_table = QTableView(objectName="radioDispatchLog")
        self.log_table.setModel(self.log_model)
        self.log_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.log_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.log_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.log_table.verticalHeader().hide()
        self.log_table.verticalHeader().setDefaultSectionSize(22)
        header = self.log_table.horizontalHeader()
        for i, width in enumerate((70, 80, 80, 90, 150)):
            header.resizeSection(i, width)
        header.setStretchLastSection(True)
        self.log_table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.log_input = QLineEdit(objectName="radioLogInput")
        self.log_input.setPlaceholderText(self.tr("Write a dispatch log entry…"))
        self.log_input.returnPressed.connect(self.write_entry)
        self.attach_incident = QCheckBox(objectName="radioLogAttach")
        self.attach_incident.setChecked(True)
        self.write_button = QPushButton(self.tr("Write"), objectName="radioLogWrite")
        self.write_button.clicked.connect(self.write_entry)
        self.correct_button = QPushButton(self.tr("Correct…"), objectName="radioLogCorrect")
        self.correct_button.setToolTip(
            self.tr("Entries cannot be edited: write a correction that supersedes this one")
        )
        self.correct_button.clicked.connect(self.start_correction)
        row = QHBoxLayout()
        row.addWidget(self.log_input, 1)
        row.addWidget(self.attach_incident)
        row.addWidget(self.write_button)
        row.addWidget(self.correct_button)
        self.log_pane = QWidget(objectName="radioLogPane")
        lay = QVBoxLayout(self.log_pane)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel(self.tr("Dispatch log"), objectName="dim"))
        lay.addWidget(self.log_table, 1)
        lay.addLayout(row)

    def resizeEvent(self, event: object) -> None:  # type: ignore[override]
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._place_badge()

    def _place_badge(self) -> None:
        hint = self.new_badge.sizeHint()
        x = (self.table.width() - hint.width()) // 2
        self.new_badge.setGeometry(x, self.table.horizontalHeader().height() + 4, *hint.toTuple())

    # ---- store → tables

    def _on_store_events(self, events: list[DomainEvent]) -> None:
        for event in events:
            if isinstance(event, RadioCallHeard):
                self._pending_calls.append(event.call)
            elif isinstance(event, LogEntryAdded):
                self._pending_entries.append(event.entry)
            elif isinstance(event, AlertRaised | AlertChanged):
                if event.alert.kind == "radio_emergency":
                    self._links_dirty = True
            elif isinstance(event, UnitUpserted):
                self.model.radios[event.unit.radio_id] = event.unit.callsign
                self._unit_of_radio[event.unit.radio_id] = event.unit.id
            elif isinstance(event, SnapshotLoaded):
                self._reload()

    def _reload(self) -> None:
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
        self._fill_talkgroups()
        self._flush()

    def _locate(self, call: RadioCall) -> None:
        lat, lon = getattr(call, "lat", None), getattr(call, "lon", None)
        if lat is None or lon is None:
            # RadioCall carries no position yet: the source unit's last fix when heard.
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
            fresh_entries = self.log_model.add_entries(entries)
            if fresh_entries:
                self.log_table.scrollToBottom()
                if any(e.alert_id for e in fresh_entries):
                    self._links_dirty = True
        if self._links_dirty:
            self._links_dirty = False
            self._update_links()

    def _insert_calls(self, calls: list[RadioCall]) -> None:
        if not calls:
            return
        bar = self.table.verticalScrollBar()
        before = self.proxy.rowCount()
        self.model.add_calls(calls)
        shown = self.proxy.rowCount() - before
        if shown > 0 and not self.counter.arrived(shown):
            # Keep the rows the operator is reading where they are.
            bar.setValue(bar.value() + shown * self.table.verticalHeader().defaultSectionSize())
        self._update_badge()
        self._update_count()
        self._update_emergencies()

    def _update_links(self) -> None:
        store = self._bridge.store
        links = linked_calls(self.log_model.book.entries)
        for call in self.model.emergencies.values():
            if call.id not in links:
                callsign = self.model.radios.get(call.source_radio_id)
                alert = emergency_alert_for(call, store.alerts.values(), callsign)
                if alert is not None:
                    links[call.id] = alert.id
        old, self.model.links = self.model.links, links
        changed = {k for k in links.keys() | old.keys() if links.get(k) != old.get(k)}
        self.model.refresh(changed)

    # ---- the feed: scrolling and "N new"

    def _on_scroll_value_changed(self, value: int) -> None:
        self.counter.scrolled(value == 0)
        self._update_badge()

    def _update_badge(self) -> None:
        n = self.counter.unseen
        if n <= 0:
            self.new_badge.hide()
            return
        self.new_badge.setText(self.tr("▲ %1 new").replace("%1", str(n)))
        self._place_badge()
        self.new_badge.show()
        self.new_badge.raise_()

    def scroll_to_newest(self) -> None:
        """Back to the top of the feed (it follows new calls again)."""
        self.table.scrollToTop()
        self.counter.scrolled(True)
        self._update_badge()

    # ---- filters

    def _fill_talkgroups(self) -> None:
        current = self.talkgroup_filter.currentData()
        self.talkgroup_filter.blockSignals(True)
        self.talkgroup_filter.clear()
        self.talkgroup_filter.addItem(self.tr("All talkgroups"), None)
        self.talkgroup_filter.addItem(self.tr("★ Favourites"), FAVOURITES)
        for tg, alias in sorted(self.model.talkgroups.items()):
            star = "★ " if tg in self.favourites else ""
            self.talkgroup_filter.addItem(star + format_alias(alias, tg), tg)
        i = self.talkgroup_filter.findData(current)
        self.talkgroup_filter.setCurrentIndex(max(0, i))
        self.talkgroup_filter.blockSignals(False)

    def set_favourites(self, talkgroups: frozenset[str]) -> None:
        """Favourite talkgroups (restored from settings by the main window)."""
        self.favourites = frozenset(talkgroups)
        self._fill_talkgroups()
        self._apply_filter()

    def _on_favourite_clicked(self) -> None:
        tg = self.talkgroup_filter.currentData()
        if tg in (None, FAVOURITES):
            return
        self.set_favourites(toggle_favourite(self.favourites, tg))

    def current_filter(self) -> RadioFilter:
        """The filter the controls describe."""
        tg = self.talkgroup_filter.currentData()
        talkgroups = (
            None if tg is None else (self.favourites if tg == FAVOURITES else frozenset({tg}))
        )
        kind = self.kind_filter.currentData()
        ranged = self.range_check.isChecked()
        return RadioFilter(
            talkgroups=talkgroups,
            radio_id=self.radio_filter.text().strip(),
            kinds=frozenset({kind}) if kind else None,
            min_duration_s=float(self.min_duration.value()),
            start_ts=self.range_from.dateTime().toSecsSinceEpoch() if ranged else None,
            end_ts=self.range_to.dateTime().toSecsSinceEpoch() if ranged else None,
            text=self.search.text(),
        )

    def _apply_filter(self, *_args: object) -> None:
        self.proxy.set_filter(self.current_filter())
        tg = self.talkgroup_filter.currentData()
        self.favourite_button.setEnabled(tg not in (None, FAVOURITES))
        self.favourite_button.setChecked(tg in self.favourites)
        self._update_count()

    def _update_count(self) -> None:
        self.count_label.setText(
            self.tr("%1 shown / %2 total")
            .replace("%1", str(self.proxy.rowCount()))
            .replace("%2", str(self.model.rowCount()))
        )

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

        The acknowledgement is local to this console; it is recorded with a ``log.write``
        and, when the linked ``radio_emergency`` alert is still new, ``alert.acknowledge``.
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
        rows = self.table.selectionModel().selectedRows()
        calls = [r.data(CALL_ROLE) for r in rows]
        return sorted((c for c in calls if isinstance(c, RadioCall)), key=lambda c: c.start_ts)

    def visible_calls(self) -> list[RadioCall]:
        """The calls the filters let through, oldest first."""
        out = [self.proxy.index(r, 0).data(CALL_ROLE) for r in range(self.proxy.rowCount())]
        return sorted(out, key=lambda c: c.start_ts)

    def play_selected(self) -> None:
        """Play the selected calls in order."""
        self.player.play_calls(play_order(self.selected_calls()))

    def play_results(self) -> None:
        """Play every call the filters show, oldest first."""
        self.player.play_calls(play_order(self.visible_calls()))

    def replay_last(self, n: int) -> None:
        """Play the newest ``n`` calls (with audio) shown, oldest of them first."""
        self.player.play_calls(replay_last(self.visible_calls(), n))

    def _on_play_clicked(self) -> None:
        if self.player.state in ("playing", "paused") or (
            self.player.current is not None and not self.selected_calls()
        ):
            self.player.toggle_pause()
        else:
            self.play_selected()

    def _on_player_state_changed(self, state: str) -> None:
        self.play_button.setText(self.tr("Pause") if state == "playing" else self.tr("Play"))
        if state == "error":
            self.show_message(self.tr("The recording cannot be played."), error=True)

    def _on_player_position_changed(self, ms: int, length: int) -> None:
        if length > 0 and not self.seek_slider.isSliderDown():
            self.seek_slider.setValue(int(1000 * ms / length))
        self.time_label.setText(f"{_mmss(ms)} / {_mmss(length)}")

    def _on_player_call_started(self, call: RadioCall) -> None:
        who = format_alias(self.model.radios.get(call.source_radio_id), call.source_radio_id)
        tg = format_alias(self.model.talkgroups.get(call.talkgroup), call.talkgroup)
        stamp = datetime.fromtimestamp(call.start_ts).strftime("%H:%M:%S")
        left = len(self.player.queue)
        self.now_playing.setText(
            self.tr("Playing %1 · %2 · %3 · %4 (%5 queued)")
            .replace("%1", call.id)
            .replace("%2", stamp)
            .replace("%3", tg)
            .replace("%4", who)
            .replace("%5", str(left))
        )

    # ---- export

    def _on_export_clicked(self) -> None:
        dialog = QFileDialog(self, self.tr("Export calls"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(self.tr("Zip archives (*.zip)"))
        dialog.selectFile(datetime.now().strftime("radio-%Y%m%d-%H%M.zip"))
        dialog.fileSelected.connect(lambda path: self.export_range(path))
        self.export_dialog = dialog
        dialog.open()

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
        future = self.engine.pool.submit(
            export_zip,
            path,
            calls,
            talkgroups=dict(self.model.talkgroups),
            radios=dict(self.model.radios),
            links=dict(self.model.links),
            locations=dict(self.model.locations),
        )
        self._exports.add(future)
        future.add_done_callback(self._exports.discard)
        future.add_done_callback(self._on_export_done)
        return future

    def _on_export_done(self, future: concurrent.futures.Future[ExportResult]) -> None:
        # Worker thread: a signal hops to the GUI thread (queued connection).
        exc = future.exception()
        self.sig_export_finished.emit(exc if exc is not None else future.result())

    # ---- dispatch log

    def write_entry(self) -> None:
        """Send the composed entry as ``log.write`` (linked to the incident and talkgroup)."""
        text = self.log_input.text().strip()
        problem = check_entry_text(text)
        if problem is not None:
            if problem == "too_long":
                self.show_message(self.tr("The entry is too long."), error=True)
            return
        args: dict[str, object] = {"text": text}
        alert_id = self._bridge.store.selected_alert_id
        if alert_id and self.attach_incident.isChecked():
            args["alert_id"] = alert_id
        tg = self.talkgroup_filter.currentData()
        if tg not in (None, FAVOURITES):
            args["talkgroup"] = tg
        self.sig_command_requested.emit("log.write", args, self.tr("Log entry written."))
        self.log_input.clear()

    def selected_entry(self) -> LogEntry | None:
        """The log entry selected in the dispatch log."""
        rows = self.log_table.selectionModel().selectedRows()
        entry = rows[0].data(ENTRY_ROLE) if rows else None
        return entry if isinstance(entry, LogEntry) else None

    def start_correction(self) -> None:
        """Start a correction of the selected entry (a new entry; the old one stays)."""
        entry = self.selected_entry()
        if entry is None:
            return
        self.log_input.setText(correction_text(entry.id, ""))
        self.log_input.setFocus()

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

    def _update_buttons(self, *_args: object) -> None:
        has_calls = bool(self.table.selectionModel().selectedRows())
        self.link_button.setEnabled(has_calls)
        self.correct_button.setEnabled(bool(self.log_table.selectionModel().selectedRows()))
        alert_id = self._bridge.store.selected_alert_id
        self.attach_incident.setText(
            self.tr("Incident %1").replace("%1", alert_id) if alert_id else self.tr("Incident")
        )
        self.attach_incident.setEnabled(bool(alert_id))

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
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._flush_timer.stop()
        done = self.player.release()
        done.result(timeout=10)
        if self._own_engine:
            self.engine.shutdown()


def _mmss(ms: int) -> str:
    s = max(0, ms) // 1000
    return f"{s // 60}:{s % 60:02d}"


__all__ = ["LOG_COLUMNS", "RadioLogPanel"]
