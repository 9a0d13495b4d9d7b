"""One wall tile: a camera's live picture with its overlay, reconnects and snapshots."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QEnterEvent,
    QFont,
    QFontMetrics,
    QHideEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from console.domain.model import Camera
from console.video import (
    Backoff,
    EvidenceRecord,
    TileState,
    choose_stream,
    evidence_basename,
    write_evidence_sidecar,
)
from widgets.media import TilePlayer, VlcEngine
from widgets.theme import Theme
from widgets.video_wall.ptz import PtzPad
from widgets.video_wall.status import offline_reason

CAMERA_MIME = "application/x-dispatch-camera-id"
"""Drag-and-drop payload: a camera id (UTF-8)."""

PAINT_HZ = 25
STALL_S = 4.0  # a live stream with no frame for this long counts as dropped
CONNECT_TIMEOUT_S = 8.0  # an open that shows no frame within this counts as failed
STREAM_OPTIONS = (":network-caching=300", ":clock-jitter=0", ":rtsp-tcp")
PTZ_NOTICE_S = 4.0  # how long "PTZ: operator" stays on a tile another operator moves


def camera_mime(camera_id: str) -> QMimeData:
    """Mime data that a tile accepts as a dropped camera."""
    data = QMimeData()
    data.setData(CAMERA_MIME, camera_id.encode("utf-8"))
    data.setText(camera_id)
    return data


class VideoTile(QWidget):
    """A tile of the wall: plays one camera through its own libVLC player.

    By default the player renders into memory (frame callbacks), so the tile works offscreen
    and under Wayland; with ``native`` (X11) libVLC draws into a native child window between
    the tile's top and bottom bars instead. A ``QTimer`` at 25 Hz repaints when a new frame
    arrived and turns libVLC's events into state changes; nothing from libVLC's threads
    touches the widget. A hidden tile (or a suspended one: minimised window) stops decoding.
    A dropped stream reconnects by itself with backoff (first retry after 0.25 s).
    """

    sig_camera_dropped = Signal(str)
    """A camera was dropped on this tile (camera id)."""
    sig_double_clicked = Signal()
    """The operator double-clicked the tile (enlarge / restore)."""
    sig_clicked = Signal()
    """The operator clicked the tile (select it)."""
    sig_state_changed = Signal(str)
    """The tile's state changed (a ``TileState`` value)."""
    sig_ptz_requested = Signal(str, str, int)
    """The operator used the PTZ pad (camera id, action, preset number or 0)."""

    def __init__(
        self,
        theme: Theme,
        engine: VlcEngine,
        parent: QWidget | None = None,
        native: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("videoTile")
        self.setAcceptDrops(True)
        self.setMouseTracking(True)
        self.setMinimumSize(80, 45)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._theme = theme
        self._player: TilePlayer = engine.new_player(native)
        self.native = native
        """libVLC draws into ``surface`` (an X11 window) rather than into memory."""
        self._suspended = False
        self._held = False
        self._ticks = 0
        self.surface: QWidget | None = None
        if native:
            surface = QWidget(self)
            surface.setObjectName("videoSurface")
            surface.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
            surface.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
            surface.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            surface.setAutoFillBackground(True)
            pal = surface.palette()
            pal.setColor(surface.backgroundRole(), theme.color("window"))
            surface.setPalette(pal)
            self.surface = surface
        self.camera: Camera | None = None
        self.state = TileState.IDLE
        self.sign_url: Callable[[str], str] = str
        """The URL to play for a stream's URL (the media gateway's token added)."""
        self.stream_override: str | None = None
        """Force ``main`` or ``sub`` (None: choose by the tile's pixel size)."""
        self._selected = False
        self._stream = ""
        self._gen = -1
        self._opened_at = 0.0
        self._open_frames = 0
        self._retry_at = 0.0
        # Short first retries: a camera or stream server that blips (or restarts) is back
        # within a second; retries stay at 0.5 s for about 5 s, then the delay grows.
        self._backoff = Backoff(first=0.25, factor=1.5, maximum=15.0, plateau=(0.5, 10))
        self._painted_frames = -1
        self._fps = 0.0
        self._fps_mark = (time.monotonic(), 0)
        self._kbps = 0.0
        self._hover = False
        self._drag_over = False
        self._last_second = -1
        self.first_frame_s: float | None = None
        """Seconds from the last open to its first frame (for the bench)."""
        self._ptz_notice = ""
        self._ptz_notice_until = 0.0
        self.ptz_pad = PtzPad(theme, self)
        if native:  # a plain child would be drawn under the video window
            self.ptz_pad.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        self.ptz_pad.hide()
        self.ptz_pad.sig_ptz_requested.connect(self._on_ptz_pad_requested)
        self._ptz_notice_timer = QTimer(self, singleShot=True)
        self._ptz_notice_timer.timeout.connect(self.update)

        self._timer = QTimer(self)
        self._timer.setInterval(1000 // PAINT_HZ)
        self._timer.timeout.connect(self._on_timer_tick)
        self._retry_timer = QTimer(self, singleShot=True)
        self._retry_timer.timeout.connect(self._on_retry_timer)
        self._resize_timer = QTimer(self, singleShot=True, interval=400)
        self._resize_timer.timeout.connect(self._on_resize_settled)

    # ---- public API

    @property
    def frames(self) -> int:
        """Frames decoded and delivered to this tile so far."""
        return self._player.frames

    @property
    def fps(self) -> float:
        """Frames per second delivered over the last second or so."""
        return self._fps

    @property
    def stream(self) -> str:
        """The stream playing (``main``/``sub``), or "" when none."""
        return self._stream

    @property
    def selected(self) -> bool:
        """Whether this is the wall's selected tile (snapshots, PTZ pad)."""
        return self._selected

    @selected.setter
    def selected(self, on: bool) -> None:
        self._selected = on
        self._update_ptz_pad()
        self.update()

    def show_ptz_notice(self, operator: str) -> None:
        """Show "PTZ: operator" for a few seconds (someone else is moving this camera)."""
        self._ptz_notice = self.tr("PTZ: %1").replace("%1", operator or "?")
        self._ptz_notice_until = time.monotonic() + PTZ_NOTICE_S
        self._ptz_notice_timer.start(int(PTZ_NOTICE_S * 1000) + 50)
        self.update()

    def ptz_notice(self) -> str:
        """The PTZ notice the tile shows now ("" when none)."""
        return self._ptz_notice if time.monotonic() < self._ptz_notice_until else ""

    def set_camera(self, camera: Camera | None) -> None:
        """Show ``camera`` (None clears the tile); starts playing if the tile is visible."""
        same = (
            camera is not None
            and self.camera is not None
            and camera.id == self.camera.id
            and camera.streams == self.camera.streams
            and camera.online == self.camera.online
            and camera.status_reason == self.camera.status_reason
        )
        self.camera = camera
        self._update_ptz_pad()
        if same and self.state is not TileState.IDLE:
            self.update()
            return
        self._backoff.reset()
        self._player.clear_frame()
        self._restart()

    def stop(self) -> None:
        """Stop decoding (keeps the camera; ``set_camera`` or showing the tile starts again)."""
        self._retry_timer.stop()
        self._timer.stop()
        self._player.close()
        self._gen = -1
        self._stream = ""
        self._set_state(TileState.IDLE)

    def release(self) -> None:
        """Stop for good and free the player (on a worker thread)."""
        self._retry_timer.stop()
        self._timer.stop()
        self._player.release()

    def grab_frame(self) -> QImage | None:
        """A copy of the newest decoded frame, or None before the first one."""
        if self.surface is not None:
            # Native output: the picture is only on screen; read the window's pixels back.
            if self._gen < 0 or self._player.frames == 0 or self.screen() is None:
                return None
            pixmap = self.screen().grabWindow(int(self.surface.winId()))
            return None if pixmap.isNull() else pixmap.toImage()
        image = self._player.frame()
        if image is None:
            return None
        try:
            return image.copy()
        finally:
            self._player.done_painting()

    def snapshot(self, folder: Path, operator: str) -> EvidenceRecord | None:
        """Save the current frame as PNG with a JSON sidecar (camera, time, operator, SHA-256)."""
        image = self.grab_frame()
        if image is None or self.camera is None:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        taken = time.time()
        path = folder / f"{evidence_basename(self.camera.id, taken)}.png"
        if not image.save(str(path)):  # PNG, from the suffix
            return None
        return write_evidence_sidecar(path, self.camera.id, self.camera.name, operator, taken)

    def suspend(self) -> None:
        """Stop decoding while the window is minimised (``resume`` starts again)."""
        self._suspended = True
        if self.camera is not None and self.state is not TileState.OFFLINE:
            self.stop()

    def resume(self) -> None:
        """The window is back: decode again if the tile is visible."""
        self._suspended = False
        if self.camera is not None and self._gen < 0 and self.state is TileState.IDLE:
            self._restart()

    def hold(self, on: bool) -> None:
        """While held (the wall is laying tiles out) nothing opens; releasing opens if due."""
        self._held = on
        if not on and self.camera is not None and self._gen < 0 and self.state is TileState.IDLE:
            self._restart()

    @property
    def suspended(self) -> bool:
        """True while the window is minimised."""
        return self._suspended

    def playback(self) -> tuple[str, int]:
        """libVLC's state name and media time in ms (for tests and diagnostics)."""
        return self._player.playback()

    def state_text(self) -> str:
        """The state as the overlay shows it."""
        reason = offline_reason(self.camera) if self.camera is not None else ""
        if reason and self.state is not TileState.LIVE:
            return self.tr("Offline: %1").replace("%1", reason)
        if self.state is TileState.LIVE:
            return self.tr("Live")
        if self.state is TileState.CONNECTING:
            return self.tr("Connecting…")
        if self.state is TileState.RECONNECTING:
            left = self._retry_at - time.monotonic()
            if self._retry_timer.isActive() and left > 0:
                return self.tr("Reconnecting in %1 s").replace("%1", str(max(1, round(left))))
            return self.tr("Reconnecting…")
        if self.state is TileState.OFFLINE:
            return self.tr("Offline")
        return ""

    # ---- PTZ

    def _update_ptz_pad(self) -> None:
        pad = self.ptz_pad
        want = self.camera is not None and self.camera.ptz and (self._hover or self._selected)
        if pad.isVisible() == want or (not want and pad.busy()):
            return
        if want:
            self._place_ptz_pad()
            pad.show()
            pad.raise_()
        else:
            pad.hide()

    def _place_ptz_pad(self) -> None:
        pad = self.ptz_pad
        size = pad.sizeHint()
        pad.resize(size)
        pad.move(self.width() - size.width() - 6, max(0, (self.height() - size.height()) // 2))

    def _on_ptz_pad_requested(self, action: str, preset: int) -> None:
        if self.camera is not None and self.camera.ptz:
            self.sig_ptz_requested.emit(self.camera.id, action, preset)

    # ---- playback control

    def _restart(self) -> None:
        self._retry_timer.stop()
        cam = self.camera
        if cam is None:
            self.stop()
            self.update()
            return
        # Offline with a reason is the gateway's last look: keep trying (with the backoff),
        # a camera that comes back goes online as soon as a tile watches it again.
        if (not cam.online and not cam.status_reason) or not cam.streams:
            self._player.close()
            self._gen = -1
            self._set_state(TileState.OFFLINE)
            self._timer.start()
            return
        if not self.isVisible() or self._suspended or self._held:
            self._player.close()
            self._gen = -1
            self._set_state(TileState.IDLE)
            return
        self._open(TileState.CONNECTING)

    def _wanted_stream(self) -> str:
        assert self.camera is not None
        names = [name for name, _ in self.camera.streams]
        if self.stream_override in names:
            return self.stream_override or names[0]
        ratio = self.devicePixelRatioF()
        return choose_stream(int(self.width() * ratio), int(self.height() * ratio), names)

    def _frame_size(self, stream: str) -> tuple[int, int]:
        # Decode-side scaling to about the tile's size (16:9), capped: cheap copies and paints.
        ratio = self.devicePixelRatioF()
        w = min(1280 if stream == "main" else 640, max(160, int(self.width() * ratio)))
        return w, w * 9 // 16

    def _open(self, state: TileState) -> None:
        assert self.camera is not None
        self._stream = self._wanted_stream()
        url = self.sign_url(dict(self.camera.streams)[self._stream])
        w, h = self._frame_size(self._stream)
        window = int(self.surface.winId()) if self.surface is not None else 0
        self._gen = self._player.open(url, STREAM_OPTIONS, w, h, window)
        self._opened_at = time.monotonic()
        self._open_frames = self._player.frames
        self.first_frame_s = None
        self._set_state(state)
        self._timer.start()

    def _drop(self) -> None:
        """The stream failed or stalled: close it and retry after the next backoff delay."""
        self._player.close()
        self._gen = -1
        delay = self._backoff.next_delay()
        if delay is None:
            self._set_state(TileState.OFFLINE)
            return
        self._retry_at = time.monotonic() + delay
        self._retry_timer.start(int(delay * 1000))
        self._set_state(TileState.RECONNECTING)

    def _set_state(self, state: TileState) -> None:
        if self.surface is not None and self.surface.isVisibleTo(self) != (self._gen >= 0):
            # The video window only while a stream is open: otherwise the tile's own
            # painting ("Drag a camera here", offline) must show.
            self.surface.setVisible(self._gen >= 0)
        if state is not self.state:
            self.state = state
            self.sig_state_changed.emit(state.value)
            self.update()

    # ---- timers

    def _on_retry_timer(self) -> None:
        if self.camera is not None and self.isVisible() and not self._suspended:
            self._open(TileState.RECONNECTING)

    def _on_timer_tick(self) -> None:
        now = time.monotonic()
        for gen, name in self._player.poll_events():
            if gen == self._gen and name in ("ended", "error"):
                self._drop()
                break
        self._ticks += 1
        if self.native and self._gen >= 0 and self._ticks % 4 == 0:
            self._player.poll_native()  # ~6 Hz: libVLC's displayed-picture count
        frames = self._player.frames
        if self._gen >= 0:
            fresh = frames > self._open_frames
            if fresh and self.state is not TileState.LIVE:
                self.first_frame_s = now - self._opened_at
                self._backoff.reset()
                self._set_state(TileState.LIVE)
            else:
                stalled = (
                    self.state is TileState.LIVE and now - self._player.last_frame_at > STALL_S
                )
                if stalled or (not fresh and now - self._opened_at > CONNECT_TIMEOUT_S):
                    self._drop()
        t0, f0 = self._fps_mark
        if now - t0 >= 1.0:
            self._fps = (frames - f0) / (now - t0)
            self._fps_mark = (now, frames)
            if self._hover and self._gen >= 0:
                self._kbps = self._player.stats()[0]
        second = int(time.time())
        if frames != self._painted_frames or second != self._last_second:
            self._last_second = second
            self.update()

    def _on_resize_settled(self) -> None:
        if self._gen < 0 or self.camera is None:
            return
        if self.state is not TileState.LIVE:
            self._resize_timer.start()  # judge the size once the stream is up
            return
        stream = self._wanted_stream()
        w, _ = self._frame_size(stream)
        current = self._player.frame_size()[0] or 1
        if stream != self._stream or not 0.6 < w / current < 1.6:
            self._open(TileState.CONNECTING)

    # ---- Qt events

    def showEvent(self, event: QShowEvent) -> None:
        """A tile shown again starts decoding."""
        super().showEvent(event)
        if self.camera is not None and self._gen < 0 and self.state is TileState.IDLE:
            self._restart()

    def hideEvent(self, event: QHideEvent) -> None:
        """A hidden tile stops decoding."""
        super().hideEvent(event)
        if not event.spontaneous() and self.camera is not None:
            self.stop()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Re-choose main/sub and the decode size once resizing settles."""
        super().resizeEvent(event)
        self._resize_timer.start()
        if self.ptz_pad.isVisible():
            self._place_ptz_pad()
        if self.surface is not None:
            bar_h = self._bar_height()
            # 2 px in from the sides: the selection border stays visible.
            self.surface.setGeometry(
                2, bar_h, max(1, self.width() - 4), max(1, self.height() - 2 * bar_h - 12)
            )

    def enterEvent(self, event: QEnterEvent) -> None:
        """Hover shows fps and bitrate."""
        self._hover = True
        self._update_ptz_pad()
        self.update()
        super().enterEvent(event)

    def leaveEvent(self, event: object) -> None:
        """Hide fps and bitrate."""
        self._hover = False
        self._update_ptz_pad()
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Select the tile."""
        if event.button() == Qt.MouseButton.LeftButton:
            self.sig_clicked.emit()
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Enlarge or restore."""
        self.sig_double_clicked.emit()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept cameras dragged from the tree."""
        if event.mimeData().hasFormat(CAMERA_MIME):
            self._drag_over = True
            self.update()
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: object) -> None:
        """Drop the highlight."""
        self._drag_over = False
        self.update()

    def dropEvent(self, event: QDropEvent) -> None:
        """A camera was dropped here."""
        self._drag_over = False
        data = event.mimeData().data(CAMERA_MIME)
        camera_id = bytes(data.data()).decode("utf-8")
        if camera_id:
            event.acceptProposedAction()
            self.sig_camera_dropped.emit(camera_id)
        self.update()

    # ---- painting

    def paintEvent(self, event: QPaintEvent) -> None:
        """The newest frame, letterboxed, under the overlay."""
        p = QPainter(self)
        rect = self.rect()
        p.fillRect(rect, self._theme.color("window"))
        image = self._player.frame() if self.camera is not None else None
        if image is not None:
            w, h = image.width(), image.height()
            try:
                p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, rect.width() < w)
                p.drawImage(self._fit(w, h), image)
            finally:
                self._player.done_painting()
            self._painted_frames = self._player.frames
        self._paint_overlay(p)
        p.end()

    def _fit(self, w: int, h: int) -> QRectF:
        rect = self.rect()
        scale = min(rect.width() / w, rect.height() / h)
        dw, dh = w * scale, h * scale
        return QRectF((rect.width() - dw) / 2, (rect.height() - dh) / 2, dw, dh)

    def _overlay_font(self) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(max(10, min(14, self.height() // 14)))
        return font

    def _bar_height(self) -> int:
        return QFontMetrics(self._overlay_font()).height() + 6

    def _paint_overlay(self, p: QPainter) -> None:
        t = self._theme
        rect = self.rect()
        p.setFont(self._overlay_font())
        fm = p.fontMetrics()
        bar_h = fm.height() + 6
        shade = t.color("window")
        shade.setAlpha(170)
        text = t.color("text")
        if self.camera is not None:
            p.fillRect(QRect(0, 0, rect.width(), bar_h), shade)
            p.setPen(text)
            clock = datetime.now().strftime("%H:%M:%S")
            clock_w = fm.horizontalAdvance(clock) + 12
            name = fm.elidedText(
                f"{self.camera.id}  {self.camera.name}",
                Qt.TextElideMode.ElideRight,
                max(10, rect.width() - clock_w - 12),
            )
            p.drawText(QPoint(6, 3 + fm.ascent()), name)
            p.drawText(QPoint(rect.width() - clock_w + 6, 3 + fm.ascent()), clock)
        notice = self.ptz_notice()
        if notice and self.camera is not None:
            nw = fm.horizontalAdvance(notice) + 12
            if self.surface is None:
                box = QRect(6, bar_h + 4, nw, bar_h)
            else:  # the video window covers the middle: use the bottom bar
                box = QRect((rect.width() - nw) // 2, rect.height() - bar_h - 6, nw, bar_h)
            p.fillRect(box, t.color("accent"))
            p.setPen(t.color("text"))
            p.drawText(QPoint(box.left() + 6, box.top() + 3 + fm.ascent()), notice)
        label = self.state_text()
        if label:
            token = {
                TileState.LIVE: "state_live",
                TileState.CONNECTING: "state_connecting",
                TileState.RECONNECTING: "state_reconnecting",
                TileState.OFFLINE: "state_offline",
            }.get(self.state, "text_dim")
            if self.camera is not None and offline_reason(self.camera):
                token = "state_offline"
            colour = t.color(token)
            lw = fm.horizontalAdvance(label) + 22
            pill = QRect(6, rect.height() - bar_h - 6, lw, bar_h)
            p.fillRect(pill, shade)
            p.setBrush(colour)
            p.setPen(Qt.PenStyle.NoPen)
            dot = bar_h // 3
            p.drawEllipse(pill.left() + 6, pill.center().y() - dot // 2, dot, dot)
            p.setPen(colour if self.state is not TileState.LIVE else text)
            p.drawText(QPoint(pill.left() + 10 + dot, pill.top() + 3 + fm.ascent()), label)
        if self._hover and self._gen >= 0:
            info = self.tr("%1 fps · %2 kbit/s · %3").replace("%1", f"{self._fps:.0f}")
            info = info.replace("%2", f"{self._kbps:.0f}").replace("%3", self._stream)
            iw = fm.horizontalAdvance(info) + 12
            box = QRect(rect.width() - iw - 6, rect.height() - bar_h - 6, iw, bar_h)
            p.fillRect(box, shade)
            p.setPen(text)
            p.drawText(QPoint(box.left() + 6, box.top() + 3 + fm.ascent()), info)
        border = None
        if self._drag_over or self.selected:
            border = t.color("accent")
        elif self.camera is None:
            border = t.color("border")
        if border is not None:
            pen = QPen(QColor(border))
            pen.setWidth(2 if (self._drag_over or self.selected) else 1)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(rect.adjusted(1, 1, -1, -1))
        if self.camera is None:
            p.setPen(t.color("text_dim"))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.tr("Drag a camera here"))
