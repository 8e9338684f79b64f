"""sRGB <-> CIE Lab (D65, sRGB companding). L in [0, 100], a and b roughly in [-110, 110].

Two implementations of the same formulas:
- numpy images (H, W, 3) float32 through OpenCV's SIMD path, for whole photos and video frames;
- torch tensors (N, 3, H, W), differentiable and device-agnostic, for training.
Both agree with ``skimage.color`` to far below one CIEDE2000 unit (see tests/color).
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
import torch

# sRGB (linear) -> XYZ for D65 white, as in IEC 61966-2-1.
_RGB_TO_XYZ = torch.tensor(
    [
        [0.412453, 0.357580, 0.180423],
        [0.212671, 0.715160, 0.072169],
        [0.019334, 0.119193, 0.950227],
    ]
)
_XYZ_TO_RGB = torch.linalg.inv(_RGB_TO_XYZ)
_WHITE_D65 = torch.tensor([0.950456, 1.0, 1.088754])
_EPS = 0.008856
_KAPPA = 903.3


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB float image in [0, 1], shape (H, W, 3) -> Lab float32 of the same shape."""
    rgb = np.ascontiguousarray(rgb, dtype=np.float32)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """Lab float image (H, W, 3) -> sRGB float32 in [0, 1] (out-of-gamut values clipped)."""
    lab = np.ascontiguousarray(lab, dtype=np.float32)
    rgb = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)
    return np.clip(rgb, 0.0, 1.0, out=rgb)


def lightness(rgb: np.ndarray) -> np.ndarray:
    """The L channel (H, W) of an sRGB float image, 0..100 (contiguous)."""
    return cv2.extractChannel(rgb_to_lab(rgb), 0)


@lru_cache(maxsize=2)
def _gray_table(levels: int) -> np.ndarray:
    """L of every gray level 0..levels-1, computed by the same conversion as ``rgb_to_lab``."""
    gray = np.arange(levels, dtype=np.float32) / np.float32(levels - 1)
    return np.ascontiguousarray(rgb_to_lab(np.repeat(gray[None, :, None], 3, axis=2))[0, :, 0])


def gray_lightness(gray: np.ndarray) -> np.ndarray:
    """L (H, W) float32 of a gray image given as its samples (R = G = B), through a table.

    uint8 and uint16 samples give exactly ``rgb_to_lab`` of the same gray as float; float
    input in [0, 1] goes through the full conversion.
    """
    if gray.dtype == np.uint8:
        return cv2.LUT(gray, _gray_table(256).reshape(1, 256))
    if gray.dtype == np.uint16:
        return _gray_table(65536)[gray]
    g = np.ascontiguousarray(gray, dtype=np.float32)
    return cv2.extractChannel(rgb_to_lab(cv2.merge([g, g, g])), 0)


def _matmul_channels(x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,njhw->nihw", m.to(x.device, x.dtype), x)


def torch_rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) sRGB in [0, 1] -> (N, 3, H, W) Lab."""
    rgb = rgb.clamp(0.0, 1.0)
    linear = torch.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    xyz = _matmul_channels(linear, _RGB_TO_XYZ)
    xyz = xyz / _WHITE_D65.to(rgb.device, rgb.dtype).view(1, 3, 1, 1)
    f = torch.where(xyz > _EPS, xyz.clamp_min(1e-12) ** (1.0 / 3.0), (_KAPPA * xyz + 16.0) / 116.0)
    fx, fy, fz = f[:, 0], f[:, 1], f[:, 2]
    lum = 116.0 * fy - 16.0
    a = 500.0 * (fx - fy)
    b = 200.0 * (fy - fz)
    return torch.stack([lum, a, b], dim=1)


def torch_lab_to_rgb(lab: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) Lab -> (N, 3, H, W) sRGB clipped to [0, 1]."""
    lum, a, b = lab[:, 0], lab[:, 1], lab[:, 2]
    fy = (lum + 16.0) / 116.0
    fx = fy + a / 500.0
    fz = fy - b / 200.0
    f = torch.stack([fx, fy, fz], dim=1)
    xyz = torch.where(f**3 > _EPS, f**3, (116.0 * f - 16.0) / _KAPPA)
    xyz = xyz * _WHITE_D65.to(lab.device, lab.dtype).view(1, 3, 1, 1)
    linear = _matmul_channels(xyz, _XYZ_TO_RGB).clamp(0.0, 1.0)
    rgb = torch.where(
        linear > 0.0031308, 1.055 * linear.clamp_min(1e-12) ** (1.0 / 2.4) - 0.055, 12.92 * linear
    )
    return rgb.clamp(0.0, 1.0)
