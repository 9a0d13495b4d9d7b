"""The live call feed: the call table (newest first) with its "N new" badge.

Scrolling away from the top pauses the feed: rows arriving above keep the row the operator is
reading where it is, and a badge counts them until the operator goes back to the top.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.domain.model import RadioCall
from console.radio import NewCallsCounter
from widgets.naming import named
from widgets.radio.model import CALL_ROLE, COLUMNS, RadioCallFilterProxy, RadioCallTableModel
from widgets.theme import Theme

_WIDTHS = {
    "time": 70,
    "talkgroup": 170,
    "source": 140,
    "target": 130,
    "kind": 90,
    "duration": 64,
    "location": 150,
    "incident": 90,
}


class RadioFeedView(QWidget):
    """The call table over ``proxy`` with the "N new" badge; selection helpers for playback."""

    sig_call_activated = Signal()
    """A call was double-clicked (play the selection)."""
    sig_selection_changed = Signal()
    """The selected calls changed."""

    def __init__(
        self,
        model: RadioCallTableModel,
        proxy: RadioCallFilterProxy,
        theme: Theme,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("radioFeed")
        self.model = model
        self.proxy = proxy
        self.counter = NewCallsCounter()
        self.table = named(QTableView(), "radioCallTable")
        self.table.setModel(proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        for i, col in enumerate(COLUMNS):
            header.resizeSection(i, _WIDTHS[col])
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.sig_call_activated.emit())
        self.table.verticalScrollBar().valueChanged.connect(self._on_scroll_value_changed)
        self.table.selectionModel().selectionChanged.connect(
            lambda *_a: self.sig_selection_changed.emit()
        )
        self.new_badge = named(QPushButton(self.table), "newCallsBadge")
        t = theme.tokens
        self.new_badge.setStyleSheet(
            f"QPushButton {{ background: {t['accent']}; color: {t['text']}; "
            f"border: 1px solid {t['border']}; border-radius: 10px; padding: 2px 12px; }}"
        )
        self.new_badge.hide()
        self.new_badge.clicked.connect(self.scroll_to_newest)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.table)

    # ---- rows

    def insert_calls(self, calls: list[RadioCall]) -> None:
        """Put new calls on top; when scrolled away, keep the view still and count them."""
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

    def selected_calls(self) -> list[RadioCall]:
        """The selected calls, oldest first."""
        rows = self.table.selectionModel().selectedRows()
        calls = [r.data(CALL_ROLE) for r in rows]
        return sorted((c for c in calls if isinstance(c, RadioCall)), key=lambda c: c.start_ts)

    def visible_calls(self) -> list[RadioCall]:
        """The calls the filters let through, oldest first."""
        out = [self.proxy.index(r, 0).data(CALL_ROLE) for r in range(self.proxy.rowCount())]
        return sorted(out, key=lambda c: c.start_ts)

    # ---- scrolling and "N new"

    def scroll_to_newest(self) -> None:
        """Back to the top of the feed (it follows new calls again)."""
        self.table.scrollToTop()
        self.counter.scrolled(True)
        self._update_badge()

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

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._place_badge()

    def _place_badge(self) -> None:
        hint = self.new_badge.sizeHint()
        x = (self.table.width() - hint.width()) // 2
        self.new_badge.setGeometry(x, self.table.horizontalHeader().height() + 4, *hint.toTuple())
