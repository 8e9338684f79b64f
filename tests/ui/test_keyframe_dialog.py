"""The Video tab's "Hint this frame..." dialog: a click on the frame adds a colour point (the
after view takes its colour), undo removes it, OK stores the frame as a keyframe with that point,
Cancel stores nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from modelkit import make_follow_hint_model
from PySide6.QtCore import QPointF, Qt

from chroma_desk.color.lab import rgb_to_lab
from chroma_desk.media import clips

WAIT_MS = 60_000
POINT = (90.0, 40.0)  # right of the divider, so the after side is under it

pytestmark = pytest.mark.usefixtures("one_torch_thread", "qloop")


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    frames = list(clips.shots(clips.skimage_photos()[:1], (128, 96), 8))
    return clips.write_clip(tmp_path_factory.mktemp("clips") / "one.mp4", frames, 25, gray=True)


@pytest.fixture
def tab(qtbot, tmp_path, clip, user_keyframes_dir):
    from chroma_desk.ui.state import AppState
    from chroma_desk.ui.video_tab import VideoTab

    tab = VideoTab(AppState(make_follow_hint_model(tmp_path), 0.38))
    qtbot.addWidget(tab)
    assert tab.open_clip(clip)
    with qtbot.waitSignal(tab.previewShown, timeout=WAIT_MS):
        tab.scrub.setValue(3)
    yield tab
    tab.shutdown()


def open_dialog(qtbot, tab):
    from chroma_desk.ui.keyframe_dialog import KeyframeDialog

    tab.edit_hints()
    [dialog] = [d for d in tab.findChildren(KeyframeDialog) if d.isVisible()]
    assert not dialog.isModal()
    qtbot.waitUntil(lambda: dialog.editor.ready and dialog.editor.active, timeout=WAIT_MS)
    return dialog


def click_point(qtbot, dialog) -> None:
    pos = dialog.view.widget_points(QPointF(*POINT))[-1].toPoint()
    qtbot.mouseClick(dialog.view, Qt.MouseButton.LeftButton, pos=pos)


def after_ab(dialog) -> np.ndarray:
    rgb = np.asarray(dialog.view.after.pixel_rgb(int(POINT[0]), int(POINT[1])), dtype=np.uint8)
    return rgb_to_lab(rgb.reshape(1, 1, 3))[0, 0, 1:]


def test_ok_stores_the_frame_as_a_keyframe_with_the_clicked_point(qtbot, tab):
    time = tab.previewed.time
    dialog = open_dialog(qtbot, tab)
    assert not dialog.clear_button.isEnabled()
    click_point(qtbot, dialog)
    assert len(dialog.editor.hints) == 1 and dialog.clear_button.isEnabled()
    hint = dialog.editor.hints[0]
    assert abs(hint.x - POINT[0]) <= 1.5 and abs(hint.y - POINT[1]) <= 1.5
    # a vivid colour for the point: the after view takes it
    dialog.editor.recolour(0, (220, 30, 30))
    qtbot.waitUntil(lambda: after_ab(dialog)[0] > 25, timeout=WAIT_MS)
    dialog.undo_stack.undo()
    assert dialog.editor.hints[0].rgb != (220, 30, 30)
    dialog.undo_stack.redo()
    hint = dialog.editor.hints[0]
    assert hint.rgb == (220, 30, 30)
    with qtbot.waitSignal(tab.previewShown, timeout=WAIT_MS):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert [k.hints for k in tab.keyframes] == [(hint,)]
    assert tab.keyframes[0].time == pytest.approx(time)
    assert tab.keyframe_list.count() == 1

    # opened again, the frame comes with its point; Clear then OK makes it a plain frame again
    dialog = open_dialog(qtbot, tab)
    assert dialog.editor.hints == [hint]
    dialog.clear_button.click()
    assert dialog.editor.hints == []
    with qtbot.waitSignal(tab.previewShown, timeout=WAIT_MS):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert tab.keyframes == []


def test_cancel_stores_nothing(qtbot, tab):
    dialog = open_dialog(qtbot, tab)
    click_point(qtbot, dialog)
    assert len(dialog.editor.hints) == 1
    dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    assert not dialog.isVisible()
    assert tab.keyframes == [] and tab.keyframe_list.count() == 0


def test_a_model_without_hints_opens_no_dialog(qtbot, tmp_path, clip, tiny_model):
    from chroma_desk.ui.keyframe_dialog import KeyframeDialog
    from chroma_desk.ui.state import AppState
    from chroma_desk.ui.video_tab import VideoTab

    tab = VideoTab(AppState(tiny_model, 0.38))
    qtbot.addWidget(tab)
    assert tab.open_clip(clip)
    with qtbot.waitSignal(tab.previewShown, timeout=WAIT_MS):
        tab.scrub.setValue(3)
    with qtbot.waitSignal(tab.message) as said:
        tab.edit_hints()
    assert "no colour hints" in said.args[0] and tab.findChild(KeyframeDialog) is None
    tab.shutdown()
