"""One chart card of the Training tab: raw loss points faint, a smoothed line over them."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCharts import (
    QAbstractAxis,
    QChart,
    QChartView,
    QLineSeries,
    QLogValueAxis,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QPainter,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
)

from chroma_desk.ui.training.widgets import SERIES_COLOURS, muted_label
from training.history import Series, smooth

MAX_RAW_POINTS = 1500


class CurveChart(QFrame):
    """One chart card: raw points faint, a smoothed line over them; linear or log y."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 4)
        layout.setSpacing(0)
        self.header = QHBoxLayout()
        self.title = QLabel(title)
        self.title.setObjectName("cardTitle")
        self.value = muted_label(wrap=False)
        self.header.addWidget(self.title)
        self.header.addStretch(1)
        self.header.addWidget(self.value)
        layout.addLayout(self.header)
        self.note = QLabel()  # a warning under the title (set_note)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #d97706;")
        self.note.hide()
        layout.addWidget(self.note)
        self.chart = QChart()
        self.chart.setMargins(QMargins(0, 4, 4, 0))
        self.chart.setBackgroundRoundness(0)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        self.chart.legend().hide()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(170)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.placeholder = muted_label()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = QStackedWidget()
        self.body.addWidget(self.view)
        self.body.addWidget(self.placeholder)
        layout.addWidget(self.body, 1)
        self.log_y = False
        self.x_axis = QValueAxis()
        self.x_axis.setLabelFormat("%d")
        self.y_axis: QAbstractAxis = QValueAxis()
        self.chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        self.lines: dict[str, QLineSeries] = {}
        self.points: dict[str, QScatterSeries] = {}
        self._style_axes()

    # styling follows the palette (light or dark)
    def _style_axes(self) -> None:
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        grid = QColor(pal.color(QPalette.ColorRole.Mid))
        grid.setAlpha(90)
        self.chart.setBackgroundBrush(base)
        self.chart.setBackgroundPen(QPen(Qt.PenStyle.NoPen))
        self.chart.setPlotAreaBackgroundVisible(False)
        self.chart.legend().setLabelColor(text)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
        self.chart.legend().setFont(font)
        for axis in (self.x_axis, self.y_axis):
            axis.setTruncateLabels(False)  # "10..." says nothing: fewer ticks instead
            axis.setLabelsColor(muted)
            axis.setLabelsFont(font)
            axis.setGridLineColor(grid)
            axis.setMinorGridLineVisible(False)
            axis.setLinePen(QPen(grid))
        self.view.setBackgroundBrush(base)

    def _x_ticks(self) -> int:
        """Step labels ("12,000") need about 64 px each: a narrow chart gets fewer."""
        return max(2, min(5, (self.width() - 24) // 64))

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.x_axis.tickCount() != self._x_ticks():
            low, high = self.x_axis.min(), self.x_axis.max()
            self.x_axis.setTickCount(self._x_ticks())
            self.x_axis.setRange(low, high)

    def changeEvent(self, event: Any) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._style_axes()

    def _set_log(self, log_y: bool) -> None:
        if log_y == self.log_y:
            return
        self.log_y = log_y
        series = [*self.points.values(), *self.lines.values()]
        for s in series:
            s.detachAxis(self.y_axis)
        self.chart.removeAxis(self.y_axis)
        if log_y:
            axis = QLogValueAxis()
            axis.setBase(10)
            axis.setLabelFormat("%.3g")
        else:
            axis = QValueAxis()
        self.y_axis = axis
        self.chart.addAxis(axis, Qt.AlignmentFlag.AlignLeft)
        for s in series:
            s.attachAxis(axis)
        self._style_axes()

    def _series(self, name: str, colour: QColor, raw: bool, dashed: bool, points: bool) -> None:
        if raw and name not in self.points:  # added first: drawn under the line
            scatter = QScatterSeries()
            scatter.setName(f"{name} (raw)")
            scatter.setMarkerSize(5.0)
            scatter.setBorderColor(Qt.GlobalColor.transparent)
            faint = QColor(colour)
            faint.setAlpha(105)
            scatter.setColor(faint)
            self.chart.addSeries(scatter)
            scatter.attachAxis(self.x_axis)
            scatter.attachAxis(self.y_axis)
            self.points[name] = scatter
            for marker in self.chart.legend().markers(scatter):
                marker.setVisible(False)
        if name not in self.lines:
            line = QLineSeries()
            line.setName(name)
            self.chart.addSeries(line)
            line.attachAxis(self.x_axis)
            line.attachAxis(self.y_axis)
            self.lines[name] = line
        line = self.lines[name]
        pen = QPen(colour, 2.0)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
            pen.setWidthF(1.4)
        line.setPen(pen)
        line.setColor(colour)
        line.setPointsVisible(points)

    def clear(self) -> None:
        for s in [*self.lines.values(), *self.points.values()]:
            self.chart.removeSeries(s)
        self.lines.clear()
        self.points.clear()

    def set_curves(
        self,
        curves: list[tuple[str, Series, dict[str, Any]]],
        smoothing: float = 0.0,
        log_y: bool = False,
        x_range: tuple[float, float] | None = None,
    ) -> None:
        """``curves``: (name, series, options) with options ``raw`` (points under a smoothed
        line), ``dashed``, ``points`` (markers on the line) and ``colour``. ``x_range`` keeps
        the step axes of several charts aligned."""
        self._set_log(log_y)
        wanted = {name for name, _, _ in curves}
        for name in list(self.lines):
            if name not in wanted:
                self.chart.removeSeries(self.lines.pop(name))
                if name in self.points:
                    self.chart.removeSeries(self.points.pop(name))
        xs: list[float] = []
        ys: list[float] = []
        for i, (name, series, opts) in enumerate(curves):
            colour = QColor(opts.get("colour") or SERIES_COLOURS[i % len(SERIES_COLOURS)])
            raw = bool(opts.get("raw"))
            self._series(name, colour, raw, bool(opts.get("dashed")), bool(opts.get("points")))
            steps, values = series.steps, series.values
            if log_y:
                kept = [(s, v) for s, v in zip(steps, values, strict=True) if v > 0]
                steps, values = [s for s, _ in kept], [v for _, v in kept]
            line_values = smooth(values, smoothing) if raw and smoothing > 0 else values
            self.lines[name].replace(
                [QPointF(s, v) for s, v in zip(steps, line_values, strict=True)]
            )
            if raw:
                stride = max(1, len(steps) // MAX_RAW_POINTS)
                self.points[name].replace(
                    [QPointF(s, v) for s, v in zip(steps[::stride], values[::stride], strict=True)]
                )
                ys += _robust_range(values)
            ys += line_values
            xs += steps
        self.chart.legend().setVisible(len(curves) > 1)
        self._set_ranges(xs, ys, x_range)

    def _set_ranges(
        self, xs: list[float], ys: list[float], x_range: tuple[float, float] | None
    ) -> None:
        if not xs:
            self.x_axis.setRange(0, 1)
            self.y_axis.setRange(0.1 if self.log_y else 0, 1)
            return
        lo_x, hi_x = x_range if x_range else (min(xs), max(xs))
        lo_x, hi_x = min(lo_x, min(xs)), max(hi_x, max(xs))
        if hi_x <= lo_x:
            hi_x = lo_x + 1
        self.x_axis.setRange(lo_x, hi_x)
        self.x_axis.setTickCount(self._x_ticks())
        self.x_axis.applyNiceNumbers()
        lo, hi = min(ys), max(ys)
        if self.log_y:
            lo, hi = max(lo, 1e-12), max(hi, 1e-12)
            lo, hi = lo / 1.15, hi * 1.15
        else:
            span = hi - lo  # a flat curve (smoothing leaves float noise) gets a range around it
            pad = span * 0.08 if span > 1e-6 * max(abs(hi), 1e-3) else abs(hi) * 0.1 or 1.0
            lo, hi = lo - pad, hi + pad
        self.y_axis.setRange(lo, hi)
        if isinstance(self.y_axis, QValueAxis):
            self.y_axis.setTickCount(5)
            self.y_axis.applyNiceNumbers()

    def set_placeholder(self, text: str | None) -> None:
        """Show ``text`` instead of the chart (nothing to plot yet), or the chart again."""
        if text:
            self.placeholder.setText(text)
            self.body.setCurrentWidget(self.placeholder)
        else:
            self.body.setCurrentWidget(self.view)

    def set_note(self, text: str | None) -> None:
        """A warning under the title (hidden with None)."""
        self.note.setText(text or "")
        self.note.setVisible(bool(text))

    def point_count(self) -> int:
        return sum(s.count() for s in self.lines.values())


def _robust_range(values: list[float]) -> list[float]:
    """The 2nd and 98th percentiles: a few wild early points do not flatten the curve."""
    if len(values) < 20:
        return list(values)
    lo, hi = np.percentile(values, [2, 98])
    return [float(lo), float(hi)]
