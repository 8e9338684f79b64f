"""Colour quality measures on Lab images (numpy, (H, W, 3) float32).

``photo_metrics`` measures one rendered photo against its truth, fast enough to run over a
whole validation folder at full resolution (``training.evaluate``); its SSIM is skimage's
(7x7 uniform window, sample covariance, borders cropped) computed with OpenCV box filters."""

from __future__ import annotations

import math

import cv2
import numpy as np
from skimage.color import deltaE_ciede2000

from chroma_desk.color.lab import rgb_to_lab


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler and Suesstrunk (2003) colourfulness of sRGB in [0, 1] (computed on 0..255)."""
    r, g, b = (rgb[..., i].astype(np.float64) * 255.0 for i in range(3))
    rg = r - g
    yb = 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def ciede2000(lab_pred: np.ndarray, lab_true: np.ndarray) -> float:
    return float(deltaE_ciede2000(lab_true, lab_pred).mean())


SSIM_WINDOW = 7


def psnr(rgb_pred: np.ndarray, rgb_true: np.ndarray) -> float:
    """PSNR in dB of sRGB images in [0, 1]."""
    mse = float(np.mean((rgb_pred.astype(np.float64) - rgb_true.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else float(10.0 * np.log10(1.0 / mse))


def ssim(rgb_pred: np.ndarray, rgb_true: np.ndarray, data_range: float = 1.0) -> float:
    """Mean SSIM over channels, equal to skimage's ``structural_similarity(..., channel_axis=2,
    data_range=data_range)`` with its defaults to about 1e-6, in float32 and a few times faster."""
    if min(rgb_true.shape[:2]) < SSIM_WINDOW:
        return float("nan")  # no 7x7 window fits: SSIM is undefined for this photo
    x = np.ascontiguousarray(rgb_pred, dtype=np.float32)
    y = np.ascontiguousarray(rgb_true, dtype=np.float32)
    win = (SSIM_WINDOW, SSIM_WINDOW)

    def mean(img: np.ndarray) -> np.ndarray:
        return cv2.blur(img, win, borderType=cv2.BORDER_REFLECT)

    n = SSIM_WINDOW * SSIM_WINDOW
    cov_norm = n / (n - 1.0)
    ux, uy = mean(x), mean(y)
    vx = cov_norm * (mean(x * x) - ux * ux)
    vy = cov_norm * (mean(y * y) - uy * uy)
    vxy = cov_norm * (mean(x * y) - ux * uy)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    pad = (SSIM_WINDOW - 1) // 2
    return float(s[pad:-pad, pad:-pad].mean(dtype=np.float64))


def photo_metrics(
    rgb_pred: np.ndarray, rgb_true: np.ndarray, lab_true: np.ndarray
) -> dict[str, float]:
    """One rendered photo (sRGB float32 in [0, 1], as the user sees it) against its truth:
    PSNR and SSIM on sRGB, mean CIEDE2000 on the Lab of what is shown, and colourfulness."""
    lab_pred = rgb_to_lab(rgb_pred)
    metrics = {
        "psnr": psnr(rgb_pred, rgb_true),
        "ssim": ssim(rgb_pred, rgb_true),
        "ciede2000": ciede2000(lab_pred, lab_true),
        "colourfulness": colourfulness(rgb_pred),
    }
    if math.isnan(metrics["ssim"]):
        del metrics["ssim"]  # a photo under the SSIM window: left out of that mean alone
    return metrics
