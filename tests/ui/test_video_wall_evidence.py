# ruff: noqa: F811  (pytest fixtures imported from tests.ui.video_wall_fixtures)
"""Clip export from a real local stream, the evidence list, and saved wall views."""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from console.domain.store import Store
from console.video import TileState
from tests.ui.video_wall_fixtures import WAIT_MS, engine, panel, streams  # noqa: F401  (fixtures)
from widgets.bridge import StoreBridge
from widgets.media import VlcEngine
from widgets.theme import Theme
from widgets.video_wall import VideoWallPanel
from widgets.video_wall.evidence import EvidenceListWidget


def _probe(path: Path) -> dict[str, object]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=codec_type,codec_name,width,height,nb_read_frames",
         "-of", "json", str(path)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    found: list[dict[str, object]] = json.loads(out.stdout)["streams"]
    return found[0] if found else {}


def test_clip_export_records_decodable_video_with_a_matching_hash(
    qtbot, panel: VideoWallPanel
) -> None:
    panel.open_camera("C1", 0)
    tile = panel.tiles[0]
    qtbot.waitUntil(lambda: tile.state is TileState.LIVE, timeout=WAIT_MS)
    job = panel.record_clip(2)
    assert job is not None
    # Progress is shown while it records.
    qtbot.waitUntil(
        lambda: panel.clip_progress.isVisible() and panel.clip_progress.value() > 0,
        timeout=WAIT_MS,
    )
    assert "C1" in panel.clip_progress.text()
    with qtbot.waitSignal(panel.sig_clip_saved, timeout=WAIT_MS) as saved:
        pass
    record = saved.args[0]
    assert not panel.clip_progress.isVisible()
    clip = panel.evidence_dir / record.file
    assert clip.suffix == ".ts" and clip.stat().st_size > 0
    assert hashlib.sha256(clip.read_bytes()).hexdigest() == record.sha256
    video = _probe(clip)
    assert video["codec_type"] == "video" and video["codec_name"] == "h264"
    assert (video["width"], video["height"]) == (640, 360)  # the main stream
    assert int(str(video["nb_read_frames"])) >= 40  # about 2 s at 25 fps decoded
    sidecar = json.loads((panel.evidence_dir / (record.file + ".json")).read_text("utf-8"))
    assert sidecar["kind"] == "clip" and sidecar["camera_id"] == "C1"
    assert sidecar["operator"] == "op7" and sidecar["sha256"] == record.sha256
    span = datetime.fromisoformat(sidecar["ended_at"]) - datetime.fromisoformat(sidecar["taken_at"])
    assert 1.9 <= span.total_seconds() < 5

    # The evidence list shows it on top; verifying says it matches, a changed file does not.
    evidence = panel.evidence_list
    assert evidence.records()[0] == record
    evidence.list.setCurrentRow(0)
    with qtbot.waitSignal(evidence.sig_verified, timeout=WAIT_MS) as checked:
        evidence.verify_selected()
    assert checked.args == [record.file, True]
    assert "matches" in evidence.result_label.text()
    with clip.open("ab") as f:
        f.write(b"\0" * 188)
    with qtbot.waitSignal(evidence.sig_verified, timeout=WAIT_MS) as checked:
        evidence.verify_selected()
    assert checked.args == [record.file, False]
    assert "changed" in evidence.result_label.text()

    # The separate evidence window reads the same folder from disk.
    window = panel.open_evidence_window()
    qtbot.waitUntil(lambda: record in window.records(), timeout=WAIT_MS)
    window.close()


def test_clip_of_an_empty_or_offline_tile_is_refused_plainly(qtbot, panel: VideoWallPanel) -> None:
    panel.clear_tile(3)
    panel.select_tile(3)
    assert panel.record_clip(5) is None
    assert panel.status_label.text() == "No camera to record in the selected tile."
    assert panel.clip_jobs == [] and not panel.clip_progress.isVisible()


def test_clip_from_a_dead_stream_fails_with_a_reason(qtbot, panel: VideoWallPanel, streams) -> None:
    panel.open_camera("C2", 1)
    streams.stop()
    try:
        with qtbot.waitSignal(panel.sig_clip_failed, timeout=WAIT_MS * 2):
            job = panel.record_clip(2)
            assert job is not None
        assert "failed" in panel.status_label.text()
        panel._update_status()  # a tile goes live or drops: the count changes, not the message
        assert "failed" in panel.status_label.text()
        assert "tiles live" in panel.live_label.text()
        assert not job.path.exists() or job.path.stat().st_size == 0
        assert job.record is None
    finally:
        streams.start()


# ---- saved views (offline cameras: no decoding needed)


