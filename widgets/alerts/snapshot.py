"""The snapshot of the selected alert, beside its detail: fetched and scaled off the GUI thread.

A watch-list match (or an alarm with a picture) shows the camera's snapshot of the plate or
face, so the dispatcher can see at once whether it is the vehicle. The picture is fetched
(``console.snapshots``: from the backend's HTTP port with a stream token of the camera),
decoded and scaled on a worker thread, and comes back through a queued signal; the GUI thread
only sets the pixmap. Until it arrives, and when there is none or it fails, a clear
placeholder says so (and why).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QWidget

from console.domain.model import Alert

SIZE = QSize(240, 135)
MAX_BYTES = 4 << 20
TIMEOUT_S = 8.0
CACHE = 32
# A failed fetch is tried again after this long (doubling each time), this many times (a
# token not yet at hand just after connecting, a platform that was briefly away).
RETRY_MS = 2000
RETRIES = 5
_MATCH_KINDS = ("plate_match", "face_match")

# A fetched, scaled picture, or why there is none (for the placeholder).
Fetched = QImage | str


def fetch_image(url: str, size: QSize = SIZE) -> Fetched:
    """Fetch and scale a picture (blocking: on a worker thread); a reason when it fails."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers={"Accept": "image/*"})
    try:
        with opener.open(request, timeout=TIMEOUT_S) as answer:
            data = answer.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        detail = exc.read(200).decode("utf-8", "replace").strip().splitlines()
        return f"HTTP {exc.code}" + (f": {detail[0]}" if detail else "")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return str(reason) or type(exc).__name__
    if len(data) > MAX_BYTES:
        return f"over {MAX_BYTES >> 20} MiB"
    image = QImage.fromData(data)
    if image.isNull():
        return "not an image"
    return image.scaled(
        size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class AlertSnapshotView(QLabel):
    """The selected alert's snapshot, or a placeholder saying why there is none.

    Args:
        url_of: The URL to fetch an alert's snapshot from (None: it has none).
        fetch: Fetches and scales one URL (blocking; run on the worker thread).
    """

    sig_fetched = Signal(str, object)
    """A fetch ended (URL, the scaled ``QImage`` or the reason it failed): queued from the
    worker thread to the GUI thread."""

    def __init__(
        self,
        url_of: Callable[[Alert], str | None],
        parent: QWidget | None = None,
        fetch: Callable[[str], Fetched] = fetch_image,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("alertSnapshot")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # A fixed box: a word-wrapped label would otherwise be laid out at the height of its
        # (empty) text once it holds a picture.
        self.setFixedSize(SIZE.width() + 4, SIZE.height() + 4)
        self.setWordWrap(True)
        self._url_of = url_of
        self._fetch = fetch
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alert-snapshot")
        self._cache: OrderedDict[str, Fetched] = OrderedDict()
        self._asked: set[str] = set()
        self._failures: dict[str, int] = {}
        self._alert: Alert | None = None
        self.url: str | None = None
        self.sig_fetched.connect(self._on_self_fetched)
        pool = self._pool
        self.destroyed.connect(lambda *_: pool.shutdown(wait=False, cancel_futures=True))
        self.hide()

    def show_alert(self, alert: Alert | None) -> None:
        """Show ``alert``'s snapshot (fetched when not at hand), or hide for alerts that
        never have one."""
        self._alert = alert
        url = self._url_of(alert) if alert is not None else None
        if alert is None or (url is None and alert.kind not in _MATCH_KINDS):
            self.url = None
            self.hide()
            return
        self.show()
        self.url = url
        if url is None:
            self._placeholder(self.tr("No snapshot with this alert"))
            return
        key = _key(url)
        if key in self._cache:
            self._show(self._cache[key])
            return
        self._placeholder(self.tr("Loading snapshot…"))
        if key not in self._asked:
            self._asked.add(key)
            self._pool.submit(self._run, url)

    def _run(self, url: str) -> None:
        try:
            got: Fetched = self._fetch(url)
        except Exception as exc:  # a fetch must never take the worker down
            got = repr(exc)
        try:
            self.sig_fetched.emit(url, got)
        except RuntimeError:  # the view went away meanwhile
            pass

    def _on_self_fetched(self, url: str, got: Fetched) -> None:
        key = _key(url)
        self._asked.discard(key)
        if isinstance(got, QImage):  # failures are not kept: asked again
            self._cache[key] = got
            while len(self._cache) > CACHE:
                self._cache.popitem(last=False)
        elif (tried := self._failures.get(key, 0)) < RETRIES:
            self._failures[key] = tried + 1
            QTimer.singleShot(RETRY_MS << tried, self, lambda: self._retry(key))
        if self.url is not None and _key(self.url) == key:
            self._show(got)

    def _retry(self, key: str) -> None:
        if self.url is not None and _key(self.url) == key and self._alert is not None:
            self.show_alert(self._alert)  # the URL again, with a token that came meanwhile

    def _show(self, got: Fetched) -> None:
        if isinstance(got, QImage):
            self.setProperty("placeholder", False)
            self.setToolTip("")
            self.setPixmap(QPixmap.fromImage(got))
            return
        self._placeholder(self.tr("Snapshot unavailable: %1").replace("%1", got))

    def _placeholder(self, text: str) -> None:
        self.setProperty("placeholder", True)
        self.setPixmap(QPixmap())
        self.setText(text)
        self.setToolTip(text)

    def sizeHint(self) -> QSize:
        return QSize(SIZE.width() + 4, SIZE.height() + 4)


def _key(url: str) -> str:
    # The same picture under a renewed token is the same picture.
    base, _, query = url.partition("?")
    kept = [p for p in query.split("&") if p and not p.startswith("token=")]
    return base + ("?" + "&".join(kept) if kept else "")
