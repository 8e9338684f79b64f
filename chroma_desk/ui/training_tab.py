"""The Training tab: pick a folder of colour photos, train a model on it, watch it learn, use it.

The trainer is a separate process, ``python -m training ...`` (the command line comes from
``training.runs.command_line``), so a crash or a CUDA error never takes the window down. It is
started with ``subprocess.Popen`` in a session of its own and followed by an asyncio task on the
qasync loop that reads ``RUN/events.jsonl`` line by line (the same JSON lines the trainer prints
to stdout) and polls the process. Not an asyncio subprocess reading the stdout pipe, because
"keep it running" when the window closes must leave a trainer that outlives the window: a pipe
whose reader has gone kills the trainer at its next event (EPIPE), and asyncio's subprocess
transport kills its child when it is closed. The events file also serves a job found again after
a restart. The trainer's stderr goes to ``RUN/trainer.log`` (shown in the log view).

For the main window::

    tab = TrainingTab(state)                 # runs in platformdirs' user data dir /runs
    tabs.addTab(tab, "Training")
    # in closeEvent, before accepting:
    if not tab.confirm_close():              # asks "stop or keep running?" when a job runs
        event.ignore(); return
    tab.shutdown()                           # stops following; never kills a job

The tab needs the qasync loop to be running (``chroma_desk.ui.app`` runs one).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import time
from collections import deque
from collections.abc import Coroutine
from pathlib import Path
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
from PySide6.QtCore import QMargins, QPointF, QRectF, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QIcon,
    QImage,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chroma_desk.models import library
from chroma_desk.ui.state import AppState
from training import runs
from training.runs import RunHistory, Series

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
REDRAW_MS = 150
MAX_RAW_POINTS = 1500
THUMBNAILS = 6

KIND_CHOICES = (
    ("gan", "GAN: natural colour", "L1 first, then a discriminator sharpens it (pix2pix)."),
    (
        "classification",
        "Classification: vivid colour",
        "Predicts a distribution over colours; the temperature slider tunes how bold it is.",
    ),
    ("regression", "Regression: safe, muted colour", "Plain L1 on ab: stable, a little sepia."),
)
LOSS_LABELS = {
    "l1": "L1 on ab",
    "mse": "MSE on ab",
    "ce": "Cross-entropy",
    "d": "Discriminator",
    "g_gan": "Generator (adversarial)",
}
METRIC_LABELS = {
    "ab_l1": "ab error (lower is better)",
    "colourfulness_ratio": "Colourfulness / truth",
    "gray_ab_l1": "Gray baseline ab error",
    "default_temperature": "Calibrated temperature",
}
STATUS_STYLE = {
    "starting": ("#3b82f6", "Starting"),
    "running": ("#3b82f6", "Running"),
    "stopping": ("#f59e0b", "Stopping"),
    "finished": ("#22a06b", "Finished"),
    "stopped": ("#8b93a1", "Stopped"),
    "failed": ("#e5484d", "Failed"),
    "interrupted": ("#f59e0b", "Interrupted"),
    "new": ("#8b93a1", "New"),
}
SERIES_COLOURS = ("#4f7cff", "#f08c2e", "#23a86b", "#e5484d", "#9b5de5", "#1ba5c4", "#d4a72c")
UNITS = (("minutes", "minutes"), ("steps", "steps"), ("epochs", "epochs"))

STYLE = """
QFrame#card { background: palette(base); border: 1px solid palette(midlight);
  border-radius: 8px; }
QLabel#cardTitle { font-weight: 600; }
QLabel#pageTitle { font-size: 17pt; font-weight: 600; }
QLabel#runTitle { font-size: 15pt; font-weight: 600; }
QLabel#tileCaption { color: palette(placeholder-text); font-size: 8pt; }
QLabel#tileValue { font-size: 13pt; font-weight: 600; }
QLabel#muted { color: palette(placeholder-text); }
QFrame#banner { border-radius: 6px; }
QPushButton#primary { background: palette(highlight); color: palette(highlighted-text);
  border: none; border-radius: 5px; padding: 6px 16px; font-weight: 600; }
QPushButton#primary:disabled { background: palette(mid); color: palette(placeholder-text); }
QPushButton#danger { color: #e5484d; }
QProgressBar#thin { border: none; background: palette(midlight); border-radius: 2px;
  max-height: 4px; min-height: 4px; }
QProgressBar#thin::chunk { background: palette(highlight); border-radius: 2px; }
QListWidget#runList { border: none; background: transparent; }
"""


# -- small pieces ------------------------------------------------------------------------------


def _muted(widget: QWidget) -> QColor:
    return widget.palette().color(QPalette.ColorRole.PlaceholderText)


def _std_icon(widget: QWidget, name: str, fallback: QStyle.StandardPixmap) -> QIcon:
    """The app's painted icon when the icon module is there, else a standard one."""
    try:
        from chroma_desk.ui.icons import ICONS, icon

        if name in ICONS:
            return icon(name)
    except ImportError:
        pass
    return widget.style().standardIcon(fallback)


