"""The radio log's player bar: play/pause, stop, seek, speed, replay last N, and call actions.

The bar shows what the :class:`RadioPlayer` does (state, position, the call playing) and turns
its buttons into requests; what to play comes from the panel, which knows the selection and
the filtered results.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from console.domain.model import RadioCall
from widgets.naming import named
from widgets.radio.model import RadioCallTableModel
from widgets.radio.player import RATES, RadioPlayer


class RadioPlayerBar(QWidget):
    """Playback controls over one :class:`RadioPlayer`, plus export and link-to-incident."""

    sig_play_clicked = Signal()
    """Play was pressed while nothing was playing or paused (play the selection)."""
    sig_replay_requested = Signal(int)
    """Replay the newest N calls shown."""
    sig_play_results_requested = Signal()
    """Play every call the filters show."""
    sig_export_requested = Signal()
    """Export was pressed."""
    sig_link_requested = Signal()
    """Link the selected calls to the selected incident."""
    sig_error = Signal(str)
    """Something the operator should read went wrong (the text to show)."""

    def __init__(
        self, player: RadioPlayer, model: RadioCallTableModel, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("radioPlayerBar")
        self.player = player
        self._model = model
        self.has_selection = False
        self.play_button = named(QPushButton(self.tr("Play")), "radioPlay")
        self.play_button.clicked.connect(self._on_play_clicked)
        self.stop_button = named(QPushButton(self.tr("Stop")), "radioStop")
        self.stop_button.clicked.connect(player.stop)
        self.seek_slider = named(QSlider(Qt.Orientation.Horizontal), "radioSeek")
        self.seek_slider.setRange(0, 1000)
        self.seek_slider.sliderReleased.connect(
            lambda: self.player.seek(self.seek_slider.value() / 1000)
        )
        self.time_label = named(QLabel("0:00 / 0:00"), "dim")
        self.now_playing = named(QLabel(), "dim")
        self.speed = named(QComboBox(), "radioSpeed")
        for rate in RATES:
            self.speed.addItem(f"{rate:g}×", rate)
        self.speed.setCurrentIndex(RATES.index(1.0))
        self.speed.setToolTip(self.tr("Playback speed"))
        self.speed.currentIndexChanged.connect(
            lambda: self.player.set_rate(float(self.speed.currentData()))
        )
        self.replay_n = named(QSpinBox(), "radioReplayN")
        self.replay_n.setRange(1, 50)
        self.replay_n.setValue(5)
        self.replay_button = named(QPushButton(self.tr("Replay last")), "radioReplay")
        self.replay_button.clicked.connect(
            lambda: self.sig_replay_requested.emit(self.replay_n.value())
        )
        self.play_results_button = named(QPushButton(self.tr("Play results")), "radioPlayAll")
        self.play_results_button.clicked.connect(self.sig_play_results_requested)
        self.export_button = named(QPushButton(self.tr("Export…")), "radioExport")
        self.export_button.clicked.connect(self.sig_export_requested)
        self.link_button = named(QPushButton(self.tr("Link to incident")), "radioLink")
        self.link_button.clicked.connect(self.sig_link_requested)
        player.sig_state_changed.connect(self._on_player_state_changed)
        player.sig_position_changed.connect(self._on_player_position_changed)
        player.sig_call_started.connect(self._on_player_call_started)

        bar = QHBoxLayout()
        for w in (self.play_button, self.stop_button):
            bar.addWidget(w)
        bar.addWidget(self.seek_slider, 1)
        bar.addWidget(self.time_label)
        bar.addWidget(self.speed)
        bar.addWidget(self.replay_button)
        bar.addWidget(self.replay_n)
        bar.addWidget(self.play_results_button)
        bar.addWidget(self.export_button)
        bar.addWidget(self.link_button)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(bar)
        outer.addWidget(self.now_playing)

    def set_has_selection(self, selected: bool) -> None:
        """Calls are selected in the feed (Play plays them; Link is possible)."""
        self.has_selection = selected
        self.link_button.setEnabled(selected)

    def _on_play_clicked(self) -> None:
        if self.player.state in ("playing", "paused") or (
            self.player.current is not None and not self.has_selection
        ):
            self.player.toggle_pause()
        else:
            self.sig_play_clicked.emit()

    def _on_player_state_changed(self, state: str) -> None:
        self.play_button.setText(self.tr("Pause") if state == "playing" else self.tr("Play"))
        if state == "error":
            self.sig_error.emit(self.tr("The recording cannot be played."))

    def _on_player_position_changed(self, ms: int, length: int) -> None:
        if length > 0 and not self.seek_slider.isSliderDown():
            self.seek_slider.setValue(int(1000 * ms / length))
        self.time_label.setText(f"{_mmss(ms)} / {_mmss(length)}")

    def _on_player_call_started(self, call: RadioCall) -> None:
        who = self._model.display(call, "source")
        tg = self._model.display(call, "talkgroup")
        stamp = datetime.fromtimestamp(call.start_ts).strftime("%H:%M:%S")
        left = len(self.player.queue)
        self.now_playing.setText(
            self.tr("Playing %1 · %2 · %3 · %4 (%5 queued)")
            .replace("%1", call.id)
            .replace("%2", stamp)
            .replace("%3", tg)
            .replace("%4", who)
            .replace("%5", str(left))
        )


def _mmss(ms: int) -> str:
    s = max(0, ms) // 1000
    return f"{s // 60}:{s % 60:02d}"
