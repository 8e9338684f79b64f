"""``training.evaluate`` and ``chroma-desk evaluate`` on a few photos: the gray row first, a row
per temperature for a classification model, sane numbers, the same numbers from two workers."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity
from training_helpers import write_photos

from chroma_desk.cli import main as cli_main
from chroma_desk.color.bins import gamut_bins
from chroma_desk.color.lab import lab_to_rgb, rgb_to_lab
from chroma_desk.models.checkpoint import make_card, save_model
from chroma_desk.models.registry import build
from training.evaluate import GRAY, evaluate, plan_rows
from training.metrics import ciede2000, photo_metrics, ssim


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("eval-photos")
    write_photos(folder, count=3, side=96)
    (folder / "notes.txt").write_text("not a photo")  # ignored: not a photo suffix
    return folder


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """An untrained regression model and an untrained classification model, saved."""
    folder = tmp_path_factory.mktemp("eval-models")
    torch.manual_seed(0)
    reg = build("plain-unet", kind="regression", width=8)
    reg_card = make_card(
        "reg", "plain-unet", {"kind": "regression", "width": 8}, "regression", 96, 16
    )
    bins = gamut_bins()
    cls_args = {"kind": "classification", "bins": len(bins), "widths": [32, 16, 16]}
    cls = build("lite-unet", **cls_args)
    cls_card = make_card(
        "cls", "lite-unet", cls_args, "classification", 96, 32, bins=bins, default_temperature=0.45
    )
    return (
        save_model(folder / "reg.safetensors", reg, reg_card),
        save_model(folder / "cls.safetensors", cls, cls_card),
    )


def test_rows_gray_first_then_models(photos, models) -> None:
    result = evaluate(models, photos, workers=1)
    rows = result["rows"]
    assert result["photos"] == 3 and not result["skipped"]
    assert rows[0]["model"] == GRAY and rows[0]["kind"] == "gray"
    assert rows[1]["model"] == "reg" and rows[1]["temperature"] is None
    cls_rows = rows[2:]
    assert [r["temperature"] for r in cls_rows] == [0.45, 0.2, 0.38, 0.6, 1.0]
    assert [r["default_temperature"] for r in cls_rows] == [True, False, False, False, False]
    gray = rows[0]
    assert gray["colourfulness"] < 0.5 and gray["colourfulness_ratio"] < 0.01
    assert gray["ciede2000"] > 1.0 and gray["colourfulness_truth"] > 10
    for row in rows:
        assert 5 < row["psnr"] < 60
        assert 0 < row["ssim"] <= 1
        assert 0 < row["ciede2000"] < 60
        assert row["photos"] == 3
    for row in cls_rows:
        assert 0 <= row["top1_accuracy"] <= 1
        assert row["ms_per_photo"] > 0
    assert rows[1]["top1_accuracy"] is None
    # a lower temperature gives a more colourful picture
    by_t = {r["temperature"]: r["colourfulness"] for r in cls_rows}
    assert by_t[0.2] > by_t[1.0]


def test_gray_row_matches_an_independent_computation(photos) -> None:
    from skimage.color import deltaE_ciede2000, lab2rgb, rgb2lab

    from chroma_desk.media.images import read_image

    rows = evaluate([], photos, workers=1)["rows"]
    assert len(rows) == 1
    values = []
    for path in sorted(photos.glob("*.jpg")):
        rgb = read_image(path).rgb.astype(np.float64)
        lab = rgb2lab(rgb)
        gray = lab.copy()
        gray[..., 1:] = 0
        shown = np.clip(lab2rgb(gray), 0, 1)
        values.append(deltaE_ciede2000(lab, rgb2lab(shown)).mean())
    assert rows[0]["ciede2000"] == pytest.approx(np.mean(values), abs=0.05)


def test_requested_temperatures_and_limit(photos, models) -> None:
    result = evaluate(models[1:], photos, temperatures=[1.0, 0.3], limit=2, size=64, workers=1)
    assert result["photos"] == 2
    assert [r["temperature"] for r in result["rows"]] == [None, 1.0, 0.3]


def test_two_workers_give_the_same_numbers(photos, models) -> None:
    one = evaluate(models[:1], photos, workers=1)["rows"]
    two = evaluate(models[:1], photos, workers=2)["rows"]
    for a, b in zip(one, two, strict=True):
        for key in ("psnr", "ssim", "ciede2000", "colourfulness"):
            assert a[key] == pytest.approx(b[key], rel=1e-4)


def test_unreadable_photo_is_skipped(tmp_path, models) -> None:
    write_photos(tmp_path, count=2, side=64)
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    result = evaluate(models[:1], tmp_path, workers=1)
    assert result["photos"] == 2
    assert list(result["skipped"]) == [str(tmp_path / "broken.jpg")]


def test_plan_rows_dedups_the_default_temperature() -> None:
    rows = plan_rows([{"kind": "classification", "default_temperature": 0.38}])
    assert [(r.model, r.temperature, r.default) for r in rows] == [
        (None, None, False),
        (0, 0.38, True),
        (0, 0.2, False),
        (0, 0.6, False),
        (0, 1.0, False),
    ]


def test_photo_metrics_identity_and_ssim_matches_skimage(photos) -> None:
    from chroma_desk.media.images import read_image

    rgb = read_image(sorted(photos.glob("*.jpg"))[0]).rgb
    lab = rgb_to_lab(rgb)
    same = photo_metrics(rgb, rgb, lab)
    assert same["psnr"] == float("inf") and same["ssim"] == pytest.approx(1.0)
    assert same["ciede2000"] < 0.05
    other = lab_to_rgb(lab * np.array([1.0, 0.5, 0.5], dtype=np.float32))
    want = structural_similarity(other, rgb, channel_axis=2, data_range=1.0)
    assert ssim(other, rgb) == pytest.approx(want, abs=1e-5)
    assert ciede2000(rgb_to_lab(other), lab) > 0.5


def test_cli_prints_the_table_and_writes_json(photos, models, tmp_path, capsys) -> None:
    out = tmp_path / "eval.json"
    code = cli_main(
        [
            "evaluate",
            "--model",
            *map(str, models),
            "--data",
            str(photos),
            "--json",
            str(out),
            "--temperatures",
            "0.38,1",
            "--workers",
            "1",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    lines = [line for line in printed.splitlines() if line.strip()]
    assert lines[1].startswith("model") and lines[3].startswith(GRAY)
    result = json.loads(out.read_text())
    assert [r["model"] for r in result["rows"]] == [GRAY, "reg", "cls", "cls"]


def test_cli_names_an_unknown_model(photos, capsys) -> None:
    code = cli_main(["evaluate", "--model", "no-such-model", "--data", str(photos)])
    assert code == 2
    assert "no-such-model" in capsys.readouterr().err
