"""Imported official models give the official demo's result by default.

The reference here is the official demo's published steps, written out in this file
(richzhang/colorization, ``demo_release.py`` and ``colorizers/``): the photo loaded as 8-bit
RGB, resized to 256 x 256 with PIL bicubic (aspect not kept), L of that normalised as
(L - 50) / 100, the network's forward as the authors wrote it (ECCV16: softmax at T = 1 then
the ``model_out`` 1x1 conv, x4 bilinear upsampling; SIGGRAPH17: ab hints and mask of 0), ab x 110
upsampled bilinearly to the photo's size, joined with the photo's own L, ``skimage`` lab2rgb.
The weights are random (fixed seed) in the official layout, saved as plain state_dicts under
the official file names and imported with ``chroma-desk models import``, as a user would.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from skimage import color, data

from chroma_desk.cli import main
from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.engine.hints import Hint, HintMaps, hint_maps
from chroma_desk.models.checkpoint import read_card
from chroma_desk.models.eccv16 import ECCV16
from chroma_desk.models.official import PUBLISHED
from chroma_desk.models.preprocessing import AS_PUBLISHED
from chroma_desk.models.siggraph17 import SIGGRAPH17

PHOTOS = {"chelsea": data.chelsea, "coffee": data.coffee, "rocket": data.rocket}


def black_and_white(rgb8: np.ndarray) -> np.ndarray:
    """The photo as an 8-bit gray print, (H, W, 3) as the demo's ``load_img`` tiles it."""
    gray8 = np.rint(color.rgb2gray(rgb8) * 255.0).astype(np.uint8)
    return np.repeat(gray8[..., None], 3, axis=2)


def _grid_centres(n: int = 313) -> torch.Tensor:
    cells = [(a, b) for a in range(-110, 101, 10) for b in range(-110, 101, 10)]
    return torch.tensor(cells[:n], dtype=torch.float32)


def official_forward(
    net: torch.nn.Module,
    arch: str,
    l_256: torch.Tensor,
    input_b: torch.Tensor | None = None,
    mask_b: torch.Tensor | None = None,
) -> torch.Tensor:
    """ab (1, 2, 256, 256) from L (1, 1, 256, 256), the official ``forward`` written out;
    SIGGRAPH17's ``input_B`` (hint ab in Lab units) and ``mask_B`` (0/1) default to 0."""
    x = (l_256 - 50.0) / 100.0
    if arch == "eccv16":
        for block in ("model1", "model2", "model3", "model4", "model5", "model6", "model7"):
            x = getattr(net, block)(x)
        probs = torch.softmax(net.model8(x), dim=1)
        ab = F.interpolate(net.model_out(probs), scale_factor=4, mode="bilinear")
        return ab * 110.0
    if input_b is None:
        input_b, mask_b = torch.zeros_like(x).repeat(1, 2, 1, 1), torch.zeros_like(x)
    c1 = net.model1(torch.cat([x, input_b / 110.0, mask_b], dim=1))
    c2 = net.model2(c1[:, :, ::2, ::2])
    c3 = net.model3(c2[:, :, ::2, ::2])
    y = net.model7(net.model6(net.model5(net.model4(c3[:, :, ::2, ::2]))))
    y = net.model8(net.model8up(y) + net.model3short8(c3))
    y = net.model9(net.model9up(y) + net.model2short9(c2))
    y = net.model10(net.model10up(y) + net.model1short10(c1))
    return net.model_out(y) * 110.0


def official_demo(
    net: torch.nn.Module, arch: str, rgb8: np.ndarray, hints: HintMaps | None = None
) -> np.ndarray:
    """The official demo on one 8-bit RGB photo: sRGB float (H, W, 3); ``hints`` at 256 x 256
    go in as the official forward's ``input_B`` and ``mask_B``."""
    small = np.asarray(Image.fromarray(rgb8).resize((256, 256), resample=Image.BICUBIC))
    l_small = torch.from_numpy(color.rgb2lab(small)[:, :, 0]).float()[None, None]
    l_full = torch.from_numpy(color.rgb2lab(rgb8)[:, :, 0]).float()[None, None]
    input_b = mask_b = None
    if hints is not None:
        input_b, mask_b = torch.from_numpy(hints.ab)[None], torch.from_numpy(hints.mask)[None]
    with torch.no_grad():
        ab = official_forward(net, arch, l_small, input_b, mask_b)
    ab = F.interpolate(ab, size=rgb8.shape[:2], mode="bilinear")
    lab = torch.cat([l_full, ab], dim=1)[0].permute(1, 2, 0).numpy().astype(np.float64)
    with warnings.catch_warnings():  # skimage warns where it clips a negative Z: its own way
        warnings.simplefilter("ignore")
        return color.lab2rgb(lab)


