"""Colours to offer at a hint point: what the model thinks could be there, and the ab plane at
the point's lightness with only the colours a screen can show.

Plain numpy/torch, no Qt: the window's colour chooser (``chroma_desk.ui.hint_chooser``) draws
what these return.

- ``suggestions(colorizer, prediction, photo_hw, x, y, lightness, temperature)``: for a
  classifier, the colour it renders now and the main modes of its predicted ab distribution at
  that pixel (local maxima on the bin grid, most likely first); for a regressor (or a GAN), its
  current colour, nearby hues and a more vivid one, all at the pixel's lightness.
- ``ab_plane(lightness, size, extent)``: sRGB of every (a, b) on a square grid at that L and a
  mask of the displayable ones (``chroma_desk.color.lab.displayable``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from chroma_desk.color.lab import displayable, lab_to_rgb
from chroma_desk.engine.colorizer import Colorizer, Prediction

AB_EXTENT = 110.0  # the picker shows a and b in [-AB_EXTENT, AB_EXTENT]
MIN_MODE_SHARE = 0.04  # a mode below this share of the pixel's probability is not offered
HUE_STEPS = (-40.0, -20.0, 20.0, 40.0)  # degrees around a regressor's current hue
GRAY_CHROMA = 25.0  # chroma offered around a pixel the model leaves (nearly) gray


@dataclass(frozen=True)
class Suggestion:
    rgb: tuple[int, int, int]  # sRGB 0-255, at the pixel's lightness
    ab: tuple[float, float]
    label: str  # what it is, for a tooltip ("now", "mode, 34 %", "hue +20°")


def to_displayable(lightness: float, a: float, b: float) -> tuple[float, float]:
    """(a, b) with its chroma reduced until the colour is displayable at ``lightness``."""
    for scale in np.linspace(1.0, 0.0, 41):
        lab = np.array([lightness, a * scale, b * scale])
        if displayable(lab):
            return float(a * scale), float(b * scale)
    return 0.0, 0.0


def lab_rgb8(lightness: float, a: float, b: float) -> tuple[int, int, int]:
    lab = np.array([[[lightness, a, b]]], dtype=np.float32)
    rgb = lab_to_rgb(lab)[0, 0]
    return tuple(int(round(float(c) * 255)) for c in rgb)  # type: ignore[return-value]


def _suggestion(lightness: float, a: float, b: float, label: str) -> Suggestion:
    a, b = to_displayable(lightness, a, b)
    return Suggestion(lab_rgb8(lightness, a, b), (a, b), label)


def raw_pixel(
    prediction: Prediction, photo_hw: tuple[int, int], x: float, y: float
) -> tuple[int, int]:
    """(row, column) in the raw network output of photo pixel (x, y)."""
    height, width = photo_hw
    (h, w), (top, left) = prediction.valid, prediction.offset
    ph, pw = prediction.padded
    rh, rw = prediction.raw.shape[-2:]
    wx = (x + 0.5) * w / width - 0.5 + left
    wy = (y + 0.5) * h / height - 0.5 + top
    col = round((wx + 0.5) * rw / pw - 0.5)
    row = round((wy + 0.5) * rh / ph - 0.5)
    return min(max(row, 0), rh - 1), min(max(col, 0), rw - 1)


def current_ab(
    colorizer: Colorizer,
    prediction: Prediction,
    photo_hw: tuple[int, int],
    x: float,
    y: float,
    temperature: float | None = None,
) -> tuple[float, float]:
    """The ab the model renders now at photo pixel (x, y) (the nearest output cell)."""
    row, col = raw_pixel(prediction, photo_hw, x, y)
    cell = prediction.raw[:, row, col].float()
    if colorizer.kind == "classification" and colorizer.bins is not None:
        t = colorizer.default_temperature if temperature is None else max(temperature, 1e-3)
        ab = torch.softmax(cell / t, dim=0) @ colorizer.bins
        return float(ab[0]), float(ab[1])
    if colorizer.output_space == "rgb":
        ab = colorizer.ab(prediction, temperature)  # (h, w, 2) at the working size
        height, width = photo_hw
        h, w = ab.shape[:2]
        r = min(h - 1, max(0, int((y + 0.5) * h / height)))
        c = min(w - 1, max(0, int((x + 0.5) * w / width)))
        return float(ab[r, c, 0]), float(ab[r, c, 1])
    ab = colorizer.scaling.ab_from_net(cell[:2])
    return float(ab[0]), float(ab[1])


def distribution_modes(
    logits: torch.Tensor, bins: torch.Tensor, count: int = 5
) -> list[tuple[float, float, float]]:
    """The main modes of one pixel's ab distribution: (a, b, probability), most likely first.

    A mode is a bin more likely than its 8 neighbours on the bin grid; its probability is the
    mass of that bin and its neighbours."""
    probs = torch.softmax(logits.float(), dim=0).numpy()
    centres = bins.numpy() if isinstance(bins, torch.Tensor) else np.asarray(bins)
    grid = float(np.min(np.diff(np.unique(centres[:, 0])))) if len(centres) > 1 else 10.0
    cells = np.round(centres / grid).astype(int)
    lo = cells.min(axis=0)
    shape = tuple(cells.max(axis=0) - lo + 3)
    plane = np.zeros(shape)
    idx = cells - lo + 1
    plane[idx[:, 0], idx[:, 1]] = probs
    modes = []
    for (i, j), p in zip(idx, probs, strict=True):
        window = plane[i - 1 : i + 2, j - 1 : j + 2]
        if p > 0 and p >= window.max():
            modes.append((p, window.sum(), i, j))
    modes.sort(key=lambda m: -m[1])
    out = []
    for _p, mass, i, j in modes[:count]:
        if mass < MIN_MODE_SHARE and len(out) >= 2:
            break
        a, b = (i - 1 + lo[0]) * grid, (j - 1 + lo[1]) * grid
        # the mode's colour: the probability-weighted centre of its 3x3 neighbourhood
        window = plane[i - 1 : i + 2, j - 1 : j + 2]
        da, db = np.meshgrid([-grid, 0, grid], [-grid, 0, grid], indexing="ij")
        a += float((window * da).sum() / window.sum())
        b += float((window * db).sum() / window.sum())
        out.append((a, b, float(mass)))
    return out


def suggestions(
    colorizer: Colorizer,
    prediction: Prediction,
    photo_hw: tuple[int, int],
    x: float,
    y: float,
    lightness: float,
    temperature: float | None = None,
    count: int = 6,
) -> list[Suggestion]:
    """Colours to offer at photo pixel (x, y) whose L is ``lightness`` (see the module doc)."""
    a, b = current_ab(colorizer, prediction, photo_hw, x, y, temperature)
    out = [_suggestion(lightness, a, b, "what the model paints here now")]
    if colorizer.kind == "classification" and colorizer.bins is not None:
        row, col = raw_pixel(prediction, photo_hw, x, y)
        for ma, mb, share in distribution_modes(prediction.raw[:, row, col], colorizer.bins):
            out.append(_suggestion(lightness, ma, mb, f"the model's guess: {share:.0%} likely"))
    else:
        chroma, hue = math.hypot(a, b), math.degrees(math.atan2(b, a))
        if chroma < GRAY_CHROMA / 2:
            for step in range(0, 360, 60):
                angle = math.radians(hue + step + 30)
                out.append(
                    _suggestion(
                        lightness,
                        GRAY_CHROMA * math.cos(angle),
                        GRAY_CHROMA * math.sin(angle),
                        "a colour at this lightness",
                    )
                )
        else:
            for step in HUE_STEPS:
                angle = math.radians(hue + step)
                out.append(
                    _suggestion(
                        lightness,
                        chroma * math.cos(angle),
                        chroma * math.sin(angle),
                        f"hue {step:+.0f}°",
                    )
                )
            out.append(_suggestion(lightness, a * 1.6, b * 1.6, "more vivid"))
    unique: list[Suggestion] = []
    for s in out:
        if all(sum(abs(p - q) for p, q in zip(s.rgb, u.rgb, strict=True)) > 6 for u in unique):
            unique.append(s)
    return unique[:count]


def ab_plane(
    lightness: float, size: int = 180, extent: float = AB_EXTENT
) -> tuple[np.ndarray, np.ndarray]:
    """sRGB uint8 (size, size, 3) of the ab plane at ``lightness`` (a to the right, b up) and a
    bool mask (size, size) of the colours displayable there."""
    values = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 * extent - extent
    a, b = np.meshgrid(values, values[::-1])
    lab = np.stack([np.full_like(a, lightness), a, b], axis=-1)
    rgb = (lab_to_rgb(lab) * 255 + 0.5).astype(np.uint8)
    return rgb, displayable(lab)


def plane_ab(px: float, py: float, size: int, extent: float = AB_EXTENT) -> tuple[float, float]:
    """The (a, b) at pixel (px, py) of an ``ab_plane`` of ``size``."""
    return (px / size) * 2 * extent - extent, extent - (py / size) * 2 * extent
