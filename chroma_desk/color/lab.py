"""sRGB <-> CIE Lab (D65, sRGB companding). L in [0, 100], a and b roughly in [-110, 110].

Two implementations of the same formulas:
- numpy images (H, W, 3) through OpenCV's vectorised array operations (transform, pow, LUT),
  for whole photos; gray and 8/16-bit samples go through exact tables;
- torch tensors (N, 3, H, W), differentiable and device-agnostic, for training.
Both agree with ``skimage.color`` to a mean CIEDE2000 of about 0.002 (tests/test_color.py).
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


# the same constants as numpy arrays, for the numpy path
_M = np.array(_RGB_TO_XYZ.tolist(), dtype=np.float64)
_XYZ_OVER_WHITE = (_M / np.array(_WHITE_D65.tolist())[:, None]).astype(np.float32)
_Y_ROW = _M[1:2].astype(np.float32)  # Y from linear RGB (the white's Y is 1)
_F_TO_LAB = np.array(
    [[0.0, 116.0, 0.0, -16.0], [500.0, -500.0, 0.0, 0.0], [0.0, 200.0, -200.0, 0.0]],
    dtype=np.float32,
)


def _flat(x: np.ndarray) -> np.ndarray:
    """A 2-D single-channel view, so OpenCV's scalar arithmetic applies to every value."""
    return x.reshape(x.shape[0], -1) if x.ndim > 1 else x.reshape(1, -1)


def _srgb_to_linear_exact(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0.04045, ((x + 0.055) / 1.055) ** 2.4, x / 12.92)


@lru_cache(maxsize=2)
def _linear_table(levels: int) -> np.ndarray:
    values = np.arange(levels, dtype=np.float64) / (levels - 1)
    return _srgb_to_linear_exact(values).astype(np.float32)


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    """sRGB samples (uint8, uint16, or float in [0, 1]) -> linear light, float32, same shape.

    8- and 16-bit samples go through an exact table; floats through OpenCV's pow, with the
    linear toe patched in where x <= 0.04045."""
    if rgb.dtype == np.uint8:
        return cv2.LUT(rgb, _linear_table(256).reshape(1, 256))
    if rgb.dtype == np.uint16:
        return _linear_table(65536)[rgb]
    x = np.ascontiguousarray(rgb, dtype=np.float32)
    flat = _flat(x)
    out = cv2.addWeighted(flat, 1.0 / 1.055, flat, 0.0, 0.055 / 1.055)
    cv2.pow(out, 2.4, dst=out)
    toe = cv2.compare(flat, 0.04045, cv2.CMP_LE)
    if cv2.countNonZero(toe):
        cv2.copyTo(cv2.multiply(flat, 1.0 / 12.92), toe, out)
    return out.reshape(x.shape)


