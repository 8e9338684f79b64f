"""The dashboard of one run: header and actions, numbers, loss and validation curves, the
latest sample, the log."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFontDatabase,
    QGuiApplication,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSlider,
    QSplitter,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from chroma_desk.durations import format_duration
from chroma_desk.ui.training.charts import CurveChart
from chroma_desk.ui.training.widgets import (
    SERIES_COLOURS,
    STATUS_STYLE,
    Banner,
    ImageView,
    StatTile,
    fmt_number,
    make_card,
    muted_label,
    std_icon,
)
from training import choices, rundir
from training.history import (
    RunHistory,
    discriminator_hint,
    not_better_than_gray,
)
from training.supervisor import Job

REDRAW_MS = 150

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


class RunView(QWidget):
    """Header with actions, numbers, loss and validation curves, the latest sample, the log.

    The buttons only ask: ``stopRequested``, ``resumeRequested``, ``useRequested``."""

    stopRequested = Signal()
    resumeRequested = Signal()
    useRequested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.session: Job | None = None
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
        self.folder_button.setIcon(std_icon(self, "open", QStyle.StandardPixmap.SP_DirOpenIcon))
        self.folder_button.clicked.connect(self._open_folder)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("danger")
        self.stop_button.setIcon(std_icon(self, "stop", QStyle.StandardPixmap.SP_MediaStop))
        self.stop_button.setToolTip("Save a checkpoint and stop; Resume continues from it")
        self.stop_button.clicked.connect(self.stopRequested)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setIcon(std_icon(self, "play", QStyle.StandardPixmap.SP_MediaPlay))
        self.resume_button.clicked.connect(self.resumeRequested)
        self.use_button = QPushButton("Use this model")
        self.use_button.setObjectName("primary")
        self.use_button.setToolTip(
            "Add the latest checkpoint to your models and colourize the current photo with it"
        )
        self.use_button.clicked.connect(self.useRequested)
        for b in (self.folder_button, self.stop_button, self.resume_button, self.use_button):
            head.addWidget(b)
        outer.addLayout(head)
        self.subtitle = muted_label()
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
        tiles.addWidget(muted_label("Smoothing", wrap=False), 0, Qt.AlignmentFlag.AlignBottom)
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
        sample_card, sample_lay, sample_head = make_card("Latest sample")
        self.sample_step = muted_label(wrap=False)
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

        log_card, log_lay, log_head = make_card("Log")
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

    def show_session(self, session: Job) -> None:
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
        cfg = s.config()
        parts = []
        if cfg.get("kind"):
            parts.append(
                {"gan": "GAN", "classification": "Classification"}.get(
                    cfg["kind"], cfg["kind"].title()
                )
            )
        if cfg.get("arch"):
            parts.append(choices.arch_label(cfg["arch"]))
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
        self.resume_button.setEnabled(not running and rundir.run_config(s.path) is not None)
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
        self.tile_speed.set(fmt_number(h.images_per_s.last))
        self.tile_elapsed.set(format_duration(h.train_seconds + since) if h.sessions else "–")
        if s.running and h.eta_s is not None:
            self.tile_eta.set(format_duration(max(0.0, h.eta_s - since)))
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
            self._show_discriminator_hint(self.loss_charts["d"], discriminator_hint(h))
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
        self.val_chart.set_note(not_better_than_gray(h))
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
        self.val_chart.title.setVisible(not groups)  # the combo names the curve: room for it
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
        for c in range(2):
            self.charts_grid.setColumnStretch(c, 1 if c < columns else 0)

    # -- actions ------------------------------------------------------------------------------

    def copy_log(self) -> None:
        QGuiApplication.clipboard().setText(self.log_view.toPlainText())

    def _open_folder(self) -> None:
        if self.session is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.session.path)))
