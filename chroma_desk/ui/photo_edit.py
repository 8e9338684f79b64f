"""The Photos tab's Edit menu: undo steps, the keyboard shortcut list, where pasted photos go.

Undo steps are ``QUndoCommand``s on the tab's ``undo_stack``; other edits (colour hints) push
their own commands to the same stack.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QImage, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QMenu, QMenuBar

from chroma_desk.ui import settings
from chroma_desk.ui.state import AppState

if TYPE_CHECKING:
    from chroma_desk.ui.photo_queue import PhotoItem

TEMPERATURE_REST_MS = 400  # a slider drag becomes one undo step once the value rests


class RemovePhotos(QUndoCommand):
    """Take photos out of the list; undo puts them back in their places, with their results."""

    def __init__(
        self,
        rows: list[tuple[int, PhotoItem]],
        take_out: Callable[[list[PhotoItem]], None],
        put_back: Callable[[list[tuple[int, PhotoItem]]], None],
    ) -> None:
        n = len(rows)
        super().__init__(f"Remove {rows[0][1].name}" if n == 1 else f"Remove {n} Photos")
        self.rows = sorted(rows, key=lambda row_item: row_item[0])
        self._take_out, self._put_back = take_out, put_back

    def redo(self) -> None:
        self._take_out([item for _row, item in self.rows])

    def undo(self) -> None:
        self._put_back(self.rows)


class TemperatureCommand(QUndoCommand):
    def __init__(self, history: TemperatureHistory, old: float, new: float) -> None:
        super().__init__(f"Temperature {old:.2f} → {new:.2f}")
        self.history, self.old, self.new = history, old, new

    def redo(self) -> None:
        self.history.apply(self.new)

    def undo(self) -> None:
        self.history.apply(self.old)


class TemperatureHistory(QObject):
    """Puts temperature changes on ``stack`` once the value rests (a drag is one step).
    A new model's default temperature is not a step of its own."""

    def __init__(self, state: AppState, stack: QUndoStack) -> None:
        super().__init__(stack)
        self.state, self.stack = state, stack
        self.committed = state.temperature
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TEMPERATURE_REST_MS)
        self._timer.timeout.connect(self.commit)
        state.temperatureChanged.connect(lambda _t: self._timer.start())
        state.modelChanged.connect(lambda _p: self._model_changed())

    def commit(self) -> None:
        """Push the change since the last step now (tests, or before another edit)."""
        self._timer.stop()
        value = self.state.temperature
        if abs(value - self.committed) > 1e-9:
            self.stack.push(TemperatureCommand(self, self.committed, value))

    def apply(self, value: float) -> None:
        self.state.set_temperature(value)
        self._timer.stop()
        self.committed = value

    def _model_changed(self) -> None:
        self._timer.stop()
        self.committed = self.state.temperature


def pasted_photo_path(folder: Path | None = None) -> Path:
    """A new file name for a photo pasted from the clipboard, beside the settings file (the
    photo list needs a file; the clipboard's pixels have none)."""
    folder = folder or Path(settings.settings().fileName()).parent / "pasted"
    stamp = time.strftime("%Y-%m-%d %H.%M.%S")
    path = folder / f"pasted {stamp}.png"
    n = 2
    while path.exists():
        path = folder / f"pasted {stamp} ({n}).png"
        n += 1
    return path


def save_pasted(image: QImage, path: Path) -> Path:
    """Run in a worker thread: write the clipboard's image as a PNG, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    if not image.save(str(part), "PNG"):
        part.unlink(missing_ok=True)
        raise OSError(f"{path}: the pasted image could not be written")
    part.replace(path)
    return path


EXTRA_KEYS = (
    ("Mouse wheel", "Zoom at the pointer"),
    ("Drag", "Move the photo (when zoomed in); in split view, the divider"),
    ("Double-click", "100% at the pointer, or back to fit"),
    ("Arrow keys", "Move the zoomed photo"),
    ("Click (hint mode)", "Add a colour point and choose its colour"),
    ("Drag a point", "Move it"),
    ("Wheel over a point", "Make it larger or smaller"),
    ("Right-click a point, Delete", "Remove it"),
)


def _menu_rows(menu: QMenu, prefix: str) -> list[tuple[str, str]]:
    rows = []
    for action in menu.actions():
        if action.isSeparator():
            continue
        sub = action.menu()
        text = action.text().replace("&", "").rstrip("…")
        if isinstance(sub, QMenu):
            rows.extend(_menu_rows(sub, f"{prefix} › {text}"))
        elif action.shortcuts():
            keys = ",  ".join(k.toString(k.SequenceFormat.NativeText) for k in action.shortcuts())
            rows.append((f"{prefix} › {text}", keys))
    return rows


def shortcuts_html(menubar: QMenuBar, extra: tuple[tuple[str, str], ...] = EXTRA_KEYS) -> str:
    """Every menu command with a key, by menu, then what the mouse and other keys do."""
    rows: list[tuple[str, str]] = []
    for action in menubar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu):
            rows.extend(_menu_rows(menu, action.text().replace("&", "")))
    cell = "style='padding: 2px 16px 2px 0'"
    body = "".join(
        f"<tr><td {cell}><b>{html.escape(keys)}</b></td><td>{html.escape(what)}</td></tr>"
        for what, keys in rows
    )
    more = "".join(
        f"<tr><td {cell}><b>{html.escape(keys)}</b></td><td>{html.escape(what)}</td></tr>"
        for keys, what in extra
    )
    return (
        "<h3>Menu commands</h3>"
        f"<table cellspacing='0'>{body}</table>"
        "<h3>In the photo view</h3>"
        f"<table cellspacing='0'>{more}</table>"
    )
