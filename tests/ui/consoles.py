"""Real backends and consoles for UI scenarios (the ``live_console`` fixture)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from backend_stub import db
from backend_stub.server import Backend
from console.services.client import LinkState
from tests.live import start_backend
from tests.waiting import until
from widgets.assembly import build_console
from widgets.parts import Console

log = logging.getLogger(__name__)


class LiveConsoles:
    """Real backends (one SQLite file, ``db_url``) and consoles built as the app builds them.

    ``operator`` adds an account and gives its token, ``backend`` starts a backend on
    127.0.0.1, ``console`` builds one (``build_console``'s keywords), shows it, starts its link
    and waits until it is LIVE (``start``/``show``/``live`` False: less). ``stop_backend`` and
    ``close_console`` end one early (a restart);
    whatever is still running when the test ends is stopped by the fixture.
    """

    def __init__(self, tmp_path: Path) -> None:
        self.db_url = f"sqlite:///{tmp_path / 'backend.sqlite3'}"
        self.settings = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
        self.backends: list[Backend] = []
        self.consoles: list[Console] = []

    def operator(self, name: str, role: str = "operator") -> str:
        engine = db.open_engine(self.db_url)
        try:
            return db.add_operator(engine, name, role)
        finally:
            engine.dispose()

    async def backend(self, port: int = 0, **kwargs: Any) -> tuple[Backend, str]:
        backend, url = await start_backend(self.db_url, port=port, **kwargs)
        self.backends.append(backend)
        return backend, url

    async def console(
        self,
        url: str,
        token: str,
        *,
        start: bool = True,
        show: bool = True,
        live: bool = True,
        settings: QSettings | None = None,
        **kwargs: Any,
    ) -> Console:
        """Build a console; with ``start`` show it (``show``) and start its link, with
        ``live`` too wait until the link is LIVE."""
        console = build_console(url, token, settings or self.settings, **kwargs)
        self.consoles.append(console)
        if start:
            await self.start(console, show=show, live=live)
        return console

    async def start(self, console: Console, *, show: bool = True, live: bool = True) -> None:
        """Show a console built with ``start=False`` (unless not ``show``) and start its link
        (``live``: and wait until it is LIVE)."""
        if show:
            console.window.show()
        client = console.client
        assert client is not None
        client.start()
        if live:
            await until(lambda: client.status.state is LinkState.LIVE, what="live")

    async def stop_backend(self, backend: Backend) -> None:
        self.backends.remove(backend)
        await backend.stop()
        backend.engine.dispose()

    async def close_console(self, console: Console) -> None:
        self.consoles.remove(console)
        await console.shutdown()
        console.window.close()

    async def close(self) -> None:
        for console in reversed(self.consoles[:]):
            try:
                await self.close_console(console)
            except Exception:  # keep stopping the rest; the test's own failure is the news
                log.exception("closing a console after the test")
        for backend in reversed(self.backends[:]):
            try:
                await self.stop_backend(backend)
            except Exception:
                log.exception("stopping a backend after the test")
