"""Hint mode in the Photos tab: a click adds a colour point and opens the chooser, the after view
takes the colour, every edit is an undo step, Save and Export All use the points, the list marks
a hinted photo, and the points come back when the photo is shown again and after a restart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from modelkit import make_follow_hint_model
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from chroma_desk.color.lab import rgb_to_lab
from chroma_desk.engine.hint_colours import lab_rgb8, to_displayable
from chroma_desk.ui.hint_chooser import recent_colours
from chroma_desk.ui.photo_queue import DONE

WAIT_MS = 60_000
POINT = (380.0, 60.0)  # the background behind the astronaut (L about 70), right of the divider


@pytest.fixture(scope="module")
def follow_model(tmp_path_factory) -> Path:
    return make_follow_hint_model(tmp_path_factory.mktemp("hint-model"))


def ab_of(rgb) -> np.ndarray:
    return rgb_to_lab(np.asarray(rgb, dtype=np.uint8).reshape(1, 1, 3))[0, 0, 1:]


def after_ab(tab, x: float, y: float) -> np.ndarray:
    return ab_of(tab.view.after.pixel_rgb(int(x), int(y)))


def shown_and_coloured(tab) -> bool:
    item = tab.current_item
    return (
        item is not None
        and item.status == DONE
        and tab.opened is not None
        and tab.view.after is not None
        and tab.hint_mode.editor.ready
    )


def open_photo(qtbot, window, path: Path):
    tab = window.photos
    tab.add_paths([path])
    qtbot.waitUntil(lambda: shown_and_coloured(tab), timeout=WAIT_MS)
    return tab


def click_at(qtbot, tab, x: float, y: float, button=Qt.MouseButton.LeftButton) -> QPoint:
    pos = tab.view.widget_points(QPointF(x, y))[-1].toPoint()
    qtbot.mouseClick(tab.view, button, pos=pos)
    return pos


def wheel(view, pos: QPoint) -> None:
    event = QWheelEvent(
        QPointF(pos), view.mapToGlobal(QPointF(pos)), QPoint(0, 0), QPoint(0, 120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False,
    )  # fmt: skip
    QApplication.sendEvent(view, event)


def red_at(lightness: float) -> tuple[tuple[float, float], tuple[int, int, int]]:
    ab = to_displayable(lightness, 60.0, 45.0)
    return ab, lab_rgb8(lightness, *ab)


def test_click_adds_a_point_that_colours_the_photo_and_every_edit_undoes(
    qtbot, make_window, follow_model, make_photo, tmp_path
):
    window = make_window(model=follow_model)
    tab = open_photo(qtbot, window, make_photo(tmp_path / "in" / "astronaut.png", (400, 300)))
    hints, editor = tab.hint_mode, tab.hint_mode.editor
    assert hints.act_toggle.isEnabled() and hints.act_toggle.shortcut().toString() == "H"
    assert np.abs(after_ab(tab, *POINT)).max() < 3  # no hint: nearly gray
    hints.act_toggle.trigger()
    assert editor.active

    pos = click_at(qtbot, tab, *POINT)
    item = tab.current_item
    assert len(item.settings.hints) == 1 and editor.chooser.isVisible()
    saved = item.settings.hints[0]
    assert abs(saved["x"] - POINT[0]) <= 1.5 and abs(saved["y"] - POINT[1]) <= 1.5
    # the chooser sits beside the point, inside the view
    assert not editor.chooser.geometry().contains(pos)
    assert tab.view.rect().contains(editor.chooser.geometry())
    # a vivid red from the picker, which offers only colours displayable at this lightness
    lum = editor.lightness_at(saved["x"], saved["y"])
    assert editor.chooser.picker.lightness == pytest.approx(lum)
    ab, rgb = red_at(lum)
    qtbot.mouseClick(
        editor.chooser.picker,
        Qt.MouseButton.LeftButton,
        pos=editor.chooser.picker.position_of(*ab).toPoint(),
    )
    assert np.abs(ab_of(item.settings.hints[0]["rgb"]) - ab_of(rgb)).max() < 6
    assert recent_colours()[0] == tuple(item.settings.hints[0]["rgb"])
    qtbot.waitUntil(lambda: after_ab(tab, *POINT)[0] > 25, timeout=WAIT_MS)
    assert np.abs(after_ab(tab, 60, 250)).max() < 3  # far from the point: unchanged
    # the list marks the photo
    row = tab.model.index(tab.model.row_of(item))
    assert "1 colour point" in tab.model.data(row, Qt.ItemDataRole.ToolTipRole)

    # undo: the model's own colour again, then no point at all; redo brings it back
    tab.act_undo.trigger()
    assert np.abs(ab_of(item.settings.hints[0]["rgb"]) - ab_of(rgb)).max() > 10
    tab.act_undo.trigger()
    assert item.settings.hints == [] and editor.hints == []
    qtbot.waitUntil(lambda: np.abs(after_ab(tab, *POINT)).max() < 3, timeout=WAIT_MS)
    tab.act_redo.trigger()
    tab.act_redo.trigger()
    assert len(editor.hints) == 1 and item.settings.hints[0]["rgb"] == list(editor.hints[0].rgb)
    qtbot.waitUntil(lambda: after_ab(tab, *POINT)[0] > 25, timeout=WAIT_MS)

    # drag moves the point (one undo step), the wheel over it resizes it
    moved_from = editor.hints[0]
    start = tab.view.widget_points(QPointF(*POINT))[-1].toPoint()
    end = tab.view.widget_points(QPointF(360, 100))[-1].toPoint()
    qtbot.mousePress(tab.view, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(tab.view, pos=(start + end) / 2)
    qtbot.mouseMove(tab.view, pos=end)
    qtbot.mouseRelease(tab.view, Qt.MouseButton.LeftButton, pos=end)
    moved = editor.hints[0]
    assert abs(moved.x - 360) <= 2 and abs(moved.y - 100) <= 2 and len(editor.hints) == 1
    size = moved.size
    zoom = tab.view.zoom
    for _ in range(2):  # two notches over the point: one undo step, and the view keeps its zoom
        wheel(tab.view, end)
    assert tab.view.zoom == zoom and editor.hints[0].size > size * 1.2
    tab.act_undo.trigger()
    assert editor.hints[0].size == size
    tab.act_undo.trigger()
    assert abs(editor.hints[0].x - moved_from.x) < 1e-6 and editor.hints[0].y == moved_from.y

    # right click removes; Delete removes the selected point; Clear Hints removes all
    click_at(qtbot, tab, editor.hints[0].x, editor.hints[0].y, Qt.MouseButton.RightButton)
    assert editor.hints == [] and item.settings.hints == []
    click_at(qtbot, tab, 250, 200)
    click_at(qtbot, tab, 330, 60)
    assert len(editor.hints) == 2 and editor.selected == 1
    qtbot.keyClick(tab.view, Qt.Key.Key_Delete)
    assert len(editor.hints) == 1 and len(tab.items) == 1  # not "Remove From List"
    hints.act_clear.trigger()
    assert editor.hints == [] and item.settings.hints == []
    tab.act_undo.trigger()
    assert len(editor.hints) == 1
    hints.act_toggle.trigger()
    assert not editor.active and not editor.chooser.isVisible()