def _lab_f(t: np.ndarray) -> np.ndarray:
    """CIE f(t): cube root above (6/29)^3, the linear segment below; float32, same shape."""
    flat = _flat(np.ascontiguousarray(t, dtype=np.float32))
    out = np.cbrt(flat)
    low = cv2.compare(flat, _EPS, cv2.CMP_LE)
    if cv2.countNonZero(low):
        cv2.copyTo(cv2.addWeighted(flat, _KAPPA / 116.0, flat, 0.0, 16.0 / 116.0), low, out)
    return out.reshape(t.shape)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB image (H, W, 3), float in [0, 1] or uint8/uint16 samples -> Lab float32.

    Computed from the formulas (not OpenCV's approximate RGB2Lab, whose float path is off by
    up to ~0.1 L in the shadows): mean CIEDE2000 against ``skimage.color`` about 0.002."""
    linear = srgb_to_linear(rgb)
    return cv2.transform(_lab_f(cv2.transform(linear, _XYZ_OVER_WHITE)), _F_TO_LAB)


# b <= 200 f(Y), i.e. f(Z) >= 0: the bound skimage's lab2xyz puts on b (it clips a negative
# f(Z) to 0 before the matrix); rows give (L, a, bound) so one element-wise min applies it.
_B_BOUND = np.array(
    [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [200.0 / 116.0, 0.0, 0.0, 3200.0 / 116.0]],
    dtype=np.float32,
)
B_BOUND_AT_BLACK = 3200.0 / 116.0  # no b below this is ever clipped (the bound at L = 0)


def bound_b(b: np.ndarray, lum: np.ndarray) -> np.ndarray:
    """Clip b (H, W) float32 in place to 200 f(Y), the largest b with f(Z) >= 0, given L."""
    bound = cv2.addWeighted(lum, 200.0 / 116.0, lum, 0.0, B_BOUND_AT_BLACK)
    return cv2.min(b, bound, dst=b)


def lab_to_rgb(lab: np.ndarray, b_bounded: bool = False) -> np.ndarray:
    """Lab float image (H, W, 3) -> sRGB float32 in [0, 1] (out-of-gamut values clipped).

    Out-of-gamut colours are treated as ``skimage.color.lab2rgb`` treats them: a negative
    f(Z) (b above 200 (L + 16) / 116) is clipped to 0 before the matrix, then RGB is clipped
    (``b_bounded``: the caller has already applied ``bound_b``). The rest is OpenCV's float
    Lab2RGB, which is exact to about 1e-4."""
    lab = np.ascontiguousarray(lab, dtype=np.float32)
    if not b_bounded:
        lab = cv2.min(lab, cv2.transform(lab, _B_BOUND))
    rgb = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)
    return np.clip(rgb, 0.0, 1.0, out=rgb)


def lightness(rgb: np.ndarray) -> np.ndarray:
    """The L channel (H, W) float32 of an sRGB image (float in [0, 1] or uint8/uint16)."""
    y = cv2.transform(srgb_to_linear(rgb), _Y_ROW)
    fy = _flat(_lab_f(y))
    return cv2.addWeighted(fy, 116.0, fy, 0.0, -16.0).reshape(y.shape[:2])


def lightness_to_gray(lum: np.ndarray) -> np.ndarray:
    """The sRGB gray level in [0, 1] (float32, same shape) whose L is ``lum``: the inverse of
    ``gray_lightness`` for float input."""
    fy = (np.asarray(lum, dtype=np.float32) + 16.0) / 116.0
    y = np.where(fy > 6.0 / 29.0, fy * fy * fy, (116.0 * fy - 16.0) / _KAPPA)
    y = np.clip(y, 0.0, 1.0).astype(np.float32)
    gray = 1.055 * np.power(y, 1.0 / 2.4, dtype=np.float32) - 0.055
    return np.where(y > 0.0031308, gray, 12.92 * y).astype(np.float32)


@lru_cache(maxsize=2)
def _gray_table(levels: int) -> np.ndarray:
    """L of every gray level 0..levels-1 (for gray, Y is the linear value itself)."""
    y = _linear_table(levels).astype(np.float64)
    f = np.where(y > _EPS, np.cbrt(y), (_KAPPA * y + 16.0) / 116.0)
    return (116.0 * f - 16.0).astype(np.float32)


def gray_lightness(gray: np.ndarray) -> np.ndarray:
    """L (H, W) float32 of a gray image given as its samples (R = G = B), through a table.

    uint8 and uint16 samples are exact; float input in [0, 1] goes through the formulas."""
    if gray.dtype == np.uint8:
        return cv2.LUT(gray, _gray_table(256).reshape(1, 256))
    if gray.dtype == np.uint16:
        return _gray_table(65536)[gray]
    y = srgb_to_linear(np.ascontiguousarray(gray, dtype=np.float32))
    fy = _flat(_lab_f(y))
    return cv2.addWeighted(fy, 116.0, fy, 0.0, -16.0).reshape(gray.shape)


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


def displayable(lab: np.ndarray, tolerance: float = 1e-3) -> np.ndarray:
    """Which Lab colours (..., 3) sRGB can show as they are: a bool array of the leading shape.

    Computed from the formulas (no clipping): linear RGB inside [0, 1] give or take
    ``tolerance``. The hint colour picker shows only these at a pixel's lightness."""
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[..., 0] + 16.0) / 116.0
    f = np.stack([fy + lab[..., 1] / 500.0, fy, fy - lab[..., 2] / 200.0], axis=-1)
    xyz = np.where(f > 6.0 / 29.0, f**3, (116.0 * f - 16.0) / _KAPPA)
    xyz = xyz * np.array(_WHITE_D65.tolist())
    linear = xyz @ np.linalg.inv(_M).T
    return np.all((linear >= -tolerance) & (linear <= 1.0 + tolerance), axis=-1)
