"""Hint models: simulated hints, the zero-initialised hint inputs, training with --hints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from modelkit import make_lite_model
from training_helpers import small_config, write_photos

from chroma_desk.cli import main
from chroma_desk.models.checkpoint import load_model, read_card
from chroma_desk.models.registry import build
from chroma_desk.models.unet_lite import load_no_hint_weights
from training.evaluate import evaluate
from training.hint_sim import AB_SCALE, GEOMETRIC_P, simulate_hints
from training.trainer import Trainer, TrainingError


def _truth(height: int = 48, width: int = 64) -> np.ndarray:
    """A smooth ab field (2, H, W) in Lab units, different everywhere."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.stack([40 * np.sin(x / 9.0), 30 * np.cos(y / 7.0)]).astype(np.float32)


def test_simulated_hint_counts_and_patches_follow_the_recipe() -> None:
    ab = _truth()
    rng = np.random.default_rng(0)
    empty, dense, sides = 0, 0, []
    n = 4000
    for _ in range(n):
        hints = simulate_hints(ab, rng)
        mask = hints[2] > 0
        assert set(np.unique(hints[2])) <= {0.0, 1.0}
        assert not hints[:2][:, ~mask].any()  # nothing outside the mask
        if not mask.any():
            empty += 1
        elif mask.sum() > 20 and np.allclose(hints[:2][:, mask], ab[:, mask] / AB_SCALE):
            dense += 1  # a dense random sample: many single pixels, each its own truth
    # one photo in 8 gets no hint (dense samples aside), within 4 standard errors
    share = empty / n
    expected = GEOMETRIC_P * (1 - 1 / 20)
    assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / n)
    assert 0.02 < dense / n < 0.09
    # fixed counts: each patch is square, 1-9 px, valued at the truth's mean over it
    for _ in range(300):
        hints = simulate_hints(ab, rng, count=1)
        ys, xs = np.nonzero(hints[2])
        side = ys.max() - ys.min() + 1
        sides.append(side)
        assert side == xs.max() - xs.min() + 1 and len(ys) == side * side
        patch = ab[:, ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        assert np.allclose(hints[:2, ys[0], xs[0]], patch.mean(axis=(1, 2)) / AB_SCALE, atol=1e-5)
    assert min(sides) == 1 and max(sides) == 9
    mean_count = np.mean([simulate_hints(ab, rng, count=None)[2].any() for _ in range(200)])
    assert mean_count > 0.7


def test_a_hint_model_from_no_hint_weights_is_the_same_model_without_hints() -> None:
    torch.manual_seed(0)
    plain = build("lite-unet", kind="regression").eval()
    hinted = build("lite-unet", kind="regression", hints=True).eval()
    load_no_hint_weights(hinted, plain.state_dict())
    x = torch.randn(2, 1, 64, 96)
    hints = torch.zeros(2, 3, 64, 96)
    hints[:, 0, 10:20, 30:40], hints[:, 2, 10:20, 30:40] = 0.4, 1.0
    with torch.no_grad():
        expected = plain(x)
        assert torch.equal(hinted(x), expected)
        assert torch.equal(hinted(x, torch.zeros_like(hints)), expected)
        # zero-initialised: even real hints change nothing until the model is trained
        assert torch.equal(hinted(x, hints), expected)
    with pytest.raises(ValueError, match="takes no hints"):
        plain(x, hints)


def test_hints_on_an_architecture_without_hint_inputs_is_an_error(tiny_folder, tmp_path) -> None:
    with pytest.raises(TrainingError, match="takes no hints"):
        Trainer(small_config(tiny_folder, tmp_path / "run", hints=True), echo=False).run()


@pytest.fixture(scope="module")
def trained_hint_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A no-hint lite-unet file fine-tuned with --hints for 60 steps on two --data folders."""
    tmp_path = tmp_path_factory.mktemp("hint-training")
    photos = tmp_path / "photos"
    write_photos(photos)
    start = tmp_path / "start"
    Trainer(
        small_config(photos, start, arch="lite-unet", arch_args={}, steps=1, warmup_steps=0),
        echo=False,
    ).run()
    assert not read_card(start / "model.safetensors").get("takes_hints")
    cfg = small_config(
        photos,
        tmp_path / "hinted",
        arch="lite-unet",
        arch_args={},
        init=str(start / "model.safetensors"),
        hints=True,
        hint_lr_scale=1.0,  # the base already learns at a high rate in this tiny run
        steps=60,
        lr=2e-3,
    )
    cfg.data = [str(photos), str(photos)]  # --data given twice
    Trainer(cfg, echo=False).run()
    return tmp_path / "hinted" / "model.safetensors"


def test_a_model_trained_with_hints_follows_a_hint(trained_hint_model: Path) -> None:
    """The card says it takes hints, and a hint moves the colour near it toward the hinted
    colour."""
    loaded = load_model(trained_hint_model)
    assert loaded.card["takes_hints"] and loaded.card["arguments"]["hints"]
    assert len(loaded.card["trained_on"]["folders"]) == 2
    x = torch.zeros(1, 1, 64, 64)  # mid-gray: no cue but the hint
    hints = torch.zeros(1, 3, 64, 64)
    target = torch.tensor([0.5, -0.3])  # a strong purple, as ab / 110
    hints[0, :2, 28:36, 28:36] = target[:, None, None]
    hints[0, 2, 28:36, 28:36] = 1.0
    with torch.no_grad():
        before = loaded.module(x)[0, :, 7:9, 7:9].mean(dim=(1, 2))  # output at stride 4
        after = loaded.module(x, hints)[0, :, 7:9, 7:9].mean(dim=(1, 2))
    assert torch.dist(after, target) < 0.75 * torch.dist(before, target)


def test_evaluate_hints_gives_a_row_per_count(
    trained_hint_model: Path, tiny_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = evaluate([trained_hint_model], tiny_folder, workers=1, hints=[0, 20])
    gray, none, twenty = result["rows"]
    assert gray["hints"] is None and none["hints"] == 0 and twenty["hints"] == 20
    plain = evaluate([trained_hint_model], tiny_folder, workers=1)["rows"][1]
    assert none["ciede2000"] == pytest.approx(plain["ciede2000"], abs=1e-6)
    # hints bring the colour closer (CIEDE2000); PSNR, mostly lightness, moves by hundredths of
    # a dB either way after 60 steps on two photos, so it is not asserted
    assert twenty["ciede2000"] < none["ciede2000"]
    again = evaluate([trained_hint_model], tiny_folder, workers=1, hints=[20])["rows"][1]
    assert again["psnr"] == pytest.approx(twenty["psnr"], abs=1e-6)  # fixed seed per photo
    assert main(["evaluate", "--model", str(trained_hint_model), "--data", str(tiny_folder),
                 "--workers", "1", "--hints", "0,20"]) == 0  # fmt: skip
    assert "+ 20 hints" in capsys.readouterr().out


def test_evaluate_hints_needs_hint_models(tiny_folder: Path, tmp_path: Path) -> None:
    plain = make_lite_model(tmp_path, kind="regression")
    with pytest.raises(ValueError, match="takes no colour hints"):
        evaluate([plain], tiny_folder, workers=1, hints=[0, 5])


def test_train_only_hints_leaves_the_no_hint_model_as_it_was(tiny_folder, tmp_path) -> None:
    start = tmp_path / "start"
    base_cfg = small_config(tiny_folder, start, arch="lite-unet", arch_args={}, steps=1)
    Trainer(base_cfg, echo=False).run()
    cfg = small_config(
        tiny_folder,
        tmp_path / "adapter",
        arch="lite-unet",
        arch_args={},
        init=str(start / "model.safetensors"),
        hints=True,
        train_only_hints=True,
        steps=8,
    )
    Trainer(cfg, echo=False).run()
    base = load_model(start / "model.safetensors").module.state_dict()
    trained = load_model(tmp_path / "adapter" / "model.safetensors").module.state_dict()
    for key, value in base.items():  # weights and BatchNorm statistics alike
        assert torch.equal(trained[key], value), key
    assert any(trained[k].abs().sum() > 0 for k in trained if k.startswith("hint_"))
