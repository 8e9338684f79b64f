"""Hint mode for one video frame: a modeless dialog with the frame before/after on a
``CompareView``, the ``HintEditor`` active on it, its own undo stack, Clear, OK and Cancel.

OK emits ``hintsAccepted(time, hints)`` (the Video tab stores them as the frame's keyframe);
Cancel keeps nothing. The model is loaded, the frame predicted and every result rendered on the
dialog's own worker thread, so the window stays responsive. Points are in the frame's pixels as
decoded (a rotated clip shows its frame unrotated here, so the points land where they act).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chroma_desk.durations import format_duration
from chroma_desk.engine.colorizer import Colorizer, Prediction
from chroma_desk.engine.hints import Hint
from chroma_desk.ui.aio import Worker, spawn
from chroma_desk.ui.compare_view import SPLIT, CompareView, ImagePyramid
from chroma_desk.ui.hint_mode import HintEditor

if TYPE_CHECKING:
    from chroma_desk.ui.video_tab import VideoTab

HELP = (
    "Click the frame to add a colour point; drag to move it, wheel to resize, right-click or "
    "Delete to remove. The points carry through this shot when the clip is colourized."
)


def prepare_frame(
    model: Path, rgb: np.ndarray, hints: tuple[Hint, ...], temperature: float | None
) -> tuple[Colorizer, Prediction, ImagePyramid, ImagePyramid]:
    """On the worker: load the model, predict the frame with its hints, build both pictures."""
    colorizer = Colorizer(model)
    frame = np.asarray(rgb, dtype=np.float32) / 255.0
    prediction = colorizer.predict(frame, hints if colorizer.takes_hints else ())
    after = ImagePyramid(colorizer.render(prediction, temperature))
    return colorizer, prediction, ImagePyramid(rgb), after


def render_frame(
    colorizer: Colorizer, prediction: Prediction, temperature: float | None
) -> ImagePyramid:
    """On the worker: the frame as ``prediction`` paints it."""
    return ImagePyramid(colorizer.render(prediction, temperature))


class KeyframeDialog(QDialog):
    """Edit the colour points of the frame at ``time`` (``rgb`` uint8, as decoded)."""

    hintsAccepted = Signal(float, object)  # time, tuple[Hint, ...]
    ready = Signal()  # the frame is shown and points can be added

    def __init__(
        self,
        model: Path,
        temperature: float | None,
        time: float,
        rgb: np.ndarray,
        hints: Sequence[Hint],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.time, self.temperature = time, temperature
        self.setWindowTitle(f"Hint frame at {format_duration(time, clock=True)}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setModal(False)
        self.resize(900, 640)
        self.worker = Worker("keyframe-hints")
        self.undo_stack = QUndoStack(self)
        self.view = CompareView(self)
        self.view.set_mode(SPLIT)
        self.editor = HintEditor(self.view, self.undo_stack, self.worker, self)
        self.editor.temperature = temperature
        self.editor.predictionReady.connect(self._prediction_ready)
        self.editor.hintsChanged.connect(lambda _key, _hints: self._update_buttons())
        self.editor.failed.connect(self._show_problem)
        self._key = ("keyframe", time)  # one object: the editor compares keys by identity
        self._render_generation = 0
        self._build()
        self.view.set_busy("Colourizing this frame\N{HORIZONTAL ELLIPSIS}")
        spawn(self._load(model, rgb, tuple(hints)), self._failed_to_load)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        note = QLabel(HELP, self)
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self.view, 1)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: palette(highlight);")
        self.problem.hide()
        layout.addWidget(self.problem)

        row = QHBoxLayout()
        self.undo_button = QPushButton("Undo", self)
        self.redo_button = QPushButton("Redo", self)
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.setToolTip("Remove every colour point of this frame (undo brings them)")
        self.undo_button.clicked.connect(self.undo_stack.undo)
        self.redo_button.clicked.connect(self.undo_stack.redo)
        self.clear_button.clicked.connect(lambda: self.editor.clear())
        for button in (self.undo_button, self.redo_button, self.clear_button):
            button.setAutoDefault(False)
            row.addWidget(button)
        row.addStretch(1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        row.addWidget(self.buttons)
        layout.addLayout(row)

        undo = self.undo_stack.createUndoAction(self, "Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (undo, redo):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addActions([undo, redo])
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.undo_button.setEnabled(self.undo_stack.canUndo())
        self.redo_button.setEnabled(self.undo_stack.canRedo())
        self.clear_button.setEnabled(self.editor.ready and bool(self.editor.hints))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.editor.ready)

    async def _load(self, model: Path, rgb: np.ndarray, hints: tuple[Hint, ...]) -> None:
        colorizer, prediction, before, after = await self.worker.run(
            prepare_frame, model, rgb, hints, self.temperature
        )
        self.view.set_busy(None)
        self.view.set_before(before)
        self.view.set_after(after)
        if not colorizer.takes_hints:
            self._show_problem(f"The model “{colorizer.name}” takes no colour hints.")
            return
        self.editor.set_colorizer(colorizer)
        self.editor.set_photo(self._key, prediction, prediction.lightness, hints)
        self.editor.set_active(True)
        self._update_buttons()
        self.ready.emit()

    def _failed_to_load(self, exc: BaseException) -> None:
        self.view.set_busy(None)
        self._show_problem(f"Cannot colourize this frame: {exc}")

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def _prediction_ready(self, key: object, prediction: Prediction) -> None:
        if key is not self._key or self.editor.colorizer is None:
            return
        self._render_generation += 1
        spawn(self._render(self._render_generation, self.editor.colorizer, prediction))

    async def _render(self, generation: int, colorizer: Colorizer, prediction: Prediction) -> None:
        after = await self.worker.run(render_frame, colorizer, prediction, self.temperature)
        if generation == self._render_generation:  # a newer render is on its way otherwise
            self.view.set_after(after)

    def hints(self) -> tuple[Hint, ...]:
        return tuple(self.editor.hints)

    def accept(self) -> None:
        hints = self.hints()
        self._stop()
        super().accept()
        self.hintsAccepted.emit(self.time, hints)

    def reject(self) -> None:
        self._stop()
        super().reject()

    def _stop(self) -> None:
        self.editor.stop()
        self.editor.set_active(False)
        self.worker.shutdown(wait=False)


def open_keyframe_dialog(
    tab: VideoTab, time: float, rgb: np.ndarray, hints: tuple[Hint, ...]
) -> KeyframeDialog | None:
    """The Video tab's ``hint_editor``: hint the frame at ``time``; OK stores its keyframe."""
    if tab.state.model_path is None or not tab.model_takes_hints():
        tab.message.emit("This model takes no colour hints: choose one whose card says so.", 6000)
        return None
    dialog = KeyframeDialog(
        Path(tab.state.model_path), tab.state.temperature, time, rgb, hints, tab
    )
    dialog.hintsAccepted.connect(tab.set_keyframe)
    dialog.show()
    return dialog
