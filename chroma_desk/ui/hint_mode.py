"""Hint mode: colour points on the photo view, for any (photo, prediction) pair.

``HintEditor`` works on a ``CompareView``: while active, a click on the photo adds a point
(in the colour the model paints there now) and opens the colour chooser beside it; a point is
dragged to move it, the wheel over it resizes it, a right click or Delete removes it. Every edit
is an undo step on the given ``QUndoStack`` (a drag, a wheel turn or a picker drag is one step).
Each change of the list re-runs the network (``Colorizer.rehint``) on the given worker, debounced;
a result for another photo or model (an older ``generation``) is dropped.

A host (the Photos tab, a video keyframe...) drives it with:

- ``set_colorizer(colorizer)``, ``temperature`` (for the chooser's suggestions);
- ``set_photo(key, prediction, lightness, hints)``: ``key`` names the photo (undo steps keep it),
  ``prediction`` is any ``Prediction`` of that photo that keeps its network input,
  ``lightness`` the photo's full-resolution L (its size is the photo's);
- ``hintsChanged(key, hints)``: after every edit, undo and redo (also of a photo not shown
  now; the host stores the hints and may show that photo again);
- ``predictionReady(key, prediction)``: the photo with the current hints; render it.

For example, a video keyframe (``frame`` float RGB, ``view`` the tab's ``CompareView``)::

    editor = HintEditor(view, QUndoStack(tab), Worker("hints"), tab)
    editor.set_colorizer(colorizer)
    prediction = colorizer.predict(frame)            # keeps its network input for rehint
    editor.set_photo(("clip.mp4", 120), prediction, prediction.lightness, saved_hints)
    editor.set_active(True)
    editor.hintsChanged.connect(lambda key, hints: store(key, hints))
    editor.predictionReady.connect(lambda key, p: view.set_after(ImagePyramid(colorizer.render(p))))

(render on a worker for large frames; the Photos tab renders through its own render loop.)
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QUndoCommand,
    QUndoStack,
    QWheelEvent,
)

from chroma_desk.engine.colorizer import Colorizer, Prediction
from chroma_desk.engine.hint_colours import (
    Suggestion,
    ab_plane,
    current_ab,
    lab_rgb8,
    suggestions,
    to_displayable,
)
from chroma_desk.engine.hints import Hint
from chroma_desk.ui.aio import Worker, spawn
from chroma_desk.ui.compare_view import CompareView
from chroma_desk.ui.hint_chooser import PICKER_SIZE, HintChooser

log = logging.getLogger(__name__)

REHINT_DELAY_MS = 12  # edits this close together become one network run
DRAG_START = 4  # screen pixels a press moves before it pans instead of adding a point
WHEEL_STEP = 1.15  # size factor per wheel notch
POINT_GRAB = 5  # screen pixels around a point's circle that still grab it


def default_size(photo_hw: tuple[int, int]) -> float:
    """A new point's side in photo pixels: about 1/80 of the long side, at least 3."""
    return float(max(3, round(max(photo_hw) / 80)))


def chooser_colours(
    colorizer: Colorizer,
    prediction: Prediction,
    photo_hw: tuple[int, int],
    hint: Hint,
    lightness: float,
    temperature: float | None,
) -> tuple[list[Suggestion], tuple[np.ndarray, np.ndarray]]:
    """Run on the worker: the chooser's suggestions at ``hint`` and its ab plane."""
    found = suggestions(colorizer, prediction, photo_hw, hint.x, hint.y, lightness, temperature)
    return found, ab_plane(lightness, PICKER_SIZE)


class HintEdit(QUndoCommand):
    """One edit of a photo's hint list: ``old`` -> ``new``. Consecutive edits with the same
    ``merge`` tag (a wheel turn on one point, colours picked for one point) are one step."""

    def __init__(
        self,
        editor: HintEditor,
        key: Any,
        old: tuple[Hint, ...],
        new: tuple[Hint, ...],
        text: str,
        merge: tuple | None = None,
    ) -> None:
        super().__init__(text)
        self.editor, self.key, self.old, self.new, self.merge = editor, key, old, new, merge

    def id(self) -> int:
        return 0x48 if self.merge is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        if not isinstance(other, HintEdit) or other.key is not self.key:
            return False
        if self.merge is None or other.merge != self.merge:
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        self.editor.apply(self.key, self.new)

    def undo(self) -> None:
        self.editor.apply(self.key, self.old)