def official_weights(arch: str, photos: list[np.ndarray]) -> torch.nn.Module:
    """The official layout with random weights (seed 0); BatchNorm statistics taken from the
    photos so every layer's output varies with the input, as a trained network's does."""
    torch.manual_seed(0)
    net = ECCV16() if arch == "eccv16" else SIGGRAPH17()
    if arch == "eccv16":  # the released model_out holds the bin centres / 110
        net.model_out.weight.data = (_grid_centres().t() / 110.0)[:, :, None, None].clone()
    for module in net.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = None  # a plain average over the calibration batch
            module.reset_running_stats()
            torch.nn.init.uniform_(module.weight, 0.5, 1.5)
            torch.nn.init.normal_(module.bias, 0.0, 0.5)
    batch = []
    for rgb8 in photos:
        small = np.asarray(Image.fromarray(rgb8).resize((256, 256), resample=Image.BICUBIC))
        batch.append(color.rgb2lab(small)[:, :, 0])
    l_batch = torch.tensor(np.stack(batch), dtype=torch.float32)[:, None]
    net.train()
    with torch.no_grad():
        official_forward(net, arch, l_batch)
        net.eval()
        if arch == "eccv16":  # logits spread like a trained classifier's: a peaked softmax
            logits = net.model8(net.model7(net.model6(net.model5(net.model4(net.model3(
                net.model2(net.model1((l_batch - 50.0) / 100.0))))))))  # fmt: skip
            net.model8[-1].weight *= 4.0 / float(logits.std(dim=1).mean())
    return net


def ciede2000(a: np.ndarray, b: np.ndarray) -> float:
    return float(color.deltaE_ciede2000(color.rgb2lab(a), color.rgb2lab(b)).mean())


@pytest.mark.parametrize("arch", ["eccv16", "siggraph17"])
def test_imported_official_model_gives_the_official_demo_result(
    tmp_path: Path, user_models_dir: Path, arch: str
) -> None:
    photos = {name: black_and_white(load()) for name, load in PHOTOS.items()}
    net = official_weights(arch, list(photos.values()))
    src = tmp_path / PUBLISHED[arch]
    torch.save(net.state_dict(), src)  # a plain state_dict, as the authors published it
    assert main(["models", "import", str(src)]) == 0
    (model,) = user_models_dir.glob(f"zhang-{arch}-*.safetensors")
    card = read_card(model)
    assert card["preprocessing"] == AS_PUBLISHED
    if arch == "eccv16":
        assert card["default_temperature"] == 1.0  # as released: the network's own softmax

    folder = tmp_path / "photos"
    folder.mkdir()
    for name, rgb8 in photos.items():
        Image.fromarray(rgb8[..., 0]).save(folder / f"{name}.png")  # an 8-bit gray scan
    out, own = tmp_path / "out", tmp_path / "own"
    assert main(["colorize", str(folder), "-o", str(out), "--model", str(model), "-q"]) == 0
    args = ["colorize", str(folder), "-o", str(own), "--model", str(model), "-q"]
    assert main([*args, "--preprocess", "keep-aspect"]) == 0
    for name, rgb8 in photos.items():
        reference = official_demo(net, arch, rgb8)
        # the demo's own colour, far from gray: a broken pipeline cannot pass by being dull
        assert np.hypot(*color.rgb2lab(reference)[..., 1:].transpose(2, 0, 1)).mean() > 5.0
        ours = np.asarray(Image.open(out / f"{name}_color.png").convert("RGB")) / 255.0
        assert ours.shape == reference.shape
        assert ciede2000(ours, reference) <= 1.5, name
        # the app's own processing (aspect kept, border, annealing) is another result
        mine = np.asarray(Image.open(own / f"{name}_color.png").convert("RGB")) / 255.0
        assert ciede2000(mine, reference) > 2.0, name


def test_our_own_models_have_only_their_own_processing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from modelkit import make_lite_model

    path = make_lite_model(tmp_path, default_temperature=0.42)
    colorizer = Colorizer(path, device="cpu")
    assert colorizer.preprocessing == "keep-aspect" and colorizer.default_temperature == 0.42
    with pytest.raises(ValueError, match="'as-published' is not available for 'tiny-lite'"):
        Colorizer(path, device="cpu", preprocessing="as-published")
    photo = tmp_path / "p.png"
    Image.fromarray(black_and_white(data.chelsea())[..., 0]).save(photo)
    assert main(["colorize", str(photo), "--model", str(path), "--preprocess", "as-published"]) == 2
    assert "it has: keep-aspect" in capsys.readouterr().err
    assert not (tmp_path / "p_color.png").exists()


def test_siggraph17_hints_go_in_as_the_official_forward_takes_them(tmp_path: Path) -> None:
    """A red patch on the cat: the engine's hint channels are the official ab / 110 and 0/1
    mask, at the same place of the squashed 256 x 256 input."""
    from chroma_desk.models.official import import_official

    rgb8 = black_and_white(data.chelsea())
    net = official_weights("siggraph17", [rgb8])
    src = tmp_path / PUBLISHED["siggraph17"]
    torch.save(net.state_dict(), src)
    colorizer = Colorizer(import_official(src, tmp_path / "models"), device="cpu")
    assert colorizer.takes_hints
    hints = [Hint(x=200, y=150, rgb=(220, 30, 40), size=40)]
    maps = hint_maps(hints, rgb8.shape[:2], (256, 256))
    assert maps.mask.sum() > 100
    reference = official_demo(net, "siggraph17", rgb8, maps)
    ours = colorizer.render(colorizer.predict(rgb8.astype(np.float32) / 255.0, hints))
    assert ciede2000(ours, reference) <= 1.5
    assert ciede2000(reference, official_demo(net, "siggraph17", rgb8)) > 2.0  # hints count
