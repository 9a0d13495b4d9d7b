"""What the composition root built for one console window (:class:`Console`).

The registry's factories and wiring hooks, and the cross-panel actions, get it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

from console.domain.store import Store
from console.services.client import BackendClient
from console.stream_urls import StreamUrls
from widgets.bridge import StoreBridge
from widgets.commands import CommandRunner
from widgets.layout_store import LayoutStore
from widgets.link_control import LinkControl
from widgets.main_window import MainWindow
from widgets.palette import CommandPalette
from widgets.theme import Theme
from widgets.wall import WallMode
from widgets.wall_push import WallPush

if TYPE_CHECKING:
    from console.replay import ReplayEngine
    from console.services.media_server import MediaServer
    from widgets.dashboard import DashboardPanel
    from widgets.inventory import InventoryWindow
    from widgets.map import MapPanel
    from widgets.media import VlcEngine
    from widgets.radio import RadioLogPanel
    from widgets.replay import ReplayPanel
    from widgets.video_wall import VideoWallPanel


class Console:
    """Everything the composition root built for one console window.

    Factories and wiring hooks of the registry get it: what a panel is built from (the
    bridge, the theme, the operator, the evidence folder) and what it is wired to (the
    command runner, the window, the other panels).
    """

    def __init__(
        self,
        store: Store,
        bridge: StoreBridge,
        theme: Theme,
        settings: QSettings,
        *,
        mode: str,
        operator: str = "",
        evidence_dir: Path | None = None,
        client: BackendClient | None = None,
        replay: ReplayEngine | None = None,
        media: MediaServer | None = None,
    ) -> None:
        self.store = store
        self.bridge = bridge
        self.theme = theme
        self.settings = settings
        self.mode = mode
        """ "live" or "replay"."""
        self.operator = operator
        """Who signs evidence and replay notes."""
        self.evidence_dir = evidence_dir
        self.client = client
        self.replay = replay
        self.media = media
        self.stream_urls = StreamUrls()
        """The media gateway's signed stream URLs (renewed by a live console)."""
        self.window: MainWindow
        self.commands: CommandRunner
        self.layouts: LayoutStore
        self.panels: dict[str, QWidget] = {}
        """The first panel of each kind built, by kind."""
        self.extras: list[QWidget] = []
        """Panels opened more than once (View → New map …)."""
        self.engine: VlcEngine | None = None
        """The video wall's libVLC instance (made with the first wall)."""
        self.wall: WallMode | None = None
        """Set on a wall console (``--wall``): shows pushed layouts and cameras."""
        self.wall_push: WallPush | None = None
        """A live console's Wall menu (commanders push layouts and cameras)."""
        self.link_control: LinkControl | None = None
        """A live console's sign-in and settings dialog."""
        self.inventory: InventoryWindow | None = None
        """The Inventory and sources window (commanders; View menu), made on first use."""
        self.palette: CommandPalette | None = None
        """The command palette opened last (Ctrl+K)."""

    @property
    def map(self) -> MapPanel | None:
        """The (first) map."""
        return cast("MapPanel | None", self.panels.get("map"))

    @property
    def video(self) -> VideoWallPanel | None:
        """The (first) video wall."""
        return cast("VideoWallPanel | None", self.panels.get("video"))

    @property
    def dashboard(self) -> DashboardPanel | None:
        """The (first) overview."""
        return cast("DashboardPanel | None", self.panels.get("dashboard"))

    @property
    def radio(self) -> RadioLogPanel | None:
        """The (first) radio log."""
        return cast("RadioLogPanel | None", self.panels.get("radio"))

    @property
    def replay_panel(self) -> ReplayPanel | None:
        """The replay timeline (replay mode)."""
        return cast("ReplayPanel | None", self.panels.get("replay"))

    async def shutdown(self) -> None:
        """Stop the link (or the replay) and every player (never blocking the GUI thread)."""
        loop = asyncio.get_running_loop()
        if self.client is not None:
            await self.client.stop()
            if self.client.recorder is not None:  # flushes the last batch, then closes
                await loop.run_in_executor(None, self.client.recorder.close)
        if self.replay_panel is not None:
            self.replay_panel.shutdown()
        if self.media is not None:
            await loop.run_in_executor(None, self.media.stop)
        if self.replay is not None:
            self.replay.close()
        for extra in self.extras:
            stop_panel(extra)
        self.extras.clear()
        if self.radio is not None:
            self.radio.shutdown()
        if self.video is not None:
            self.video.shutdown()
        if self.engine is not None:
            await loop.run_in_executor(None, self.engine.shutdown)


def stop_panel(panel: QWidget) -> None:
    """Stop what a panel runs (players, timers) before it goes away."""
    shutdown = getattr(panel, "shutdown", None)
    if callable(shutdown):
        shutdown()
