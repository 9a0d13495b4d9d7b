"""The watch list (布控) window, for commanders."""

from widgets.watch.window import WatchListWindow

__all__ = ["WatchListWindow"]
