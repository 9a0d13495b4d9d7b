"""The tests' one way to wait: until a condition holds, with a deadline that names what failed.

``until`` is for coroutines (a scenario on the qasync loop, where Qt turns too, or a plain
asyncio test): it checks ``pred`` every 10 ms, or each time ``wake`` (an ``asyncio.Event`` the
code under test sets) fires. ``wait_until`` is the same for plain synchronous Qt tests: it turns
Qt's event loop (blocking on events, never sleeping) between checks. Both return ``pred()``'s
first truthy value and raise ``AssertionError("timed out waiting for …")`` at the deadline.
``LoopRunner`` runs a scenario coroutine on the qasync loop (the ``aloop`` fixture).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

import qasync
from PySide6.QtCore import QEventLoop

POLL_S = 0.01


class _Deadline:
    def __init__(self, pred: Callable[[], Any], timeout: float, what: str) -> None:
        self.pred = pred
        self.what = what
        self.at = time.monotonic() + timeout

    def check(self) -> Any:
        """``pred()`` if truthy, else None; raises once the deadline has passed."""
        value = self.pred()
        if value:
            return value
        if time.monotonic() > self.at:
            raise AssertionError(f"timed out waiting for {self.what or self.pred}")
        return None

    def left(self) -> float:
        return max(0.0, self.at - time.monotonic())


async def until(
    pred: Callable[[], Any],
    timeout: float = 15,
    what: str = "",
    wake: asyncio.Event | None = None,
) -> Any:
    """Wait (letting the loop run) until ``pred()`` is truthy; return that value."""
    deadline = _Deadline(pred, timeout, what)
    while True:
        value = deadline.check()
        if value:
            return value
        if wake is None:
            await asyncio.sleep(POLL_S)
            continue
        wake.clear()
        value = deadline.check()  # it may have changed before the clear
        if value:
            return value
        try:
            await asyncio.wait_for(wake.wait(), deadline.left() + POLL_S)
        except TimeoutError:
            pass


def wait_until(pred: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
    """Turn Qt's event loop until ``pred()`` is truthy; return that value."""
    deadline = _Deadline(pred, timeout, what)
    loop = QEventLoop()
    while True:
        value = deadline.check()
        if value:
            return value
        loop.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 20)


class LoopRunner:
    """Runs a test scenario coroutine on a qasync loop (so Qt and asyncio both turn)."""

    def __init__(self, loop: qasync.QEventLoop) -> None:
        self.loop = loop

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 90) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))
