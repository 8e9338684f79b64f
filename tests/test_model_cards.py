"""Broken model cards (issue 12, item 2): each is refused when the file is read, with a message
naming the file and the problem; the command line exits non-zero and writes nothing. Before,
these rendered pure white or garbage and said "0 failed", or ended in a traceback."""

from __future__ import annotations

import json
import resource
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import save_file
from skimage import data

from chroma_desk.cli import main
from chroma_desk.color.bins import gamut_bins
from chroma_desk.media import clips
from chroma_desk.models.card import CardError, ModelCard
from chroma_desk.models.checkpoint import (
    CARD_KEY,
    ModelFileError,
    load_model,
    make_card,
    read_card,
    save_model,
)
from chroma_desk.models.registry import build

ARGS = {"kind": "classification", "bins": 262, "width": 2}


def tiny_card() -> dict[str, Any]:
    """The JSON form of a good card for a tiny plain-unet classifier."""
    return make_card("tiny", "plain-unet", ARGS, "classification", 64, 16, bins=gamut_bins())


def tiny_weights() -> dict[str, torch.Tensor]:
    torch.manual_seed(0)
    return {k: v.contiguous() for k, v in build("plain-unet", **ARGS).state_dict().items()}


def write_raw(path: Path, card_text: str, tensors: dict[str, torch.Tensor] | None = None) -> Path:
    """A model file whose card is exactly ``card_text`` (json.dumps writes NaN as NaN)."""
    save_file(tensors or tiny_weights(), str(path), metadata={CARD_KEY: card_text})
    return path


def broken(path: Path, change: Callable[[dict[str, Any]], Any]) -> Path:
    card = tiny_card().to_dict()
    result = change(card)
    return write_raw(path, json.dumps(card if result is None else result))


# case name -> (change to a good card, words the message must hold)
CASES: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "nan-temperature": (lambda c: c.update(default_temperature=float("nan")), "finite"),
    "nan-ab-scale": (lambda c: c["output"].update(ab_scale=float("nan")), "output.ab_scale"),
    "l-scale-zero": (lambda c: c["input"].update(l_scale=0), "l_scale"),
    "unknown-kind": (lambda c: c.update(kind="segmentation"), "unknown kind 'segmentation'"),
    "working-size-minus-one": (lambda c: c.update(working_size=-1), "working_size"),
    "working-size-zero": (lambda c: c.update(working_size=0), "working_size"),
    "working-size-1e9": (lambda c: c.update(working_size=1e9), "working_size"),
    "stride-zero": (lambda c: c.update(stride=0), "stride"),
    "missing-bins": (lambda c: c.__delitem__("bins"), "bins"),
    "wrong-length-bins": (lambda c: c.update(bins=c["bins"][:100]), "100 bins"),
    "card-is-a-number": (lambda c: 42, "not a JSON object"),
    "card-is-a-list": (lambda c: [c], "not a JSON object"),
    "missing-input": (lambda c: c.__delitem__("input"), "'input'"),
    "nan-l-center": (lambda c: c["input"].update(l_center=float("nan")), "input.l_center"),
    "temperature-as-text": (lambda c: c.update(default_temperature="hot"), "number"),
    "stride-unsuited": (lambda c: c.update(stride=8), "stride 8"),
    "newer-format": (lambda c: c.update(format_version=99), "newer"),
    "unknown-preprocessing": (lambda c: c.update(preprocessing="squash"), "preprocessing"),
    "takes-hints-as-text": (lambda c: c.update(takes_hints="yes"), "takes_hints"),
    "hints-on-a-model-without-hints": (lambda c: c.update(takes_hints=True), "takes none"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_card_is_refused_naming_the_file_and_the_problem(case: str, tmp_path: Path) -> None:
    change, words = CASES[case]
    path = broken(tmp_path / f"{case}.safetensors", change)
    with pytest.raises(ModelFileError) as err:
        load_model(path)
    assert str(path) in str(err.value) and words in str(err.value)


def test_good_tiny_card_loads(tmp_path: Path) -> None:
    """The cases above break a card that is otherwise fine."""
    path = write_raw(tmp_path / "good.safetensors", json.dumps(tiny_card().to_dict()))
    loaded = load_model(path)
    assert loaded.kind == "classification" and loaded.bins.shape == (262, 2)


def test_bins_that_do_not_fit_the_head_are_refused(tmp_path: Path) -> None:
    """The card lists 100 bins and builds the default 313-bin head; the weights' head has 262."""
    card = tiny_card().to_dict()
    card["bins"], card["arguments"] = card["bins"][:100], {"kind": "classification", "width": 2}
    path = write_raw(tmp_path / "head.safetensors", json.dumps(card))
    with pytest.raises(ModelFileError, match=r"head.bias has shape \(262,\), .* wants \(313,\)"):
        load_model(path)


def test_huge_architecture_arguments_are_refused_before_allocating(tmp_path: Path) -> None:
    """width 10^6 is a ~10^13-parameter network: it is never built, only compared on meta."""
    card = tiny_card().to_dict()
    card["arguments"] = {**ARGS, "width": 1_000_000}
    path = write_raw(tmp_path / "huge.safetensors", json.dumps(card))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ModelFileError, match="has shape"):
        load_model(path)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 512


