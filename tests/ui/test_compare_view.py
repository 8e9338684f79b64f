"""The before/after view alone: pyramids, split divider, side by side, Space, zoom and pan."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from chroma_desk.ui.compare_view import SIDE, SINGLE, SPLIT, CompareView, ImagePyramid


@pytest.fixture
def images():
    from skimage import data

    rgb = data.astronaut().astype(np.float32) / 255.0
    gray = rgb.mean(axis=2)
    return ImagePyramid(gray), ImagePyramid(rgb)


@pytest.fixture
def view(qtbot, images):
    view = CompareView()
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    before, after = images
    view.set_before(before)
    view.set_after(after)
    return view


def test_pyramid_levels_halve_and_pick_the_right_one():
    from skimage import data

    big = np.repeat(np.repeat(data.camera(), 6, axis=0), 8, axis=1)  # 3072 x 4096
    pyramid = ImagePyramid(big)
    sizes = [(image.width(), image.height()) for _, image in pyramid.levels]
    assert sizes[0] == (4096, 3072)
    assert sizes[-1][0] <= 384 or sizes[-1][1] <= 384
    assert all(a[0] // 2 == b[0] for a, b in zip(sizes, sizes[1:], strict=False))
    assert pyramid.level_for(1.0)[0] == 1.0
    scale, image = pyramid.level_for(0.2)  # the smallest level still at least 20%
    assert scale >= 0.2 and scale < 0.5
    assert pyramid.upscaled is None  # large photos need no 2x copy
    small = ImagePyramid(data.camera())
    assert small.level_for(1.5)[0] == 2.0  # bicubic 2x copy between 100% and 200%
    assert small.level_for(3.0)[0] == 1.0  # pixel peeping shows the real pixels
    assert small.pixel_rgb(10, 10) == (int(data.camera()[10, 10]),) * 3


def test_split_divider_drags_and_panning_moves_both_sides(qtbot, view):
    assert view.mode == SPLIT and view.is_fit
    x = int(view.divider_x())
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(x, 300))
    qtbot.mouseMove(view, QPoint(200, 300))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(200, 300))
    assert view.split_fraction == pytest.approx(200 / 800, abs=0.01)
    view.actual_size()
    assert view.zoom == 1.0 and not view.is_fit
    # zoomed in, a drag moves the photo (both sides at once); the divider stays
    view.set_zoom(2.0)
    rect_before = view.photo_rect(view._viewports()[0][0])
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(500, 300))
    qtbot.mouseMove(view, QPoint(450, 280))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(450, 280))
    rect_after = view.photo_rect(view._viewports()[0][0])
    assert rect_after.left() == pytest.approx(rect_before.left() - 50)
    assert rect_after.top() == pytest.approx(rect_before.top() - 20)
    assert view.split_fraction == pytest.approx(200 / 800, abs=0.01)


def test_wheel_zooms_around_the_cursor_and_fit_comes_back(qtbot, view):
    fit = view.zoom
    anchor = QPointF(440, 330)  # near the centre: zooming never shows beyond the edges
    vp = view._viewports()[0][0]
    photo_point = view.photo_rect(vp).topLeft()
    under = (anchor - photo_point) / fit  # photo coordinates under the cursor
    event = QWheelEvent(
        anchor, view.mapToGlobal(anchor), QPoint(0, 0), QPoint(0, 240),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False,
    )  # fmt: skip
    QApplication.sendEvent(view, event)
    assert view.zoom > fit * 1.3
    rect = view.photo_rect(vp)
    still_under = (anchor - rect.topLeft()) / view.zoom
    assert still_under.x() == pytest.approx(under.x(), abs=1.0)
    assert still_under.y() == pytest.approx(under.y(), abs=1.0)
    view.fit()
    assert view.zoom == pytest.approx(fit)


def test_side_by_side_shows_the_same_region_on_both_sides(view):
    view.set_mode(SIDE)
    view.set_zoom(2.0)
    view.pan_by(-100, -60)
    (left, which_left), (right, which_right) = view._viewports()
    assert (which_left, which_right) == ("before", "after")
    a, b = view.photo_rect(left), view.photo_rect(right)
    # the same photo point sits at the same place within each half
    assert a.left() - left.left() == pytest.approx(b.left() - right.left())
    assert a.top() == pytest.approx(b.top())
    assert left.width() == pytest.approx(right.width())


def test_space_shows_the_original_then_goes_back_to_split_or_side_by_side(view):
    assert view.mode == SPLIT
    view.toggle_before_after()
    assert view.mode == SINGLE and view.showing_before
    view.toggle_before_after()
    assert view.mode == SPLIT
    view.set_mode(SIDE)
    view.toggle_before_after()
    assert view.mode == SINGLE and view.showing_before
    view.toggle_before_after()
    assert view.mode == SIDE


def test_space_in_the_one_at_a_time_view_flips_before_and_after(view):
    view.set_mode(SINGLE)
    view.toggle_before_after()
    assert view.mode == SINGLE and view.showing_before
    view.toggle_before_after()
    assert view.mode == SINGLE and not view.showing_before
    view.toggle_before_after()
    assert view.mode == SINGLE and view.showing_before


def test_messages_and_placeholder(qtbot):
    view = CompareView()
    qtbot.addWidget(view)
    assert view.shown_message()[0].startswith("Drop")
    view.set_message("No model", "load one")
    assert view.shown_message() == ("No model", "load one")
    view.set_busy("Colourizing…")
    view.grab()  # paints every overlay without error
    view.set_busy(None)
