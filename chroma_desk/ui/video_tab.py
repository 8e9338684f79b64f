"""The Video tab: open or drop a clip, see its facts, colourize it with a live before/after.

The job is ``chroma_desk.engine.video.VideoJob`` (a plain generator of progress) run by the
window's ``GeneratorWorker`` on its own QThread; ``video_updates`` turns each report's preview
frames into ``ImagePyramid``s off the GUI thread, so the window only swaps pictures in and stays responsive.
Pause, resume and cancel go straight to the job (thread-safe events).
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSlider,
    QSpinBox,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chroma_desk.durations import format_duration
from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.engine.hints import Hint
from chroma_desk.engine.keyframes import Keyframe, KeyframeStore
from chroma_desk.engine.video import VideoJob, VideoProgress, VideoResult, VideoSettings
from chroma_desk.media.video import (
    DEFAULT_CRF,
    OUTPUT_FORMATS,
    VIDEO_SUFFIXES,
    VideoError,
    VideoInfo,
    default_output,
    probe,
)
from chroma_desk.models.checkpoint import ModelFileError, read_card
from chroma_desk.ui import settings
from chroma_desk.ui.compare_view import SIDE, SPLIT, CompareView
from chroma_desk.ui.desktop import open_with_system
from chroma_desk.ui.icons import icon
from chroma_desk.ui.keyframe_dialog import open_keyframe_dialog
from chroma_desk.ui.model_picker import add_model_controls
from chroma_desk.ui.state import AppState
from chroma_desk.ui.video_work import (
    FramePreview,
    HintEditor,
    VideoUpdate,
    error_text,
    frame_preview,
    preview_pyramid,
    video_updates,
)
from chroma_desk.ui.worker import GeneratorWorker

VIDEO_FILTER = "Videos ({})".format(" ".join(f"*{s}" for s in sorted(VIDEO_SUFFIXES)))
FACT_LABELS = ("Container", "Video", "Size", "Frame rate", "Frames", "Length", "Audio")


class VideoTab(QWidget):
    """Colourize a video clip. ``state`` gives the model and temperature.

    Signals: ``message(str, int)`` for the status bar, ``busyChanged(bool)``.
    """

    message = Signal(str, int)
    busyChanged = Signal(bool)
    infoChanged = Signal()  # the clip's facts changed (status bar)
    jobFinished = Signal(object)  # VideoResult (done or cancelled)
    jobFailed = Signal(str)
    previewShown = Signal(float)  # a scrubbed frame's before/after is on screen (its time)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.info: VideoInfo | None = None
        self.job: VideoJob | None = None
        self.result: VideoResult | None = None
        self.last_progress: VideoProgress | None = None
        self._worker: GeneratorWorker | None = None
        self._started_at = 0.0
        self.keyframes: list[Keyframe] = []  # this clip's, kept in the data folder
        self.keyframe_store = KeyframeStore()
        self.hint_editor: HintEditor | None = open_keyframe_dialog  # tests may swap it
        self.previewed: FramePreview | None = None
        self._preview_worker: GeneratorWorker | None = None
        self._preview_wanted: float | None = None
        self._colorizers: dict[Path, Colorizer] = {}  # used by one preview at a time
        self.setAcceptDrops(True)
        self._build()
        self._update_controls()
        self.view.set_placeholder(
            "Drop a video clip here",
            "or use Open clip\N{HORIZONTAL ELLIPSIS}; its sound is carried into the result.",
            "film",
        )
        self._scrub_timer = QTimer(self)
        self._scrub_timer.setSingleShot(True)
        self._scrub_timer.setInterval(150)
        self._scrub_timer.timeout.connect(lambda: self.preview_at(self.scrub_time()))
        self.state.temperatureChanged.connect(lambda _t: self._repreview())
        self.state.modelChanged.connect(lambda _p: (self._repreview(), self._update_controls()))

    # -- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)

        self.toolbar = QToolBar(self)
        self.toolbar.setIconSize(QSize(18, 18))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.act_open = self.toolbar.addAction(icon("open"), "Open clip\N{HORIZONTAL ELLIPSIS}")
        self.act_open.setToolTip("Open a video file (or drop one on this tab)")
        self.act_open.triggered.connect(self.choose_clip)
        self.toolbar.addSeparator()
        self.picker, self.temperature = add_model_controls(self.toolbar, self.state)
        self.act_modes = {}
        for mode, name, tip in (
            (SPLIT, "split", "Before and after split by a divider (drag it)"),
            (SIDE, "side", "Before and after side by side"),
        ):
            action = self.toolbar.addAction(icon(name), "")
            action.setCheckable(True)
            action.setToolTip(tip)
            action.triggered.connect(lambda _=False, m=mode: self.view.set_mode(m))
            self.act_modes[mode] = action
            button = self.toolbar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        layout.addWidget(self.toolbar)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self._side_panel())
        self.view = CompareView(self.splitter)
        mode = settings.get_str("video/mode", SPLIT)
        self.view.set_mode(mode if mode in (SPLIT, SIDE) else SPLIT)
        self.view.modeChanged.connect(self._mode_changed)
        self._mode_changed(self.view.mode)
        self.splitter.addWidget(self.view)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([300, 1000])
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self._scrub_bar())
        layout.addWidget(self._progress_bar())

    def _section(self, text: str, parent: QWidget) -> QLabel:
        label = QLabel(text, parent)
        label.setObjectName("sectionTitle")
        return label

    def _side_panel(self) -> QWidget:
        side = QWidget(self.splitter)
        side.setMinimumWidth(260)
        side.setMaximumWidth(420)
        v = QVBoxLayout(side)
        v.setContentsMargins(0, 0, 0, 8)
        v.setSpacing(0)

        v.addWidget(self._section("Clip", side))
        self.clip_name = QLabel("No clip opened", side)
        self.clip_name.setWordWrap(True)
        self.clip_name.setContentsMargins(10, 0, 10, 6)
        self.clip_name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.clip_name.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.clip_name.setFont(font)
        v.addWidget(self.clip_name)
        facts = QFormLayout()
        facts.setContentsMargins(10, 0, 10, 4)
        facts.setHorizontalSpacing(12)
        facts.setVerticalSpacing(3)
        facts.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.fact_values: dict[str, QLabel] = {}
        for key in FACT_LABELS:
            name = QLabel(key, side)
            name.setStyleSheet("color: palette(placeholder-text);")
            value = QLabel("\N{EM DASH}", side)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            facts.addRow(name, value)
            self.fact_values[key] = value
        v.addLayout(facts)

        v.addWidget(self._rule(side))
        v.addWidget(self._section("Result", side))
        out_row = QHBoxLayout()
        out_row.setContentsMargins(10, 0, 10, 4)
        out_row.setSpacing(4)
        self.output_edit = QLineEdit(side)
        self.output_edit.setPlaceholderText("where to save the colour clip")
        self.output_edit.setToolTip("The colourized clip: .mp4, .mov or .mkv")
        self.output_button = QToolButton(side)
        self.output_button.setIcon(icon("save"))
        self.output_button.setToolTip("Choose where to save\N{HORIZONTAL ELLIPSIS}")
        self.output_button.clicked.connect(self.choose_output)
        out_row.addWidget(self.output_edit, 1)
        out_row.addWidget(self.output_button)
        v.addLayout(out_row)

        options = QFormLayout()
        options.setContentsMargins(10, 4, 10, 4)
        options.setHorizontalSpacing(12)
        options.setVerticalSpacing(6)
        self.smooth_box = QCheckBox("Steady colours", side)
        self.smooth_box.setChecked(True)
        self.smooth_box.setToolTip(
            "Temporal smoothing: each frame's colours are blended with the previous frame's, "
            "following the motion, and reset at scene cuts. Less flicker."
        )
        options.addRow("Flicker", self.smooth_box)
        self.crf_spin = QSpinBox(side)
        self.crf_spin.setRange(0, 51)
        self.crf_spin.setValue(DEFAULT_CRF)
        self.crf_spin.setToolTip(
            "H.264 constant rate factor: lower is better and larger; 18 looks like the source"
        )
        options.addRow("Quality (CRF)", self.crf_spin)
        part = QHBoxLayout()
        part.setSpacing(4)
        self.start_spin = QDoubleSpinBox(side)
        self.end_spin = QDoubleSpinBox(side)
        for spin, tip in (
            (self.start_spin, "Start at this many seconds"),
            (self.end_spin, "Stop at this many seconds (the end of the clip when at its length)"),
        ):
            spin.setDecimals(1)
            spin.setSuffix(" s")
            spin.setRange(0.0, 0.0)
            spin.setToolTip(tip)
        part.addWidget(self.start_spin, 1)
        part.addWidget(QLabel("to", side))
        part.addWidget(self.end_spin, 1)
        options.addRow("Part", part)
        v.addLayout(options)

        v.addWidget(self._rule(side))
        v.addWidget(self._section("Keyframes", side))
        self.keyframe_list = QListWidget(side)
        self.keyframe_list.setToolTip(
            "Frames with colour hints: they carry through their shot both ways. Double-click "
            "one to see it."
        )
        self.keyframe_list.setMaximumHeight(84)
        self.keyframe_list.itemDoubleClicked.connect(self._keyframe_chosen)
        keys = QVBoxLayout()
        keys.setContentsMargins(10, 0, 10, 4)
        keys.addWidget(self.keyframe_list)
        self.remove_keyframe_button = QPushButton("Remove keyframe", side)
        self.remove_keyframe_button.clicked.connect(self._remove_selected_keyframe)
        keys.addWidget(self.remove_keyframe_button)
        self.keyframe_note = QLabel(
            "This model takes no colour hints: keyframes are kept, not used.", side
        )
        self.keyframe_note.setWordWrap(True)
        self.keyframe_note.setStyleSheet("color: palette(placeholder-text);")
        self.keyframe_note.hide()
        keys.addWidget(self.keyframe_note)
        v.addLayout(keys)
        v.addStretch(1)

        self.hint = QLabel("The sound is kept. Frame rate, size and length stay as they are.", side)
        self.hint.setWordWrap(True)
        self.hint.setContentsMargins(10, 6, 10, 6)
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        v.addWidget(self.hint)
        return side

    def _scrub_bar(self) -> QWidget:
        bar = QWidget(self)
        h = QHBoxLayout(bar)
        h.setContentsMargins(10, 6, 10, 0)
        h.setSpacing(8)
        h.addWidget(QLabel("Frame", bar))
        self.scrub = QSlider(Qt.Orientation.Horizontal, bar)
        self.scrub.setRange(0, 0)
        self.scrub.setToolTip("Scrub to a frame: it is shown before and after at these settings")
        self.scrub.valueChanged.connect(self._scrubbed)
        self.scrub_label = QLabel("", bar)
        self.scrub_label.setMinimumWidth(self.scrub_label.fontMetrics().horizontalAdvance("0" * 16))
        self.hint_button = QPushButton("Hint this frame\N{HORIZONTAL ELLIPSIS}", bar)
        self.hint_button.setToolTip(
            "Colour hints on this frame, carried through its shot (needs a model that takes hints)"
        )
        self.hint_button.clicked.connect(self.edit_hints)
        h.addWidget(self.scrub, 1)
        h.addWidget(self.scrub_label)
        h.addWidget(self.hint_button)
        return bar

    def _rule(self, parent: QWidget) -> QFrame:
        line = QFrame(parent)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Plain)
        line.setStyleSheet("color: palette(mid); margin: 6px 10px;")
        return line

    def _progress_bar(self) -> QWidget:
        bar = QWidget(self)
        bar.setObjectName("videoProgress")
        h = QHBoxLayout(bar)
        h.setContentsMargins(10, 8, 10, 8)
        h.setSpacing(8)
        self.start_button = QPushButton(icon("film"), "Colourize", bar)
        self.start_button.setDefault(True)
        self.start_button.setToolTip("Colourize the clip into the result file")
        self.start_button.clicked.connect(lambda: self.start())  # not clicked's `checked`
        self.pause_button = QPushButton("Pause", bar)
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self._pause_toggled)
        self.cancel_button = QPushButton(icon("stop"), "Cancel", bar)
        self.cancel_button.setToolTip("Stop; no result file is left behind")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar(bar)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("%p%")
        self.progress.setMinimumWidth(200)
        self.stats = QLabel("", bar)
        self.stats.setMinimumWidth(self.stats.fontMetrics().horizontalAdvance("0" * 44))
        self.open_result_button = QPushButton("Play result", bar)
        self.open_result_button.setToolTip("Open the result in the system's video player")
        self.open_result_button.clicked.connect(self.open_result)
        self.open_result_button.hide()
        h.addWidget(self.start_button)
        h.addWidget(self.pause_button)
        h.addWidget(self.cancel_button)
        h.addSpacing(6)
        h.addWidget(self.progress, 1)
        h.addWidget(self.stats)
        h.addWidget(self.open_result_button)
        return bar

    def _mode_changed(self, mode: str) -> None:
        for m, action in self.act_modes.items():
            action.setChecked(m == mode)
        settings.set_value("video/mode", mode)

    # -- the clip -----------------------------------------------------------------------------

    def choose_clip(self) -> None:
        folder = settings.get_folder("folders/video")
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a video clip", folder, f"{VIDEO_FILTER};;All files (*)"
        )
        if path:
            self.open_clip(path)

    def open_clip(self, path: str | Path) -> bool:
        """Read a clip's facts and show its first frame; False (with a message) if unreadable."""
        if self.running:
            self.message.emit("A clip is being colourized; cancel it first.", 5000)
            return False
        path = Path(path)
        try:
            info = probe(path)
        except VideoError as exc:
            self.view.set_message("Cannot open this clip", str(exc))
            self.message.emit(str(exc), 8000)
            return False
        self.info = info
        self.result = None
        settings.set_value("folders/video", str(path.parent))
        self.clip_name.setText(path.name)
        self.clip_name.setToolTip(str(path))
        for key, value in info.facts():
            if key in self.fact_values:
                self.fact_values[key].setText(value)
        self.output_edit.setText(str(default_output(path)))
        for spin in (self.start_spin, self.end_spin):
            spin.setRange(0.0, round(info.duration, 1))
        self.start_spin.setValue(0.0)
        self.end_spin.setValue(round(info.duration, 1))
        self.progress.setRange(0, max(1, info.frame_count))
        self.progress.setValue(0)
        self.stats.setText(f"{info.frame_count:,} frames")
        self.open_result_button.hide()
        self.view.set_message(None)
        self.previewed = None
        self.keyframes = self.keyframe_store.load(path)
        self._fill_keyframes()
        with QSignalBlocker(self.scrub):
            self.scrub.setRange(0, max(0, info.frame_count - 1))
            self.scrub.setValue(0)
        self._show_scrub_time()
        self._show_first_frame(path, info)
        self._update_controls()
        self.infoChanged.emit()
        return True

    def _show_first_frame(self, path: Path, info: VideoInfo) -> None:
        from chroma_desk.media.video import iter_frames

        try:
            first = next(iter_frames(path, info=info, threads=False)).rgb
        except (VideoError, StopIteration):
            return
        self.view.set_before(preview_pyramid(first, info.rotation))
        self.view.set_after(None)

    def choose_output(self) -> None:
        current = self.output_edit.text().strip()
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save the colour clip as",
            current or settings.get_folder("folders/video"),
            "MP4 video (*.mp4);;Matroska video (*.mkv);;QuickTime movie (*.mov)",
        )
        if path:
            self.output_edit.setText(path)

    # -- drag and drop ------------------------------------------------------------------------

    @staticmethod
    def _video_paths(event: QDragEnterEvent | QDropEvent) -> list[Path]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
        return [p for p in paths if p.suffix.lower() in VIDEO_SUFFIXES]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self._video_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = self._video_paths(event)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_clip(paths[0])

    # -- the job ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._worker is not None

    def settings_for_job(self) -> VideoSettings:
        start = self.start_spin.value()
        end = self.end_spin.value()
        whole_end = self.info is not None and end >= round(self.info.duration, 1) - 1e-6
        return VideoSettings(
            temperature=self.state.temperature,
            backend=self.state.backend,
            smooth=self.smooth_box.isChecked(),
            crf=self.crf_spin.value(),
            start=start or None,
            end=None if whole_end or end <= start else end,
            keyframes=tuple(self.keyframes) if self.model_takes_hints() else (),
        )

    def _output_problem(self, output: Path) -> str | None:
        if self.info is None:
            return "Open a clip first."
        if not output.name:
            return "Choose where to save the result."
        if output.suffix.lower() not in OUTPUT_FORMATS:
            return "The result must be an .mp4, .mov or .mkv file."
        if not output.parent.is_dir():
            return f"The folder {output.parent} does not exist."
        if output.exists() and output.resolve() == self.info.path.resolve():
            return "The result would overwrite the clip itself; choose another name."
        return None

    def start(self, confirm_overwrite: bool = True) -> bool:
        """Start colourizing the open clip; False (with a message) when it cannot start."""
        if self.running:
            return False
        output = Path(self.output_edit.text().strip()).expanduser()
        problem = self._output_problem(output)
        if problem is None and self.state.model_path is None:
            problem = "No model loaded: choose one in the model list."
        if problem:
            self.message.emit(problem, 6000)
            self.view.set_message("Cannot start", problem)
            return False
        if output.exists() and confirm_overwrite:
            answer = QMessageBox.question(
                self,
                "Replace the file?",
                f"{output.name} exists already. Replace it?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.message.emit(f"Not started: {output.name} was kept as it is.", 6000)
                return False
        assert self.info is not None
        self.view.set_message(None)
        self.result = None
        self.last_progress = None
        self.job = VideoJob(
            self.info.path, output, Path(self.state.model_path), self.settings_for_job()
        )
        self._worker = GeneratorWorker(
            video_updates,
            self.job,
            self.info.rotation,
            on_stop=self.job.cancel,
            name="chroma-video-worker",
        )
        self._worker.yielded.connect(self._on_progress)
        self._worker.returned.connect(self._on_finished)
        self._worker.errored.connect(lambda exc: self._on_failed(error_text(exc)))
        self._started_at = time.monotonic()
        self.stats.setText("Loading the model\N{HORIZONTAL ELLIPSIS}")
        self.open_result_button.hide()
        self.view.set_busy("Starting\N{HORIZONTAL ELLIPSIS}")
        self._worker.start()
        self._update_controls()
        self.busyChanged.emit(True)
        return True

    def pause(self) -> None:
        if self.job is not None and self.running:
            self.pause_button.setChecked(True)

    def resume(self) -> None:
        if self.job is not None and self.running:
            self.pause_button.setChecked(False)

    def _pause_toggled(self, paused: bool) -> None:
        if self.job is None or not self.running:
            return
        if paused:
            self.job.pause()
            self.pause_button.setText("Resume")
            self.message.emit("Paused", 3000)
        else:
            self.job.resume()
            self.pause_button.setText("Pause")
        self._show_stats(self.last_progress)

    def cancel(self) -> None:
        if self.job is not None and self.running:
            self.job.cancel()
            self.stats.setText("Cancelling\N{HORIZONTAL ELLIPSIS}")
            self.cancel_button.setEnabled(False)

    def _show_stats(self, p: VideoProgress | None) -> None:
        if p is None:
            return
        if p.state == "finishing":
            self.stats.setText("Finishing the file\N{HORIZONTAL ELLIPSIS}")
            return
        parts = [f"{p.frames_done:,} / {p.total:,} frames"]
        if p.fps > 0:
            parts.append(f"{p.fps:.1f} fps")
        if self.job is not None and self.job.paused:
            parts.append("paused")
        elif p.eta is not None and p.frames_done:
            parts.append(f"{format_duration(p.eta, clock=True)} left")
        self.stats.setText("  \N{MIDDLE DOT}  ".join(parts))

    @Slot(object)
    def _on_progress(self, update: VideoUpdate) -> None:
        p = update.progress
        self.last_progress = p
        if p.frames_done or p.state != "running":
            self.view.set_busy(None)
        if self.progress.maximum() != max(1, p.total):
            self.progress.setRange(0, max(1, p.total))
        self.progress.setValue(min(p.frames_done, p.total))
        self._show_stats(p)
        if update.before is not None and update.after is not None:
            first = self.view.before is None
            self.view.set_before(update.before, reset_view=first)
            self.view.set_after(update.after)

    # -- scrubbing and keyframes --------------------------------------------------------------

    def scrub_time(self) -> float:
        return self.scrub.value() / float(self.info.fps) if self.info is not None else 0.0

    def _show_scrub_time(self) -> None:
        text = ""
        if self.info is not None:
            frames = max(1, self.info.frame_count)
            text = f"frame {self.scrub.value() + 1:,} of {frames:,}"
        if self.keyframe_at(self.scrub_time()) is not None:
            text += "  \N{BLACK DIAMOND} keyframe"
        self.scrub_label.setText(text)

    def _scrubbed(self, _value: int) -> None:
        self._show_scrub_time()
        self._scrub_timer.start()

    def model_takes_hints(self) -> bool:
        path = self.state.model_path
        if path is None:
            return False
        try:
            return read_card(Path(path)).takes_hints
        except ModelFileError:
            return False

    def keyframe_at(self, time: float) -> Keyframe | None:
        """The keyframe on the frame at ``time`` (within half a frame), if any."""
        if self.info is None:
            return None
        half = 0.5 / float(self.info.fps)
        return next((k for k in self.keyframes if abs(k.time - time) <= half), None)

    def preview_at(self, time: float) -> bool:
        """Show the frame at ``time`` before and after, at the current model and temperature
        (in the background; a newer request waits for the running one). False when a job
        runs (its own preview is on screen) or no clip or model is open."""
        if self.info is None or self.running or self.state.model_path is None:
            return False
        if self._preview_worker is not None:
            self._preview_wanted = time
            return True
        keyframe = self.keyframe_at(time)
        hints = keyframe.hints if keyframe and self.model_takes_hints() else ()
        self._preview_worker = GeneratorWorker(
            frame_preview,
            self.info.path,
            self.info,
            time,
            self._colorizer(Path(self.state.model_path)),
            self.state.temperature,
            hints,
            name="chroma-video-preview",
        )
        self._preview_worker.yielded.connect(self._on_preview)
        self._preview_worker.errored.connect(
            lambda exc: self.message.emit(f"Cannot show this frame: {error_text(exc)}", 8000)
        )
        self._preview_worker.finished.connect(self._preview_done)
        self._preview_worker.start()
        self.view.set_busy("Colourizing this frame\N{HORIZONTAL ELLIPSIS}")
        return True

    def _colorizer(self, path: Path) -> Colorizer:
        if path not in self._colorizers:
            self._colorizers.clear()
            self._colorizers[path] = Colorizer(path)
        return self._colorizers[path]

    @Slot(object)
    def _on_preview(self, preview: FramePreview) -> None:
        self.previewed = preview
        first = self.view.before is None
        self.view.set_before(preview.before, reset_view=first)
        self.view.set_after(preview.after)
        self._update_controls()
        self.previewShown.emit(preview.time)

    @Slot()
    def _preview_done(self) -> None:
        worker, self._preview_worker = self._preview_worker, None
        if worker is not None:
            worker.wait()
        self.view.set_busy(None)
        wanted, self._preview_wanted = self._preview_wanted, None
        if wanted is not None:
            self.preview_at(wanted)

    def _repreview(self) -> None:
        if self.previewed is not None and not self.running:
            self.preview_at(self.previewed.time)

    def edit_hints(self) -> None:
        """Open the previewed frame in hint mode (``hint_editor``, set by the hint-mode widget)."""
        if self.previewed is None:
            return
        if self.hint_editor is None:
            self.message.emit("Hint mode for video frames is not there yet.", 6000)
            return
        keyframe = self.keyframe_at(self.previewed.time)
        self.hint_editor(
            self, self.previewed.time, self.previewed.rgb, keyframe.hints if keyframe else ()
        )

    def set_keyframe(self, time: float, hints: tuple[Hint, ...] | list[Hint]) -> None:
        """Give the frame at ``time`` these hints (none: it is no longer a keyframe); saved
        with the clip at once, and the frame shown again with them."""
        if self.info is None:
            return
        old = self.keyframe_at(time)
        keep = [k for k in self.keyframes if k is not old]
        if hints:
            keep.append(Keyframe(old.time if old else time, tuple(hints)))
        self.keyframes = sorted(keep, key=lambda k: k.time)
        self.keyframe_store.save(self.info.path, self.keyframes)
        self._fill_keyframes()
        self._show_scrub_time()
        self.preview_at(time)

    def _fill_keyframes(self) -> None:
        self.keyframe_list.clear()
        for k in self.keyframes:
            count = len(k.hints)
            item = QListWidgetItem(
                f"{format_duration(k.time, clock=True)}  \N{EM DASH}  {count} hint{'s' * (count != 1)}"
            )
            item.setData(Qt.ItemDataRole.UserRole, k.time)
            self.keyframe_list.addItem(item)
        self._update_controls()

    def _keyframe_chosen(self, item: QListWidgetItem) -> None:
        if self.info is not None:
            self.scrub.setValue(
                round(float(item.data(Qt.ItemDataRole.UserRole)) * float(self.info.fps))
            )

    def _remove_selected_keyframe(self) -> None:
        item = self.keyframe_list.currentItem()
        if item is not None:
            self.set_keyframe(float(item.data(Qt.ItemDataRole.UserRole)), ())

    def status_info(self) -> dict:
        """What the status bar shows on this tab: the clip's size and facts, the model."""
        info: dict = {"model": Path(self.state.model_path).stem if self.state.model_path else None}
        if self.info is not None:
            info["size"] = self.info.display_size
            facts = dict(self.info.facts())
            parts = [facts.get("Frame rate"), facts.get("Length"), facts.get("Video")]
            if self.keyframes:
                parts.append(f"{len(self.keyframes)} keyframe{'s' * (len(self.keyframes) != 1)}")
            info["facts"] = "  \N{MIDDLE DOT}  ".join(p for p in parts if p)
        return info

    def _finish_thread(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.wait()
        self.view.set_busy(None)
        with QSignalBlocker(self.pause_button):
            self.pause_button.setChecked(False)
        self.pause_button.setText("Pause")
        self._update_controls()
        self.busyChanged.emit(False)

    @Slot(object)
    def _on_finished(self, result: VideoResult) -> None:
        self._finish_thread()
        self.result = result
        if result.status == "cancelled":
            self.progress.setValue(0)
            self.stats.setText("Cancelled \N{EM DASH} no file written")
            self.message.emit("Cancelled; no result file was written.", 6000)
        else:
            self.progress.setValue(self.progress.maximum())
            audio = {"copy": "sound kept", "aac": "sound re-encoded", "none": "no sound"}
            self.stats.setText(
                f"Done: {result.frames:,} frames in {format_duration(result.seconds, clock=True)} "
                f"({result.fps:.1f} fps), {audio.get(result.audio, '')}"
            )
            self.open_result_button.show()
            self.message.emit(f"Saved {result.output}", 8000)
        self.jobFinished.emit(result)

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        self._finish_thread()
        self.progress.setValue(0)
        self.stats.setText("Failed \N{EM DASH} no file written")
        self.view.set_message("Colourizing failed", text)
        self.message.emit(text, 10000)
        self.jobFailed.emit(text)

    def open_result(self) -> None:
        if self.result is not None and self.result.output is not None:
            open_with_system(self, self.result.output, "this video")

    def _update_controls(self) -> None:
        running = self.running
        has_clip = self.info is not None
        self.start_button.setEnabled(has_clip and not running)
        self.pause_button.setEnabled(running)
        self.cancel_button.setEnabled(running)
        self.act_open.setEnabled(not running)
        for w in (
            self.picker,
            self.temperature,
            self.output_edit,
            self.output_button,
            self.smooth_box,
            self.crf_spin,
            self.start_spin,
            self.end_spin,
            self.scrub,
            self.keyframe_list,
        ):
            w.setEnabled(not running and (has_clip or w in (self.picker, self.temperature)))
        self.hint_button.setEnabled(not running and self.previewed is not None)
        self.remove_keyframe_button.setEnabled(not running and bool(self.keyframes))
        self.keyframe_note.setVisible(bool(self.keyframes) and not self.model_takes_hints())

    # -- the window's hooks -------------------------------------------------------------------

    def confirm_close(self) -> bool:
        if not self.running:
            return True
        answer = QMessageBox.question(
            self,
            "Stop colourizing?",
            "A clip is being colourized. Stop it and close? No result file will be written.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def shutdown(self) -> None:
        """Cancel a running job and wait for its thread (the window is closing)."""
        self._scrub_timer.stop()
        for worker in (self._worker, self._preview_worker):
            if worker is not None:
                worker.stop()
                worker.wait()
        self._worker = self._preview_worker = None
