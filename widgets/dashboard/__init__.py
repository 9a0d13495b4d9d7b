"""The district overview dashboard (pyqtgraph)."""

from widgets.dashboard.panel import DashboardPanel

__all__ = ["DashboardPanel"]
