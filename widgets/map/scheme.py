"""The ``console-map://`` URL scheme: the map page and its assets, served from memory and files.

The page is never given to ``QWebEngineView.setHtml`` (which silently fails above 2 MB) and
never fetched over the network: every URL it loads is ``console-map://app/<path>``, answered
by :class:`MapSchemeHandler` from ``resources/map/`` (Leaflet, the page script and styles),
from memory (the page itself), from Qt's own resources (``qwebchannel.js``), or from a local
MBTiles file (``mbtiles/<gen>/<z>/<x>/<y>``, read on worker threads: :mod:`widgets.map.mbtiles`).

:func:`register_map_scheme` must run before the ``QApplication`` exists (Chromium fixes its
scheme table at start-up); ``main.py`` and ``tests/conftest.py`` call it.
"""

from __future__ import annotations

import itertools
import mimetypes
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from importlib.resources.abc import Traversable

from PySide6.QtCore import QBuffer, QByteArray, QFile, QIODevice, QObject, Signal
from PySide6.QtWebEngineCore import (
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)

from widgets.map.mbtiles import MBTilesFile

SCHEME = b"console-map"
HOST = "app"
BASE_URL = f"{SCHEME.decode()}://{HOST}/"
PAGE_PATH = "index.html"
#: Path prefix of MBTiles tiles: ``mbtiles/<generation>/<z>/<x>/<y>``.
MBTILES_PATH = "mbtiles"

_MIME = {
    ".js": b"text/javascript",
    ".css": b"text/css",
    ".html": b"text/html",
    ".png": b"image/png",
    ".svg": b"image/svg+xml",
    ".json": b"application/json",
}


def register_map_scheme() -> None:
    """Declare the ``console-map`` scheme to Qt WebEngine (idempotent).

    Call this once before the ``QApplication`` is created, e.g. at the top of ``main()``
    (next to ``QCoreApplication.setAttribute(Qt.AA_ShareOpenGLContexts)``). Registering
    later has no effect and the page then fails to load.
    """
    if QWebEngineUrlScheme.schemeByName(QByteArray(SCHEME)).name():
        return
    scheme = QWebEngineUrlScheme(QByteArray(SCHEME))
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    scheme.setDefaultPort(QWebEngineUrlScheme.SpecialPort.PortUnspecified.value)
    scheme.setFlags(
        QWebEngineUrlScheme.Flag.SecureScheme
        | QWebEngineUrlScheme.Flag.LocalAccessAllowed
        | QWebEngineUrlScheme.Flag.CorsEnabled
    )
    QWebEngineUrlScheme.registerScheme(scheme)


class MapSchemeHandler(QWebEngineUrlSchemeHandler):
    """Answers ``console-map://app/...`` requests; anything else under it is a 404."""

    _sig_tile_read = Signal(int, object)
    """A worker read a tile (request number, bytes or None); delivered on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root: Traversable = resources.files("resources") / "map"
        self._memory: dict[str, tuple[bytes, bytes]] = {}
        self._tiles: MBTilesFile | None = None
        self._generation = 0
        self._pool: ThreadPoolExecutor | None = None
        self._jobs: dict[int, tuple[QWebEngineUrlRequestJob, bytes]] = {}
        self._numbers = itertools.count()
        # Emitted from a worker thread, received here on the GUI thread (queued).
        self._sig_tile_read.connect(self._on_tile_read)

    def set_page(self, path: str, html: str) -> None:
        """Serve ``html`` at ``console-map://app/<path>`` (kept in memory)."""
        self._memory[path] = (html.encode("utf-8"), b"text/html")

    def set_mbtiles(self, tiles: MBTilesFile | None) -> str | None:
        """Serve this file's tiles (or none); returns the page's URL template for them.

        Each file gets a new generation in its URLs, so the page never shows a cached tile of
        a file it no longer uses. The previous file is closed once its reads are done.
        """
        old, self._tiles = self._tiles, tiles
        if old is not None:
            try:
                self.submit(old.close)  # after the reads queued before it
            except RuntimeError:  # the pool is shut down (interpreter exit): no reads left
                old.close()
        if tiles is None:
            return None
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mbtiles")
        self._generation += 1
        return f"{BASE_URL}{MBTILES_PATH}/{self._generation}/{{z}}/{{x}}/{{y}}"

    def submit(self, fn: Callable[..., object], *args: object) -> None:
        """Run ``fn(*args)`` on the tile readers' threads (opening a file, for instance)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mbtiles")
        self._pool.submit(fn, *args)

    def shutdown(self) -> None:
        """Stop the tile readers and close the file (the panel calls this when it goes)."""
        self.set_mbtiles(None)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._jobs.clear()

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        """Reply with the bytes of the requested asset (Qt calls this on the GUI thread)."""
        url = job.requestUrl()
        path = url.path().lstrip("/")
        if url.host() != HOST or ".." in path.split("/"):
            job.fail(QWebEngineUrlRequestJob.Error.UrlInvalid)
            return
        if path.startswith(MBTILES_PATH + "/"):
            self._start_tile(job, path)
            return
        found = self._lookup(path)
        if found is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        _reply(job, *found)

    def _start_tile(self, job: QWebEngineUrlRequestJob, path: str) -> None:
        tiles, pool = self._tiles, self._pool
        try:
            gen, z, x, y = (int(v) for v in path.split("/")[1:])
        except ValueError:
            gen = z = x = y = -1
        if tiles is None or pool is None or gen != self._generation:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        number = next(self._numbers)
        self._jobs[number] = (job, tiles.info.mime)
        # Chromium may cancel the request (the tile scrolled away) and delete the job.
        job.destroyed.connect(lambda *_: self._jobs.pop(number, None))
        pool.submit(self._read_tile, number, tiles, z, x, y)

    def _read_tile(self, number: int, tiles: MBTilesFile, z: int, x: int, y: int) -> None:
        """Worker thread: read, then hand the bytes to the GUI thread."""
        try:
            data = tiles.tile(z, x, y)
        except Exception:  # a closed or broken file: the tile is missing
            data = None
        self._sig_tile_read.emit(number, data)

    def _on_tile_read(self, number: int, data: object) -> None:
        entry = self._jobs.pop(number, None)
        if entry is None:
            return
        job, mime = entry
        try:
            if isinstance(data, bytes):
                _reply(job, data, mime)
            else:
                job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
        except RuntimeError:  # the job was deleted between the check and the reply
            pass

    def _lookup(self, path: str) -> tuple[bytes, bytes] | None:
        if path in self._memory:
            return self._memory[path]
        if path == "qwebchannel.js":
            qrc = QFile(":/qtwebchannel/qwebchannel.js")
            if qrc.open(QIODevice.OpenModeFlag.ReadOnly):
                return bytes(qrc.readAll().data()), b"text/javascript"
            return None
        node = self._root.joinpath(*path.split("/"))
        if not path or not node.is_file():
            return None
        suffix = "." + path.rsplit(".", 1)[-1] if "." in path else ""
        mime = _MIME.get(suffix) or (mimetypes.guess_type(path)[0] or "application/octet-stream")
        return node.read_bytes(), mime if isinstance(mime, bytes) else mime.encode()


def _reply(job: QWebEngineUrlRequestJob, data: bytes, mime: bytes) -> None:
    buffer = QBuffer(job)  # owned by the job: freed when the request ends
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    job.reply(QByteArray(mime), buffer)
