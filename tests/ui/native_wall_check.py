"""Native X11 output of the wall, checked in a real X server (run by test_video_wall_native).

Run under Xvfb with ``QT_QPA_PLATFORM=xcb``: ``xvfb-run -a python -m tests.ui.native_wall_check``.
Plays two local demo streams into native tile windows, checks that libVLC reports playing
with its clock advancing and that the X window shows a picture; minimises the window (no
tile decodes, libVLC stopped), restores it (playing again). The last line printed is one
JSON object with what was seen; the exit code is 0 when every check passed.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMainWindow

from backend_stub.streams import DemoStreamServer
from console.domain.store import Store
from console.video import TileState
from tests.waiting import wait_until
from widgets.bridge import StoreBridge
from widgets.media import VlcEngine
from widgets.theme import Theme
from widgets.video_wall import VideoTile, VideoWallPanel

CAMS = [("C1", "西环路口"), ("C2", "长青路口")]


def wait_for(pred: Callable[[], object], timeout: float = 30.0) -> bool:
    """Turn the Qt event loop until ``pred()`` holds (False on timeout: the check reports it)."""
    try:
        wait_until(pred, timeout)
    except AssertionError:
        return False
    return True


def _clock_advances(tile: VideoTile, by_ms: int = 1000) -> bool:
    _state, start = tile.playback()
    return wait_for(
        lambda: tile.playback()[0] == "Playing" and tile.playback()[1] >= max(0, start) + by_ms
    )


def _colours(tile: VideoTile) -> int:
    image = tile.grab_frame()
    if image is None:
        return 0
    return len(
        {image.pixel(x, y) for x in range(0, image.width(), 8) for y in range(0, image.height(), 8)}
    )


def main() -> int:
    """Run the checks; prints one JSON line last."""
    app = QApplication(sys.argv[:1])
    out: dict[str, object] = {"platform": app.platformName()}
    folder = Path(tempfile.mkdtemp(prefix="native-wall-"))
    server = DemoStreamServer(folder, CAMS, clip_seconds=4)
    server.prepare()
    server.start()
    store = Store()
    cameras = [
        {"id": c, "name": n, "lat": 39.8, "lon": 109.9, "grid_id": "G1",
         "streams": {"main": server.url_for(c), "sub": server.url_for(c, "sub")},
         "ptz": True, "status": "online"}
        for c, n in CAMS
    ]  # fmt: skip
    store.load_snapshot(
        1, {"units": [], "alerts": [], "cameras": cameras, "talkgroups": [], "layers": [],
            "log": []},
    )  # fmt: skip
    engine = VlcEngine()
    window = QMainWindow()
    panel = VideoWallPanel(StoreBridge(store), Theme("dark"), engine=engine)
    window.setCentralWidget(panel)
    window.resize(1100, 650)
    window.show()
    try:
        out["native"] = panel.native
        panel.open_cameras(["C1", "C2"])
        tiles = panel.visible_tiles()[:2]
        out["live"] = wait_for(lambda: all(t.state is TileState.LIVE for t in tiles))
        out["clock_advances"] = all(_clock_advances(t) for t in tiles)
        out["frames"] = [t.frames for t in tiles]
        out["colours"] = _colours(tiles[0])
        panel.select_tile(0)
        out["ptz_pad_native"] = tiles[0].ptz_pad.isVisible() and bool(
            tiles[0].ptz_pad.internalWinId()
        )

        window.showMinimized()
        out["minimized_seen"] = wait_for(lambda: panel.minimized, 10)
        out["stopped_when_minimized"] = wait_for(
            lambda: all(
                t.state is TileState.IDLE and t.playback()[0] in ("Stopped", "NothingSpecial")
                for t in tiles
            ),
            15,
        )
        window.showNormal()
        out["restored_live"] = wait_for(
            lambda: not panel.minimized and all(t.state is TileState.LIVE for t in tiles)
        )
        out["clock_advances_after_restore"] = all(_clock_advances(t) for t in tiles)
    finally:
        panel.shutdown()
        engine.shutdown()
        server.stop()
        window.close()
    ok = (
        all(
            out.get(k)
            for k in (
                "native",
                "live",
                "clock_advances",
                "ptz_pad_native",
                "minimized_seen",
                "stopped_when_minimized",
                "restored_live",
                "clock_advances_after_restore",
            )
        )
        and int(str(out["colours"])) > 20
    )
    out["ok"] = ok
    print(json.dumps(out), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
