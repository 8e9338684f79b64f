"""Colour science: sRGB <-> CIE Lab, the ab gamut bins, soft-encoding and the annealed mean."""

from chroma_desk.color.bins import (
    AB_GRID,
    annealed_mean,
    gamut_bins,
    rebalance_weights,
    smoothed_prior,
    soft_encode,
)
from chroma_desk.color.lab import lab_to_rgb, rgb_to_lab, torch_lab_to_rgb, torch_rgb_to_lab

__all__ = [
    "AB_GRID",
    "annealed_mean",
    "gamut_bins",
    "lab_to_rgb",
    "rebalance_weights",
    "rgb_to_lab",
    "smoothed_prior",
    "soft_encode",
    "torch_lab_to_rgb",
    "torch_rgb_to_lab",
]
