"""UI tests run the console's real wiring on a qasync loop over pytest-qt's QApplication."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from widgets.gc_guard import GuiThreadCollector


class LoopRunner:
    """Runs a test scenario coroutine on a qasync loop (so Qt and asyncio both turn)."""

    def __init__(self, loop: qasync.QEventLoop) -> None:
        self.loop = loop

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 90) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))


async def until(pred: Callable[[], Any], timeout: float = 15, what: str = "") -> Any:
    """Wait until ``pred()`` is truthy, letting Qt and asyncio run meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or pred}")
        await asyncio.sleep(0.01)


@pytest.fixture(autouse=True, scope="session")
def _gc_on_gui_thread(qapp: QApplication) -> Iterator[None]:
    """As in the app: cyclic garbage (Qt windows of earlier tests) is collected on the GUI
    thread, never on a libVLC or database thread."""
    collector = GuiThreadCollector()
    yield
    collector.stop()


@pytest.fixture
def aloop(qapp: QApplication) -> Iterator[LoopRunner]:
    qapp.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield LoopRunner(loop)
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()  # joins the loop's executor threads (a live QThread at exit aborts)
    asyncio.set_event_loop(None)
