"""Colour quality measures on Lab images (numpy, (H, W, 3) float32)."""

from __future__ import annotations

import numpy as np
from skimage.color import deltaE_ciede2000, lab2rgb
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler and Suesstrunk (2003) colourfulness of sRGB in [0, 1] (computed on 0..255)."""
    r, g, b = (rgb[..., i].astype(np.float64) * 255.0 for i in range(3))
    rg = r - g
    yb = 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def ciede2000(lab_pred: np.ndarray, lab_true: np.ndarray) -> float:
    return float(deltaE_ciede2000(lab_true, lab_pred).mean())


def image_metrics(lab_pred: np.ndarray, lab_true: np.ndarray) -> dict[str, float]:
    """PSNR and SSIM on sRGB, mean CIEDE2000, colourfulness of prediction and truth."""
    rgb_pred = np.clip(lab2rgb(lab_pred.astype(np.float64)), 0, 1)
    rgb_true = np.clip(lab2rgb(lab_true.astype(np.float64)), 0, 1)
    return {
        "psnr": float(peak_signal_noise_ratio(rgb_true, rgb_pred, data_range=1.0)),
        "ssim": float(structural_similarity(rgb_true, rgb_pred, channel_axis=2, data_range=1.0)),
        "ciede2000": ciede2000(lab_pred, lab_true),
        "colourfulness": colourfulness(rgb_pred),
        "colourfulness_truth": colourfulness(rgb_true),
    }