def _qimage(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def _card(title: str | None = None) -> tuple[QFrame, QVBoxLayout, QHBoxLayout | None]:
    frame = QFrame()
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(14, 10, 14, 12)
    layout.setSpacing(8)
    header = None
    if title is not None:
        header = QHBoxLayout()
        header.setSpacing(8)
        label = QLabel(title)
        label.setObjectName("cardTitle")
        header.addWidget(label)
        header.addStretch(1)
        layout.addLayout(header)
    return frame, layout, header


LABEL_WIDTH = 128
FIELD_WIDTH = 200


def _add_row(form: QFormLayout, text: str, field: QWidget | QHBoxLayout) -> None:
    """A form row whose label has the same width in every card, so the fields line up."""
    label = QLabel(text)
    label.setFixedWidth(LABEL_WIDTH)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.addRow(label, field)


def _muted_label(text: str = "", wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(wrap)
    return label


def _fmt_number(value: float | None) -> str:
    if value is None:
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _home_short(path: Path) -> str:
    try:
        return "~/" + str(Path(path).relative_to(Path.home()))
    except ValueError:
        return str(path)


class ElidedLabel(QLabel):
    """One line of text, elided in the middle when narrow (paths)."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.full_text = text
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._elide()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        self.setText(
            metrics.elidedText(self.full_text, Qt.TextElideMode.ElideMiddle, max(40, self.width()))
        )


class Banner(QFrame):
    """A coloured note above the curves: why a job failed, or what just happened."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text, 1)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.kind = ""
        self.hide()

    def show_message(self, text: str, kind: str = "error") -> None:
        colour = {"error": "#e5484d", "info": "#3b82f6", "ok": "#22a06b"}[kind]
        c = QColor(colour)
        self.setStyleSheet(
            f"QFrame#banner {{ background: rgba({c.red()},{c.green()},{c.blue()},38);"
            f" border: 1px solid rgba({c.red()},{c.green()},{c.blue()},110); }}"
        )
        self.kind = kind
        self.text.setText(text)
        self.show()


class StatTile(QWidget):
    def __init__(self, caption: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 18, 0)
        layout.setSpacing(0)
        cap = QLabel(caption.upper())
        cap.setObjectName("tileCaption")
        self.value = QLabel("–")
        self.value.setObjectName("tileValue")
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(cap)
        layout.addWidget(self.value)

    def set(self, text: str) -> None:
        self.value.setText(text)


class ImageView(QWidget):
    """A picture scaled to fit, with captions over the columns of a sample grid."""

    def __init__(self, captions: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._pixmap: QPixmap | None = None
        self.captions = captions
        self.path: str | None = None
        self.empty_text = "No sample yet"
        self.setMinimumSize(180, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, path: str | None) -> bool:
        if path == self.path and self._pixmap is not None:
            return True
        pm = QPixmap(path) if path else QPixmap()
        self._pixmap = None if pm.isNull() else pm
        self.path = path if self._pixmap is not None else None
        self.update()
        return self._pixmap is not None

    def pixmap(self) -> QPixmap | None:
        return self._pixmap

    def paintEvent(self, event: Any) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        top = 20 if self.captions else 0
        area = QRectF(self.rect()).adjusted(0, top, 0, 0)
        if self._pixmap is None:
            p.setPen(_muted(self))
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return
        size = QSize(self._pixmap.size())
        size.scale(area.size().toSize(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRectF(
            area.x() + (area.width() - size.width()) / 2, area.y(), size.width(), size.height()
        )
        clip = QPainterPath()
        clip.addRoundedRect(target, 4, 4)
        p.save()
        p.setClipPath(clip)
        p.drawPixmap(target, self._pixmap, QRectF(self._pixmap.rect()))
        p.restore()
        if self.captions:
            p.setPen(_muted(self))
            font = p.font()
            font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
            p.setFont(font)
            n = len(self.captions)
            for i, text in enumerate(self.captions):
                cell = QRectF(target.x() + i * target.width() / n, 0, target.width() / n, top)
                p.drawText(cell, Qt.AlignmentFlag.AlignCenter, text)


# -- charts ------------------------------------------------------------------------------------


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
        self.value = _muted_label(wrap=False)
        self.header.addWidget(self.title)
        self.header.addStretch(1)
        self.header.addWidget(self.value)
        layout.addLayout(self.header)
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
        self.placeholder = _muted_label()
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
            axis.setLabelsColor(muted)
            axis.setLabelsFont(font)
            axis.setGridLineColor(grid)
            axis.setMinorGridLineVisible(False)
            axis.setLinePen(QPen(grid))
        self.view.setBackgroundBrush(base)

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
            line_values = runs.smooth(values, smoothing) if raw and smoothing > 0 else values
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
        self.x_axis.setTickCount(5)
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

    def point_count(self) -> int:
        return sum(s.count() for s in self.lines.values())


def _robust_range(values: list[float]) -> list[float]:
    """The 2nd and 98th percentiles: a few wild early points do not flatten the curve."""
    if len(values) < 20:
        return list(values)
    lo, hi = np.percentile(values, [2, 98])
    return [float(lo), float(hi)]


# -- one run, as the tab sees it ---------------------------------------------------------------


class RunSession:
    """A run folder: its folded events, its log lines, and the job behind it (if any)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.history = RunHistory()
        self.reader = runs.EventReader(path / runs.EVENTS_FILE)
        self.log_lines: deque[str] = deque(maxlen=5000)
        self._log_offset = 0
        self._log_partial = ""
        self.process: subprocess.Popen | None = None  # a job this window started
        self.pid: int | None = None
        self.external = False  # running, started from elsewhere (a shell, another window)
        self.status = "new"
        self.stopping = False
        self.message: str | None = None
        self.returncode: int | None = None
        self.following = False
        self.events_seen = 0
        self.last_event_wall = 0.0  # time.time() when events last arrived

    @property
    def name(self) -> str:
        return str(self.history.config.get("name") or self.path.name)

    @property
    def running(self) -> bool:
        return self.status in ("starting", "running", "stopping")

    @property
    def has_model(self) -> bool:
        return (self.path / runs.MODEL_FILE).is_file()

    @property
    def resumable(self) -> bool:
        return (self.path / "state" / "state.json").is_file()

    def poll(self) -> list[dict[str, Any]]:
        events = self.reader.read()
        if events:
            self.history.extend(events)
            self.events_seen += len(events)
            self.last_event_wall = time.time()
            self.log_lines.extend(runs.describe_event(e) for e in events)
        for line in self._read_stderr():
            self.log_lines.append(f"{'':8}  stderr     {line}")
        return events

    def _read_stderr(self) -> list[str]:
        path = self.path / runs.LOG_FILE
        try:
            size = path.stat().st_size
        except OSError:
            return []
        if size < self._log_offset:
            self._log_offset, self._log_partial = 0, ""
        if size == self._log_offset:
            return []
        with path.open("rb") as f:
            f.seek(self._log_offset)
            chunk = f.read(size - self._log_offset)
        self._log_offset += len(chunk)
        lines = (self._log_partial + chunk.decode("utf-8", errors="replace")).split("\n")
        self._log_partial = lines.pop()
        return [ln.rstrip() for ln in lines if ln.strip()]


# -- the form for a new run --------------------------------------------------------------------


class NewRunForm(QScrollArea):
    """Folder, kind, architecture, starting point, schedule, device, name; then Start."""

    startRequested = Signal()
    scanFinished = Signal(object)  # training.data.FolderScan

    def __init__(self, tab: TrainingTab) -> None:
        super().__init__()
        self.tab = tab
        self.folder: Path | None = None
        self.val_folder: Path | None = None
        self.scan = None
        self.val_scan = None
        self._scan_generation = 0
        self._name_edited = False
        self._extra_init: list[Path] = []
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        page = QWidget()
        self.setWidget(page)
        outer = QHBoxLayout(page)
        outer.setContentsMargins(24, 20, 24, 20)
        column = QVBoxLayout()
        column.setSpacing(14)
        holder = QWidget()
        holder.setMaximumWidth(780)
        holder.setLayout(column)
        outer.addStretch(1)
        outer.addWidget(holder, 100)
        outer.addStretch(1)

        title = QLabel("New training run")
        title.setObjectName("pageTitle")
        column.addWidget(title)
        column.addWidget(
            _muted_label(
                "Teach a model the colours of your own photos. Choose a folder of colour "
                "photos; the other settings have sensible defaults."
            )
        )

        # photos
        card, lay, _ = _card("Photos")
        row = QHBoxLayout()
        self.folder_edit = QLineEdit()
        self.folder_edit.setReadOnly(True)
        self.folder_edit.setPlaceholderText("A folder of colour photos (subfolders included)")
        self.folder_button = QPushButton("Choose…")
        self.folder_button.clicked.connect(self._choose_folder)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.folder_button)
        lay.addLayout(row)
        self.scan_label = _muted_label("No folder chosen yet.")
        lay.addWidget(self.scan_label)
        self.thumbs = QHBoxLayout()
        self.thumbs.setSpacing(6)
        self.thumbs.addStretch(1)
        lay.addLayout(self.thumbs)
        row = QHBoxLayout()
        self.val_edit = QLineEdit()
        self.val_edit.setReadOnly(True)
        self.val_edit.setPlaceholderText("Validation: hold out 5% of the photos above")
        val_button = QPushButton("Choose…")
        val_button.clicked.connect(self._choose_val_folder)
        self.val_clear = QToolButton()
        self.val_clear.setText("✕")
        self.val_clear.setToolTip("Hold out 5% of the training photos instead")
        self.val_clear.clicked.connect(lambda: self.set_val_folder(None))
        self.val_clear.setEnabled(False)
        row.addWidget(self.val_edit, 1)
        row.addWidget(val_button)
        row.addWidget(self.val_clear)
        lay.addLayout(row)
        self.val_label = _muted_label()
        self.val_label.hide()
        lay.addWidget(self.val_label)
        column.addWidget(card)

        # model
        card, lay, _ = _card("Model")
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.kind_combo = QComboBox()
        for key, label, _tip in KIND_CHOICES:
            self.kind_combo.addItem(label, key)
        self.kind_note = _muted_label()
        self.arch_combo = QComboBox()
        for name in runs.trainable_architectures():
            self.arch_combo.addItem(runs.architecture_label(name), name)
        self.init_combo = QComboBox()
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("A name for the run and the model")
        self.name_edit.textEdited.connect(self._name_typed)
        _add_row(form, "Kind", self.kind_combo)
        _add_row(form, "", self.kind_note)
        _add_row(form, "Architecture", self.arch_combo)
        _add_row(form, "Start from", self.init_combo)
        _add_row(form, "Name", self.name_edit)
        lay.addLayout(form)
        column.addWidget(card)

        # schedule and hardware
        card, lay, _ = _card("Schedule")
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.size_spin = QSpinBox()
        self.size_spin.setRange(32, 1024)
        self.size_spin.setSingleStep(16)
        self.size_spin.setValue(176)
        self.size_spin.setSuffix(" px")
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, 512)
        self.batch_spin.setValue(16)
        stop_row = QHBoxLayout()
        self.amount_spin = QSpinBox()
        self.amount_spin.setRange(1, 10_000_000)
        self.amount_spin.setValue(30)
        self.unit_combo = QComboBox()
        for key, label in UNITS:
            self.unit_combo.addItem(label, key)
        self.unit_combo.currentIndexChanged.connect(self._unit_changed)
        stop_row.addWidget(self.amount_spin)
        stop_row.addWidget(self.unit_combo)
        stop_row.addStretch(1)
        self.device_combo = QComboBox()
        for key, label in runs.list_devices():
            self.device_combo.addItem(label, key)
        _add_row(form, "Image size", self.size_spin)
        _add_row(form, "Batch size", self.batch_spin)
        _add_row(form, "Stop after", stop_row)
        _add_row(form, "Device", self.device_combo)
        lay.addLayout(form)

        self.advanced_button = QToolButton()
        self.advanced_button.setText("Advanced")
        self.advanced_button.setCheckable(True)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_button.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_button.setAutoRaise(True)
        self.advanced_button.toggled.connect(self._toggle_advanced)
        adv_row = QHBoxLayout()
        adv_row.addSpacing(LABEL_WIDTH - 8)
        adv_row.addWidget(self.advanced_button)
        adv_row.addStretch(1)
        lay.addLayout(adv_row)
        self.advanced = QWidget()
        adv = QFormLayout(self.advanced)
        adv.setContentsMargins(0, 0, 0, 0)
        adv.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(6)
        self.lr_spin.setRange(1e-6, 1.0)
        self.lr_spin.setSingleStep(1e-5)
        self.lr_spin.setValue(2e-4)
        self.workers_spin = QSpinBox()
        self.workers_spin.setRange(0, 32)
        self.workers_spin.setValue(min(4, max(1, (os.cpu_count() or 2) // 2)))
        self.workers_spin.setToolTip("Processes that read and crop photos (0: in the trainer)")
        self.threads_spin = QSpinBox()
        self.threads_spin.setRange(0, 256)
        self.threads_spin.setSpecialValueText("all cores")
        self.checkpoint_spin = self._every_spin(250)
        self.sample_spin = self._every_spin(100)
        self.eval_spin = self._every_spin(250)
        self.log_spin = self._every_spin(10)
        _add_row(adv, "Learning rate", self.lr_spin)
        _add_row(adv, "Loader processes", self.workers_spin)
        _add_row(adv, "CPU threads", self.threads_spin)
        _add_row(adv, "Checkpoint every", self.checkpoint_spin)
        _add_row(adv, "Sample every", self.sample_spin)
        _add_row(adv, "Validate every", self.eval_spin)
        _add_row(adv, "Log every", self.log_spin)
        for spin in (
            self.size_spin,
            self.batch_spin,
            self.lr_spin,
            self.workers_spin,
            self.threads_spin,
            self.checkpoint_spin,
            self.sample_spin,
            self.eval_spin,
            self.log_spin,
        ):
            spin.setFixedWidth(FIELD_WIDTH)
        self.amount_spin.setFixedWidth(FIELD_WIDTH)
        self.unit_combo.setFixedWidth(FIELD_WIDTH - 40)
        self.advanced.hide()
        lay.addWidget(self.advanced)
        column.addWidget(card)

        # start
        row = QHBoxLayout()
        self.hint = _muted_label("Choose a folder of colour photos to begin.")
        self.copy_command = QPushButton("Copy command line")
        self.copy_command.setFlat(True)
        self.copy_command.setToolTip("The same run from a terminal: python -m training …")
        self.copy_command.clicked.connect(self._copy_command)
        self.start_button = QPushButton("Start training")
        self.start_button.setObjectName("primary")
        self.start_button.setIcon(_std_icon(self, "play", QStyle.StandardPixmap.SP_MediaPlay))
        self.start_button.clicked.connect(self.startRequested)
        row.addWidget(self.hint, 1)
        row.addWidget(self.copy_command)
        row.addWidget(self.start_button)
        column.addLayout(row)
        column.addStretch(1)

        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.arch_combo.currentIndexChanged.connect(self._fill_init)
        self.init_combo.activated.connect(self._init_activated)
        self._kind_changed()
        self._update_start()

    @staticmethod
    def _every_spin(value: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(1, 1_000_000)
        spin.setValue(value)
        spin.setSuffix(" steps")
        return spin

    # -- choices ------------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    @property
    def arch(self) -> str:
        return str(self.arch_combo.currentData())

    def _kind_changed(self) -> None:
        for key, _label, tip in KIND_CHOICES:
            if key == self.kind:
                self.kind_note.setText(tip)
        self._fill_init()
        self._suggest_name()

    def _fill_init(self) -> None:
        previous = self.init_combo.currentData()
        self.init_combo.blockSignals(True)
        self.init_combo.clear()
        scratch = "From scratch"
        if runs.ships_pretrained(self.arch):
            scratch += " (ImageNet encoder)"
        self.init_combo.addItem(scratch, None)
        default_index = 0
        try:
            candidates = runs.init_candidates(self.kind, self.arch)
        except Exception:  # noqa: BLE001 - a broken models folder must not break the form
            log.exception("listing models to start from failed")
            candidates = []
        for name, path, bundled in candidates:
            self.init_combo.addItem(
                f"Fine-tune {name} ({'bundled' if bundled else 'yours'})", str(path)
            )
            if bundled and default_index == 0:
                default_index = self.init_combo.count() - 1
        for path in self._extra_init:
            self.init_combo.addItem(f"Fine-tune {path.name}", str(path))
        self.init_combo.addItem("Other model file…", "browse")
        index = self.init_combo.findData(previous) if previous not in (None, "browse") else -1
        self.init_combo.setCurrentIndex(index if index >= 0 else default_index)
        self.init_combo.blockSignals(False)

    def _init_activated(self, index: int) -> None:
        if self.init_combo.itemData(index) != "browse":
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Start from a model file", str(library.user_dir()), "Models (*.safetensors)"
        )
        if path:
            self.set_init_file(Path(path))
        else:
            self.init_combo.setCurrentIndex(0)

    def set_init_file(self, path: Path | None) -> None:
        """Start from this model file (or from scratch with ``None``)."""
        if path is None:
            self.init_combo.setCurrentIndex(0)
            return
        path = Path(path)
        if path not in self._extra_init:
            self._extra_init.append(path)
        self._fill_init()
        self.init_combo.setCurrentIndex(self.init_combo.findData(str(path)))

    @property
    def init(self) -> str | None:
        data = self.init_combo.currentData()
        return None if data in (None, "browse") else str(data)

    def _unit_changed(self) -> None:
        unit = self.unit_combo.currentData()
        self.amount_spin.setValue({"minutes": 30, "steps": 2000, "epochs": 10}[unit])

    def _toggle_advanced(self, on: bool) -> None:
        self.advanced.setVisible(on)
        self.advanced_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def _name_typed(self, text: str) -> None:
        self._name_edited = bool(text.strip())

    def _suggest_name(self) -> None:
        if self._name_edited:
            return
        base = self.folder.name if self.folder else "my-photos"
        short = {"classification": "cls", "regression": "l1"}.get(self.kind, self.kind)
        self.name_edit.setText(runs.unique_run_name(self.tab.runs_dir, f"{base}-{short}"))

    # -- folders and the scan -----------------------------------------------------------------

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Folder of colour photos", str(self.folder or Path.home())
        )
        if folder:
            self.set_folder(Path(folder))

    def _choose_val_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Folder of validation photos", str(self.val_folder or self.folder or Path.home())
        )
        if folder:
            self.set_val_folder(Path(folder))

    def set_folder(self, folder: Path) -> None:
        """Use ``folder`` for training and scan it in the background."""
        self.folder = Path(folder).expanduser().resolve()
        self.folder_edit.setText(str(self.folder))
        self.scan = None
        self._scan_generation += 1
        self.scan_label.setText("Looking at the photos…")
        self._clear_thumbs()
        self._suggest_name()
        self._update_start()
        self.tab.spawn(self._scan(self.folder, self._scan_generation, validation=False))

    def set_val_folder(self, folder: Path | None) -> None:
        self.val_folder = Path(folder) if folder else None
        self.val_scan = None
        self.val_edit.setText(str(self.val_folder) if self.val_folder else "")
        self.val_clear.setEnabled(self.val_folder is not None)
        self.val_label.setVisible(self.val_folder is not None)
        if self.val_folder is not None:
            self.val_label.setText("Looking at the photos…")
            self.tab.spawn(self._scan(self.val_folder, self._scan_generation, validation=True))
        self._update_start()

    async def _scan(self, folder: Path, generation: int, validation: bool) -> None:
        from training.data import load_rgb, scan_folder

        def work() -> tuple[Any, list[np.ndarray]]:
            scan = scan_folder(folder)
            thumbs = []
            if not validation:
                for path in scan.usable[:THUMBNAILS]:
                    with contextlib.suppress(OSError, ValueError):
                        thumbs.append(load_rgb(path, 160))
            return scan, thumbs

        loop = asyncio.get_running_loop()
        try:
            scan, thumbs = await loop.run_in_executor(None, work)
        except OSError as exc:
            label = self.val_label if validation else self.scan_label
            label.setText(f"Cannot read {folder}: {exc}")
            return
        if generation != self._scan_generation:
            return  # another folder was chosen meanwhile
        if validation:
            if folder != self.val_folder:
                return
            self.val_scan = scan
            self.val_label.setText(self._describe_scan(scan, "for validation"))
        else:
            self.scan = scan
            self.scan_label.setText(self._describe_scan(scan, "to learn from"))
            self._show_thumbs(thumbs)
            self.scanFinished.emit(scan)
        self._update_start()

    @staticmethod
    def _describe_scan(scan: Any, purpose: str) -> str:
        c = scan.counts()
        text = f"<b>{c['usable']:,}</b> colour photo{'s' if c['usable'] != 1 else ''} {purpose}"
        skipped = []
        if c["near_gray"]:
            skipped.append(f"{c['near_gray']:,} nearly black-and-white")
        if c["unreadable"]:
            skipped.append(f"{c['unreadable']:,} unreadable")
        if c["not_photos"]:
            skipped.append(f"{c['not_photos']:,} other files")
        if skipped:
            text += " · skipped: " + ", ".join(skipped)
        return text

    def _clear_thumbs(self) -> None:
        while self.thumbs.count() > 1:
            item = self.thumbs.takeAt(0)
            if item.widget():
                item.widget().deleteLater()

    def _show_thumbs(self, images: list[np.ndarray]) -> None:
        self._clear_thumbs()
        side = 72
        for i, rgb in enumerate(images):
            h, w = rgb.shape[:2]
            s = min(h, w)
            crop = rgb[(h - s) // 2 : (h - s) // 2 + s, (w - s) // 2 : (w - s) // 2 + s]
            pm = QPixmap.fromImage(_qimage(crop)).scaled(
                side * 2,
                side * 2,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            pm.setDevicePixelRatio(2.0)
            label = QLabel()
            label.setPixmap(pm)
            label.setFixedSize(side, side)
            self.thumbs.insertWidget(i, label)

    def _update_start(self) -> None:
        usable = self.scan is not None and len(self.scan.usable) > 0
        self.start_button.setEnabled(usable)
        self.copy_command.setEnabled(self.folder is not None)
        if self.folder is None:
            self.hint.setText("Choose a folder of colour photos to begin.")
        elif self.scan is None:
            self.hint.setText("Looking at the photos…")
        elif not usable:
            self.hint.setText("No colour photos in this folder: choose another one.")
        else:
            self.hint.setText("")

    # -- the options --------------------------------------------------------------------------

    def options(self) -> dict[str, Any]:
        """The run's options, named like ``training.trainer.TrainConfig`` fields."""
        if self.folder is None:
            raise ValueError("choose a folder of photos first")
        name = runs.slug(self.name_edit.text() or self.folder.name)
        unit = self.unit_combo.currentData()
        amount = self.amount_spin.value()
        return {
            "data": str(self.folder),
            "val": str(self.val_folder) if self.val_folder else None,
            "out": str((self.tab.runs_dir / name).resolve()),
            "name": name,
            "kind": self.kind,
            "arch": self.arch,
            "init": self.init,
            "size": self.size_spin.value(),
            "batch": self.batch_spin.value(),
            "steps": amount if unit == "steps" else None,
            "minutes": float(amount) if unit == "minutes" else None,
            "epochs": amount if unit == "epochs" else None,
            "lr": self.lr_spin.value(),
            "device": self.device_combo.currentData(),
            "workers": self.workers_spin.value(),
            "threads": self.threads_spin.value(),
            "checkpoint_every": self.checkpoint_spin.value(),
            "sample_every": self.sample_spin.value(),
            "eval_every": self.eval_spin.value(),
            "log_every": self.log_spin.value(),
        }

    def _copy_command(self) -> None:
        import shlex

        QGuiApplication.clipboard().setText(shlex.join(runs.command_line(self.options())))


# -- the run list ------------------------------------------------------------------------------


class RunItemDelegate(QStyledItemDelegate):
    """Two lines per run: a status dot and the name, then what it is doing."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> QSize:  # noqa: N802
        return QSize(200, 50)

    def paint(self, p: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = option.palette
        rect = QRectF(option.rect).adjusted(4, 2, -4, -2)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected or hover:
            bg = QColor(pal.color(QPalette.ColorRole.Highlight))
            bg.setAlpha(60 if selected else 22)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(bg)
            p.drawRoundedRect(rect, 6, 6)
        colour = QColor(index.data(Qt.ItemDataRole.UserRole + 1) or "#8b93a1")
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawEllipse(QPointF(rect.x() + 12, rect.y() + 16), 4, 4)
        name_font = QFont(option.font)
        name_font.setWeight(QFont.Weight.DemiBold)
        p.setFont(name_font)
        p.setPen(pal.color(QPalette.ColorRole.Text))
        text_rect = rect.adjusted(24, 5, -6, 0)
        name = p.fontMetrics().elidedText(
            index.data(Qt.ItemDataRole.DisplayRole),
            Qt.TextElideMode.ElideRight,
            int(text_rect.width()),
        )
        p.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, name)
        sub_font = QFont(option.font)
        sub_font.setPointSizeF(max(7.0, option.font.pointSizeF() - 1))
        p.setFont(sub_font)
        p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        sub = p.fontMetrics().elidedText(
            index.data(Qt.ItemDataRole.UserRole + 2) or "",
            Qt.TextElideMode.ElideRight,
            int(text_rect.width()),
        )
        p.drawText(
            text_rect.adjusted(0, 20, 0, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            sub,
        )
        p.restore()


# -- the dashboard of one run ------------------------------------------------------------------


class RunView(QWidget):
    """Header with actions, numbers, loss and validation curves, the latest sample, the log."""

    def __init__(self, tab: TrainingTab) -> None:
        super().__init__()
        self.tab = tab
        self.session: RunSession | None = None
        self.loss_charts: dict[str, CurveChart] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 12)
        outer.setSpacing(10)

        # header: name, status, actions
        head = QHBoxLayout()
        head.setSpacing(10)
        self.title = QLabel()
        self.title.setObjectName("runTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_pill = QLabel()
        head.addWidget(self.title)
        head.addWidget(self.status_pill, 0, Qt.AlignmentFlag.AlignVCenter)
        head.addStretch(1)
        self.folder_button = QPushButton("Open folder")
        self.folder_button.setIcon(_std_icon(self, "open", QStyle.StandardPixmap.SP_DirOpenIcon))
        self.folder_button.clicked.connect(self._open_folder)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("danger")
        self.stop_button.setIcon(_std_icon(self, "stop", QStyle.StandardPixmap.SP_MediaStop))
        self.stop_button.setToolTip("Save a checkpoint and stop; Resume continues from it")
        self.stop_button.clicked.connect(lambda: self.tab.stop())
        self.resume_button = QPushButton("Resume")
        self.resume_button.setIcon(_std_icon(self, "play", QStyle.StandardPixmap.SP_MediaPlay))
        self.resume_button.clicked.connect(lambda: self.tab.resume())
        self.use_button = QPushButton("Use this model")
        self.use_button.setObjectName("primary")
        self.use_button.setToolTip(
            "Add the latest checkpoint to your models and colourize the current photo with it"
        )
        self.use_button.clicked.connect(lambda: self.tab.use_model())
        for b in (self.folder_button, self.stop_button, self.resume_button, self.use_button):
            head.addWidget(b)
        outer.addLayout(head)
        self.subtitle = _muted_label()
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.subtitle)
        self.banner = Banner()
        outer.addWidget(self.banner)

        # numbers
        tiles = QHBoxLayout()
        tiles.setSpacing(6)
        self.tile_step = StatTile("Step")
        self.tile_speed = StatTile("Images / s")
        self.tile_elapsed = StatTile("Training time")
        self.tile_eta = StatTile("Remaining")
        self.tile_checkpoint = StatTile("Last checkpoint")
        for t in (
            self.tile_step,
            self.tile_speed,
            self.tile_elapsed,
            self.tile_eta,
            self.tile_checkpoint,
        ):
            tiles.addWidget(t)
        tiles.addStretch(1)
        self.smooth_slider = QSlider(Qt.Orientation.Horizontal)
        self.smooth_slider.setRange(0, 99)
        self.smooth_slider.setValue(80)
        self.smooth_slider.setFixedWidth(110)
        self.smooth_slider.setToolTip("Smoothing of the loss lines (raw points stay)")
        self.smooth_slider.valueChanged.connect(lambda _v: self.redraw())
        self.log_check = QCheckBox("Log scale")
        self.log_check.toggled.connect(lambda _v: self.redraw())
        tiles.addWidget(_muted_label("Smoothing", wrap=False), 0, Qt.AlignmentFlag.AlignBottom)
        tiles.addWidget(self.smooth_slider, 0, Qt.AlignmentFlag.AlignBottom)
        tiles.addSpacing(8)
        tiles.addWidget(self.log_check, 0, Qt.AlignmentFlag.AlignBottom)
        outer.addLayout(tiles)
        self.progress = QProgressBar()
        self.progress.setObjectName("thin")
        self.progress.setTextVisible(False)
        self.progress.setRange(0, 1000)
        outer.addWidget(self.progress)

        # curves and sample
        self.charts_host = QWidget()
        self.charts_grid = QGridLayout(self.charts_host)
        self.charts_grid.setContentsMargins(0, 0, 0, 0)
        self.charts_grid.setSpacing(10)
        self.val_chart = CurveChart("Validation")
        self.val_chart.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.metric_combo = QComboBox()
        self.metric_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.metric_combo.currentIndexChanged.connect(lambda _i: self.redraw())
        self.val_chart.header.insertWidget(1, self.metric_combo)
        sample_card, sample_lay, sample_head = _card("Latest sample")
        self.sample_step = _muted_label(wrap=False)
        assert sample_head is not None
        sample_head.addWidget(self.sample_step)
        self.sample = ImageView(("Gray input", "Model", "Original"))
        sample_lay.addWidget(self.sample, 1)
        self.upper = QSplitter(Qt.Orientation.Horizontal)
        self.upper.addWidget(self.charts_host)
        self.upper.addWidget(sample_card)
        self.upper.setStretchFactor(0, 3)
        self.upper.setStretchFactor(1, 2)
        self._user_split = False
        self.upper.splitterMoved.connect(lambda *_: setattr(self, "_user_split", True))
        self.upper.setChildrenCollapsible(False)

        log_card, log_lay, log_head = _card("Log")
        self.copy_log_button = QPushButton("Copy log")
        self.copy_log_button.setFlat(True)
        self.copy_log_button.clicked.connect(self.copy_log)
        assert log_head is not None
        log_head.addWidget(self.copy_log_button)
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(5000)
        self.log_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.log_view.setFrameShape(QFrame.Shape.NoFrame)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(7.5, self.font().pointSizeF() - 1))
        self.log_view.setFont(mono)
        log_lay.addWidget(self.log_view, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.upper)
        self.splitter.addWidget(log_card)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        outer.addWidget(self.splitter, 1)
        self._logged = 0
        self._redraw_pending = False

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        if not self._user_split:  # the sample grid gets about 3/8 of the width
            width = self.upper.width()
            self.upper.setSizes([int(width * 0.63), width - int(width * 0.63)])

    # -- showing a run ------------------------------------------------------------------------

    def show_session(self, session: RunSession) -> None:
        changed = session is not self.session
        self.session = session
        if changed:
            for chart in self.loss_charts.values():
                self.charts_grid.removeWidget(chart)
                chart.deleteLater()
            self.loss_charts.clear()
            self.val_chart.clear()
            self.metric_combo.blockSignals(True)
            self.metric_combo.clear()
            self.metric_combo.blockSignals(False)
            self.log_view.clear()
            self._logged = 0
            self.sample.set_image(None)
            self.banner.hide()
        if session.message and session.status in ("failed", "interrupted", "stopped"):
            self.banner.show_message(
                session.message, "error" if session.status == "failed" else "info"
            )
        elif changed or self.banner.kind != "ok":  # keep only a fresh "model added" note
            self.banner.hide()
        self.refresh()
        self.redraw()

    def refresh(self) -> None:
        """Header, numbers, buttons and log (cheap; the charts redraw separately)."""
        s = self.session
        if s is None:
            return
        h = s.history
        self.title.setText(s.name)
        colour, label = STATUS_STYLE.get(s.status, STATUS_STYLE["new"])
        c = QColor(colour)
        self.status_pill.setText(label)
        self.status_pill.setToolTip(
            "Started outside this window (a terminal, or another Chroma Desk)"
            if s.running and s.external
            else ""
        )
        self.status_pill.setStyleSheet(
            f"QLabel {{ color: {colour}; background: rgba({c.red()},{c.green()},{c.blue()},36);"
            " border-radius: 9px; padding: 2px 10px; font-weight: 600; }"
        )
        cfg = h.config or runs.run_config(s.path) or {}
        parts = []
        if cfg.get("kind"):
            parts.append(
                {"gan": "GAN", "classification": "Classification"}.get(
                    cfg["kind"], cfg["kind"].title()
                )
            )
        if cfg.get("arch"):
            parts.append(runs.architecture_label(cfg["arch"]))
        if cfg.get("init"):
            parts.append(f"fine-tuned from {Path(cfg['init']).stem}")
        if h.device:
            parts.append(h.device)
        if h.counts:
            parts.append(
                f"{h.counts.get('train', 0):,} training photos, {h.counts.get('val', 0):,} held out"
            )
        if cfg.get("size"):
            parts.append(f"{cfg['size']} px, batch {cfg.get('batch', '?')}")
        self.subtitle.setText("  ·  ".join(parts) or str(s.path))
        self.subtitle.setToolTip(str(s.path))
        self._refresh_numbers()
        running = s.running
        can_stop = running and (s.process is not None or s.pid is not None)
        self.stop_button.setVisible(running)
        self.stop_button.setEnabled(can_stop)
        self.stop_button.setText("Force stop" if s.stopping else "Stop")
        self.resume_button.setVisible(not running)
        self.resume_button.setEnabled(not running and runs.run_config(s.path) is not None)
        self.resume_button.setText(
            "Train more" if h.state == "finished" else ("Resume" if s.resumable else "Run again")
        )
        self.use_button.setEnabled(s.has_model)
        # log
        lines = list(s.log_lines)
        if self._logged > len(lines) or (
            lines and self._logged == 0 and self.log_view.blockCount() > 1
        ):
            self.log_view.clear()
            self._logged = 0
        if len(lines) > self._logged:
            bar = self.log_view.verticalScrollBar()
            at_end = bar.value() >= bar.maximum() - 4
            self.log_view.appendPlainText("\n".join(lines[self._logged :]))
            self._logged = len(lines)
            if at_end:
                bar.setValue(bar.maximum())
        # sample
        every = cfg.get("sample_every")
        self.sample.empty_text = (
            f"First sample at step {int(every):,}" if every else "No sample yet"
        )
        latest = h.latest_sample
        if latest and not Path(latest).is_file():  # a relative path from a shell's folder
            latest = str(s.path / "samples" / Path(latest).name)
        if latest and self.sample.set_image(latest):
            self.sample_step.setText(f"step {h.samples[-1][0]:,}")
        elif not latest:
            self.sample_step.setText("")

    def _refresh_numbers(self) -> None:
        s = self.session
        if s is None:
            return
        h = s.history
        live = s.running and h.last_time is not None and s.status != "stopping"
        since = max(0.0, time.time() - h.last_time) if live and h.last_time else 0.0
        target = h.config.get("steps")
        step_text = f"{h.step:,}" + (f" / {int(target):,}" if target else "")
        self.tile_step.set(step_text)
        self.tile_speed.set(_fmt_number(h.images_per_s.last))
        self.tile_elapsed.set(runs.format_duration(h.train_seconds + since) if h.sessions else "–")
        if s.running and h.eta_s is not None:
            self.tile_eta.set(runs.format_duration(max(0.0, h.eta_s - since)))
        elif h.state == "finished":
            self.tile_eta.set("done")
        else:
            self.tile_eta.set("–")
        self.tile_checkpoint.set(
            f"step {h.checkpoint_step:,}" if h.checkpoint_step is not None else "none yet"
        )
        progress = h.progress()
        self.progress.setVisible(progress is not None)
        if progress is not None:
            self.progress.setValue(int(progress * 1000))

    def tick(self) -> None:
        if self.session is not None and self.session.running:
            self._refresh_numbers()

    # -- charts -------------------------------------------------------------------------------

    def schedule_redraw(self) -> None:
        if not self._redraw_pending:
            self._redraw_pending = True
            QTimer.singleShot(REDRAW_MS, self.redraw)

    @staticmethod
    def _show_discriminator_hint(chart: CurveChart, hint: str | None) -> None:
        label = LOSS_LABELS["d"]
        chart.title.setText(f"{label} \N{EM DASH} winning" if hint else label)
        chart.title.setToolTip(hint or "loss \u201cd\u201d")
        chart.title.setStyleSheet("color: #d97706;" if hint else "")

    def redraw(self) -> None:
        self._redraw_pending = False
        s = self.session
        if s is None:
            return
        h = s.history
        smoothing = self.smooth_slider.value() / 100.0
        log_y = self.log_check.isChecked()
        x_range = (0.0, float(max(h.step, 1)))
        for name in h.losses:
            if name not in self.loss_charts:
                self.loss_charts[name] = CurveChart(f"{LOSS_LABELS.get(name, name)}")
                self.loss_charts[name].title.setToolTip(f"loss “{name}”")
        for i, (name, chart) in enumerate(self.loss_charts.items()):
            series = h.losses[name]
            chart.set_curves(
                [(name, series, {"raw": True, "colour": SERIES_COLOURS[i % len(SERIES_COLOURS)]})],
                smoothing,
                log_y,
                x_range,
            )
            chart.value.setText(f"{series.last:.4g}" if series.last is not None else "")
        if "d" in self.loss_charts:
            self._show_discriminator_hint(self.loss_charts["d"], runs.discriminator_hint(h))
        self._layout_charts()
        self._fill_metric_combo(h)
        group = self.metric_combo.currentData()
        curves = []
        if group:
            names = sorted(
                (n for n in h.metrics if n.split("@")[0] == group),
                key=lambda n: (("@" in n), n),
            )
            for i, name in enumerate(names):
                if "@T" in name:
                    label = "T " + name.split("@T")[1]
                else:
                    label = METRIC_LABELS.get(name, name).split(" (")[0]
                curves.append(
                    (
                        label,
                        h.metrics[name],
                        {"points": True, "colour": SERIES_COLOURS[i % len(SERIES_COLOURS)]},
                    )
                )
            if group == "ab_l1" and "gray_ab_l1" in h.metrics:
                curves.append(
                    ("gray input", h.metrics["gray_ab_l1"], {"dashed": True, "colour": "#8b93a1"})
                )
            main = h.metrics.get(group) or (h.metrics.get(names[0]) if names else None)
            self.val_chart.value.setText(
                f"{main.last:.4g}" if main and main.last is not None else ""
            )
        else:
            self.val_chart.value.setText("")
        self.val_chart.set_curves(curves, 0.0, False, x_range)
        every = h.config.get("eval_every")
        self.val_chart.set_placeholder(
            None
            if curves
            else (f"First validation at step {int(every):,}" if every else "No validation yet")
        )

    def _fill_metric_combo(self, h: RunHistory) -> None:
        groups = []
        for name in h.metrics:
            base = name.split("@")[0]
            if base not in groups and base != "gray_ab_l1":
                groups.append(base)
        current = [self.metric_combo.itemData(i) for i in range(self.metric_combo.count())]
        self.metric_combo.setVisible(bool(groups))
        if current == groups:
            return
        previous = self.metric_combo.currentData()
        self.metric_combo.blockSignals(True)
        self.metric_combo.clear()
        for g in groups:
            self.metric_combo.addItem(METRIC_LABELS.get(g, g), g)
        index = self.metric_combo.findData(previous)
        self.metric_combo.setCurrentIndex(index if index >= 0 else 0)
        self.metric_combo.blockSignals(False)

    def _layout_charts(self) -> None:
        charts = [*self.loss_charts.values(), self.val_chart]
        columns = 1 if len(charts) == 1 else 2
        for chart in charts:
            self.charts_grid.removeWidget(chart)
        for i, chart in enumerate(charts):
            self.charts_grid.addWidget(chart, i // columns, i % columns)
        rows = (len(charts) + columns - 1) // columns
        for r in range(4):
            self.charts_grid.setRowStretch(r, 1 if r < rows else 0)

    # -- actions ------------------------------------------------------------------------------

    def copy_log(self) -> None:
        QGuiApplication.clipboard().setText(self.log_view.toPlainText())

    def _open_folder(self) -> None:
        if self.session is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.session.path)))


# -- the tab -----------------------------------------------------------------------------------


class TrainingTab(QWidget):
    """Train on a folder of photos in a separate process; watch, stop, resume and use the model.

    ``runChanged(path)`` fires when a run's events or state change; ``jobFinished(path, status)``
    when a job this tab follows has ended (status: finished, stopped, failed, interrupted).
    """

    runChanged = Signal(Path)
    jobFinished = Signal(Path, str)

    def __init__(
        self, state: AppState, runs_dir: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.runs_dir = Path(runs_dir) if runs_dir is not None else runs.default_runs_dir()
        self.sessions: dict[Path, RunSession] = {}
        self._tasks: set[asyncio.Task] = set()
        self._closed = False
        self.setStyleSheet(STYLE)

        # sidebar: runs
        side = QWidget()
        side.setMinimumWidth(200)
        side.setMaximumWidth(320)
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(12, 14, 6, 12)
        side_lay.setSpacing(8)
        head = QHBoxLayout()
        title = QLabel("Runs")
        title.setObjectName("cardTitle")
        head.addWidget(title)
        head.addStretch(1)
        self.new_button = QPushButton("New run")
        self.new_button.setIcon(
            _std_icon(self, "add", QStyle.StandardPixmap.SP_FileDialogNewFolder)
        )
        self.new_button.clicked.connect(self.show_form)
        head.addWidget(self.new_button)
        side_lay.addLayout(head)
        self.run_list = QListWidget()
        self.run_list.setObjectName("runList")
        self.run_list.setItemDelegate(RunItemDelegate(self.run_list))
        self.run_list.setMouseTracking(True)
        self.run_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.run_list.currentItemChanged.connect(self._run_selected)
        side_lay.addWidget(self.run_list, 1)
        self.runs_label = ElidedLabel(f"Saved in {_home_short(self.runs_dir)}")
        self.runs_label.setObjectName("muted")
        self.runs_label.setToolTip(str(self.runs_dir))
        font = self.runs_label.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        self.runs_label.setFont(font)
        side_lay.addWidget(self.runs_label)

        self.form = NewRunForm(self)
        self.form.startRequested.connect(self.start)
        self.view = RunView(self)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.form)
        self.stack.addWidget(self.view)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(side)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 1000])
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self._tick_timer = QTimer(self)
        self._tick_timer.setInterval(1000)
        self._tick_timer.timeout.connect(self._tick)
        self._tick_timer.start()
        self._rescan_timer = QTimer(self)
        self._rescan_timer.setInterval(10_000)
        self._rescan_timer.timeout.connect(self.refresh_runs)
        self._rescan_timer.start()

        self.refresh_runs()
        if self.run_list.count():
            self.run_list.setCurrentRow(0)
        else:
            self.show_form()

    # -- tasks --------------------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """Run ``coro`` on the qasync loop, keeping a reference; failures are logged."""
        task = asyncio.get_event_loop().create_task(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("training tab task failed", exc_info=t.exception())

        task.add_done_callback(done)
        return task

    # -- runs ---------------------------------------------------------------------------------

    def refresh_runs(self) -> None:
        """Find run folders (new ones, and jobs started or resumed elsewhere meanwhile)."""
        if self._closed:
            return
        found = []
        if self.runs_dir.is_dir():
            for path in self.runs_dir.iterdir():
                if path.is_dir() and not path.name.startswith("."):
                    if (path / runs.EVENTS_FILE).exists() or (path / runs.JOB_FILE).exists():
                        found.append(path)
        for path in found:
            session = self.sessions.get(path)
            if session is None:
                session = self.sessions[path] = RunSession(path)
                session.poll()
                self._classify(session)
            elif not session.running and session.poll():
                self._classify(session)  # its events moved on: resumed from elsewhere?
        self._fill_list()

    def _classify(self, session: RunSession) -> None:
        status, pid, external = runs.run_status(session.path, session.history)
        session.status = status
        if status == "running":
            session.pid, session.external = pid, external
            if not session.following:
                self.spawn(self._follow(session))
        elif status in ("failed", "interrupted") and session.message is None:
            session.message = runs.explain_exit(None, session.history, runs.log_tail(session.path))

    def _fill_list(self) -> None:
        current = self.current_session()
        ordered = sorted(
            self.sessions.values(),
            key=lambda s: s.history.last_time or s.history.started or 0.0,
            reverse=True,
        )
        self.run_list.blockSignals(True)
        self.run_list.clear()
        for s in ordered:
            item = QListWidgetItem(s.name)
            item.setData(Qt.ItemDataRole.UserRole, str(s.path))
            self._decorate(item, s)
            self.run_list.addItem(item)
            if current is s:
                self.run_list.setCurrentItem(item)
        self.run_list.blockSignals(False)

    def _decorate(self, item: QListWidgetItem, s: RunSession) -> None:
        colour, label = STATUS_STYLE.get(s.status, STATUS_STYLE["new"])
        h = s.history
        sub = label.lower()
        if h.step:
            sub += f" · step {h.step:,}"
        kind = h.config.get("kind")
        if kind:
            sub += f" · {({'classification': 'cls', 'regression': 'l1'}).get(kind, kind)}"
        item.setData(Qt.ItemDataRole.UserRole + 1, colour)
        item.setData(Qt.ItemDataRole.UserRole + 2, sub)
        item.setToolTip(f"{s.path}\n{label}")

    def _update_item(self, session: RunSession) -> None:
        for i in range(self.run_list.count()):
            item = self.run_list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == str(session.path):
                item.setText(session.name)
                self._decorate(item, session)
                return
        self._fill_list()

    def _run_selected(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None:
            return
        session = self.sessions.get(Path(item.data(Qt.ItemDataRole.UserRole)))
        if session is not None:
            self.stack.setCurrentWidget(self.view)
            self.view.show_session(session)

    def select_run(self, path: Path) -> RunSession:
        session = self.sessions[Path(path)]
        for i in range(self.run_list.count()):
            if self.run_list.item(i).data(Qt.ItemDataRole.UserRole) == str(session.path):
                self.run_list.setCurrentRow(i)
        self.stack.setCurrentWidget(self.view)
        self.view.show_session(session)
        return session

    def current_session(self) -> RunSession | None:
        if self.stack.currentWidget() is not self.view:
            return None
        return self.view.session

    def show_form(self) -> None:
        self.run_list.clearSelection()
        self.run_list.setCurrentItem(None)
        self.form._suggest_name()
        self.stack.setCurrentWidget(self.form)

    # -- jobs ---------------------------------------------------------------------------------

    def start(self) -> Path | None:
        """Start a run with the form's options; returns its folder."""
        try:
            options = self.form.options()
        except ValueError as exc:
            self.form.hint.setText(str(exc))
            return None
        name = runs.unique_run_name(self.runs_dir, options["name"])
        options["name"] = name
        options["out"] = str((self.runs_dir / name).resolve())
        self.form._name_edited = False
        session = RunSession(self.runs_dir / name)
        self.sessions[session.path] = session
        if not self._launch(session, options, resume=False):
            return None
        self._fill_list()
        self.select_run(session.path)
        return session.path

    def resume(self, session: RunSession | None = None) -> bool:
        """Continue the run with ``--resume`` (a finished run trains as long again)."""
        session = session or self.current_session()
        if session is None or session.running:
            return False
        config = runs.run_config(session.path)
        if config is None:
            self.view.banner.show_message("This run has no recorded settings to resume from.")
            return False
        options = runs.resume_options(config, session.history)
        options["out"] = str(session.path.resolve())
        ok = self._launch(session, options, resume=True)
        self.view.show_session(session)
        return ok

    def _launch(self, session: RunSession, options: dict[str, Any], resume: bool) -> bool:
        argv = runs.command_line(options, resume=resume)
        session.path.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        try:
            with (session.path / runs.LOG_FILE).open("ab") as stderr:
                stamp = time.strftime("%Y-%m-%d %H:%M:%S")
                stderr.write(f"--- {stamp}: {' '.join(argv)}\n".encode())
                stderr.flush()
                kwargs: dict[str, Any] = {}
                if os.name == "posix":
                    kwargs["start_new_session"] = True  # Ctrl-C in a terminal spares it
                else:
                    kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
                job = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,  # the same events are in events.jsonl
                    stderr=stderr,
                    env=env,
                    **kwargs,
                )
        except OSError as exc:
            session.status = "failed"
            session.message = f"The trainer could not be started: {exc}"
            self.view.show_session(session)
            return False
        runs.write_job(session.path, job.pid, argv, {**options, "cwd": os.getcwd()})
        session.process = job
        session.pid = job.pid
        session.external = False
        session.stopping = False
        session.message = None
        session.returncode = None
        session.status = "starting"
        self.view.banner.hide()
        if not session.following:
            self.spawn(self._follow(session))
        self.runChanged.emit(session.path)
        return True

    def stop(self, session: RunSession | None = None, force: bool | None = None) -> bool:
        """Ask the job to save a checkpoint and stop; a second call offers to kill it."""
        session = session or self.current_session()
        if session is None or not session.running or session.pid is None:
            return False
        if force is None:
            force = session.stopping and self._confirm_force(session)
            if session.stopping and not force:
                return False
        try:
            runs.stop_job(session.pid, force=force)
        except ProcessLookupError:
            return False
        except PermissionError as exc:
            self.view.banner.show_message(f"Cannot stop the job (pid {session.pid}): {exc}")
            return False
        session.stopping = True
        session.status = "stopping"
        self._changed(session)
        return True

    def _confirm_force(self, session: RunSession) -> bool:
        answer = QMessageBox.question(
            self,
            "Force stop",
            f"“{session.name}” is still saving its checkpoint. Kill it now? "
            "Training since the last checkpoint is lost.",
        )
        return answer == QMessageBox.StandardButton.Yes

    def use_model(self, session: RunSession | None = None) -> Path | None:
        """Copy the run's latest model into the user's models; the picker and Photos use it."""
        session = session or self.current_session()
        if session is None:
            return None
        try:
            path = runs.install_model(session.path, library.user_dir(), session.name)
        except (OSError, ValueError, Exception) as exc:  # noqa: BLE001 - shown, not raised
            self.view.banner.show_message(f"Could not add the model: {exc}")
            return None
        step = session.history.checkpoint_step
        self.state.modelAdded.emit(path)
        self.state.set_model_path(path)
        at = f" (step {step:,})" if step is not None else ""
        self.view.banner.show_message(
            f"Added “{session.name}”{at} to your models as {path.name}. "
            "The Photos tab now colourizes with it; compare it with the model you had before.",
            "ok",
        )
        return path

    # -- following a job ----------------------------------------------------------------------

    async def _follow(self, session: RunSession) -> None:
        session.following = True
        try:
            while not self._closed:
                if session.poll():
                    if session.status == "starting" and session.history.sessions:
                        session.status = "running"
                    self._changed(session)
                if self._ended(session):
                    break
                await asyncio.sleep(POLL_SECONDS)
        finally:
            session.following = False

    def _ended(self, session: RunSession) -> bool:
        rc: int | None = None
        if session.process is not None:
            rc = session.process.poll()
            if rc is None:
                return False
        elif session.pid is not None:
            if runs.pid_alive(session.pid):
                return False
        elif session.history.state == "training":
            return False
        session.poll()
        h = session.history
        state = h.state
        if state in ("finished", "stopped") and not rc:
            status, message = state, None
        elif session.stopping and not h.error:
            status = "stopped"
            message = (
                None
                if state == "stopped"
                else (
                    f"Stopped; the last checkpoint (step {h.checkpoint_step:,}) is kept."
                    if h.checkpoint_step is not None
                    else "Stopped before the first checkpoint: nothing was saved."
                )
            )
        else:
            status = "failed" if (h.error or rc) else "interrupted"
            message = runs.explain_exit(rc, h, runs.log_tail(session.path))
        session.status, session.message, session.returncode = status, message, rc
        session.process, session.pid, session.stopping = None, None, False
        self._changed(session)
        if self.current_session() is session:
            self.view.show_session(session)
        self.jobFinished.emit(session.path, status)
        return True

    def _changed(self, session: RunSession) -> None:
        self._update_item(session)
        if self.current_session() is session:
            self.view.refresh()
            self.view.schedule_redraw()
        self.runChanged.emit(session.path)

    def _tick(self) -> None:
        self.view.tick()

    # -- closing ------------------------------------------------------------------------------

    def running_jobs(self) -> list[RunSession]:
        """Jobs this window started that still run."""
        return [
            s for s in self.sessions.values() if s.process is not None and s.process.poll() is None
        ]

    def close_requested(self) -> bool:
        """Call when the window is about to close. With a job running, asks whether to stop it
        (it saves a checkpoint first) or keep it running in the background (the tab finds it
        again next time). Returns False when the person cancels the close."""
        jobs = self.running_jobs()
        if not jobs:
            return True
        answer = self._ask_on_close(jobs)
        if answer == "cancel":
            return False
        if answer == "stop":
            for s in jobs:
                with contextlib.suppress(OSError):
                    runs.stop_job(s.pid or s.process.pid)
                s.stopping = True
        return True

    confirm_close = close_requested  # the name the main window looks for

    def _ask_on_close(self, jobs: list[RunSession]) -> str:
        """ "stop", "keep" or "cancel"."""
        names = ", ".join(f"“{s.name}”" for s in jobs)
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Training is running")
        box.setText(f"Training {names} is still running.")
        box.setInformativeText(
            "Stop it now (it saves a checkpoint you can resume), or keep it running in the "
            "background? Chroma Desk shows its progress again when you reopen it."
        )
        stop = box.addButton("Stop training", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep running", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.exec()
        clicked = box.clickedButton()
        return "stop" if clicked is stop else "keep" if clicked is keep else "cancel"

    def shutdown(self) -> None:
        """Stop following jobs and timers (the jobs themselves keep running)."""
        self._closed = True
        self._tick_timer.stop()
        self._rescan_timer.stop()
        for task in list(self._tasks):
            task.cancel()
