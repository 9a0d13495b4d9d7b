"""Local MBTiles base maps: a SQLite file of tiles, read on worker threads.

An MBTiles file (the MBTiles 1.3 spec) is one SQLite database with a ``metadata`` table
(``name``/``value``: format, minzoom, maxzoom, bounds …) and a ``tiles`` table or view
(``zoom_level, tile_column, tile_row, tile_data``). Rows are in TMS order: the row of XYZ tile
``(z, x, y)`` is ``(1 << z) - 1 - y``.

:class:`MBTilesFile` is Qt-free and opens the file read-only; each worker thread gets its own
connection (SQLite connections are not shared across threads). The page asks for
``console-map://app/mbtiles/<generation>/<z>/<x>/<y>``; :class:`widgets.map.scheme.MapSchemeHandler`
hands the read to a small thread pool and replies on the GUI thread when the bytes are there.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication

#: Image formats a ``format`` metadata value may name, and their MIME types.
TILE_MIME = {
    "png": b"image/png",
    "jpg": b"image/jpeg",
    "jpeg": b"image/jpeg",
    "webp": b"image/webp",
}
_TILE_COLUMNS = {"zoom_level", "tile_column", "tile_row", "tile_data"}
_TILE_SQL = "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?"


class MBTilesError(ValueError):
    """The file cannot be used as a base map.

    Attributes:
        reason: One of ``missing``, ``not_mbtiles``, ``format``, ``empty`` (the UI words it
            in the operator's language with :func:`widgets.map.mbtiles.error_text`).
        detail: The path, format name or SQLite message.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def error_text(exc: MBTilesError) -> str:
    """What the operator reads about a file that cannot be used (translated)."""
    texts = {
        "missing": QCoreApplication.translate("MBTiles", "There is no file %1."),
        "not_mbtiles": QCoreApplication.translate(
            "MBTiles", "%1 is not an MBTiles file (no SQLite tiles table)."
        ),
        "format": QCoreApplication.translate(
            "MBTiles", "The tiles are %1 images; a base map needs PNG, JPEG or WebP."
        ),
        "empty": QCoreApplication.translate("MBTiles", "%1 holds no tiles."),
    }
    return texts.get(exc.reason, "%1").replace("%1", exc.detail)


def is_mbtiles_source(value: str) -> bool:
    """Whether a base-map setting names a local MBTiles file rather than a URL template."""
    text = value.strip()
    return bool(text) and "://" not in text and text.lower().endswith(".mbtiles")


def tms_row(z: int, y: int) -> int:
    """The MBTiles (TMS) ``tile_row`` of XYZ row ``y`` at zoom ``z``."""
    return (1 << z) - 1 - y


@dataclass(frozen=True, slots=True)
class MBTilesInfo:
    """What the page needs to know about a file's tiles."""

    name: str
    mime: bytes
    min_zoom: int
    max_zoom: int
    #: ``(west, south, east, north)`` in degrees, or ``None`` when the file does not say.
    bounds: tuple[float, float, float, float] | None


class MBTilesFile:
    """One MBTiles file opened read-only; :meth:`tile` may be called from any thread."""

    def __init__(self, path: str | Path) -> None:
        """Open and check the file.

        Raises:
            MBTilesError: The file is missing, not SQLite, has no tiles table, or holds no
                tiles in a supported image format.
        """
        self.path = Path(path).expanduser()
        if not self.path.is_file():
            raise MBTilesError("missing", str(self.path))
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            self.info = self._read_info(self._conn())
        except sqlite3.DatabaseError as exc:
            self.close()
            raise MBTilesError("not_mbtiles", str(self.path)) from exc
        except MBTilesError:
            self.close()
            raise

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def _read_info(self, conn: sqlite3.Connection) -> MBTilesInfo:
        cols = {row[1] for row in conn.execute("PRAGMA table_info(tiles)")}
        if not cols.issuperset(_TILE_COLUMNS):
            raise MBTilesError("not_mbtiles", str(self.path))
        meta: dict[str, str] = {}
        has_meta = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'metadata' AND type IN ('table', 'view')"
        ).fetchone()
        if has_meta:
            meta = {str(k): str(v) for k, v in conn.execute("SELECT name, value FROM metadata")}
        fmt = meta.get("format", "png").strip().lower()
        if fmt not in TILE_MIME:
            raise MBTilesError("format", fmt)
        lo, hi = conn.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
        if lo is None:
            raise MBTilesError("empty", str(self.path))
        return MBTilesInfo(
            name=meta.get("name", self.path.stem),
            mime=TILE_MIME[fmt],
            min_zoom=int(meta.get("minzoom", lo)),
            max_zoom=int(meta.get("maxzoom", hi)),
            bounds=_bounds(meta.get("bounds")),
        )

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The image of XYZ tile ``(z, x, y)``, or ``None`` when the file has none."""
        if z < 0 or z > 30 or not (0 <= x < (1 << z) and 0 <= y < (1 << z)):
            return None
        row = self._conn().execute(_TILE_SQL, (z, x, tms_row(z, y))).fetchone()
        return bytes(row[0]) if row and row[0] else None

    def close(self) -> None:
        """Close every thread's connection (call once no read is running)."""
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            conn.close()


def _bounds(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        w, s, e, n = (float(v) for v in text.split(","))
    except ValueError:
        return None
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        return None
    return (w, s, e, n)


__all__ = [
    "TILE_MIME",
    "MBTilesError",
    "MBTilesFile",
    "MBTilesInfo",
    "error_text",
    "is_mbtiles_source",
    "tms_row",
]
