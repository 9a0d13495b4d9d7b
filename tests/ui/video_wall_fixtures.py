"""The video wall tests' set-up: four cameras streaming real local HTTP clips (``streams``),
one libVLC engine per module (``engine``) and a shown wall panel over a Store that knows the
cameras (``panel``). Test modules import the fixtures they use from here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from backend_stub.streams import DemoStreamServer
from console.domain.store import Store
from tests import factories
from widgets.bridge import StoreBridge
from widgets.media import VlcEngine
from widgets.theme import Theme
from widgets.video_wall import VideoWallPanel

CAMS = [("C1", "西环路口"), ("C2", "长青路口"), ("C3", "杭锦路口"), ("C4", "伊煤路口")]


LAT, LON = 39.6, 109.8


WAIT_MS = 20_000


@pytest.fixture(scope="module")
def streams(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStreamServer]:
    server = DemoStreamServer(tmp_path_factory.mktemp("clips"), CAMS, clip_seconds=4)
    server.prepare()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def engine() -> Iterator[VlcEngine]:
    eng = VlcEngine()
    yield eng
    eng.shutdown()  # a frame-callback player alive at interpreter exit crashes it


def _wire_camera(server: DemoStreamServer, i: int, cid: str, name: str) -> dict[str, object]:
    return {
        "id": cid,
        "name": name,
        "lat": LAT + i * 0.001,  # about 111 m apart, north of the alert point
        "lon": LON,
        "grid_id": "G1" if i < 2 else "G2",
        "streams": {"main": server.url_for(cid, "main"), "sub": server.url_for(cid, "sub")},
        "ptz": False,
        "status": "online",
    }


@pytest.fixture
def panel(
    qtbot: object, qapp: QApplication, streams: DemoStreamServer, engine: VlcEngine, tmp_path: Path
) -> Iterator[VideoWallPanel]:
    store = Store()
    state = factories.snapshot(
        cameras=[_wire_camera(streams, i, c, n) for i, (c, n) in enumerate(CAMS)]
    )
    store.load_snapshot(1, state)
    bridge = StoreBridge(store)
    wall = VideoWallPanel(
        bridge, Theme("dark"), engine=engine, evidence_dir=tmp_path / "ev", operator="op7"
    )
    wall.resize(1000, 600)
    wall.show()
    qtbot.waitExposed(wall)  # type: ignore[attr-defined]
    yield wall
    wall.shutdown()
    wall.close()
    wall.deleteLater()
    bridge.deleteLater()
