"""An asyncio server run on its own thread, started and stopped from synchronous code.

The demo's stream server and radio-audio server both serve HTTP from a private event loop so
they can be used from the backend, tests and command-line tools alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any


class LoopThread:
    """Runs coroutines on a private event loop in a daemon thread."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """True between a successful ``start`` and ``stop``."""
        return self.loop is not None

    def start(self, setup: Coroutine[Any, Any, Any], timeout: float = 10) -> None:
        """Start the thread and run ``setup`` on it; on failure nothing is left running."""
        loop = asyncio.new_event_loop()
        self.loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name=self.name, daemon=True)
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(setup, loop).result(timeout=timeout)
        except BaseException:
            self._halt()
            raise

    def stop(self, teardown: Coroutine[Any, Any, Any], timeout: float = 10) -> None:
        """Run ``teardown`` on the loop (errors ignored), then stop and join the thread."""
        if self.loop is None:
            teardown.close()
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(teardown, self.loop).result(timeout=timeout)
        self._halt()

    def _halt(self) -> None:
        loop, thread = self.loop, self._thread
        self.loop = self._thread = None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(timeout=10)
            loop.close()
