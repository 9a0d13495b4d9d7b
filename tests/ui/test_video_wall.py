# ruff: noqa: F811  (pytest fixtures imported from tests.ui.video_wall_fixtures)
"""The video wall with real libVLC decoding of real local HTTP streams (no mocks, no sleeps)."""

from __future__ import annotations

import hashlib
import json

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDropEvent, QImage

from backend_stub.streams import DemoStreamServer
from console.domain.model import Alert
from console.video import LAYOUTS, TileState
from tests import factories
from tests.ui.video_wall_fixtures import CAMS, LAT, LON, WAIT_MS, engine, panel, streams  # noqa: F401  (fixtures)
from widgets.video_wall import VideoWallPanel, camera_mime


def _distinct_colours(image: QImage, step: int = 8) -> int:
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)
        }
    )


def test_tile_shows_frames_from_a_real_local_stream(qtbot, panel: VideoWallPanel) -> None:
    panel.open_camera("C1", 0)
    tile = panel.tiles[0]
    qtbot.waitUntil(lambda: tile.state is TileState.LIVE, timeout=WAIT_MS)
    seen = tile.frames
    qtbot.waitUntil(lambda: tile.frames >= seen + 25, timeout=WAIT_MS)
    assert tile.stream == "main"  # a 4-up tile of ~500 px gets the main stream
    grabbed = tile.grab().toImage()
    assert _distinct_colours(grabbed) > 20, "the tile shows a flat picture"
    frame = tile.grab_frame()
    assert frame is not None and _distinct_colours(frame) > 20
    assert tile.state_text() == "Live"


def test_dropping_the_stream_reconnects_and_comes_back_live(
    qtbot, panel: VideoWallPanel, streams: DemoStreamServer
) -> None:
    panel.open_camera("C2", 1)
    tile = panel.tiles[1]
    qtbot.waitUntil(lambda: tile.state is TileState.LIVE, timeout=WAIT_MS)
    streams.stop()
    try:
        qtbot.waitUntil(lambda: tile.state is TileState.RECONNECTING, timeout=WAIT_MS)
        assert tile.state_text().startswith("Reconnecting")
    finally:
        streams.start()  # same port
    before = tile.frames
    qtbot.waitUntil(lambda: tile.state is TileState.LIVE, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: tile.frames > before + 10, timeout=WAIT_MS)


def test_snapshot_hash_matches_its_file(qtbot, panel: VideoWallPanel) -> None:
    panel.open_camera("C3", 2)
    tile = panel.tiles[2]
    qtbot.waitUntil(lambda: tile.state is TileState.LIVE, timeout=WAIT_MS)
    panel.select_tile(2)
    with qtbot.waitSignal(panel.sig_snapshot_saved, timeout=WAIT_MS):
        record = panel.snapshot_selected()
    assert record is not None
    png = panel.evidence_dir / record.file
    assert hashlib.sha256(png.read_bytes()).hexdigest() == record.sha256
    sidecar = json.loads((panel.evidence_dir / (record.file + ".json")).read_text("utf-8"))
    assert sidecar["camera_id"] == "C3" and sidecar["operator"] == "op7"
    assert sidecar["sha256"] == record.sha256
    image = QImage(str(png))
    assert not image.isNull() and _distinct_colours(image) > 20
    assert panel.evidence_list.list.count() == 1


def test_layouts_place_the_right_number_of_tiles(qtbot, panel: VideoWallPanel) -> None:
    for name, lay in LAYOUTS.items():
        panel.layout_box.setCurrentIndex(panel.layout_box.findData(name))
        assert panel.layout_name == name
        shown = [t for t in panel.tiles if t.isVisible()]
        assert len(shown) == lay.size, name
        big = panel.grid.getItemPosition(panel.grid.indexOf(panel.tiles[0]))
        first = lay.cells[0]
        assert big == (first.row, first.col, first.row_span, first.col_span), name
    panel.set_layout("9")
    panel.toggle_enlarge(4)
    assert [i for i, t in enumerate(panel.tiles) if t.isVisible()] == [4]
    panel.toggle_enlarge(4)
    assert sum(t.isVisible() for t in panel.tiles) == 9


