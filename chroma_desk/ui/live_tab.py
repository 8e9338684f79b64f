"""The Live tab: a camera colourized as it films, side by side, with snapshot and recording.

``chroma_desk.engine.live.LiveSession`` does the work (always the newest frame: when a frame
takes longer than the camera's interval, the frames in between are dropped, so the picture
never lags); ``LiveRun.updates`` runs it on the window's ``GeneratorWorker`` and hands the
window finished pictures.
The temperature slider acts on the next frame. With no camera the tab says so plainly, and a
video file can stand in for one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chroma_desk.engine.live import LiveFrame, LiveSession
from chroma_desk.media.camera import (
    NO_CAMERA_HELP,
    CameraError,
    CameraInfo,
    FileSource,
    FrameSource,
    OpenCVCamera,
    list_cameras,
)
from chroma_desk.ui import settings
from chroma_desk.ui.compare_view import SIDE, CompareView, ImagePyramid
from chroma_desk.ui.icons import icon
from chroma_desk.ui.model_picker import add_model_controls
from chroma_desk.ui.state import AppState
from chroma_desk.ui.video_tab import VIDEO_FILTER
from chroma_desk.ui.video_work import preview_pyramid
from chroma_desk.ui.worker import GeneratorWorker

FILE_SOURCE = "file"


@dataclass
class LiveUpdate:
    frame: LiveFrame
    before: ImagePyramid
    after: ImagePyramid


class LiveRun:
    """Opens the source and runs a ``LiveSession`` (``updates``, in a worker thread); ``stop``
    is thread-safe and ends the session's loop at the next frame."""

    def __init__(self, open_source, model_path: Path, temperature: float) -> None:
        self._open_source = open_source
        self.model_path = model_path
        self.temperature = temperature
        self.backend = "auto"
        self.session: LiveSession | None = None
        self._stop_requested = False

    def updates(self) -> Iterator[LiveUpdate]:
        from chroma_desk.engine.colorizer import Colorizer

        source: FrameSource = self._open_source()
        if self._stop_requested:
            source.close()
            return
        colorizer = Colorizer(self.model_path, backend=self.backend)
        self.session = LiveSession(source, colorizer, temperature=self.temperature)
        if self._stop_requested:
            self.session.stop()
        for live in self.session.frames():
            yield LiveUpdate(live, preview_pyramid(live.before), preview_pyramid(live.after))

    def stop(self) -> None:
        self._stop_requested = True
        if self.session is not None:
            self.session.stop()


