"""Inventory and sources (清单与数据源): a commander's view of the district's inventory."""

from widgets.inventory.window import InventoryWindow

__all__ = ["InventoryWindow"]