def test_hidden_tile_stops_decoding(qtbot, panel: VideoWallPanel) -> None:
    panel.open_cameras(["C1", "C4"])
    first, second = panel.tiles[0], panel.tiles[1]
    qtbot.waitUntil(
        lambda: first.state is TileState.LIVE and second.state is TileState.LIVE,
        timeout=WAIT_MS,
    )
    panel.set_layout("1")  # tile 1 is hidden now
    assert not second.isVisible() and second.state is TileState.IDLE
    qtbot.waitUntil(lambda: first.frames > 0, timeout=WAIT_MS)
    # Give libVLC time to stop; then the hidden tile's counter must stand still while the
    # visible one keeps counting (timed by frames, not by sleeping).
    mark = first.frames
    qtbot.waitUntil(lambda: first.frames >= mark + 15, timeout=WAIT_MS)
    frozen = second.frames
    mark = first.frames
    qtbot.waitUntil(lambda: first.frames >= mark + 25, timeout=WAIT_MS)
    assert second.frames == frozen
    panel.set_layout("4")  # shown again: decodes again
    qtbot.waitUntil(lambda: second.frames > frozen + 5, timeout=WAIT_MS)


def test_dropping_a_camera_on_a_tile_opens_it(qtbot, panel: VideoWallPanel) -> None:
    tile = panel.tiles[3]
    mime = camera_mime("C4")  # the event does not own its mime data: keep it alive
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    tile.dropEvent(event)
    assert panel.assigned()[3] == "C4" and tile.camera is not None and tile.camera.id == "C4"


def test_tours_switch_cameras_on_the_clock(qtbot, panel: VideoWallPanel) -> None:
    now = [1000.0]
    panel._clock = lambda: now[0]
    panel.start_tour(["C1", "C2", "C3", "C4", "C1"], dwell_s=5)
    assert panel.assigned() == ["C1", "C2", "C3", "C4"]
    now[0] += 5
    qtbot.waitUntil(lambda: panel.assigned()[0] == "C1" and panel.assigned()[1] is None)
    assert [t.camera.id if t.camera else None for t in panel.visible_tiles()] == [
        "C1",
        None,
        None,
        None,
    ]
    panel.start_tour(["C2", "C3"], dwell_s=5, tile=2)
    assert panel.tiles[2].camera is not None and panel.tiles[2].camera.id == "C2"
    now[0] += 5
    qtbot.waitUntil(lambda: panel.tiles[2].camera is not None and panel.tiles[2].camera.id == "C3")
    panel.stop_tour()


def _alert(alert_id: str, camera_ids: tuple[str, ...]) -> Alert:
    return factories.alert(
        id=alert_id,
        priority=2,
        title="test",
        lat=LAT,
        lon=LON,
        grid_id="G1",
        created_ts=0.0,
        camera_ids=camera_ids,
        history=(),
    )


def test_alert_selection_opens_its_cameras_or_the_nearest(qtbot, panel: VideoWallPanel) -> None:
    store = panel._bridge.store
    store.alerts["A1"] = _alert("A1", ("C4", "C3"))
    store.alerts["A2"] = _alert("A2", ())
    panel._bridge.select_alert("A1")
    assert panel.assigned()[:2] == ["C4", "C3"]
    panel._bridge.select_alert("A2")
    # Nearest within 300 m: C1 (0 m), C2 (111 m), C3 (222 m); C4 is 333 m away.
    assert panel.assigned()[:3] == ["C1", "C2", "C3"]


def test_minimised_window_stops_decoding_and_restoring_resumes(
    qtbot, panel: VideoWallPanel
) -> None:
    panel.open_cameras(["C1", "C2"])
    tiles = panel.visible_tiles()[:2]
    qtbot.waitUntil(lambda: all(t.state is TileState.LIVE for t in tiles), timeout=WAIT_MS)
    assert all(t.playback()[0] == "Playing" for t in tiles)
    panel.showMinimized()
    assert panel.minimized
    assert all(t.suspended and t.state is TileState.IDLE for t in tiles)
    # libVLC itself stops: no decoder runs for a minimised wall.
    qtbot.waitUntil(
        lambda: all(t.playback()[0] in ("Stopped", "NothingSpecial") for t in tiles),
        timeout=WAIT_MS,
    )
    # A tour or an alert changing cameras meanwhile does not start decoding either.
    panel.open_camera("C3", 1)
    assert tiles[1].state is TileState.IDLE
    panel.showNormal()
    assert not panel.minimized
    marks = [t.frames for t in tiles]
    pairs = list(zip(tiles, marks, strict=True))
    qtbot.waitUntil(
        lambda: all(t.state is TileState.LIVE and t.frames > m + 10 for t, m in pairs),
        timeout=WAIT_MS,
    )
    assert tiles[1].camera is not None and tiles[1].camera.id == "C3"