class LiveTab(QWidget):
    """Live webcam colourization. ``state`` gives the model and the temperature."""

    message = Signal(str, int)
    busyChanged = Signal(bool)
    snapshotSaved = Signal(Path)
    recordingSaved = Signal(Path)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.cameras: list[CameraInfo] = []
        self.file_source: Path | None = None
        self.output_folder = Path(settings.get_folder("folders/live", settings.pictures_dir()))
        self.latest: LiveFrame | None = None
        self.frames_shown = 0
        self._worker: GeneratorWorker | None = None
        self._run: LiveRun | None = None
        self._build()
        state.temperatureChanged.connect(self._temperature_changed)
        state.modelChanged.connect(self._model_changed)
        self.refresh_cameras()

    # -- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.toolbar = QToolBar(self)
        self.toolbar.setIconSize(QSize(18, 18))
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.camera_combo = QComboBox(self.toolbar)
        self.camera_combo.setMinimumContentsLength(18)
        self.camera_combo.setToolTip("The camera to colourize")
        self.camera_combo.activated.connect(self._source_chosen)
        self.toolbar.addWidget(self.camera_combo)
        self.act_refresh = self.toolbar.addAction(icon("reset"), "")
        self.act_refresh.setToolTip("Look for cameras again")
        self.act_refresh.triggered.connect(self.refresh_cameras)
        self.start_button = QPushButton(icon("camera"), "Start", self.toolbar)
        self.start_button.setToolTip("Start or stop the live view")
        self.start_button.clicked.connect(self.toggle)
        self.toolbar.addWidget(self.start_button)
        self.toolbar.addSeparator()
        self.picker, self.temperature = add_model_controls(self.toolbar, self.state)
        layout.addWidget(self.toolbar)

        self.view = CompareView(self)
        self.view.set_mode(SIDE)
        layout.addWidget(self.view, 1)

        bar = QWidget(self)
        h = QHBoxLayout(bar)
        h.setContentsMargins(10, 8, 10, 8)
        h.setSpacing(8)
        self.snapshot_button = QPushButton(icon("photo"), "Snapshot", bar)
        self.snapshot_button.setToolTip("Save the current colour frame as a PNG")
        self.snapshot_button.clicked.connect(self.snapshot)
        self.record_button = QPushButton("\N{BLACK CIRCLE} Record", bar)
        self.record_button.setCheckable(True)
        self.record_button.setToolTip("Record the colour view to an MP4 file")
        self.record_button.toggled.connect(self._record_toggled)
        self.folder_button = QToolButton(bar)
        self.folder_button.setIcon(icon("open"))
        self.folder_button.setToolTip("Folder for snapshots and recordings")
        self.folder_button.clicked.connect(self.choose_folder)
        self.folder_label = QLabel(bar)
        self.folder_label.setStyleSheet("color: palette(placeholder-text);")
        self.stats = QLabel("", bar)
        self.stats.setMinimumWidth(self.stats.fontMetrics().horizontalAdvance("0" * 40))
        self.stats.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for w in (self.snapshot_button, self.record_button, self.folder_button, self.folder_label):
            h.addWidget(w)
        h.addStretch(1)
        h.addWidget(self.stats)
        layout.addWidget(bar)
        self._show_folder()
        self._update_controls()

    def _show_folder(self) -> None:
        folder = self.output_folder
        home = Path.home()
        text = f"~/{folder.relative_to(home)}" if folder.is_relative_to(home) else str(folder)
        self.folder_label.setText(f"saves to {text}")
        self.folder_label.setToolTip(str(folder))

    # -- sources ------------------------------------------------------------------------------

    def refresh_cameras(self) -> None:
        if self.running:
            return
        self.cameras = list_cameras()
        self.camera_combo.clear()
        for camera in self.cameras:
            self.camera_combo.addItem(icon("camera"), camera.label, camera.index)
        if self.file_source is not None:
            self.camera_combo.addItem(icon("film"), self.file_source.name, FILE_SOURCE)
        self.camera_combo.addItem("Use a video file\N{HORIZONTAL ELLIPSIS}", "choose-file")
        if not self.cameras and self.file_source is None:
            self.view.set_message(
                "No camera found",
                f"{NO_CAMERA_HELP} Or pick \N{LEFT DOUBLE QUOTATION MARK}Use a video file"
                "\N{HORIZONTAL ELLIPSIS}\N{RIGHT DOUBLE QUOTATION MARK} to try the live view "
                "with a clip.",
            )
        else:
            self.view.set_message(None)
            self.view.set_placeholder("Live view", "Press Start to colourize the camera live.")
        self._update_controls()

    def _source_chosen(self, row: int) -> None:
        if self.camera_combo.itemData(row) == "choose-file":
            self.choose_file_source()

    def choose_file_source(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Play a video file as a camera", settings.get_folder("folders/video"),
            f"{VIDEO_FILTER};;All files (*)",
        )  # fmt: skip
        if path:
            self.use_file_source(path)
        else:
            self.camera_combo.setCurrentIndex(0)

    def use_file_source(self, path: str | Path) -> None:
        """Play a video file as if it were a camera (looping, at its own frame rate)."""
        self.file_source = Path(path)
        self.refresh_cameras()
        self.camera_combo.setCurrentIndex(self.camera_combo.findData(FILE_SOURCE))

    def _opener(self):
        data = self.camera_combo.currentData()
        if data == FILE_SOURCE and self.file_source is not None:
            path = self.file_source
            return lambda: FileSource(path)
        if isinstance(data, int):
            index = data
            return lambda: OpenCVCamera(index, size=(640, 480))
        return None

    # -- running ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._worker is not None

    @property
    def session(self) -> LiveSession | None:
        return self._run.session if self._run is not None else None

    def toggle(self) -> None:
        if self.running:
            self.stop()
        else:
            self.start()

    def start(self) -> bool:
        if self.running:
            return False
        opener = self._opener()
        if opener is None:
            self.view.set_message("No camera found", NO_CAMERA_HELP)
            self.message.emit(NO_CAMERA_HELP, 8000)
            return False
        if self.state.model_path is None:
            self.message.emit("No model loaded: choose one in the model list.", 6000)
            return False
        self.frames_shown = 0
        self.latest = None
        self.view.set_message(None)
        self.view.set_busy("Opening the camera\N{HORIZONTAL ELLIPSIS}")
        self._run = LiveRun(opener, Path(self.state.model_path), self.state.temperature)
        self._run.backend = self.state.backend
        self._worker = GeneratorWorker(
            self._run.updates, on_stop=self._run.stop, name="chroma-live-worker"
        )
        self._worker.yielded.connect(self._on_frame)
        self._worker.errored.connect(self._on_error)
        self._worker.finished.connect(self._on_stopped)
        self._worker.start()
        self._update_controls()
        self.busyChanged.emit(True)
        return True

    def stop(self) -> None:
        """Stop the live view (a recording in progress is finished and kept)."""
        if self._worker is not None:
            self._worker.stop()
        self._join()

    def _join(self) -> None:
        if self.record_button.isChecked():
            self.record_button.setChecked(False)  # finishes and keeps the file
        worker, self._worker = self._worker, None
        self._run = None
        if worker is not None:
            worker.stop()
            worker.wait()
        self.view.set_busy(None)
        self._update_controls()
        self.busyChanged.emit(False)

    @Slot(object)
    def _on_frame(self, update: LiveUpdate) -> None:
        if self._worker is None:
            return  # a frame still in flight after stop
        live = update.frame
        self.latest = live
        self.frames_shown += 1
        self.view.set_busy(None)
        first = self.view.before is None or self.frames_shown == 1
        self.view.set_before(update.before, reset_view=first)
        self.view.set_after(update.after)
        parts = [f"{live.fps:.1f} fps", f"{live.latency * 1000:.0f} ms behind"]
        if live.dropped:
            parts.append(f"{live.dropped:,} frames skipped to keep up")
        if live.recording:
            parts.insert(0, "\N{BLACK CIRCLE} recording")
        self.stats.setText("  \N{MIDDLE DOT}  ".join(parts))
        if self.frames_shown == 1:
            self._update_controls()

    @Slot(object)
    def _on_error(self, exc: BaseException) -> None:
        self._on_failed(
            str(exc) if isinstance(exc, CameraError) else f"{type(exc).__name__}: {exc}"
        )

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        title = "No camera found" if "No camera" in text else "The live view stopped"
        QTimer.singleShot(0, self._join)
        self.view.set_message(title, text)
        self.message.emit(text, 10000)

    @Slot()
    def _on_stopped(self) -> None:
        if self._worker is not None:
            QTimer.singleShot(0, self._join)

    def _temperature_changed(self, value: float) -> None:
        session = self.session
        if session is not None:
            session.temperature = value  # read by the next frame

    def _model_changed(self, _path: Path) -> None:
        if self.running:  # the new model takes over at once
            self.stop()
            self.start()

    # -- snapshot and recording ---------------------------------------------------------------

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Save snapshots and recordings in", str(self.output_folder)
        )
        if folder:
            self.output_folder = Path(folder)
            settings.set_value("folders/live", folder)
            self._show_folder()

    def _new_name(self, kind: str, suffix: str) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.output_folder / f"chroma-{kind}-{stamp}{suffix}"
        n = 2
        while path.exists():
            path = self.output_folder / f"chroma-{kind}-{stamp}-{n}{suffix}"
            n += 1
        return path

    def snapshot(self) -> Path | None:
        """Save the latest colour frame as a PNG in the output folder."""
        from chroma_desk.media.images import ImageWriteError, write_image

        if self.latest is None:
            return None
        path = self._new_name("snapshot", ".png")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_image(path, self.latest.after.astype(np.float32) / 255.0)
        except (ImageWriteError, OSError) as exc:
            self.message.emit(str(exc), 8000)
            return None
        self.message.emit(f"Snapshot saved: {path}", 6000)
        self.snapshotSaved.emit(path)
        return path

    def _record_toggled(self, on: bool) -> None:
        session = self.session
        if on:
            if session is None or session.latest is None:
                self.record_button.setChecked(False)
                return
            path = self._new_name("recording", ".mp4")
            try:
                session.start_recording(path)
            except Exception as exc:  # noqa: BLE001 - reported, the view keeps running
                self.record_button.setChecked(False)
                self.message.emit(f"Cannot record: {exc}", 8000)
                return
            self.record_button.setText("\N{BLACK SQUARE} Stop recording")
            self.message.emit(f"Recording to {path}", 4000)
        else:
            self.record_button.setText("\N{BLACK CIRCLE} Record")
            saved = session.stop_recording() if session is not None else None
            if saved is not None:
                self.message.emit(f"Recording saved: {saved}", 8000)
                self.recordingSaved.emit(saved)

    def _update_controls(self) -> None:
        running = self.running
        has_frame = running and self.latest is not None
        self.start_button.setText("Stop" if running else "Start")
        self.start_button.setIcon(icon("stop" if running else "camera"))
        self.start_button.setEnabled(running or self.camera_combo.count() > 1)
        self.camera_combo.setEnabled(not running)
        self.act_refresh.setEnabled(not running)
        self.picker.setEnabled(not running)
        self.snapshot_button.setEnabled(has_frame)
        self.record_button.setEnabled(has_frame)
        if not running:
            self.stats.setText("")

    # -- the window's hooks -------------------------------------------------------------------

    def confirm_close(self) -> bool:
        return True  # a recording in progress is finished and kept by shutdown

    def shutdown(self) -> None:
        self.stop()
