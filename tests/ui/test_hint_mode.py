"""Hint mode in the Photos tab: a click adds a colour point and opens the chooser, the after view
takes the colour, every edit is an undo step, Save and Export All use the points, the list marks
a hinted photo, and the points come back when the photo is shown again and after a restart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from modelkit import make_follow_hint_model
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from chroma_desk.color.lab import rgb_to_lab
from chroma_desk.engine.hint_colours import lab_rgb8, to_displayable
from chroma_desk.ui.export_dialog import ExportOptions
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
    # the model's suggestions and the ab plane arrive from the worker
    qtbot.waitUntil(lambda: len(editor.chooser.swatches) >= 2, timeout=WAIT_MS)
    assert not editor.chooser.picker._image.isNull()
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


def add_red_point(qtbot, tab, x: float, y: float) -> tuple[int, int, int]:
    """Hint mode on, a point at (x, y), a red chosen for it from the picker."""
    hints, editor = tab.hint_mode, tab.hint_mode.editor
    if not editor.active:
        hints.act_toggle.trigger()
    click_at(qtbot, tab, x, y)
    ab, _ = red_at(editor.chooser.picker.lightness)
    picker = editor.chooser.picker
    qtbot.mouseClick(picker, Qt.MouseButton.LeftButton, pos=picker.position_of(*ab).toPoint())
    return editor.hints[-1].rgb


def file_ab(path: Path, x: float, y: float) -> np.ndarray:
    with Image.open(path) as img:
        return ab_of(np.asarray(img.convert("RGB"))[int(y), int(x)])


def test_save_and_export_all_use_each_photos_points(
    qtbot, make_window, follow_model, make_photo, tmp_path
):
    # the same photo twice: one gets a point, the other none
    hinted = make_photo(tmp_path / "in" / "hinted.png", (400, 300))
    plain = make_photo(tmp_path / "in" / "plain.png", (400, 300))
    window = make_window(model=follow_model)
    tab = open_photo(qtbot, window, plain)
    tab.add_paths([hinted])
    qtbot.waitUntil(
        lambda: shown_and_coloured(tab) and tab.current_item.path == hinted, timeout=WAIT_MS
    )
    rgb = add_red_point(qtbot, tab, *POINT)
    x, y = tab.hint_mode.editor.hints[0].x, tab.hint_mode.editor.hints[0].y
    want = ab_of(rgb)

    out = tmp_path / "out"
    with qtbot.waitSignal(tab.batchFinished, timeout=WAIT_MS) as finished:
        tab.export_all(ExportOptions(out, "png"), conflict="keep-both")
    assert finished.args == [2, 0, False]
    exported = file_ab(out / "hinted_color.png", x, y)
    assert np.abs(exported - want).max() < 15, (exported, want)
    assert np.abs(file_ab(out / "plain_color.png", x, y)).max() < 3  # no point, no colour
    assert np.abs(file_ab(out / "hinted_color.png", 60, 250)).max() < 3  # far from it: none

    # Save takes the point too, even when it was added just before (no wait for the view)
    tab.hint_mode.editor.move(0, x - 20, y + 20)
    saved = tmp_path / "saved.png"
    task = tab.save_current(saved)
    qtbot.waitUntil(task.done, timeout=WAIT_MS)
    assert np.abs(file_ab(saved, x - 20, y + 20) - want).max() < 15


def test_points_come_back_when_the_photo_is_shown_again_and_after_a_restart(
    qtbot, make_window, follow_model, make_photo, tmp_path
):
    first = make_photo(tmp_path / "in" / "astronaut.png", (400, 300))
    second = make_photo(tmp_path / "in" / "coffee.png", (360, 240), "coffee")
    window = make_window(model=follow_model)
    tab = open_photo(qtbot, window, first)
    rgb = add_red_point(qtbot, tab, *POINT)
    point = tab.hint_mode.editor.hints[0]
    qtbot.waitUntil(lambda: after_ab(tab, *POINT)[0] > 25, timeout=WAIT_MS)
    tab.add_paths([second])
    qtbot.waitUntil(
        lambda: shown_and_coloured(tab) and tab.current_item.path == second, timeout=WAIT_MS
    )
    assert tab.hint_mode.editor.hints == []
    tab.select(tab.items[0])
    qtbot.waitUntil(
        lambda: shown_and_coloured(tab) and tab.current_item.path == first, timeout=WAIT_MS
    )
    assert tab.hint_mode.editor.hints == [point]
    qtbot.waitUntil(lambda: after_ab(tab, *POINT)[0] > 25, timeout=WAIT_MS)
    # an undo while another photo is shown goes back to the photo it belongs to
    tab.select(tab.items[1])
    qtbot.waitUntil(lambda: tab.current_item.path == second, timeout=WAIT_MS)
    tab.act_undo.trigger()  # the colour chosen
    assert tab.current_item.path == first and tab.items[0].settings.hints[0]["rgb"] != list(rgb)
    tab.act_redo.trigger()
    window.close()

    again = make_window(model=follow_model)
    tab = again.photos
    qtbot.waitUntil(lambda: shown_and_coloured(tab) and len(tab.items) == 2, timeout=WAIT_MS)
    restored = next(i for i in tab.items if i.path == first)
    assert restored.settings.hints == [point.to_json()]
    tab.select(restored)
    qtbot.waitUntil(
        lambda: shown_and_coloured(tab) and tab.current_item is restored, timeout=WAIT_MS
    )
    # predicted with its point from the start: the colour is there with no edit at all
    assert restored.prediction.hints == (point,)
    qtbot.waitUntil(lambda: after_ab(tab, *POINT)[0] > 25, timeout=WAIT_MS)
    tab.hint_mode.act_toggle.trigger()
    assert tab.hint_mode.editor.hints == [point]


def test_a_model_without_hint_inputs_disables_hint_mode_and_says_why(
    qtbot, make_window, make_photo, tmp_path
):
    window = make_window()  # the tiny classifier: no hint inputs
    tab = window.photos
    tab.add_paths([make_photo(tmp_path / "in" / "astronaut.png", (400, 300))])
    qtbot.waitUntil(lambda: tab.view.after is not None, timeout=WAIT_MS)
    act = tab.hint_mode.act_toggle
    assert not act.isEnabled() and "takes no colour hints" in act.toolTip()
    assert "takes no colour hints" in tab.hint_mode.button.toolTip()
    act.trigger()
    assert not tab.hint_mode.editor.active
