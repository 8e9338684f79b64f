"""What the hint chooser offers, without a window: the colours displayable at a lightness, the
modes of a classifier's distribution at a pixel, a regressor's nearby hues."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from modelkit import make_lite_model
from skimage import color

from chroma_desk.color.bins import gamut_bins
from chroma_desk.color.lab import displayable, rgb_to_lab
from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.engine.hint_colours import (
    ab_plane,
    current_ab,
    distribution_modes,
    plane_ab,
    suggestions,
)


def test_displayable_matches_the_srgb_cube() -> None:
    levels = np.linspace(0, 1, 18, dtype=np.float32)
    cube = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1).reshape(-1, 1, 3)
    assert displayable(rgb_to_lab(cube)[:, 0]).all()  # every sRGB colour is displayable
    lab = np.array([[50, 0, 0], [50, 100, 100], [95, 0, -90], [20, 60, 0], [60, 30, 20]], float)
    expected = []
    for row in lab:  # skimage's lab2rgb before clipping: inside [0, 1] or not
        xyz = color.lab2xyz(row.reshape(1, 1, 3))
        linear = xyz @ np.linalg.inv(color.colorconv.xyz_from_rgb).T
        expected.append(bool(((linear > -1e-3) & (linear < 1 + 1e-3)).all()))
    assert displayable(lab).tolist() == expected == [True, False, False, False, True]


def test_ab_plane_shows_only_colours_displayable_at_that_lightness() -> None:
    rgb, mask = ab_plane(60.0, size=64)
    assert rgb.shape == (64, 64, 3) and mask.shape == (64, 64)
    assert mask[32, 32] and not mask.all() and mask.mean() > 0.1
    # a displayable cell's colour has the plane's L and ab
    ys, xs = np.nonzero(mask)
    for y, x in zip(ys[::97], xs[::97], strict=True):
        lab = rgb_to_lab(rgb[y : y + 1, x : x + 1])[0, 0]
        a, b = plane_ab(x + 0.5, y + 0.5, 64)
        assert abs(lab[0] - 60) < 1.0 and abs(lab[1] - a) < 2.5 and abs(lab[2] - b) < 2.5
    # darker: fewer colours
    assert ab_plane(15.0, size=64)[1].sum() < mask.sum()


def test_distribution_modes_are_the_peaks_most_likely_first() -> None:
    bins = torch.from_numpy(gamut_bins())
    centres = bins.numpy()
    # two bumps: a big one at (40, 40) and a smaller one at (-30, 50)
    d1 = ((centres - [40, 40]) ** 2).sum(axis=1)
    d2 = ((centres - [-30, 50]) ** 2).sum(axis=1)
    probs = 0.7 * np.exp(-d1 / 200) + 0.3 * np.exp(-d2 / 200) + 1e-6
    logits = torch.log(torch.from_numpy(probs / probs.sum()).float())
    modes = distribution_modes(logits, bins)
    assert len(modes) == 2
    (a1, b1, p1), (a2, b2, p2) = modes
    assert abs(a1 - 40) < 5 and abs(b1 - 40) < 5 and abs(a2 + 30) < 5 and abs(b2 - 50) < 5
    assert p1 > p2 > 0.1


def test_suggestions_for_a_classifier_and_a_regressor(tmp_path: Path, astronaut) -> None:
    photo = np.ascontiguousarray(astronaut[::2, ::2])
    hw = photo.shape[:2]
    lum = float(rgb_to_lab(photo[100:101, 120:121])[0, 0, 0])
    for kind in ("classification", "regression"):
        colorizer = Colorizer(make_lite_model(tmp_path, name=kind, kind=kind), device="cpu")
        prediction = colorizer.predict(photo)
        found = suggestions(colorizer, prediction, hw, 120, 100, lum, 0.38)
        assert 2 <= len(found) <= 6
        # first: what the model paints there now, at the pixel's lightness
        now = current_ab(colorizer, prediction, hw, 120, 100, 0.38)
        ab = colorizer.ab(prediction, 0.38)
        h, w = ab.shape[:2]
        painted = ab[int(100.5 * h / hw[0]), int(120.5 * w / hw[1])]
        assert np.abs(np.array(now) - painted).max() < 8  # the nearest output cell
        for s in found:
            lab = rgb_to_lab(np.array([[s.rgb]], dtype=np.uint8))[0, 0]
            assert abs(lab[0] - lum) < 2.0  # every offer keeps the pixel's lightness
            assert displayable(np.array([lum, *s.ab]))
        assert len({s.rgb for s in found}) == len(found)
        if kind == "classification":
            assert any("likely" in s.label for s in found)
        else:
            assert any("hue" in s.label for s in found)
