"""The Video and Live tabs, standalone: facts, a job with live preview, pause/cancel, webcam."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chroma_desk.media import clips
from chroma_desk.media.video import probe

SIZE = (128, 96)
FRAMES = 24


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """A gray clip with sound from real photos: two slow camera moves and a cut."""
    photos = clips.skimage_photos()[:2]
    frames = list(clips.shots(photos, SIZE, FRAMES // 2))
    folder = tmp_path_factory.mktemp("clips")
    return clips.write_clip(folder / "street.mp4", frames, 25, gray=True)


@pytest.fixture
def state(tiny_model):
    from chroma_desk.ui.state import AppState

    return AppState(tiny_model, 0.38)


@pytest.fixture
def video_tab(qtbot, state):
    from chroma_desk.ui.video_tab import VideoTab

    tab = VideoTab(state)
    qtbot.addWidget(tab)
    tab.resize(1100, 700)
    tab.show()
    yield tab
    tab.shutdown()


@pytest.fixture
def live_tab(qtbot, state, tmp_path):
    from chroma_desk.ui.live_tab import LiveTab

    tab = LiveTab(state)
    tab.output_folder = tmp_path
    qtbot.addWidget(tab)
    tab.resize(1000, 650)
    tab.show()
    yield tab
    tab.shutdown()


def test_opening_a_clip_shows_its_facts(video_tab, clip):
    assert not video_tab.start_button.isEnabled()
    assert video_tab.open_clip(clip)
    facts = {k: v.text() for k, v in video_tab.fact_values.items()}
    assert facts["Size"] == "128 x 96" and facts["Frames"] == str(FRAMES)
    assert facts["Frame rate"] == "25 fps" and facts["Audio"].startswith("AAC")
    assert video_tab.output_edit.text() == str(clip.with_name("street_color.mp4"))
    assert video_tab.view.before is not None  # the first frame, before colourizing
    assert video_tab.start_button.isEnabled()


def test_scrubbing_shows_that_frame_before_and_after(qtbot, video_tab, clip):
    assert video_tab.open_clip(clip)
    first = video_tab.view.before
    with qtbot.waitSignal(video_tab.previewShown, timeout=30000) as shown:
        video_tab.scrub.setValue(18)  # in the second shot
    assert shown.args[0] == pytest.approx(18 / 25, abs=0.02)
    assert video_tab.view.before is not first and video_tab.view.after is not None
    assert video_tab.previewed is not None and video_tab.previewed.rgb.shape == (96, 128, 3)
    # the status bar's facts are the clip's
    facts = video_tab.status_info()
    assert facts["size"] == (128, 96) and "25 fps" in facts["facts"]


def test_keyframes_show_in_the_preview_and_come_back_with_the_clip(
    qtbot, tmp_path, clip, user_keyframes_dir
):
    from modelkit import make_hint_model

    from chroma_desk.engine.hints import Hint
    from chroma_desk.ui.state import AppState
    from chroma_desk.ui.video_tab import VideoTab

    def make_tab():
        tab = VideoTab(AppState(make_hint_model(tmp_path), 0.38))
        qtbot.addWidget(tab)
        return tab

    tab = make_tab()
    assert tab.open_clip(clip) and tab.keyframes == []
    with qtbot.waitSignal(tab.previewShown, timeout=30000):
        tab.scrub.setValue(5)
    plain = tab.previewed.colour
    calls = []
    tab.hint_editor = lambda *args: calls.append(args)
    tab.edit_hints()
    assert calls and calls[0][1] == pytest.approx(0.2) and calls[0][3] == ()
    hint = Hint(40, 30, (230, 30, 30), 12)
    with qtbot.waitSignal(tab.previewShown, timeout=30000):
        tab.set_keyframe(calls[0][1], [hint])
    hinted = tab.previewed.colour
    assert np.abs(hinted.astype(int) - plain).max() > 20  # the hint shows at once
    assert tab.settings_for_job().keyframes == tuple(tab.keyframes)
    assert tab.keyframe_list.count() == 1 and "keyframe" in tab.scrub_label.text()
    tab.shutdown()
    assert list(user_keyframes_dir.glob("*.json")) and not list(clip.parent.glob("*.json"))

    again = make_tab()
    assert again.open_clip(clip)
    assert [k.hints for k in again.keyframes] == [(hint,)]
    again.keyframe_list.setCurrentRow(0)
    again.remove_keyframe_button.click()
    assert again.keyframes == [] and not list(user_keyframes_dir.glob("*.json"))
    again.shutdown()


def test_a_bad_clip_is_refused_with_a_message(video_tab, tmp_path, clip):
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[:2000])
    assert not video_tab.open_clip(cut)
    title, detail = video_tab.view.shown_message()
    assert title == "Cannot open this clip" and "truncated" in detail
    assert not video_tab.start_button.isEnabled()


def test_dropping_a_clip_opens_it(video_tab, clip):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(clip))])
    event = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    video_tab.dropEvent(event)
    assert video_tab.info is not None and video_tab.info.path == clip


def test_a_job_runs_with_preview_progress_and_a_responsive_window(qtbot, video_tab, clip, tmp_path):
    from PySide6.QtCore import QTimer

    video_tab.open_clip(clip)
    out = tmp_path / "colour.mkv"
    video_tab.output_edit.setText(str(out))
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    with qtbot.waitSignal(video_tab.jobFinished, timeout=300_000) as finished:
        assert video_tab.start()
        assert video_tab.pause_button.isEnabled() and not video_tab.start_button.isEnabled()
        assert not video_tab.picker.isEnabled()  # the model is fixed while a job runs
    timer.stop()
    result = finished.args[0]
    assert result.status == "done" and out.exists()
    assert probe(out, count=True).frame_count == FRAMES
    assert len(ticks) > 3  # the event loop kept turning during the job
    assert video_tab.view.after is not None  # the last preview frame, colourized
    assert video_tab.progress.value() == video_tab.progress.maximum()
    assert video_tab.stats.text().startswith("Done: 24 frames")
    assert video_tab.open_result_button.isVisibleTo(video_tab)
    assert not video_tab.running and video_tab.start_button.isEnabled()


def test_colourize_button_asks_before_replacing_a_result(video_tab, clip, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    video_tab.open_clip(clip)
    out = tmp_path / "earlier.mp4"
    out.write_bytes(b"an earlier result")
    video_tab.output_edit.setText(str(out))
    asked, said = [], []
    video_tab.message.connect(lambda text, _ms: said.append(text))

    def question(_parent, title, text, *_args):
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", question)
    video_tab.start_button.click()
    assert asked and "earlier.mp4" in asked[0]
    assert not video_tab.running and out.read_bytes() == b"an earlier result"
    assert said and "kept" in said[-1]


def test_pause_then_cancel_leaves_no_file(qtbot, video_tab, clip, tmp_path):
    video_tab.open_clip(clip)
    out = tmp_path / "never.mp4"
    video_tab.output_edit.setText(str(out))
    video_tab.start()
    qtbot.waitUntil(lambda: video_tab.last_progress is not None, timeout=120_000)
    video_tab.pause()
    assert video_tab.job.paused and video_tab.pause_button.text() == "Resume"
    with qtbot.waitSignal(video_tab.jobFinished, timeout=120_000) as finished:
        video_tab.cancel()
    assert finished.args[0].status == "cancelled"
    assert not out.exists() and not [p for p in tmp_path.iterdir() if ".part" in p.name]
    assert "no file written" in video_tab.stats.text()


def test_live_tab_without_a_camera_says_so(live_tab, monkeypatch):
    import chroma_desk.ui.live_tab as live_module

    monkeypatch.setattr(live_module, "list_cameras", lambda: [])
    live_tab.file_source = None
    live_tab.refresh_cameras()
    title, detail = live_tab.view.shown_message()
    assert title == "No camera found" and "Connect a webcam" in detail
    assert not live_tab.start()  # "Use a video file..." is not a camera
    assert not live_tab.snapshot_button.isEnabled()


def test_live_tab_with_a_file_as_camera(qtbot, live_tab, state, clip, tmp_path):
    live_tab.use_file_source(clip)
    assert live_tab.start()
    qtbot.waitUntil(lambda: live_tab.frames_shown >= 2, timeout=120_000)
    assert live_tab.view.before is not None and live_tab.view.after is not None
    assert "fps" in live_tab.stats.text()
    assert live_tab.snapshot_button.isEnabled()

    state.set_temperature(0.2)  # applies to the next frame
    assert live_tab.session.temperature == pytest.approx(0.2)

    with qtbot.waitSignal(live_tab.snapshotSaved, timeout=10_000) as shot:
        live_tab.snapshot()
    assert shot.args[0].exists() and shot.args[0].parent == tmp_path

    live_tab.record_button.setChecked(True)
    shown = live_tab.frames_shown
    qtbot.waitUntil(lambda: live_tab.frames_shown >= shown + 3, timeout=120_000)
    with qtbot.waitSignal(live_tab.recordingSaved, timeout=30_000) as saved:
        live_tab.record_button.setChecked(False)
    recorded = probe(saved.args[0], count=True)
    assert recorded.frame_count >= 3 and recorded.size == SIZE

    live_tab.stop()
    assert not live_tab.running and live_tab.start_button.text() == "Start"


def test_preview_pyramid_turns_rotated_frames_upright():
    from chroma_desk.ui.video_tab import preview_pyramid

    frame = np.zeros((40, 100, 3), np.uint8)
    frame[:, :10] = 255  # a white band on the left
    upright = preview_pyramid(frame, rotation=90).array()
    assert upright.shape == (100, 40, 3)
    assert upright[-5:, :, 0].mean() > 200  # counter-clockwise: the left edge goes down
