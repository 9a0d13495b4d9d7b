"""The video wall's rules without Qt or libVLC: layouts, stream choice, backoff, tours, evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.domain.model import Camera
from console.video import (
    LAYOUTS,
    Backoff,
    SavedView,
    Tour,
    check_view_name,
    choose_stream,
    clamp_dwell,
    decode_views,
    distance_m,
    encode_views,
    evidence_basename,
    linked_cameras,
    nearest_cameras,
    read_evidence,
    sha256_file,
    verify_evidence,
    wall_pages,
    write_evidence_sidecar,
)


@pytest.mark.parametrize(
    ("name", "size", "side"),
    [
        ("1", 1, 1),
        ("4", 4, 2),
        ("9", 9, 3),
        ("16", 16, 4),
        ("25", 25, 5),
        ("36", 36, 6),
        ("1+5", 6, 3),
        ("1+7", 8, 4),
        ("1+12", 13, 4),
    ],
)
def test_layouts_cover_their_grid_exactly_once(name: str, size: int, side: int) -> None:
    lay = LAYOUTS[name]
    assert lay.size == size and lay.rows == lay.cols == side
    covered = [
        (r, c)
        for cell in lay.cells
        for r in range(cell.row, cell.row + cell.row_span)
        for c in range(cell.col, cell.col + cell.col_span)
    ]
    assert sorted(covered) == [(r, c) for r in range(side) for c in range(side)]


def test_asymmetric_layouts_put_the_big_tile_first() -> None:
    assert (LAYOUTS["1+5"].cells[0].row_span, LAYOUTS["1+5"].cells[0].col_span) == (2, 2)
    assert LAYOUTS["1+7"].cells[0].row_span == 3
    big = LAYOUTS["1+12"].cells[0]
    assert (big.row, big.col, big.row_span) == (1, 1, 2)


def test_stream_choice_by_tile_pixels() -> None:
    assert choose_stream(1280, 720) == "main"
    assert choose_stream(640, 360) == "main"
    assert choose_stream(320, 180) == "sub"  # a 16-up grid on a 1280 px wall
    assert choose_stream(213, 120) == "sub"
    assert choose_stream(213, 120, ["main"]) == "main"  # camera without a sub stream
    with pytest.raises(ValueError):
        choose_stream(100, 100, [])


def test_backoff_first_retry_within_two_seconds_then_grows_and_caps() -> None:
    b = Backoff(first=1.0, factor=2.0, maximum=10.0)
    delays = [b.next_delay() for _ in range(6)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    b.reset()
    assert b.next_delay() == 1.0
    limited = Backoff(give_up_after=2)
    assert [limited.next_delay() for _ in range(3)] == [1.0, 2.0, None]


def test_backoff_plateau_retries_briskly_before_growing() -> None:
    b = Backoff(first=0.25, factor=2.0, maximum=4.0, plateau=(0.5, 4))
    assert [b.next_delay() for _ in range(8)] == [0.25, 0.5, 0.5, 0.5, 1.0, 2.0, 4.0, 4.0]
    b.reset()
    assert b.next_delay() == 0.25
    with pytest.raises(ValueError):
        Backoff(first=1.0, plateau=(0.5, 3))


def test_tour_switches_on_the_injected_clock() -> None:
    tour = Tour(["C1", "C2", "C3"], dwell_s=10, start=100.0)
    assert tour.current() == "C1"
    assert tour.poll(105.0) is None
    assert tour.poll(110.0) == "C2"
    assert tour.poll(115.0) is None
    assert tour.seconds_to_next(115.0) == pytest.approx(5.0)
    assert tour.poll(131.0) == "C1"  # 3 dwells later: wrapped round
    assert tour.current() == "C1"


def test_tour_dwell_is_clamped_to_5_to_300_s() -> None:
    assert clamp_dwell(1) == 5.0 and clamp_dwell(1000) == 300.0 and clamp_dwell(42) == 42.0
    tour = Tour(["A", "B"], dwell_s=1, start=0.0)
    assert tour.poll(4.9) is None and tour.poll(5.0) == "B"
    with pytest.raises(ValueError):
        Tour([], 10, 0.0)


def test_wall_pages() -> None:
    ids = [f"C{i}" for i in range(10)]
    pages = wall_pages(ids, 4)
    assert pages == [("C0", "C1", "C2", "C3"), ("C4", "C5", "C6", "C7"), ("C8", "C9")]


def _cam(cid: str, lat: float, lon: float, online: bool = True) -> Camera:
    return Camera(cid, cid, lat, lon, "G1", (("main", "http://x/main"),), False, online)


def test_nearest_cameras_within_radius_online_first() -> None:
    lat, lon = 30.0, 120.0
    dlat_100m = 100 / 111_195
    cams = [
        _cam("far", lat + 5 * dlat_100m, lon),
        _cam("near", lat + dlat_100m, lon),
        _cam("nearer_offline", lat + 0.5 * dlat_100m, lon, online=False),
        _cam("mid", lat + 2 * dlat_100m, lon),
    ]
    assert distance_m(lat, lon, lat + dlat_100m, lon) == pytest.approx(100, rel=0.01)
    assert nearest_cameras(lat, lon, cams, 300, 4) == ["near", "mid", "nearer_offline"]
    by_id = {c.id: c for c in cams}
    assert linked_cameras(("far", "ghost"), lat, lon, by_id) == ["far"]
    assert linked_cameras((), lat, lon, by_id, limit=1) == ["near"]


def test_evidence_sidecar_hash_matches_the_file(tmp_path: Path) -> None:
    image = tmp_path / f"{evidence_basename('C 1/x', 1_700_000_000.5)}.png"
    assert image.name == "C_1_x_20231114T221320.500Z.png"
    image.write_bytes(b"\x89PNG fake picture")
    record = write_evidence_sidecar(image, "C 1/x", "人民路口", "op7", 1_700_000_000.5)
    sidecar = json.loads((tmp_path / (image.name + ".json")).read_text("utf-8"))
    assert sidecar["sha256"] == sha256_file(image) == record.sha256
    assert sidecar["operator"] == "op7" and sidecar["camera_name"] == "人民路口"
    assert sidecar["taken_at"].startswith("2023-11-14T22:13:20.500")
    assert read_evidence(tmp_path) == [record]
    assert verify_evidence(tmp_path, record)
    image.write_bytes(b"tampered")
    assert not verify_evidence(tmp_path, record)


def test_clip_sidecar_records_start_and_end(tmp_path: Path) -> None:
    clip = tmp_path / "C1_x.ts"
    clip.write_bytes(b"G" * 376)
    record = write_evidence_sidecar(clip, "C1", "西环路口", "op7", 100.0, "clip", ended_at=130.25)
    assert record.kind == "clip" and record.ended_at == "1970-01-01T00:02:10.250+00:00"
    assert read_evidence(tmp_path) == [record]


def test_saved_views_round_trip_and_skip_broken_entries() -> None:
    views = [SavedView("夜班", "9", ("C1", None, "C3")), SavedView("one", "1", ("C9",))]
    text = encode_views(views)
    assert decode_views(text) == views
    broken = [
        *json.loads(text),
        {"name": "bad layout", "layout": "7", "cameras": []},
        {"name": "too many", "layout": "1", "cameras": ["C1", "C2"]},
        {"name": "", "layout": "4", "cameras": []},
        {"layout": "4"},
        "junk",
    ]
    assert decode_views(json.dumps(broken)) == views
    assert decode_views("not json") == [] and decode_views(None) == []
    assert check_view_name("  东区 ") == "东区"
    with pytest.raises(ValueError):
        check_view_name("  ")
    with pytest.raises(ValueError):
        check_view_name("x" * 61)


def test_enlarged_and_single_tiles_take_main_grid_cells_take_sub() -> None:
    from console.video import stream_for_cell

    assert stream_for_cell(16, 1, 1, enlarged=True) == "main"
    assert stream_for_cell(1, 1, 1, enlarged=False) == "main"
    assert stream_for_cell(16, 1, 1, enlarged=False) == "sub"
    assert stream_for_cell(9, 1, 1, enlarged=False) == "sub"
    assert stream_for_cell(8, 3, 3, enlarged=False) is None  # the big cell of 1+7: by size
    assert stream_for_cell(4, 1, 1, enlarged=False) is None  # 4-up: by size
