"""The radio log's filter bar: talkgroup (with favourites), radio id, kind, duration, time, text."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from console.radio import KINDS, RadioFilter, format_alias, toggle_favourite
from widgets.naming import named
from widgets.radio.model import kind_label
from widgets.theme import Theme

FAVOURITES = "__favourites__"
"""Item data of the "★ Favourites" entry of the talkgroup box."""


class RadioFilterBar(QWidget):
    """The filter controls above the call table; :meth:`current_filter` is what they describe."""

    sig_filter_changed = Signal()
    """The filter changed (a control was edited, or the favourites changed)."""

    def __init__(
        self,
        theme: Theme,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("radioFilterBar")
        self.favourites: frozenset[str] = frozenset()
        self._talkgroups: dict[str, str] = {}
        self.talkgroup_filter = named(QComboBox(), "radioTalkgroupFilter")
        self.favourite_button = named(QPushButton("★"), "radioFavouriteButton")
        self.favourite_button.setCheckable(True)
        self.favourite_button.setToolTip(self.tr("Add or remove the talkgroup from favourites"))
        self.favourite_button.setFixedWidth(32)
        self.radio_filter = named(QLineEdit(), "radioIdFilter")
        self.radio_filter.setPlaceholderText(self.tr("Radio id"))
        self.radio_filter.setClearButtonEnabled(True)
        self.radio_filter.setMaximumWidth(110)
        self.kind_filter = named(QComboBox(), "radioKindFilter")
        self.kind_filter.addItem(self.tr("All kinds"), None)
        for kind in KINDS:
            self.kind_filter.addItem(kind_label(kind), kind)
        self.min_duration = named(QDoubleSpinBox(), "radioMinDuration")
        self.min_duration.setRange(0, 600)
        self.min_duration.setDecimals(0)
        self.min_duration.setPrefix(self.tr("≥ "))
        self.min_duration.setSuffix(self.tr(" s"))
        self.min_duration.setToolTip(self.tr("Minimum duration"))
        self.range_check = named(QCheckBox(self.tr("From")), "radioRangeCheck")
        now = QDateTime.fromSecsSinceEpoch(int(clock()))
        self.range_from = named(QDateTimeEdit(now.addSecs(-3600)), "radioRangeFrom")
        self.range_to = named(QDateTimeEdit(now.addSecs(3600)), "radioRangeTo")
        for edit in (self.range_from, self.range_to):
            edit.setDisplayFormat("MM-dd HH:mm")
            edit.setEnabled(False)
        self.search = named(QLineEdit(), "radioSearch")
        self.search.setPlaceholderText(self.tr("Search calls…"))
        self.search.setClearButtonEnabled(True)
        self.count_label = named(QLabel(), "dim")

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
            signal.connect(self._on_control_changed)
        self.range_check.toggled.connect(self.range_from.setEnabled)
        self.range_check.toggled.connect(self.range_to.setEnabled)
        self.favourite_button.clicked.connect(self._on_favourite_clicked)
        t = theme.tokens
        self.favourite_button.setStyleSheet(
            f"QPushButton {{ color: {t['text_dim']}; }} "
            f"QPushButton:checked {{ color: {t['timer_amber']}; }}"
        )

        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.talkgroup_filter)
        lay.addWidget(self.favourite_button)
        lay.addWidget(self.radio_filter)
        lay.addWidget(self.kind_filter)
        lay.addWidget(self.min_duration)
        lay.addWidget(self.range_check)
        lay.addWidget(self.range_from)
        lay.addWidget(QLabel(self.tr("to")))
        lay.addWidget(self.range_to)
        lay.addWidget(self.search, 1)
        lay.addWidget(self.count_label)

    def set_talkgroups(self, talkgroups: dict[str, str]) -> None:
        """Fill the talkgroup box (id → alias), keeping the current choice when it still exists."""
        self._talkgroups = dict(talkgroups)
        current = self.talkgroup_filter.currentData()
        self.talkgroup_filter.blockSignals(True)
        self.talkgroup_filter.clear()
        self.talkgroup_filter.addItem(self.tr("All talkgroups"), None)
        self.talkgroup_filter.addItem(self.tr("★ Favourites"), FAVOURITES)
        for tg, alias in sorted(self._talkgroups.items()):
            star = "★ " if tg in self.favourites else ""
            self.talkgroup_filter.addItem(star + format_alias(alias, tg), tg)
        i = self.talkgroup_filter.findData(current)
        self.talkgroup_filter.setCurrentIndex(max(0, i))
        self.talkgroup_filter.blockSignals(False)

    def set_favourites(self, talkgroups: frozenset[str]) -> None:
        """Favourite talkgroups (restored from settings by the main window)."""
        self.favourites = frozenset(talkgroups)
        self.set_talkgroups(self._talkgroups)
        self._on_control_changed()

    def selected_talkgroup(self) -> str | None:
        """The one talkgroup chosen in the box (None for "all" and "favourites")."""
        tg = self.talkgroup_filter.currentData()
        return None if tg in (None, FAVOURITES) else str(tg)

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

    def set_counts(self, shown: int, total: int) -> None:
        """Show how many calls the filter lets through."""
        self.count_label.setText(
            self.tr("%1 shown / %2 total").replace("%1", str(shown)).replace("%2", str(total))
        )

    def _on_favourite_clicked(self) -> None:
        tg = self.selected_talkgroup()
        if tg is None:
            return
        self.set_favourites(toggle_favourite(self.favourites, tg))

    def _on_control_changed(self, *_args: object) -> None:
        tg = self.talkgroup_filter.currentData()
        self.favourite_button.setEnabled(tg not in (None, FAVOURITES))
        self.favourite_button.setChecked(tg in self.favourites)
        self.sig_filter_changed.emit()
