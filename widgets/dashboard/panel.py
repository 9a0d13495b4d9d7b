"""Overview dashboard: today's alerts by hour, kinds, grids, processing times, units, radio.

Figures come from :func:`console.kpi.compute` on a 1 Hz timer (render at a fixed rate, never
per event), so the dashboard costs the same whether 1 or 1,000 events arrive a second, and it
works the same in replay, where the Store is driven by the replay clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from console import kpi
from console.protocol.schema import ALERT_KINDS, UNIT_STATUSES
from widgets import labels
from widgets.bridge import StoreBridge
from widgets.dashboard.hourly import today_vs_average
from widgets.naming import named
from widgets.theme import Theme


class DashboardPanel(QWidget):
    """The whole district at a glance, refreshed once a second."""

    def __init__(
        self,
        bridge: StoreBridge,
        theme: Theme,
        parent: QWidget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardPanel")
        self._bridge = bridge
        self._theme = theme
        self._clock = clock
        self.figures: kpi.Kpis | None = None
        #: Alerts per local hour today and the 7-day average per hour (last refresh).
        self.hourly: tuple[list[int], list[float]] = ([0] * 24, [0.0] * 24)
        self.shift: kpi.ShiftKpis | None = None
        pg.setConfigOptions(
            antialias=True, background=theme.tokens["panel"], foreground=theme.tokens["text_dim"]
        )
        self.open_label = self._big("dashOpen")
        self.cameras_label = self._big("dashCameras")
        self.radio_label = self._big("dashRadio")
        self.hour_plot = self._plot(self.tr("Alerts per hour: today and 7-day average"))
        self.hour_plot.addLegend(offset=(6, 6))
        self.kind_plot = self._plot(self.tr("Alerts by kind"))
        self.stage_plot = self._plot(self.tr("Median time to … (s) vs target"))
        self.unit_plot = self._plot(self.tr("Units by status"))
        self.heat_plot = self._plot(self.tr("Alerts by grid"))
        self.heat_plot.setAspectLocked(True)
        self.heat_plot.getAxis("bottom").setStyle(showValues=False)
        self.heat_plot.getAxis("left").setStyle(showValues=False)
        self.top_grids = named(QLabel(), "dashTopGrids")
        self.top_grids.setWordWrap(True)
        self.shift_label = named(QLabel(), "dashShift")
        self.shift_label.setWordWrap(True)

        numbers = QGridLayout()
        for col, (title, label) in enumerate(
            [
                (self.tr("Open alerts"), self.open_label),
                (self.tr("Cameras online"), self.cameras_label),
                (self.tr("Radio calls / min"), self.radio_label),
            ]
        ):
            caption = named(QLabel(title), "dim")
            numbers.addWidget(caption, 0, col)
            numbers.addWidget(label, 1, col)
        grid = QGridLayout()
        grid.addWidget(self.hour_plot, 0, 0)
        grid.addWidget(self.kind_plot, 0, 1)
        grid.addWidget(self.stage_plot, 1, 0)
        grid.addWidget(self.unit_plot, 1, 1)
        grid.addWidget(self.heat_plot, 2, 0)
        grid.addWidget(self.top_grids, 2, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(numbers)
        lay.addWidget(self.shift_label)
        lay.addLayout(grid, 1)
        self._timer = QTimer(self, interval=1000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        bridge.sig_snapshot_loaded.connect(self.refresh)

    def _big(self, name: str) -> QLabel:
        label = named(QLabel("—"), name)
        label.setStyleSheet("font-size: 22pt; font-weight: 600;")
        return label

    def _plot(self, title: str) -> pg.PlotWidget:
        plot = pg.PlotWidget()
        # pyqtgraph draws its own text: scale it with the theme (the wall theme reads from 5 m).
        scale = self._theme.font_scale
        plot.setTitle(title, size=f"{9 * scale:.0f}pt")
        tick_font = QFont(self.font())
        tick_font.setPointSizeF(8 * scale)
        metrics = QFontMetrics(tick_font)
        for side in ("left", "bottom"):
            plot.getAxis(side).setStyle(tickFont=tick_font, hideOverlappingLabels=False)
        plot.getAxis("bottom").setHeight(metrics.height() + 10)
        plot.getAxis("left").setWidth(metrics.horizontalAdvance("00000") + 10)
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.setMinimumHeight(150)
        return plot

    def refresh(self, *_args: object) -> None:
        """Recompute the figures and redraw."""
        if not self.isVisible() and self.figures is not None:
            return  # a hidden dashboard costs nothing
        f = kpi.compute(self._bridge.store, self._clock())
        self.figures = f
        tok = self._theme.tokens
        self.open_label.setText(str(f.open_alerts))
        self.cameras_label.setText(f"{f.cameras_online} / {f.cameras_total}")
        self.radio_label.setText(f"{f.radio_calls_per_min:.1f}")
        now = self._clock()
        today, average = today_vs_average(self._bridge.store.alert_hourly, now)
        if not any(today):  # no hourly counts (an old recording): what the Store holds
            today = list(f.alerts_per_hour)
        self.hourly = (today, average)
        self.hour_plot.clear()
        self.hour_plot.addItem(
            pg.BarGraphItem(
                x=list(range(24)),
                height=today,
                width=0.7,
                brush=tok["accent"],
                name=self.tr("Today"),
            )
        )
        self.hour_plot.plot(
            list(range(24)),
            average,
            pen=pg.mkPen(tok["priority_3"], width=2),
            symbol="o",
            symbolSize=4,
            symbolBrush=tok["priority_3"],
            name=self.tr("7-day average"),
        )
        self.shift = kpi.shift_kpis(self._bridge.store.alerts.values(), now)
        self.shift_label.setText(self._shift_html(self.shift))
        kinds = [k for k in ALERT_KINDS if f.by_kind.get(k)]
        self._bars(
            self.kind_plot,
            list(range(len(kinds))),
            [f.by_kind[k] for k in kinds],
            tok["priority_2"],
            [labels.alert_kind(k) for k in kinds],
        )
        stages = list(kpi.STAGES)
        medians = [f.stage_median_s[s] or 0.0 for s in stages]
        self._bars(
            self.stage_plot,
            list(range(len(stages))),
            medians,
            tok["status_dispatched"],
            [
                labels.timer_name(s) if s != "close" else labels.alert_status("closed")
                for s in stages
            ],
        )
        for i, stage in enumerate(stages):
            target = kpi.TARGETS_S[stage]
            self.stage_plot.plot(
                [i - 0.4, i + 0.4], [target, target], pen=pg.mkPen(tok["timer_red"], width=2)
            )
        counts = [f.units_by_status.get(s, 0) for s in UNIT_STATUSES]
        brushes = [self._theme.unit_color(s) for s in UNIT_STATUSES]
        self.unit_plot.clear()
        self.unit_plot.addItem(
            pg.BarGraphItem(x=list(range(6)), height=counts, width=0.7, brushes=brushes)
        )
        self._ticks(self.unit_plot, [labels.unit_status(s) for s in UNIT_STATUSES])
        self._heat(f)
        top = ", ".join(f"{g} ({n})" for g, n in f.by_grid[:8])
        heading = self.tr("Busiest grids")
        self.top_grids.setText(f"<b>{heading}</b><br>{top or '—'}")

    def _shift_html(self, s: kpi.ShiftKpis) -> str:
        """The shift's counts and how fast it dispatched and arrived, on two lines."""
        start = time.strftime("%H:%M", time.localtime(s.start_ts))
        end = time.strftime("%H:%M", time.localtime(s.end_ts))
        title = (
            (self.tr("Night shift %1–%2") if s.night else self.tr("Day shift %1–%2"))
            .replace("%1", start)
            .replace("%2", end)
        )
        counts = (
            self.tr("%1 created · %2 closed · %3 open · %4 cancelled · %5 merged")
            .replace("%1", str(s.created))
            .replace("%2", str(s.closed))
            .replace("%3", str(s.open))
            .replace("%4", str(s.cancelled))
            .replace("%5", str(s.merged))
        )
        parts = []
        for stage, name in (
            ("dispatch", self.tr("dispatched")),
            ("arrive", self.tr("arrived")),
        ):
            fig = s.stages[stage]
            if fig.within_target is None or fig.median_s is None or fig.p90_s is None:
                continue
            parts.append(
                self.tr("%1 within target %2 % (median %3, P90 %4)")
                .replace("%1", name)
                .replace("%2", f"{fig.within_target * 100:.0f}")
                .replace("%3", labels.age(fig.median_s))
                .replace("%4", labels.age(fig.p90_s))
            )
        return f"<b>{title}</b> &nbsp; {counts}<br>{' · '.join(parts) or '—'}"

    def _bars(
        self,
        plot: pg.PlotWidget,
        xs: list[int],
        heights: list[float] | list[int],
        colour: str,
        names: list[str] | None = None,
    ) -> None:
        plot.clear()
        plot.addItem(pg.BarGraphItem(x=xs, height=heights, width=0.7, brush=colour))
        if names is not None:
            self._ticks(plot, names)

    @staticmethod
    def _ticks(plot: pg.PlotWidget, names: list[str]) -> None:
        plot.getAxis("bottom").setTicks([list(enumerate(names))])

    def _heat(self, f: kpi.Kpis) -> None:
        """Grid centroids coloured by their alert count: a heat map of the district."""
        self.heat_plot.clear()
        layers = self._bridge.store.layers
        xs, ys, brushes = [], [], []
        peak = max(f.grid_counts.values(), default=0) or 1
        cold, hot = (
            pg.mkColor(self._theme.tokens["panel_alt"]),
            pg.mkColor(self._theme.tokens["priority_1"]),
        )
        for layer in layers.values():
            if layer.kind != "grid":
                continue
            ring = (layer.geojson.get("geometry") or {}).get("coordinates", [[]])[0]
            if not ring:
                continue
            xs.append(sum(p[0] for p in ring) / len(ring))
            ys.append(sum(p[1] for p in ring) / len(ring))
            share = f.grid_counts.get(layer.id, 0) / peak
            colour = pg.mkColor(
                int(cold.red() + (hot.red() - cold.red()) * share),
                int(cold.green() + (hot.green() - cold.green()) * share),
                int(cold.blue() + (hot.blue() - cold.blue()) * share),
            )
            brushes.append(pg.mkBrush(colour))
        if xs:
            self.heat_plot.addItem(
                pg.ScatterPlotItem(x=xs, y=ys, brush=brushes, size=9, pen=None, symbol="s")
            )
