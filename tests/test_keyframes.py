"""Keyframes: hints on one frame carried through the shot both ways, never across a cut; the
command line's --keyframe; keyframes kept per clip in the data folder.

The clip is made here: a window sliding right over a real photo by 3 pixels a frame (so the
picture moves left), then a hard cut to another photo. The model is a small hint model whose
hints act near their own place only (``modelkit.make_hint_model``).
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from modelkit import make_hint_model, make_lite_model

from chroma_desk.cli import main
from chroma_desk.engine.hints import Hint, HintError
from chroma_desk.engine.keyframes import Keyframe, KeyframeStore, parse_keyframe_argument
from chroma_desk.media import clips
from chroma_desk.media.video import iter_frames

SIZE = (160, 120)
FPS = 10
STEP = 3  # pixels the picture moves left each frame
SHOT = 16  # frames in the first shot; the second shot as long
KEY = 6  # the keyframe
POINT = (90.0, 60.0)  # the hint, in the keyframe's pixels


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    from skimage import data

    first, second = data.astronaut(), data.coffee()
    w, h = SIZE
    frames = [first[150 : 150 + h, 100 + STEP * t : 100 + STEP * t + w] for t in range(SHOT)]
    frames += [second[100 + 2 * t : 100 + 2 * t + h, 200 : 200 + w] for t in range(SHOT)]
    folder = tmp_path_factory.mktemp("clips")
    return clips.write_clip(folder / "slide.mp4", frames, FPS, audio=None, gray=True)


@pytest.fixture(scope="module")
def hint_model(tmp_path_factory) -> Path:
    return make_hint_model(tmp_path_factory.mktemp("models"))


def ab_frames(path: Path) -> list[np.ndarray]:
    return [
        cv2.cvtColor(f.rgb, cv2.COLOR_RGB2Lab)[..., 1:].astype(np.float32) - 128
        for f in iter_frames(path)
    ]


def colourize(clip: Path, out: Path, model: Path, *extra: str) -> list[np.ndarray]:
    args = ["video", str(clip), "-o", str(out), "--model", str(model), "--no-smooth", "-q"]
    assert main([*args, "--crf", "0", *extra]) == 0
    return ab_frames(out)


def changed_at(plain: np.ndarray, hinted: np.ndarray) -> tuple[float, tuple[float, float]]:
    """(largest |delta ab|, centre of the pixels changed by more than half of it)."""
    diff = np.hypot(*np.moveaxis(hinted - plain, -1, 0))
    ys, xs = np.nonzero(diff > 0.5 * diff.max())
    return float(diff.max()), (float(xs.mean()), float(ys.mean()))


def test_a_keyframe_hint_follows_its_object_through_the_shot_and_stops_at_the_cut(
    tmp_path, clip, hint_model
):
    hints = tmp_path / "hints.json"
    entry = {"x": POINT[0], "y": POINT[1], "rgb": [220, 40, 40], "size": 12}
    hints.write_text(json.dumps({"hints": [entry]}))
    plain = colourize(clip, tmp_path / "plain.mp4", hint_model)
    keyed = colourize(
        clip, tmp_path / "keyed.mp4", hint_model, "--keyframe", f"{KEY / FPS}:{hints}"
    )
    assert len(plain) == len(keyed) == 2 * SHOT
    strength, where = changed_at(plain[KEY], keyed[KEY])
    assert strength > 10 and np.hypot(where[0] - POINT[0], where[1] - POINT[1]) < 6
    # the same object, frames later and earlier: the change moved with the picture
    for t in (KEY + 7, KEY - 5):
        moved, where = changed_at(plain[t], keyed[t])
        expected = (POINT[0] - STEP * (t - KEY), POINT[1])
        assert moved > 0.5 * strength, t
        assert np.hypot(where[0] - expected[0], where[1] - expected[1]) < 6, (t, where)
    # not across the cut: the second shot is as without the keyframe
    for t in range(SHOT, 2 * SHOT):
        assert np.abs(keyed[t] - plain[t]).max() < 0.1 * strength, t


def test_keyframe_arguments_and_models_are_checked(tmp_path, clip, capsys):
    hints = tmp_path / "hints.json"
    hints.write_text(json.dumps({"hints": [{"x": 500, "y": 5, "rgb": [200, 0, 0]}]}))
    out = tmp_path / "out.mp4"
    plain_model = make_lite_model(tmp_path, kind="regression", working_size=64)
    model = ["--model", str(plain_model), "-q"]
    assert main(["video", str(clip), "-o", str(out), "--keyframe", f"0.2:{hints}", *model]) == 2
    assert "takes no colour hints" in capsys.readouterr().err
    hint_model = make_hint_model(tmp_path)
    model = ["--model", str(hint_model), "-q"]
    assert main(["video", str(clip), "-o", str(out), "--keyframe", f"0.2:{hints}", *model]) == 1
    assert "outside the 160x120" in capsys.readouterr().err and not out.exists()
    assert main(["video", str(clip), "-o", str(out), "--keyframe", "x:y.json", *model]) == 2
    assert "not a number of seconds" in capsys.readouterr().err
    with pytest.raises(HintError, match="SECONDS:HINTS.json"):
        parse_keyframe_argument("3.5")


def test_keyframes_are_kept_per_clip_in_the_data_folder(tmp_path):
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"a clip")
    store = KeyframeStore(tmp_path / "data")
    keys = [Keyframe(1.5, (Hint(10, 20, (200, 30, 40), 9),)), Keyframe(0.0, ())]
    store.save(video, keys)
    assert store.load(video) == keys
    assert not list(tmp_path.glob("*.json"))  # nothing beside the video
    video.write_bytes(b"another clip")  # changed: not the same clip any more
    assert store.load(video) == []
