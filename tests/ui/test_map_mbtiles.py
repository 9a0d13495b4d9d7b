"""A local MBTiles file as the base map: real SQLite file, real PNG tiles, real WebEngine page."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QEvent, QIODevice
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from tests.ui.map_env import MapEnv, js, js_until
from tests.waiting import wait_until
from widgets.map.mbtiles import MBTilesError, MBTilesFile, error_text, is_mbtiles_source, tms_row

ZOOM = 14
CENTRE = (39.82, 109.98)
TILE_RGB = (51, 102, 204)


def xyz_tile(lat: float, lon: float, z: int) -> tuple[int, int]:
    """The XYZ (slippy map) tile holding a WGS-84 position."""
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    rad = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(rad)) / math.pi) / 2.0 * n)
    return x, y


def png_tile(rgb: tuple[int, int, int]) -> bytes:
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor(*rgb))
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buf, "PNG")  # type: ignore[call-overload]
    return bytes(data.data())


def make_mbtiles(
    path: Path,
    tiles: dict[tuple[int, int, int], bytes],
    fmt: str = "png",
) -> Path:
    """An MBTiles 1.3 file with XYZ-addressed ``tiles`` stored in TMS rows."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute(
        "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,"
        " tile_data BLOB)"
    )
    zooms = sorted({z for z, _, _ in tiles}) or [0]
    conn.executemany(
        "INSERT INTO metadata VALUES (?, ?)",
        [
            ("name", "测试底图"),
            ("format", fmt),
            ("minzoom", str(zooms[0])),
            ("maxzoom", str(zooms[-1])),
            ("bounds", "109.0,39.5,110.5,40.1"),
        ],
    )
    conn.executemany(
        "INSERT INTO tiles VALUES (?, ?, ?, ?)",
        [(z, x, tms_row(z, y), data) for (z, x, y), data in tiles.items()],
    )
    conn.commit()
    conn.close()
    return path


# ---- the file itself (no page)


def test_reads_xyz_tiles_from_tms_rows(tmp_path: Path) -> None:
    png = png_tile(TILE_RGB)
    path = make_mbtiles(tmp_path / "a.mbtiles", {(3, 5, 1): png})
    tiles = MBTilesFile(path)
    try:
        assert tiles.tile(3, 5, 1) == png
        assert tiles.tile(3, 5, tms_row(3, 1)) is None  # the raw TMS row is another tile
        assert tiles.tile(3, 5, 2) is None
        assert tiles.tile(3, 8, 1) is None and tiles.tile(-1, 0, 0) is None  # out of range
        assert (tiles.info.min_zoom, tiles.info.max_zoom, tiles.info.mime) == (3, 3, b"image/png")
        assert tiles.info.bounds == (109.0, 39.5, 110.5, 40.1)
    finally:
        tiles.close()


