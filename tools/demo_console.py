"""What the screenshot demos share: Qt with asyncio on a temporary folder, and a console that
is shown, connected and has its map page loaded."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings

if TYPE_CHECKING:
    from backend_stub.district import District
    from backend_stub.server import Backend
    from widgets.parts import Console


def run(lang: str, prefix: str, scenario: Callable[[Path], Awaitable[None]]) -> int:
    """Run ``scenario(folder)`` on a qasync loop in the dark theme and ``lang``, with a
    temporary folder for its database and settings."""
    import qasync
    from PySide6.QtWidgets import QApplication

    from widgets import i18n
    from widgets.launch import prepare_qt
    from widgets.theme import Theme

    prepare_qt()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    translators = i18n.install(app, lang)
    Theme("dark").apply(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        loop.run_until_complete(scenario(Path(folder)))
    del translators
    return 0


async def live_console(url: str, token: str, folder: Path, panels: tuple[str, ...]) -> Console:
    """A console of ``panels`` at 1900x1050, shown, LIVE, with its map page ready."""
    from console.services.client import LinkState
    from widgets.assembly import build_console

    settings = QSettings(str(folder / "console.ini"), QSettings.Format.IniFormat)
    console = build_console(url, token, settings, panels=panels)
    console.window.resize(1900, 1050)
    console.window.show()
    client = console.client
    assert client is not None
    client.start()
    panel = console.map
    assert panel is not None
    ready = asyncio.Event()
    panel.sig_page_ready.connect(ready.set)
    if not panel.is_ready:
        await ready.wait()
    # The client's state has no signal of its own here: look at it now and then (a demo tool).
    while client.status.state is not LinkState.LIVE:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    return console


async def sightings_backend(
    folder: Path, district: District, minutes: float, *, clips: bool = False
) -> tuple[Backend, str, str]:
    """A backend on ``folder`` with ``district`` (its street graph too), the demo watch list
    and the demo's vehicles and people driven for the last ``minutes`` through the sightings
    ingest path (watched ones with their cameras' snapshots). ``clips``: the cameras play the
    demo clips through the media gateway (made once, in the per-user cache); otherwise their
    streams point at nothing.

    Returns:
        The backend, its websocket URL and a commander's token.
    """
    import time

    from backend_stub import db
    from backend_stub.demo import import_district, serve_demo_clips, with_snapshot
    from backend_stub.ingest.doors.sightings import take_sighting
    from backend_stub.server import Backend
    from backend_stub.sim.sightings import Travellers, demo_watch
    from backend_stub.streams import default_folder

    engine = db.open_engine(f"sqlite:///{folder / 'backend.sqlite3'}")
    token = db.add_operator(engine, "zhao", "commander")
    backend = Backend(engine, http_port=0, audio_dir=folder / "audio")
    port = await backend.start("127.0.0.1", 0)
    if clips:
        serve_demo_clips(backend, district, default_folder())
        await import_district(backend, district, None, default_folder())
    else:
        await import_district(backend, district, "rtsp://127.0.0.1:8554")
    backend.streets = district
    store = backend.sightings
    store.snapshot_dir = default_folder() / "snapshots"  # drawn once, as serve --demo keeps them
    for kind, value, reason, priority in demo_watch():
        store.add_watch(kind, value, reason, priority, None, "demo")
    now = time.time()
    travellers = Travellers(district, seed=1, start=now - minutes * 60)
    assert backend.ingest is not None
    for sighting in travellers.tick(now - 1):
        await take_sighting(backend, backend.ingest, await with_snapshot(backend, sighting))
    return backend, f"ws://127.0.0.1:{port}/ws", token
