"""The tables of the Inventory and sources window: rows of text, sortable, with a filter."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget

from widgets.naming import named
from widgets.tables import RowsTableModel


class InventoryTable(QWidget):
    """A filter box over one sortable table."""

    def __init__(self, name: str, headers: Sequence[str], hint: str) -> None:
        super().__init__()
        self.model = RowsTableModel(headers, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter = named(QLineEdit(placeholderText=hint), f"{name}Filter")
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.view = named(QTableView(), f"{name}Table")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.box = QVBoxLayout(self)
        """The table's layout (the window adds buttons under some tables)."""
        self.box.setContentsMargins(0, 4, 0, 0)
        self.box.addWidget(self.filter)
        self.box.addWidget(self.view, 1)

    def set_rows(self, rows: Sequence[tuple[str, ...]]) -> None:
        self.model.set_rows(rows)
        self.view.resizeColumnsToContents()
