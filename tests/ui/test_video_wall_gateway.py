"""Real libVLC tiles of a real console play a real RTSP camera (gst-rtsp-server, digest auth)
through the backend's media gateway, with tokens the console fetched itself; a camera that
refuses the password shows why on its tile and in the camera tree."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from backend_stub import db
from backend_stub.inventory.store import import_paths
from console.services.client import LinkState
from tests.live import start_backend
from tests.rtsp import RtspCameras
from tests.waiting import LoopRunner, until
from widgets.assembly import build_console
from widgets.video_wall.tile import TileState

SECRET = "Pa55-w0rd!"


@pytest.fixture
def camera() -> Iterator[RtspCameras]:
    cams = RtspCameras("--user", "admin", "--password", SECRET, "--pattern", "smpte")
    yield cams
    cams.stop()


def _colours(image: object) -> int:
    """Distinct colours along the picture's middle row (the SMPTE bars: several)."""
    from PySide6.QtGui import QImage

    assert isinstance(image, QImage)
    y = image.height() // 3
    return len({image.pixel(x, y) & 0xF0F0F0 for x in range(0, image.width(), 4)})


def test_tiles_play_a_real_rtsp_camera_through_the_gateway(
    aloop: LoopRunner, tmp_path: Path, camera: RtspCameras
) -> None:
    db_url = f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "wang", "operator")
    csv = tmp_path / "cameras.csv"
    csv.write_text(
        "id,name,lat,lon,main,username,password\n"
        f"C1,东门,39.82,109.98,{camera.url(1)},admin,{SECRET}\n"
        f"C2,西门,39.83,109.97,{camera.url(1)},admin,wrong\n",
        encoding="utf-8",
    )
    assert not import_paths(engine, [csv]).errors
    engine.dispose()
    settings = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)

    async def scenario() -> None:
        backend, url = await start_backend(db_url, http_port=0)
        console = build_console(
            url, token, settings, panels=("video",), evidence_dir=tmp_path / "evidence"
        )
        client = console.client
        assert client is not None
        console.window.show()
        client.start()
        try:
            await until(lambda: client.status.state is LinkState.LIVE, what="live")
            wall = console.video
            assert wall is not None
            wall.set_layout("4")
            wall.open_cameras(["C1", "C2"])
            good, bad = wall.tiles[0], wall.tiles[1]
            await until(
                lambda: good.state is TileState.LIVE and good.frames > 10,
                timeout=40,
                what="C1 live",
            )
            assert "?token=" in console.stream_urls.sign(dict(good.camera.streams)["sub"])
            image = good.grab_frame()
            assert image is not None and _colours(image) >= 4, "the camera's colour bars"
            assert SECRET not in str(console.store.cameras)
            await until(lambda: "wrong password" in bad.state_text(), timeout=40, what="C2 reason")
            tree_item = wall.camera_tree._items["C2"]
            assert "wrong password" in tree_item.text(0)
            assert backend.media.gateway.pulls("C1", good.stream) == 1
        finally:
            await console.shutdown()
            console.window.close()
            await backend.stop()
            backend.engine.dispose()

    aloop.run(scenario(), timeout=120)
