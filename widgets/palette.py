"""Command palette (Ctrl+K): find any alert, unit, camera, layout or action by typing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from widgets.naming import named


@dataclass(frozen=True, slots=True)
class PaletteEntry:
    """One thing the palette can find: what it shows, what it searches, what it does."""

    kind: str
    text: str
    run: Callable[[], None]


class CommandPalette(QDialog):
    """A search box over entries; Enter runs the highlighted one."""

    LIMIT = 200

    def __init__(self, entries: list[PaletteEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("commandPalette")
        self.setWindowTitle(self.tr("Find anything"))
        self._entries = entries
        self.query = named(QLineEdit(), "paletteQuery")
        self.query.setPlaceholderText(
            self.tr("Alert, unit callsign or radio id, camera, layout or action…")
        )
        self.results = named(QListWidget(), "paletteResults")
        lay = QVBoxLayout(self)
        lay.addWidget(self.query)
        lay.addWidget(self.results, 1)
        self.query.textChanged.connect(self._refilter)
        self.query.returnPressed.connect(self.run_current)
        self.results.itemActivated.connect(lambda _item: self.run_current())
        self.query.installEventFilter(self)
        self.resize(640, 420)
        self._refilter("")

    def _refilter(self, text: str) -> None:
        words = text.casefold().split()
        self.results.clear()
        shown = 0
        for index, entry in enumerate(self._entries):
            hay = f"{entry.kind} {entry.text}".casefold()
            if all(w in hay for w in words):
                item = QListWidgetItem(f"{entry.kind} · {entry.text}")
                item.setData(Qt.ItemDataRole.UserRole, index)
                self.results.addItem(item)
                shown += 1
                if shown >= self.LIMIT:
                    break
        if self.results.count():
            self.results.setCurrentRow(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up/Down move through the results while typing.
        if (
            watched is self.query
            and isinstance(event, QKeyEvent)
            and (
                event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)
            )
        ):
            step = -1 if event.key() == Qt.Key.Key_Up else 1
            row = max(0, min(self.results.count() - 1, self.results.currentRow() + step))
            self.results.setCurrentRow(row)
            return True
        return super().eventFilter(watched, event)

    def run_current(self) -> None:
        """Run the highlighted entry and close."""
        item = self.results.currentItem()
        if item is None:
            return
        entry = self._entries[int(item.data(Qt.ItemDataRole.UserRole))]
        self.accept()
        entry.run()
