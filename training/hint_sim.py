"""Simulated user hints from the true colours (Zhang et al. 2017, "Real-Time User-Guided Image
Colorization"), for training hint models and for ``chroma-desk evaluate --hints``.

Per photo: a number of points from a geometric distribution (p = 1/8, so 1 photo in 8 gets
none), each at a random place, a square patch of 1-9 px whose value is the truth's mean ab over
the patch; now and then (``DENSE_P``) instead a dense random sample of single pixels, as a user
who paints would give. The result is the (3, H, W) network input of ``chroma_desk.engine.hints``:
a / 110, b / 110, mask.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

from chroma_desk.color.lab import lab_to_rgb
from chroma_desk.engine.hints import Hint

GEOMETRIC_P = 1 / 8
MAX_PATCH = 9
DENSE_P = 1 / 20  # share of photos given a dense random sample instead of points
DENSE_FRACTION = (0.002, 0.05)  # share of pixels revealed in a dense sample (log-uniform)
AB_SCALE = 110.0
EVAL_SEED = 2017  # evaluate --hints: the same points for the same photo on every run


def simulate_hints(
    ab: np.ndarray, rng: np.random.Generator, count: int | None = None
) -> np.ndarray:
    """Hints for one photo from its true ab (2, H, W) in Lab units -> (3, H, W) float32.

    ``count``: exactly this many patches (evaluation); None draws the training mix.
    """
    _, height, width = ab.shape
    out = np.zeros((3, height, width), dtype=np.float32)
    if count is None:
        if rng.random() < DENSE_P:
            fraction = np.exp(rng.uniform(*np.log(DENSE_FRACTION)))
            mask = rng.random((height, width)) < fraction
            out[:2, mask] = ab[:, mask] / AB_SCALE
            out[2, mask] = 1.0
            return out
        count = int(rng.geometric(GEOMETRIC_P)) - 1
    for _ in range(count):
        side = int(rng.integers(1, min(MAX_PATCH, height, width) + 1))
        y = int(rng.integers(0, height - side + 1))
        x = int(rng.integers(0, width - side + 1))
        mean = ab[:, y : y + side, x : x + side].reshape(2, -1).mean(axis=1)
        out[:2, y : y + side, x : x + side] = (mean / AB_SCALE)[:, None, None]
        out[2, y : y + side, x : x + side] = 1.0
    return out


def simulate_batch(
    ab: np.ndarray, rng: np.random.Generator, count: int | None = None
) -> np.ndarray:
    """``simulate_hints`` for each photo of (N, 2, H, W) -> (N, 3, H, W)."""
    return np.stack([simulate_hints(one, rng, count) for one in ab])


def sample_photo_hints(
    lab: np.ndarray, count: int, rng: np.random.Generator, working_side: int
) -> list[Hint]:
    """``count`` hints for a whole photo from its true Lab (H, W, 3), as ``Hint`` objects in
    original pixels (the path a user's hints take): random places, squares of 1-9 working
    pixels (``working_side``: the network's long side), each the truth's mean colour there.
    The first k hints of a seed are the same for every count >= k."""
    height, width = lab.shape[:2]
    scale = max(height, width) / working_side  # original pixels per working pixel
    hints = []
    for _ in range(count):
        side = min(max(1, round(int(rng.integers(1, MAX_PATCH + 1)) * scale)), height, width)
        y = int(rng.integers(0, height - side + 1))
        x = int(rng.integers(0, width - side + 1))
        mean = lab[y : y + side, x : x + side].reshape(-1, 3).mean(axis=0)
        rgb = lab_to_rgb(mean.reshape(1, 1, 3).astype(np.float32))[0, 0]
        colour = tuple(int(round(float(c) * 255)) for c in np.clip(rgb, 0, 1))
        hints.append(Hint(x + (side - 1) / 2, y + (side - 1) / 2, colour, float(side)))
    return hints


def photo_rng(path: str | Path) -> np.random.Generator:
    """The fixed random source of one photo's evaluation hints (by its file name)."""
    return np.random.default_rng([EVAL_SEED, zlib.crc32(Path(path).name.encode())])
