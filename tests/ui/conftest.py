"""UI tests run the console's real wiring on a qasync loop over pytest-qt's QApplication.

``aloop`` runs a scenario coroutine on that loop; ``live_console`` starts real backends and
consoles for a scenario and stops every one of them afterwards, also when the test failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from tests.ui.consoles import LiveConsoles
from tests.waiting import LoopRunner
from widgets.gc_guard import GuiThreadCollector

log = logging.getLogger(__name__)


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


@pytest.fixture
def live_console(aloop: LoopRunner, tmp_path: Path) -> Iterator[LiveConsoles]:
    live = LiveConsoles(tmp_path)
    yield live
    aloop.loop.run_until_complete(asyncio.wait_for(live.close(), 60))