@pytest.fixture
def quiet_wall(
    qtbot, qapp: QApplication, engine: VlcEngine, tmp_path: Path
) -> Iterator[tuple[VideoWallPanel, QSettings, StoreBridge]]:
    store = Store()
    cams = [
        {"id": f"C{i}", "name": f"路口{i}", "lat": 39.8, "lon": 109.9, "grid_id": "G1",
         "streams": {"main": "http://127.0.0.1:9/x"}, "ptz": False, "status": "offline"}
        for i in range(1, 11)
    ]  # fmt: skip
    store.load_snapshot(
        1, {"units": [], "alerts": [], "cameras": cams, "talkgroups": [], "layers": [], "log": []}
    )
    bridge = StoreBridge(store)
    settings = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
    wall = VideoWallPanel(bridge, Theme("dark"), engine=engine, settings=settings)
    wall.resize(900, 500)
    wall.show()
    yield wall, settings, bridge
    wall.shutdown()
    wall.close()


def test_saved_views_recall_delete_and_persist(qtbot, quiet_wall, engine) -> None:
    wall, settings, bridge = quiet_wall
    wall.set_layout("9")
    wall.open_cameras(["C9", None, "C3", "C4"])
    assert wall.save_view("夜班 东区") is not None
    wall.set_layout("4")
    wall.open_cameras(["C1", "C2", "C5", "C6"])
    assert wall.save_view("白班") is not None
    assert wall.save_view("   ") is None
    assert wall.status_label.text() == "A view needs a name."
    assert wall.views.names() == ["夜班 东区", "白班"]

    assert wall.recall_view("夜班 东区")
    assert wall.layout_name == "9"
    assert wall.assigned() == ["C9", None, "C3", "C4", None, None, None, None, None]
    assert [t.camera.id if t.camera else None for t in wall.visible_tiles()[:3]] == [
        "C9",
        None,
        "C3",
    ]
    assert not wall.recall_view("nope")

    # The menu lists the views; choosing one recalls it.
    wall._fill_views_menu()
    titles = [a.text() for a in wall.views_menu.actions()]
    assert titles[:2] == ["夜班 东区", "白班"]
    wall.views_menu.actions()[1].trigger()
    assert wall.layout_name == "4" and wall.assigned() == ["C1", "C2", "C5", "C6"]

    # Another panel over the same settings (the next session) has them; delete persists.
    settings.sync()
    again = VideoWallPanel(bridge, Theme("dark"), engine=engine, settings=settings)
    try:
        assert again.views.names() == ["夜班 东区", "白班"]
        assert again.delete_view("白班")
    finally:
        again.shutdown()
    settings.sync()
    third = VideoWallPanel(bridge, Theme("dark"), engine=engine, settings=settings)
    try:
        assert third.views.names() == ["夜班 东区"]
    finally:
        third.shutdown()


def test_tour_cycles_saved_views(qtbot, quiet_wall) -> None:
    wall, _settings, _bridge = quiet_wall
    wall.set_layout("1")
    wall.open_cameras(["C7"])
    wall.save_view("one")
    wall.set_layout("1+5")
    wall.open_cameras(["C1", "C2", "C3", "C4", "C5", "C6"])
    wall.save_view("six")
    now = [500.0]
    wall._clock = lambda: now[0]
    wall.dwell_box.setValue(5)
    wall.tour_source.setCurrentIndex(wall.tour_source.findData("views"))
    wall.tour_button.setChecked(True)
    assert wall.tour is not None
    assert wall.layout_name == "1" and wall.assigned() == ["C7"]
    now[0] += 5
    qtbot.waitUntil(lambda: wall.layout_name == "1+5")
    assert wall.assigned() == ["C1", "C2", "C3", "C4", "C5", "C6"]
    assert wall.tour is not None  # switching layout does not end a tour of views
    now[0] += 5
    qtbot.waitUntil(lambda: wall.layout_name == "1")
    wall.tour_button.setChecked(False)
    assert wall.tour is None


def test_evidence_list_reads_a_folder_written_earlier(qtbot, tmp_path: Path) -> None:
    from console.video import write_evidence_sidecar

    shot = tmp_path / "C1_20261128T100000.000Z.png"
    shot.write_bytes(b"\x89PNG picture")
    write_evidence_sidecar(shot, "C1", "西环路口", "op7", 1_764_324_000.0)
    clip = tmp_path / "C2_20261128T100100.000Z.ts"
    clip.write_bytes(b"G" * 188 * 4)
    write_evidence_sidecar(
        clip, "C2", "长青路口", "op7", 1_764_324_060.0, kind="clip", ended_at=1_764_324_070.0
    )
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        widget = EvidenceListWidget(tmp_path, pool)
        with qtbot.waitSignal(widget.sig_loaded, timeout=WAIT_MS):
            widget.reload()
        assert [r.file for r in widget.records()] == [clip.name, shot.name]  # newest first
        assert "Clip" in widget.list.item(0).text() and "Snapshot" in widget.list.item(1).text()
        assert not widget.verify_button.isEnabled()
        widget.list.setCurrentRow(1)
        shot.unlink()
        with qtbot.waitSignal(widget.sig_verified, timeout=WAIT_MS) as checked:
            widget.verify_selected()
        assert checked.args == [shot.name, False]
        assert "missing" in widget.result_label.text()
        widget.deleteLater()
