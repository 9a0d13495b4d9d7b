"""The status-bar face of the backend link (state, head seq, event rate) and of the recorder.

A recorder that cannot write (disk full, file too large, the file removed) shows a red
"Recording failed: …" here until its writes succeed again; the recorder logs it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from html import escape

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from console.services.client import LinkState, LinkStatus
from widgets import labels
from widgets.naming import named
from widgets.theme import Theme


class LinkStatusWidget(QWidget):
    """Shows "● Live", "Reconnecting in 3 s", "Offline", "Unauthorized", plus seq and rate."""

    def __init__(
        self,
        theme: Theme,
        metrics: Callable[[], tuple[int | None, float]],
        clock: Callable[[], float] = time.time,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("linkStatus")
        self._theme = theme
        self._metrics = metrics
        self._clock = clock
        self._status = LinkStatus(LinkState.CONNECTING)
        self.state_label = named(QLabel(), "linkState")
        self.detail_label = named(QLabel(), "dim")
        self.seq_label = named(QLabel(), "linkSeq")
        self.rate_label = named(QLabel(), "linkRate")
        self.record_label = named(QLabel(), "bannerError")
        self.record_label.setVisible(False)
        self._recording_error: Callable[[], BaseException | None] | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        for w in (self.state_label, self.detail_label, self.seq_label, self.rate_label):
            lay.addWidget(w)
        lay.addWidget(self.record_label)
        self._timer = QTimer(self, interval=500)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def set_status(self, status: LinkStatus) -> None:
        """Show a new link status."""
        self._status = status
        self.refresh()

    def set_recording_source(self, error: Callable[[], BaseException | None]) -> None:
        """Watch a recorder: ``error()`` is its last write failure (None: recording fine).

        Polled with the rest of the status (2 Hz): reading an attribute is safe from the GUI
        thread while the recorder's writer thread sets it.
        """
        self._recording_error = error
        self.refresh()

    def recording_text(self) -> str:
        """What the recording label says ("" while recording works)."""
        exc = self._recording_error() if self._recording_error is not None else None
        if exc is None:
            return ""
        exc = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the sqlite3 error
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return self.tr("Recording failed: %1").replace("%1", reason[:160])

    def state_text(self) -> str:
        """What the state label says, e.g. "Reconnecting in 3 s"."""
        st = self._status
        text = labels.link_state(st.state.value)
        if st.state in (LinkState.RECONNECTING, LinkState.OFFLINE) and st.retry_at is not None:
            wait = max(0, round(st.retry_at - self._clock()))
            text = self.tr("%1 — retry in %2 s").replace("%1", text).replace("%2", str(wait))
        if st.state is LinkState.LIVE and st.operator:
            text = (
                self.tr("%1 as %2 (%3)")
                .replace("%1", text)
                .replace("%2", st.operator)
                .replace("%3", st.role or "")
            )
        return text

    def refresh(self) -> None:
        """Repaint from the current status and metrics."""
        color = self._theme.tokens[f"state_{self._status.state.value}"]
        self.state_label.setText(f"<span style='color:{color}'>●</span> {self.state_text()}")
        self.detail_label.setText(self._status.detail)
        self.detail_label.setVisible(bool(self._status.detail))
        head, rate = self._metrics()
        self.seq_label.setText(self.tr("seq %1").replace("%1", "—" if head is None else str(head)))
        self.rate_label.setText(self.tr("%1 ev/s").replace("%1", f"{rate:.0f}"))
        failed = self.recording_text()
        if failed != self.record_label.toolTip():
            red = self._theme.tokens["state_offline"]
            self.record_label.setText(f"<span style='color:{red}'>●</span> {escape(failed)}")
            self.record_label.setToolTip(failed)
        self.record_label.setVisible(bool(failed))
