"""The status-bar face of the backend link: state, head seq, event rate."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from console.services.client import LinkState, LinkStatus
from widgets import labels
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
        self.state_label = QLabel(objectName="linkState")
        self.detail_label = QLabel(objectName="dim")
        self.seq_label = QLabel(objectName="linkSeq")
        self.rate_label = QLabel(objectName="linkRate")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        for w in (self.state_label, self.detail_label, self.seq_label, self.rate_label):
            lay.addWidget(w)
        self._timer = QTimer(self, interval=500)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def set_status(self, status: LinkStatus) -> None:
        """Show a new link status."""
        self._status = status
        self.refresh()

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
