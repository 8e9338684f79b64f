"""Colour science against skimage.color, the torch path and hand-checked values; the ab gamut
bins, soft-encoding, the prior and rebalancing weights, and the annealed mean."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage import color, data

from chroma_desk.color.bins import (
    AB_GRID,
    annealed_mean,
    gamut_bins,
    nearest_bins,
    rebalance_weights,
    smoothed_prior,
    soft_encode,
)
from chroma_desk.color.lab import (
    gray_lightness,
    lab_to_rgb,
    lightness,
    rgb_to_lab,
    srgb_to_linear,
    torch_lab_to_rgb,
    torch_rgb_to_lab,
)


@pytest.fixture(scope="module")
def photos() -> list[np.ndarray]:
    """Real photos, float32 RGB in [0, 1]."""
    return [
        data.astronaut()[::2, ::2].astype(np.float32) / 255.0,
        data.coffee()[100:300, 200:450].astype(np.float32) / 255.0,
        data.chelsea()[50:250, 100:350].astype(np.float32) / 255.0,
    ]


def random_colours(n: int = 100_000, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n // 500, 500, 3), dtype=np.float32)


def to_nchw(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x)).permute(2, 0, 1)[None].float()


def to_hwc(x: torch.Tensor) -> np.ndarray:
    return x[0].permute(1, 2, 0).numpy()


# -- sRGB <-> Lab -----------------------------------------------------------------------------


def test_rgb_to_lab_matches_skimage_on_photos(photos: list[np.ndarray]) -> None:
    for rgb in photos:
        ours = rgb_to_lab(rgb)
        ref = color.rgb2lab(rgb.astype(np.float64))
        de = color.deltaE_ciede2000(ref, ours)
        assert ours.dtype == np.float32 and ours.shape == rgb.shape
        assert de.mean() < 0.01, de.mean()
        assert de.max() < 0.1, de.max()
        assert np.abs(ours[..., 0] - ref[..., 0]).max() < 0.01


def test_rgb_to_lab_matches_skimage_on_every_kind_of_colour() -> None:
    rgb = random_colours()
    de = color.deltaE_ciede2000(color.rgb2lab(rgb.astype(np.float64)), rgb_to_lab(rgb))
    assert de.mean() < 0.01, de.mean()


def test_integer_samples_give_the_same_lab_as_floats(photos: list[np.ndarray]) -> None:
    rgb8 = data.astronaut()
    from_floats = rgb_to_lab(rgb8.astype(np.float32) / 255.0)
    assert np.abs(rgb_to_lab(rgb8) - from_floats).max() < 2e-3
    rgb16 = rgb8.astype(np.uint16) * 257
    assert np.abs(rgb_to_lab(rgb16) - from_floats).max() < 2e-3
    assert np.abs(lightness(rgb8) - from_floats[..., 0]).max() < 2e-3


def test_lab_to_rgb_matches_skimage_and_round_trips(photos: list[np.ndarray]) -> None:
    for rgb in photos:
        lab = color.rgb2lab(rgb.astype(np.float64))
        ours = lab_to_rgb(lab.astype(np.float32))
        assert np.abs(ours - color.lab2rgb(lab)).max() < 1e-3
        assert np.abs(lab_to_rgb(rgb_to_lab(rgb)) - rgb).max() < 1e-3


def test_lab_to_rgb_clips_out_of_gamut() -> None:
    lab = np.array([[[50.0, 120.0, -120.0], [100.0, 0.0, 0.0], [0.0, 0.0, 0.0]]], np.float32)
    rgb = lab_to_rgb(lab)
    assert rgb.min() >= 0.0 and rgb.max() <= 1.0


def test_lab_to_rgb_treats_out_of_gamut_like_skimage() -> None:
    """Every L, a, b on a grid (far out of gamut included): skimage clips a negative f(Z) to 0
    before the matrix; so do we, so saturated predictions render the same colour."""
    lum, a, b = np.meshgrid(
        np.linspace(0, 100, 21), np.linspace(-128, 127, 35), np.linspace(-128, 127, 35),
        indexing="ij",
    )  # fmt: skip
    lab = np.stack([lum, a, b], axis=-1).reshape(-1, 35, 3)
    negative_fz = (lab[..., 0] + 16.0) / 116.0 - lab[..., 2] / 200.0 < 0
    assert negative_fz.mean() > 0.1  # the grid does reach the case
    with pytest.warns(UserWarning, match="negative Z"):
        reference = color.lab2rgb(lab)
    ours = lab_to_rgb(lab.astype(np.float32))
    assert np.abs(ours - reference).max() < 2e-3


def test_torch_path_matches_numpy_path(photos: list[np.ndarray]) -> None:
    for rgb in photos[1:]:
        lab_np = rgb_to_lab(rgb)
        lab_t = to_hwc(torch_rgb_to_lab(to_nchw(rgb)))
        assert color.deltaE_ciede2000(lab_np, lab_t).mean() < 0.01
        assert np.abs(lab_np - lab_t).max() < 0.05
        back_t = to_hwc(torch_lab_to_rgb(to_nchw(lab_np)))
        assert np.abs(back_t - lab_to_rgb(lab_np)).max() < 1e-3


def test_torch_path_is_differentiable() -> None:
    rgb = torch.rand(2, 3, 8, 8, requires_grad=True)
    torch_rgb_to_lab(rgb).sum().backward()
    assert rgb.grad is not None and torch.isfinite(rgb.grad).all()


@pytest.mark.parametrize(
    ("rgb", "lab"),
    [
        ((1.0, 1.0, 1.0), (100.0, 0.0, 0.0)),  # white
        ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),  # black
        ((1.0, 0.0, 0.0), (53.24, 80.09, 67.20)),  # pure red
        ((0.0, 1.0, 0.0), (87.73, -86.18, 83.18)),  # pure green
        ((0.0, 0.0, 1.0), (32.30, 79.19, -107.86)),  # pure blue
        ((0.5, 0.5, 0.5), (53.39, 0.0, 0.0)),  # middle gray: Y = 0.2140, L = 116 Y^(1/3) - 16
    ],
)
def test_hand_checked_values(rgb: tuple[float, ...], lab: tuple[float, ...]) -> None:
    pixel = np.array([[rgb]], np.float32)
    assert np.allclose(rgb_to_lab(pixel)[0, 0], lab, atol=0.02)
    assert np.allclose(to_hwc(torch_rgb_to_lab(to_nchw(pixel)))[0, 0], lab, atol=0.02)
    assert np.allclose(lab_to_rgb(np.array([[lab]], np.float32))[0, 0], rgb, atol=2e-3)


def test_srgb_companding_by_hand() -> None:
    # the linear toe below 0.04045 and the 2.4 power above it
    x = np.array([[0.0, 0.04, 0.5, 1.0]], np.float32)
    expected = [0.0, 0.04 / 12.92, ((0.5 + 0.055) / 1.055) ** 2.4, 1.0]
    assert np.allclose(srgb_to_linear(x)[0], expected, atol=1e-6)


def test_gray_lightness_is_exact_for_8_and_16_bit() -> None:
    for levels, dtype in ((256, np.uint8), (65536, np.uint16)):
        gray = np.arange(levels, dtype=dtype).reshape(-1, 256)
        as_rgb = np.repeat((gray / (levels - 1))[..., None], 3, axis=2)
        ref = color.rgb2lab(as_rgb)[..., 0]
        assert np.abs(gray_lightness(gray) - ref).max() < 1e-3
    g = np.linspace(0, 1, 1000, dtype=np.float32).reshape(10, 100)
    ref = color.rgb2lab(np.repeat(g[..., None].astype(np.float64), 3, axis=2))[..., 0]
    assert np.abs(gray_lightness(g) - ref).max() < 1e-3


# -- gamut bins and soft-encoding ---------------------------------------------------------


def test_gamut_bins_lie_on_the_grid_and_cover_srgb() -> None:
    bins = gamut_bins()
    assert bins.dtype == np.float32 and bins.ndim == 2 and bins.shape[1] == 2
    assert np.all(np.mod(bins, AB_GRID) == 0)
    assert len(np.unique(bins, axis=0)) == len(bins)
    assert 250 <= len(bins) <= 330  # the paper's test gives 313; ours counts every sRGB colour
    assert [0.0, 0.0] in bins.tolist()
    # every sRGB colour (here 200k random ones) falls in a bin of the set
    ab = rgb_to_lab(random_colours())[..., 1:].reshape(-1, 2)
    cells = np.round(ab / AB_GRID) * AB_GRID
    known = {tuple(c) for c in bins.tolist()}
    assert all(tuple(c) in known for c in np.unique(cells, axis=0).tolist())
    # and the extreme corners of the gamut are there: pure red, green, blue
    for rgb in ((1, 0, 0), (0, 1, 0), (0, 0, 1)):
        a, b = rgb_to_lab(np.array([[rgb]], np.float32))[0, 0, 1:]
        assert [round(a / 10) * 10.0, round(b / 10) * 10.0] in bins.tolist()


def test_soft_encoding_sums_to_one_and_peaks_at_the_nearest_bin() -> None:
    centres = torch.from_numpy(gamut_bins())
    rng = np.random.default_rng(1)
    lab = rgb_to_lab(rng.random((6, 7, 3), dtype=np.float32))
    ab = torch.from_numpy(lab[..., 1:]).permute(2, 0, 1)[None]
    target = soft_encode(ab, centres)
    assert target.shape == (1, len(centres), 6, 7)
    assert torch.allclose(target.sum(dim=1), torch.ones(1, 6, 7), atol=1e-5)
    assert torch.equal(target.argmax(dim=1), nearest_bins(ab, centres))
    assert ((target > 0).sum(dim=1) == 5).all()  # the 5 nearest bins
    # a colour exactly on a centre: most weight on it, the 4 neighbours at 10 share the rest
    on_centre = torch.tensor([[[[20.0]], [[-30.0]]]])
    t = soft_encode(on_centre, centres)[0, :, 0, 0]
    peak = int(t.argmax())
    assert centres[peak].tolist() == [20.0, -30.0]
    w_neighbour = np.exp(-(10.0**2) / (2 * 5.0**2))
    assert t[peak].item() == pytest.approx(1 / (1 + 4 * w_neighbour), rel=1e-4)


def test_prior_and_rebalancing_weights() -> None:
    centres = gamut_bins()
    rng = np.random.default_rng(2)
    counts = rng.zipf(1.5, size=len(centres)).astype(np.float64)  # a skewed histogram
    prior = smoothed_prior(counts, centres)
    assert prior.shape == (len(centres),)
    assert prior.sum() == pytest.approx(1.0) and (prior > 0).all()
    w = rebalance_weights(prior)
    assert (prior * w).sum() == pytest.approx(1.0, rel=1e-5)  # E_p[w] = 1
    # rarer bins weigh more; with lambda = 1 every weight is 1
    order = np.argsort(prior)
    assert np.all(np.diff(w[order]) <= 1e-6)
    assert np.allclose(rebalance_weights(prior, lam=1.0), 1.0)
    # smoothing spreads mass to neighbouring bins but keeps a one-bin histogram centred there
    one = np.zeros(len(centres))
    one[10] = 1.0
    assert smoothed_prior(one, centres).argmax() == 10


# -- annealed mean ------------------------------------------------------------------------


def test_annealed_mean_at_t1_is_the_mean_and_near_zero_the_mode() -> None:
    centres = torch.from_numpy(gamut_bins())
    torch.manual_seed(0)
    logits = torch.randn(2, len(centres), 3, 4) * 3
    probs = torch.softmax(logits, dim=1)
    mean = torch.einsum("nqhw,qc->nchw", probs, centres)
    assert torch.allclose(annealed_mean(logits, centres, 1.0), mean, atol=1e-4)
    mode = centres[logits.argmax(dim=1)].permute(0, 3, 1, 2)
    assert torch.equal(annealed_mean(logits, centres, 0.0), mode)
    assert torch.equal(annealed_mean(logits, centres, 1e-4), mode)
    # with a clear winner (a margin of 1 in the logits), T = 0.01 is already the mode
    clear = logits.clone().scatter_add_(
        1, logits.argmax(dim=1, keepdim=True), torch.ones(2, 1, 3, 4)
    )
    assert torch.allclose(annealed_mean(clear, centres, 0.01), mode, atol=0.01)
    # in between: the paper's T = 0.38 is closer to the mode than T = 1
    mid = annealed_mean(logits, centres, 0.38)
    assert (mid - mode).abs().mean() < (mean - mode).abs().mean()


def test_annealed_mean_is_softmax_of_log_probabilities_over_t() -> None:
    # f_T(z) = softmax(log z / T) with z = softmax(logits): the definition, computed the long way
    centres = torch.from_numpy(gamut_bins())
    torch.manual_seed(1)
    logits = torch.randn(1, len(centres), 2, 2)
    z = torch.softmax(logits, dim=1)
    t = 0.38
    f = torch.softmax(torch.log(z) / t, dim=1)
    expected = torch.einsum("nqhw,qc->nchw", f, centres)
    assert torch.allclose(annealed_mean(logits, centres, t), expected, atol=1e-3)
