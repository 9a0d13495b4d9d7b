"""Collect Python's cyclic garbage on the GUI thread only, in passes that stay short.

Python's cycle collector runs on whichever thread happens to allocate when a threshold is
crossed: a libVLC callback, the websocket decoder, a database writer. If a cycle holding a Qt
object (a window, a panel with a running QTimer) is collected there, its C++ destructor runs on
the wrong thread and leaves a dangling timer that crashes the event loop later. So automatic
collection is switched off and a GUI-thread timer collects instead, using the same
generation thresholds (the usual recipe for threaded Qt applications).

A pass over the oldest generation walks every object that lives long: with a district's
snapshot (tens of thousands of units, fixes, alerts) that is a GUI-thread stall of 100 ms and
more (bench/alert_latency.py saw 138 ms). So what has survived such a pass, and what a snapshot
just loaded (:meth:`GuiThreadCollector.settle`), is frozen (``gc.freeze``): later passes walk
only what came since. Frozen objects are still freed by reference counting; only a cycle among
them waits, for the pass over everything that runs every ``full_s`` seconds.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

#: How often an old-generation pass covers the frozen objects too (their cycles), seconds.
FULL_PASS_S = 600.0


class GuiThreadCollector(QObject):
    """Owns cyclic garbage collection while it lives; create it on the GUI thread."""

    def __init__(
        self,
        interval_ms: int = 250,
        parent: QObject | None = None,
        *,
        full_s: float = FULL_PASS_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._full_s = full_s
        self._clock = clock
        self._last_full = clock()
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
                if generation == 2:
                    self._collect_old()
                else:
                    gc.collect(generation)
                return

    def settle(self) -> None:
        """Keep what exists now out of later passes (call after loading a snapshot: its
        state lives until the next one, and walking it again and again is the stall)."""
        gc.freeze()

    def _collect_old(self) -> None:
        now = self._clock()
        if now - self._last_full >= self._full_s:
            self._last_full = now
            gc.unfreeze()  # this pass also finds cycles among the long-lived objects
        gc.collect(2)
        gc.freeze()  # the survivors are long-lived: the next pass walks only newer objects

    def stop(self) -> None:
        """Give collection back to Python."""
        self._timer.stop()
        gc.unfreeze()
        gc.collect()
        gc.enable()