def test_unusable_files_say_why(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mbtiles"
    junk.write_bytes(b"this is not sqlite" * 100)
    plain = tmp_path / "plain.mbtiles"
    sqlite3.connect(plain).execute("CREATE TABLE t (a)").connection.close()
    vector = make_mbtiles(tmp_path / "v.mbtiles", {(1, 0, 0): b"x"}, fmt="pbf")
    empty = make_mbtiles(tmp_path / "e.mbtiles", {})
    cases = {
        tmp_path / "none.mbtiles": ("missing", "There is no file"),
        junk: ("not_mbtiles", "is not an MBTiles file"),
        plain: ("not_mbtiles", "is not an MBTiles file"),
        vector: ("format", "pbf images"),
        empty: ("empty", "holds no tiles"),
    }
    for path, (reason, words) in cases.items():
        with pytest.raises(MBTilesError) as caught:
            MBTilesFile(path)
        assert caught.value.reason == reason
        assert words in error_text(caught.value)


def test_settings_value_kinds() -> None:
    assert is_mbtiles_source("/srv/maps/dongsheng.mbtiles")
    assert is_mbtiles_source("~/maps/A.MBTiles")
    assert not is_mbtiles_source("http://gis.local/{z}/{x}/{y}.mbtiles")
    assert not is_mbtiles_source("")


# ---- in the page


@pytest.fixture(scope="module")
def env(qapp: QApplication) -> Iterator[MapEnv]:
    e = MapEnv()
    wait_until(lambda: e.panel.is_ready, timeout=30, what="the map page to come up")
    yield e
    e.panel.close()
    e.panel.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


TILES_JS = (
    "Array.from(document.querySelectorAll('img.leaflet-tile'))"
    ".map(i => [i.src, i.complete, i.naturalWidth])"
)


def test_mbtiles_base_map_loads_offline(env: MapEnv, tmp_path: Path) -> None:
    cx, cy = xyz_tile(*CENTRE, ZOOM)
    missing = (ZOOM, cx + 1, cy)
    png = png_tile(TILE_RGB)
    tiles = {
        (ZOOM, x, y): png
        for x in range(cx - 4, cx + 5)
        for y in range(cy - 3, cy + 4)
        if (ZOOM, x, y) != missing
    }
    path = make_mbtiles(tmp_path / "dongsheng.mbtiles", tiles)
    env.recorder.urls.clear()
    env.panel.centre_on(*CENTRE, ZOOM)
    env.panel.set_base_layer(str(path))
    js_until(env.panel, "ConsoleMap.tiles ? ConsoleMap.tiles._url : null", lambda u: bool(u))
    assert js(env.panel, "ConsoleMap.map.hasLayer(ConsoleMap.groups.base)") is False

    def settled(imgs: list[list[object]]) -> bool:
        return len(imgs) > 4 and all(done for _, done, _ in imgs)

    imgs = js_until(env.panel, TILES_JS, settled, what="the tiles to load")
    loaded = [src for src, _, width in imgs if width == 256]
    assert len(loaded) >= 4, imgs
    # The missing tile is a 404 in the page (an empty tile), nothing worse.
    hole = f"/{missing[0]}/{missing[1]}/{missing[2]}"
    assert [w for src, _, w in imgs if str(src).endswith(hole)] == [0]
    assert js(env.panel, "ConsoleMap.tileErrors") >= 1
    # What the operator sees in the middle of the map is the file's tile.
    pixel = js(
        env.panel,
        "(() => { const img = Array.from(document.querySelectorAll('img.leaflet-tile'))"
        f".find(i => i.src.endsWith('/{ZOOM}/{cx}/{cy}'));"
        " const c = document.createElement('canvas'); c.width = c.height = 4;"
        " const g = c.getContext('2d'); g.drawImage(img, 0, 0, 4, 4);"
        " return Array.from(g.getImageData(1, 1, 1, 1).data).slice(0, 3); })()",
    )
    assert tuple(pixel) == TILE_RGB
    remote = [u for u in env.recorder.urls if not u.startswith(("console-map:", "qrc:", "data:"))]
    assert remote == []
    assert any("/mbtiles/" in u for u in env.recorder.urls)
    assert env.panel.base_map_error == ""
    # The markers are still drawn over it.
    assert js(env.panel, "ConsoleMap.unitMarkerCount()") == len(env.store.units)


def test_a_bad_file_changes_nothing_and_says_why(env: MapEnv, tmp_path: Path) -> None:
    good = make_mbtiles(tmp_path / "good.mbtiles", {(ZOOM, 1, 1): png_tile(TILE_RGB)})
    before = js(env.panel, "ConsoleMap.tiles ? ConsoleMap.tiles._url : null")
    env.panel.set_base_layer(str(good))
    url = js_until(
        env.panel,
        "ConsoleMap.tiles ? ConsoleMap.tiles._url : null",
        lambda u: "/mbtiles/" in str(u) and u != before,
    )
    failures: list[str] = []
    env.panel.sig_base_map_failed.connect(failures.append)
    bad = tmp_path / "bad.mbtiles"
    bad.write_bytes(b"\x00garbage" * 64)
    env.panel.set_base_layer(str(bad))
    wait_until(lambda: failures, what="the failure")
    assert "is not an MBTiles file" in failures[0] and str(bad) in failures[0]
    assert env.panel.base_error.isVisible()
    env.panel.flush()
    assert js(env.panel, "ConsoleMap.tiles._url") == url  # still the good file
    # Back to the built-in map: the banner goes.
    env.panel.set_base_layer(None)
    js_until(env.panel, "ConsoleMap.map.hasLayer(ConsoleMap.groups.base)", lambda v: v is True)
    assert not env.panel.base_error.isVisible()


def test_settings_dialog_takes_a_good_file_and_refuses_a_bad_one(
    qapp: QApplication, tmp_path: Path
) -> None:
    from widgets import settings as cs
    from widgets.settings_dialog import SettingsDialog

    dialog = SettingsDialog(cs.ConsoleSettings())
    accepted: list[bool] = []
    dialog.accepted.connect(lambda: accepted.append(True))
    bad = tmp_path / "bad.mbtiles"
    bad.write_bytes(b"not a database at all" * 10)
    dialog.base_map.setText(str(bad))
    dialog._on_accept()
    assert not accepted
    assert dialog.error.isVisibleTo(dialog) and "is not an MBTiles file" in dialog.error.text()
    good = make_mbtiles(tmp_path / "good.mbtiles", {(ZOOM, 1, 1): png_tile(TILE_RGB)})
    dialog.base_map.setText(f"  {good}  ")
    dialog._on_accept()
    assert accepted == [True]
    assert dialog.result_settings().base_map_url == str(good)
    dialog.deleteLater()
