"""The ``console-map://`` URL scheme: the map page and its assets, served from memory and files.

The page is never given to ``QWebEngineView.setHtml`` (which silently fails above 2 MB) and
never fetched over the network: every URL it loads is ``console-map://app/<path>``, answered
by :class:`MapSchemeHandler` from ``resources/map/`` (Leaflet, the page script and styles),
from memory (the page itself) or from Qt's own resources (``qwebchannel.js``).

:func:`register_map_scheme` must run before the ``QApplication`` exists (Chromium fixes its
scheme table at start-up); ``main.py`` and ``tests/conftest.py`` call it.
"""

from __future__ import annotations

import mimetypes
from importlib import resources
from importlib.resources.abc import Traversable

from PySide6.QtCore import QBuffer, QByteArray, QFile, QIODevice, QObject
from PySide6.QtWebEngineCore import (
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)

SCHEME = b"console-map"
HOST = "app"
BASE_URL = f"{SCHEME.decode()}://{HOST}/"
PAGE_PATH = "index.html"

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

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root: Traversable = resources.files("resources") / "map"
        self._memory: dict[str, tuple[bytes, bytes]] = {}

    def set_page(self, path: str, html: str) -> None:
        """Serve ``html`` at ``console-map://app/<path>`` (kept in memory)."""
        self._memory[path] = (html.encode("utf-8"), b"text/html")

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        """Reply with the bytes of the requested asset (Qt calls this on the GUI thread)."""
        url = job.requestUrl()
        path = url.path().lstrip("/")
        if url.host() != HOST or ".." in path.split("/"):
            job.fail(QWebEngineUrlRequestJob.Error.UrlInvalid)
            return
        found = self._lookup(path)
        if found is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        data, mime = found
        buffer = QBuffer(job)  # owned by the job: freed when the request ends
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(QByteArray(mime), buffer)

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