class HintEditor(QObject):
    """Colour points on ``view`` for the photo set with ``set_photo`` (see the module doc)."""

    hintsChanged = Signal(object, object)  # key, tuple[Hint, ...]
    predictionReady = Signal(object, object)  # key, Prediction
    activeChanged = Signal(bool)
    failed = Signal(str)  # a re-run that failed, in words

    def __init__(
        self, view: CompareView, undo_stack: QUndoStack, worker: Worker, parent: QObject | None
    ) -> None:
        super().__init__(parent)
        self.view, self.undo_stack, self.worker = view, undo_stack, worker
        self.colorizer: Colorizer | None = None
        self.temperature: float | None = None
        self.active = False
        self.key: Any = None
        self.prediction: Prediction | None = None
        self.lightness: np.ndarray | None = None
        self.hints: list[Hint] = []
        self.selected: int | None = None
        self.generation = 0
        self.runs = 0  # network re-runs whose result was shown (tests)
        self._want: tuple[int, Any, Prediction, tuple[Hint, ...]] | None = None
        self._task: asyncio.Task | None = None
        self._press: QPointF | None = None
        self._last: QPointF | None = None  # the pointer at the last pan step
        self._drag: str | None = None  # "point" | "pan" | None
        self._drag_from: tuple[Hint, ...] = ()
        self._live_from: tuple[Hint, ...] | None = None  # hints before a picker drag
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REHINT_DELAY_MS)
        self._timer.timeout.connect(self._start_run)
        self.chooser = HintChooser(view)
        self.chooser.colourPicked.connect(self._colour_picked)
        self.chooser.removeRequested.connect(lambda: self.remove(self.selected))
        self.chooser.closed.connect(self._chooser_closed)
        view.overlays.append(self._paint)
        view.installEventFilter(self)
        view.zoomChanged.connect(lambda _z: self._place_chooser())

    # -- what is being edited -----------------------------------------------------------------

    @property
    def photo_hw(self) -> tuple[int, int] | None:
        return None if self.lightness is None else self.lightness.shape[:2]

    @property
    def ready(self) -> bool:
        """A photo and a model that takes hints: points can be edited."""
        return (
            self.colorizer is not None
            and self.colorizer.takes_hints
            and self.prediction is not None
            and self.lightness is not None
        )

    def set_colorizer(self, colorizer: Colorizer | None) -> None:
        self.colorizer = colorizer
        self.clear_photo()

    def set_photo(
        self, key: Any, prediction: Prediction, lightness: np.ndarray, hints: Sequence[Hint]
    ) -> None:
        """Edit the hints of photo ``key``; re-runs the network when ``prediction`` was made
        with other hints than ``hints``."""
        same = key is self.key
        self.generation += 1
        self.key, self.prediction, self.lightness = key, prediction, lightness
        self.hints = list(hints)
        if not same:
            self.selected = None
            self.chooser.close_chooser()
        elif self.selected is not None and self.selected >= len(self.hints):
            self.selected = None
        if tuple(prediction.hints) != tuple(self.hints) and self.ready:
            self.schedule()
        self.view.update()

    def clear_photo(self) -> None:
        self.generation += 1
        self.key = self.prediction = self.lightness = None
        self.hints, self.selected = [], None
        self.chooser.close_chooser()
        self.view.update()

    def set_active(self, active: bool) -> None:
        if active == self.active:
            return
        self.active = active
        if not active:
            self.chooser.close_chooser()
            self.selected = None
            self.view.unsetCursor()
        self.view.update()
        self.activeChanged.emit(active)

    # -- edits (each an undo step) ------------------------------------------------------------

    def _push(self, new: Sequence[Hint], text: str, merge: tuple | None = None) -> None:
        old = self._live_from if self._live_from is not None else tuple(self.hints)
        self._live_from = None
        new = tuple(new)
        if new != old:
            self.undo_stack.push(HintEdit(self, self.key, old, new, text, merge))

    def add(self, x: float, y: float, rgb: tuple[int, int, int] | None = None) -> int:
        """A point at photo pixel (x, y), in ``rgb`` or the colour the model paints there."""
        assert self.photo_hw is not None
        if rgb is None:
            rgb = self.colour_now(x, y)
        hint = Hint(float(x), float(y), tuple(rgb), default_size(self.photo_hw))
        self._push([*self.hints, hint], "Add Colour Point")
        self.selected = len(self.hints) - 1
        return self.selected

    def move(self, index: int, x: float, y: float) -> None:
        self._push(self._with(index, x=x, y=y), "Move Colour Point")

    def resize(self, index: int, size: float) -> None:
        self._push(self._with(index, size=size), "Resize Colour Point", ("size", index))

    def recolour(self, index: int, rgb: tuple[int, int, int]) -> None:
        self._push(self._with(index, rgb=tuple(rgb)), "Colour of Point", ("colour", index))

    def remove(self, index: int | None) -> None:
        if index is None or not 0 <= index < len(self.hints):
            return
        self._push(self.hints[:index] + self.hints[index + 1 :], "Remove Colour Point")
        self.selected = None
        self.chooser.close_chooser()

    def clear(self) -> None:
        """Remove every point of this photo (one undo step)."""
        if self.hints:
            self._push([], "Clear Hints")
        self.selected = None
        self.chooser.close_chooser()

    def _with(self, index: int, **changes: Any) -> list[Hint]:
        hints = list(self.hints)
        old = hints[index]
        fields = {"x": old.x, "y": old.y, "rgb": old.rgb, "size": old.size, **changes}
        hints[index] = Hint(**fields)
        return hints

    def apply(self, key: Any, hints: Sequence[Hint]) -> None:
        """Set photo ``key``'s hints (undo and redo come here); the host hears of it."""
        if key is self.key and key is not None:
            self.hints = list(hints)
            if self.selected is not None and self.selected >= len(self.hints):
                self.selected = None
                self.chooser.close_chooser()
            self.view.update()
            self.schedule()
        self.hintsChanged.emit(key, tuple(hints))

    def _set_live(self, hints: list[Hint]) -> None:
        """Change the shown points without an undo step yet (a drag in progress)."""
        if self._live_from is None:
            self._live_from = tuple(self.hints)
        self.hints = hints
        self.view.update()
        self.schedule()

    # -- the network --------------------------------------------------------------------------

    def schedule(self) -> None:
        """Re-run the network with the current points soon (edits close together share one)."""
        if self.ready:
            self._timer.start()

    def _start_run(self) -> None:
        if not self.ready:
            return
        assert self.prediction is not None
        self._want = (self.generation, self.key, self.prediction, tuple(self.hints))
        if self._task is None or self._task.done():
            self._task = spawn(self._run_loop())

    async def _run_loop(self) -> None:
        while self._want is not None:
            gen, key, base, hints = self._want
            self._want = None
            colorizer = self.colorizer
            if colorizer is None:
                return
            try:
                result = await self.worker.run(colorizer.rehint, base, hints)
            except RuntimeError:  # the worker is shut down: the window is closing
                return
            except Exception as exc:  # a hint the engine refuses, out of memory...
                log.exception("re-running with hints failed")
                self.failed.emit(f"Colour points not applied: {exc}")
                continue
            if gen != self.generation or colorizer is not self.colorizer:
                continue  # another photo or model since: stale
            self.runs += 1
            self.predictionReady.emit(key, result)

    def stop(self) -> None:
        self._timer.stop()
        self._want = None
        if self._task is not None and not self._task.done():
            self._task.cancel()

    # -- colours ------------------------------------------------------------------------------

    def lightness_at(self, x: float, y: float) -> float:
        assert self.lightness is not None
        h, w = self.lightness.shape[:2]
        return float(self.lightness[min(h - 1, max(0, int(y))), min(w - 1, max(0, int(x)))])

    def colour_now(self, x: float, y: float) -> tuple[int, int, int]:
        """The colour the model paints at (x, y) now (without the point's own hint)."""
        assert self.colorizer is not None and self.prediction is not None
        assert self.photo_hw is not None
        lum = self.lightness_at(x, y)
        a, b = current_ab(self.colorizer, self.prediction, self.photo_hw, x, y, self.temperature)
        return lab_rgb8(lum, *to_displayable(lum, a, b))

    def open_chooser(self, index: int) -> None:
        """Show the chooser for point ``index`` (its suggestions are made on the worker)."""
        if not self.ready or not 0 <= index < len(self.hints):
            return
        self.selected = index
        hint = self.hints[index]
        lum = self.lightness_at(hint.x, hint.y)
        anchor = self._anchor(hint)
        self.chooser.show_at(anchor, lum, [], hint.rgb)
        spawn(self._fill_suggestions(self.generation, index, hint, lum))
        self.view.update()

    async def _fill_suggestions(self, gen: int, index: int, hint: Hint, lum: float) -> None:
        colorizer, base, hw = self.colorizer, self.prediction, self.photo_hw
        if colorizer is None or base is None or hw is None:
            return
        try:
            found, plane = await self.worker.run(
                chooser_colours, colorizer, base, hw, hint, lum, self.temperature
            )
        except RuntimeError:
            return
        if gen == self.generation and self.selected == index and self.chooser.isVisible():
            self.chooser.set_colours(found, plane)
            self.chooser.adjustSize()
            self._place_chooser()

    def _colour_picked(self, rgb: tuple[int, int, int], final: bool) -> None:
        index = self.selected
        if index is None or not 0 <= index < len(self.hints):
            return
        if final:
            self.recolour(index, rgb)
        else:
            self._set_live(self._with(index, rgb=tuple(rgb)))

    def _chooser_closed(self) -> None:
        self.selected = None
        self.view.update()

    def _anchor(self, hint: Hint) -> QPointF:
        points = self.view.widget_points(QPointF(hint.x, hint.y))
        return points[-1] if points else QPointF(self.view.width() / 2, self.view.height() / 2)

    def _place_chooser(self) -> None:
        if self.chooser.isVisible() and self.selected is not None:
            if self.selected < len(self.hints):
                self.chooser.place(self._anchor(self.hints[self.selected]))

    # -- drawing ------------------------------------------------------------------------------

    def radius(self, hint: Hint) -> float:
        """The point's circle on screen: its patch, at least big enough to grab."""
        return max(7.0, hint.size * self.view.zoom / 2)

    def _paint(self, p: QPainter) -> None:
        if not self.active or self.key is None:
            return
        for i, hint in enumerate(self.hints):
            r = self.radius(hint)
            for pos in self.view.widget_points(QPointF(hint.x, hint.y)):
                chosen = i == self.selected
                p.setBrush(QColor(*hint.rgb))
                p.setPen(QPen(QColor(0, 0, 0, 170), 4.5 if chosen else 3.5))
                p.drawEllipse(pos, r, r)
                p.setPen(QPen(QColor(255, 255, 255), 2.5 if chosen else 1.6))
                p.drawEllipse(pos, r, r)
                if chosen:
                    p.setBrush(Qt.BrushStyle.NoBrush)
                    p.setPen(QPen(QColor(255, 255, 255, 160), 1.2, Qt.PenStyle.DashLine))
                    p.drawEllipse(pos, r + 5, r + 5)

    def point_at(self, pos: QPointF) -> int | None:
        """The topmost point whose circle is under widget position ``pos``."""
        for i in reversed(range(len(self.hints))):
            hint = self.hints[i]
            for centre in self.view.widget_points(QPointF(hint.x, hint.y)):
                d = pos - centre
                if math.hypot(d.x(), d.y()) <= self.radius(hint) + POINT_GRAB:
                    return i
        return None

    # -- input --------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is not self.view or not self.active or not self.ready:
            return False
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            return self._pressed(event)  # type: ignore[arg-type]
        if kind == QEvent.Type.MouseMove:
            return self._moved(event)  # type: ignore[arg-type]
        if kind == QEvent.Type.MouseButtonRelease:
            return self._released(event)  # type: ignore[arg-type]
        if kind == QEvent.Type.MouseButtonDblClick:
            return True  # a quick second click adds a second point, never zooms
        if kind == QEvent.Type.Wheel:
            return self._wheel(event)  # type: ignore[arg-type]
        if kind == QEvent.Type.ShortcutOverride:
            return self._claims_key(event)  # type: ignore[arg-type]
        if kind == QEvent.Type.KeyPress:
            return self._key(event)  # type: ignore[arg-type]
        return False

    def _pressed(self, event: QMouseEvent) -> bool:
        pos = event.position()
        if self.view.on_divider(pos):
            return False
        index = self.point_at(pos)
        self.view.setFocus()
        if event.button() == Qt.MouseButton.RightButton:
            if index is not None:
                self.remove(index)
                return True
            return False
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        self._press = pos
        if index is not None:
            self._drag = "point"
            self._drag_from = tuple(self.hints)
            self.open_chooser(index)
            self.view.setCursor(Qt.CursorShape.ClosedHandCursor)
        else:
            self._drag = None
        return True

    def _moved(self, event: QMouseEvent) -> bool:
        pos = event.position()
        if self._press is None:
            self._hover(pos)
            return not self.view.on_divider(pos)
        if self._drag == "point" and self.selected is not None:
            point = self.view.photo_at(pos)
            if point is not None:
                hints = self._with(self.selected, x=point.x(), y=point.y())
                if self._live_from is None:
                    self._live_from = self._drag_from
                self.hints = hints
                self.view.update()
                self.schedule()
                self._place_chooser()
            return True
        delta = pos - self._press
        if self._drag is None and math.hypot(delta.x(), delta.y()) >= DRAG_START:
            self._drag = "pan"
            self.view.setCursor(Qt.CursorShape.ClosedHandCursor)
        if self._drag == "pan":
            last = self._last or self._press
            self.view.pan_by(pos.x() - last.x(), pos.y() - last.y())
            self._last = pos
            self._place_chooser()
        return True

    def _released(self, event: QMouseEvent) -> bool:
        if event.button() != Qt.MouseButton.LeftButton or self._press is None:
            return event.button() == Qt.MouseButton.RightButton
        pos, drag = event.position(), self._drag
        self._press, self._drag = None, None
        self._last = None
        if drag == "point" and self.selected is not None:
            if self._live_from is not None:
                self._push(self.hints, "Move Colour Point")
                self._place_chooser()
        elif drag is None:
            point = self.view.photo_at(pos)
            if point is not None:
                self.open_chooser(self.add(point.x(), point.y()))
            else:
                self.chooser.close_chooser()
        self._hover(pos)
        return True

    def _hover(self, pos: QPointF) -> None:
        if self.view.on_divider(pos):
            self.view.setCursor(Qt.CursorShape.SplitHCursor)
        elif self.point_at(pos) is not None:
            self.view.setCursor(Qt.CursorShape.OpenHandCursor)
        elif self.view.photo_at(pos) is not None:
            self.view.setCursor(Qt.CursorShape.CrossCursor)
        else:
            self.view.unsetCursor()

    def _wheel(self, event: QWheelEvent) -> bool:
        index = self.point_at(event.position())
        if index is None:
            return False  # the view zooms
        delta = event.angleDelta().y() or event.pixelDelta().y()
        if delta and self.photo_hw is not None:
            size = self.hints[index].size * WHEEL_STEP ** (delta / 120)
            size = min(max(1.0, size), max(self.photo_hw) / 4)
            self.resize(index, round(size, 1))
        return True

    def _claims_key(self, event: QKeyEvent) -> bool:
        keys = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_Escape)
        if event.key() in keys and (self.selected is not None or self.chooser.isVisible()):
            event.accept()
            return True
        return False

    def _key(self, event: QKeyEvent) -> bool:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected is not None:
            self.remove(self.selected)
            return True
        if event.key() == Qt.Key.Key_Escape and (self.selected is not None):
            self.chooser.close_chooser()
            self.selected = None
            self.view.update()
            return True
        return False
