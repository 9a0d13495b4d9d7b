"""Collect Python's cyclic garbage on the GUI thread only.

Python's cycle collector runs on whichever thread happens to allocate when a threshold is
crossed: a libVLC callback, the websocket decoder, a database writer. If a cycle holding a Qt
object (a window, a panel with a running QTimer) is collected there, its C++ destructor runs on
the wrong thread and leaves a dangling timer that crashes the event loop later. So automatic
collection is switched off and a GUI-thread timer collects instead, using the same
generation thresholds (the usual recipe for threaded Qt applications).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadCollector(QObject):
    """Owns cyclic garbage collection while it lives; create it on the GUI thread."""

    def __init__(self, interval_ms: int = 250, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        """Collect the generations whose allocation counts crossed their thresholds."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        """Give collection back to Python."""
        self._timer.stop()
        gc.collect()
        gc.enable()
