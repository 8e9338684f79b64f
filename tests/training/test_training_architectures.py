"""Every trainable architecture builds, runs forward at a small size, keeps the constructor
convention and round-trips through our model file; the engine renders an RGB-predicting model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from chroma_desk.color.lab import torch_rgb_to_lab
from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.models.checkpoint import load_model, make_card, save_model
from chroma_desk.models.registry import SPECS, build
from chroma_desk.models.vgg16_cls import IMAGENET_MEAN, IMAGENET_STD, fold_rgb_stem

BINS = 262
# name -> small constructor arguments for speed (none of them downloads anything)
GENERATORS = {
    "lite-unet": {"widths": (32, 16, 16)},
    "resnet18-unet": {"widths": (32, 16, 16)},
    "vgg16-cls": {},
    "plain-unet": {"width": 8},
    "rgb-autoencoder": {"width": 8},
    "conv-dense-ae": {"width": 8, "code": 32},
}
CASES = [
    (name, kind)
    for name in GENERATORS
    for kind in ("classification", "regression")
    if not (name == "rgb-autoencoder" and kind == "classification")
]


def small(name: str, kind: str) -> nn.Module:
    return build(name, kind=kind, bins=BINS, **GENERATORS[name])


def expected_channels(module: nn.Module, kind: str) -> int:
    if getattr(module, "output_space", "ab") == "rgb":
        return 3
    return BINS if kind == "classification" else 2


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_forward_shape_and_range(name: str, kind: str) -> None:
    torch.manual_seed(0)
    module = small(name, kind).eval()
    assert isinstance(module.stride, int) and isinstance(module.output_stride, int)
    h, w = 64, 96  # multiples of every stride here (32 at most)
    assert h % module.stride == 0 and w % module.stride == 0
    with torch.inference_mode():
        out = module(torch.rand(2, 1, h, w) - 0.5)
    if name == "conv-dense-ae":  # dense layers: always 128x128 inside and out
        assert out.shape[-2:] == (128, 128)
    else:
        assert out.shape[-2:] == (h // module.output_stride, w // module.output_stride)
    assert out.shape[:2] == (2, expected_channels(module, kind))
    assert torch.isfinite(out).all()
    if getattr(module, "output_space", "ab") == "rgb":
        assert 0.0 <= out.min() and out.max() <= 1.0
    elif kind == "regression":
        assert -1.0 <= out.min() and out.max() <= 1.0


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_model_file_round_trip(name: str, kind: str, tmp_path) -> None:
    torch.manual_seed(1)
    module = small(name, kind).eval()
    args = {"kind": kind, "bins": BINS, **GENERATORS[name]}
    bins = np.stack(np.meshgrid(np.arange(-90, 100, 10), np.arange(-90, 100, 10)), -1)
    bins = bins.reshape(-1, 2)[:BINS] if kind == "classification" else None
    card = make_card(name, name, args, kind, 128, module.stride, bins=bins)
    path = save_model(tmp_path / f"{name}.safetensors", module, card, half=False)
    loaded = load_model(path)
    assert loaded.card["architecture"] == name
    x = torch.rand(1, 1, 64, 64) - 0.5
    with torch.inference_mode():
        assert torch.equal(module(x), loaded.module(x))


def test_registry_lists_the_compared_architectures() -> None:
    for name in ("vgg16-cls", "plain-unet", "rgb-autoencoder", "conv-dense-ae", "lite-unet"):
        assert name in SPECS


def test_rgb_autoencoder_has_no_bin_head() -> None:
    with pytest.raises(ValueError, match="regression"):
        build("rgb-autoencoder", kind="classification", bins=BINS)


def test_conv_dense_ae_takes_any_size() -> None:
    module = small("conv-dense-ae", "regression").eval()
    with torch.inference_mode():
        assert module(torch.zeros(1, 1, 200, 136)).shape == (1, 2, 128, 128)


def test_vgg_stem_fold_matches_the_rgb_network() -> None:
    """The one-channel stem on gray x equals the RGB stem on normalised (x, x, x)."""
    torch.manual_seed(2)
    rgb = nn.Conv2d(3, 8, 3, 1, 1)
    gray = fold_rgb_stem(rgb, IMAGENET_MEAN, IMAGENET_STD)
    x = torch.rand(1, 1, 12, 12)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    with torch.no_grad():
        want = rgb((x.expand(1, 3, 12, 12) - mean) / std)
        got = gray(x)
    # equal away from the border, where zero padding differs between the two spaces
    torch.testing.assert_close(got[..., 1:-1, 1:-1], want[..., 1:-1, 1:-1], atol=1e-4, rtol=1e-4)


def test_engine_renders_an_rgb_model_by_its_ab(tmp_path) -> None:
    torch.manual_seed(3)
    module = small("rgb-autoencoder", "regression").eval()
    card = make_card(
        "rgb", "rgb-autoencoder", {"kind": "regression", "width": 8}, "regression", 64, 16,
        output={"space": "rgb", "rgb_range": [0.0, 1.0], "ab_scale": 110.0},
    )  # fmt: skip
    path = save_model(tmp_path / "rgb.safetensors", module, card, half=False)
    colorizer = Colorizer(path, device="cpu")
    photo = np.random.default_rng(0).random((48, 64, 3), dtype=np.float32)
    prediction = colorizer.predict(photo)
    assert prediction.raw.shape[0] == 3
    ab = colorizer.ab(prediction)
    (h, w), (top, left) = prediction.valid, prediction.offset  # the photo inside its margin
    want = torch_rgb_to_lab(prediction.raw[None])[0, 1:, top : top + h, left : left + w]
    want = want.permute(1, 2, 0).numpy()
    np.testing.assert_allclose(ab, want, atol=1e-4)
    rendered = colorizer.render(prediction)
    assert rendered.shape == photo.shape and 0.0 <= rendered.min() and rendered.max() <= 1.0
