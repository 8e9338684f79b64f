"""Colour hints in the engine and on the command line: the hint file, where a hint lands at the
working size, re-running only the network, and the errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from modelkit import make_lite_model
from PIL import Image

from chroma_desk.cli import main
from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.engine.hints import Hint, HintError, hint_maps, load_hints, parse_hints
from chroma_desk.models.checkpoint import make_card, save_model
from chroma_desk.models.registry import build


def make_hint_model(folder: Path, name: str = "tiny-hints") -> Path:
    """A lite-unet hint model whose hints act only through the head-side convolution of each
    cell's own hints, so a hint changes the colour near its own place and nowhere else."""
    torch.manual_seed(0)
    module = build("lite-unet", kind="regression", hints=True)
    with torch.no_grad():
        module.hint_head.weight[:, :3].normal_(0.0, 2.0)  # each cell's own hints, no spread
    card = make_card(
        name, "lite-unet", {"kind": "regression", "hints": True}, "regression", 96, 32,
        takes_hints=True,
    )  # fmt: skip
    return save_model(folder / f"{name}.safetensors", module, card, half=False)


@pytest.fixture(scope="module")
def hint_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_hint_model(tmp_path_factory.mktemp("hint-models"))


@pytest.fixture
def photo(astronaut: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(astronaut[::2, ::3])  # 256 x 171: not square


def test_hint_maps_put_each_patch_where_it_is_in_the_photo() -> None:
    hints = [
        Hint(x=300, y=100, rgb=(200, 30, 40), size=1),
        Hint(x=0, y=599, rgb=(30, 60, 200), size=40),
    ]
    maps = hint_maps(hints, photo_hw=(600, 400), working_hw=(150, 100))
    red = np.argwhere(maps.mask[0] > 0)
    assert maps.mask[0, 25, 75] == 1 and maps.ab[0, 25, 75] > 40  # red: a > 0
    # blue (b < 0): a 10 x 10 patch centred on the corner pixel, cut at the border
    assert maps.ab[1, 149, 0] < -40 and maps.mask[0, 145:, :5].all()
    assert maps.mask.sum() == 1 + 5 * 5 and len(red) == 26
    net = maps.network_input(110.0)
    assert net.shape == (3, 150, 100) and np.allclose(net[:2] * 110.0, maps.ab)
    assert not maps.ab[:, maps.mask[0] == 0].any()


def test_hint_file_errors_name_the_entry(tmp_path: Path) -> None:
    good = {"hints": [{"x": 10, "y": 5, "rgb": [200, 30, 40], "size": 9}, {"x": 1, "y": 2, "rgb": [0, 0, 0]}]}  # fmt: skip
    assert parse_hints(good, (20, 20))[1] == Hint(1.0, 2.0, (0, 0, 0), 1.0)
    bad = [
        ({"hints": [{"x": 1, "y": 1, "rgb": [1, 2, 3]}, {"x": 1, "y": 1}]}, "hint 1 .*'rgb'"),
        ({"hints": [{"x": "a", "y": 1, "rgb": [1, 2, 3]}]}, "hint 0 .*'x'"),
        ({"hints": [{"x": 1, "y": 1, "rgb": [1, 2, 300]}]}, "0-255"),
        ({"hints": [{"x": 1, "y": 1, "rgb": [1, 2, 3], "size": 0}]}, "'size'"),
        ({"hints": [{"x": 1, "y": 1, "rgb": [1, 2, 3], "colour": 1}]}, "unknown field"),
        ({"hints": [{"x": 1, "y": 30, "rgb": [1, 2, 3]}]}, "hint 0 .*outside the 20x20"),
        ({"points": []}, "expected a JSON object"),
    ]
    for data, message in bad:
        with pytest.raises(HintError, match=message):
            parse_hints(data, (20, 20))
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(HintError, match="broken.json: not valid JSON"):
        load_hints(path)


def test_a_hint_changes_the_colour_only_near_it_and_rehint_reruns_only_the_network(
    hint_model: Path, photo: np.ndarray
) -> None:
    colorizer = Colorizer(hint_model, device="cpu")
    assert colorizer.takes_hints
    plain = colorizer.predict(photo)
    assert np.array_equal(colorizer.ab(colorizer.predict(photo, hints=[])), colorizer.ab(plain))
    height, width = photo.shape[:2]
    hint = Hint(x=width * 0.75, y=height * 0.25, rgb=(220, 40, 40), size=12)
    calls = colorizer.forward_calls
    hinted = colorizer.rehint(plain, [hint])
    assert colorizer.forward_calls == calls + 1
    assert hinted.hints == (hint,) and hinted.lightness is plain.lightness
    direct = colorizer.predict(photo, hints=[hint])
    assert np.allclose(colorizer.ab(direct), colorizer.ab(hinted), atol=1e-5)
    change = np.abs(colorizer.ab(hinted) - colorizer.ab(plain)).sum(axis=2)
    ys, xs = np.nonzero(change > 1e-3)
    assert len(ys) > 0
    h, w = change.shape
    # every changed pixel lies within a few stride-4 cells of the hint (working pixels)
    assert np.abs(xs - 0.75 * w).max() < 16 and np.abs(ys - 0.25 * h).max() < 16
    # back to no hints: the first prediction again
    assert np.allclose(colorizer.ab(colorizer.rehint(hinted, [])), colorizer.ab(plain))
    with pytest.raises(HintError, match="hint 0 .*outside"):
        colorizer.rehint(plain, [Hint(x=width, y=0, rgb=(1, 2, 3))])


def test_hints_to_a_model_without_hint_inputs_are_an_error(
    tmp_path: Path, photo: np.ndarray
) -> None:
    colorizer = Colorizer(make_lite_model(tmp_path, kind="regression"), device="cpu")
    assert not colorizer.takes_hints
    with pytest.raises(HintError, match="takes no colour hints"):
        colorizer.predict(photo, hints=[Hint(1, 1, (200, 0, 0))])
    colorizer.predict(photo, hints=[])  # no hints is fine for every model


def _write_photo(path: Path, photo: np.ndarray) -> Path:
    gray = (np.clip(photo.mean(axis=2), 0, 1) * 255).astype(np.uint8)
    Image.fromarray(gray).save(path)
    return path


def test_colorize_with_a_hint_file(
    hint_model: Path, photo: np.ndarray, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write_photo(tmp_path / "old.png", photo)
    height, width = photo.shape[:2]
    hints = tmp_path / "hints.json"
    entry = {"x": int(width * 0.25), "y": int(height * 0.75), "rgb": [40, 60, 220], "size": 10}
    hints.write_text(json.dumps({"hints": [entry]}))
    plain, hinted = tmp_path / "plain.png", tmp_path / "hinted.png"
    model = ["--model", str(hint_model), "-q"]
    assert main(["colorize", str(source), "-o", str(plain), *model]) == 0
    assert main(["colorize", str(source), "-o", str(hinted), "--hints", str(hints), *model]) == 0
    a = np.asarray(Image.open(plain)).astype(int)
    b = np.asarray(Image.open(hinted)).astype(int)
    diff = np.abs(a - b).sum(axis=2)
    ys, xs = np.nonzero(diff > 2)
    assert len(ys) > 0
    assert np.abs(xs - entry["x"]).max() < width * 0.3 and np.abs(ys - entry["y"]).max() < 50
    capsys.readouterr()

    # a bad entry: a clear message naming it, exit 2, nothing written
    hints.write_text(json.dumps({"hints": [entry, {"x": 3, "y": 4, "rgb": [1, 2]}]}))
    out = tmp_path / "never.png"
    assert main(["colorize", str(source), "-o", str(out), "--hints", str(hints), *model]) == 2
    assert "hints.json: hint 1" in capsys.readouterr().err and not out.exists()
    # a point outside the photo: that photo fails, the entry is named, nothing written
    hints.write_text(json.dumps({"hints": [{"x": width + 5, "y": 1, "rgb": [1, 2, 3]}]}))
    assert main(["colorize", str(source), "-o", str(out), "--hints", str(hints), *model]) == 1
    err = capsys.readouterr().err
    assert "hint 0" in err and "outside" in err and not out.exists()
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".never*"))


def test_colorize_hints_need_a_hint_model_and_one_photo(
    tmp_path: Path, photo: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write_photo(tmp_path / "old.png", photo)
    other = _write_photo(tmp_path / "other.png", photo)
    hints = tmp_path / "hints.json"
    hints.write_text(json.dumps({"hints": [{"x": 1, "y": 1, "rgb": [200, 0, 0]}]}))
    plain_model = make_lite_model(tmp_path, kind="regression")
    out = tmp_path / "out.png"
    args = ["--hints", str(hints), "--model", str(plain_model), "-q"]
    assert main(["colorize", str(source), "-o", str(out), *args]) == 2
    assert "takes no colour hints" in capsys.readouterr().err and not out.exists()
    assert main(["colorize", str(source), str(other), "-o", str(tmp_path / "o"), *args]) == 2
    assert "--hints is for one photo" in capsys.readouterr().err