def test_weights_with_nan_are_refused(tmp_path: Path) -> None:
    tensors = tiny_weights()
    key = next(k for k, v in tensors.items() if v.is_floating_point() and v.numel() > 1)
    tensors[key] = tensors[key].clone()
    tensors[key].view(-1)[0] = float("nan")
    path = write_raw(tmp_path / "nan.safetensors", json.dumps(tiny_card().to_dict()), tensors)
    with pytest.raises(ModelFileError, match=f"{key} holds NaN"):
        load_model(path)


def test_card_asking_for_pretrained_weights_is_refused(tmp_path: Path) -> None:
    path = broken(tmp_path / "p.safetensors", lambda c: c["arguments"].update(pretrained=True))
    with pytest.raises(ModelFileError, match="pretrained"):
        read_card(path)


def test_version_less_card_of_the_first_files_still_loads(tmp_path: Path) -> None:
    card = tiny_card().to_dict()
    del card["format_version"]
    path = write_raw(tmp_path / "old.safetensors", json.dumps(card))
    assert load_model(path).card.format_version == 1


def test_bundled_models_load_with_their_cards() -> None:
    for name in ("lite-gan", "lite-cls"):
        path = Path(__file__).parents[1] / "resources" / "models" / f"{name}.safetensors"
        card = read_card(path)
        assert card.name == name and card.architecture == "lite-unet" and card.stride == 32
        assert ModelCard.from_dict(card.to_dict()) == card  # the JSON form round-trips


def test_card_round_trips_through_a_file(tmp_path: Path) -> None:
    card = tiny_card().updated(title="T", metrics={"psnr": 20.0})
    path = save_model(tmp_path / "m.safetensors", build("plain-unet", **ARGS), card, half=False)
    again = read_card(path)
    assert again.updated(dtype=None) == card.updated(dtype=None)
    assert again.dtype == "float32" and again["metrics"] == {"psnr": 20.0}
    with pytest.raises(CardError, match="working_size"):
        card.updated(working_size=8)  # under the stride


def _gray_photo(folder: Path) -> Path:
    path = folder / "portrait.png"
    Image.fromarray(data.camera()[::8, ::8]).save(path)
    return path


def test_colorize_with_a_broken_card_exits_non_zero_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = broken(tmp_path / "nan.safetensors", CASES["nan-temperature"][0])
    photo = _gray_photo(tmp_path)
    out = tmp_path / "out"
    code = main(["colorize", str(photo), "-o", str(out), "--model", str(model), "-q"])
    err = capsys.readouterr().err
    assert code != 0 and str(model) in err and "default_temperature" in err
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_video_with_a_broken_card_exits_non_zero_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = broken(tmp_path / "l0.safetensors", CASES["l-scale-zero"][0])
    frames = [np.full((48, 64, 3), 40 * i, np.uint8) for i in range(4)]
    clip = clips.write_clip(tmp_path / "film.mp4", frames, 8, gray=True)
    out = tmp_path / "colour.mp4"
    code = main(["video", str(clip), "-o", str(out), "--model", str(model)])
    err = capsys.readouterr().err
    assert code != 0 and str(model) in err and "l_scale" in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.mp4", "l0.safetensors"]


def test_working_size_override_outside_the_model_range_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A size under the model's stride or over 4096 is refused like a card's working_size, by
    the engine and (with the command line's own checks first) by `colorize --size`."""
    from chroma_desk.engine.colorizer import Colorizer

    model = write_raw(tmp_path / "m.safetensors", json.dumps(tiny_card().to_dict()))
    for size in (0, 8, 100_000):
        with pytest.raises(ValueError, match=f"working size {size} is outside 16..4096"):
            Colorizer(model, device="cpu", working_size=size)
    photo = _gray_photo(tmp_path)
    for size in ("0", "100000"):
        code = main(["colorize", str(photo), "--model", str(model), "--size", size, "-q"])
        err = capsys.readouterr().err
        assert code != 0 and size in err and "size" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors", "portrait.png"]


def test_models_list_arch_shows_each_spec(capsys: pytest.CaptureFixture[str]) -> None:
    """`train --arch` points here: the ids, what each trains as, from the specs."""
    assert main(["models", "list", "--arch"]) == 0
    lines = capsys.readouterr().out.splitlines()
    lite = next(line for line in lines if line.startswith("lite-unet "))
    assert "classification, gan, regression" in lite and "EfficientNet-Lite0" in lite
    rgb = next(line for line in lines if line.startswith("rgb-autoencoder "))
    assert "regression " in rgb and "gan" not in rgb
    assert not any(line.startswith("patchgan") for line in lines)
