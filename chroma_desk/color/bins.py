"""The quantized ab gamut of Zhang et al. (ECCV 2016) and the operations on it.

ab is quantized on a grid of ``AB_GRID`` (10). A bin belongs to the gamut when any sRGB colour,
at any lightness, falls into it; the set is computed here from the whole 8-bit sRGB cube, never
copied from a table, and each model file stores the centres it was trained with.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from chroma_desk.color.scaling import PAPER_TEMPERATURE as PAPER_TEMPERATURE

AB_GRID = 10
SOFT_NEIGHBOURS = 5
SOFT_SIGMA = 5.0
REBALANCE_LAMBDA = 0.5
MODE_TEMPERATURE = 1e-3  # at or below this, the annealed mean is the mode (argmax bin)


@lru_cache(maxsize=1)
def gamut_bins(grid: int = AB_GRID) -> np.ndarray:
    """Centres (Q, 2) float32 of every ab bin reached by some 8-bit sRGB colour, sorted by (a, b)."""
    levels = np.arange(256, dtype=np.float32) / 255.0
    r, g, b = np.meshgrid(levels, levels, levels, indexing="ij")
    cube = np.stack([r, g, b], axis=-1).reshape(4096, 4096, 3)
    # OpenCV's own (approximate) float RGB2Lab, as when the set was first computed: it counts
    # one bin more than the exact formulas (262 vs 261), and keeping the set unchanged keeps
    # every model file and resumable training run made with it valid.
    ab = cv2.cvtColor(cube, cv2.COLOR_RGB2Lab)[..., 1:].reshape(-1, 2)
    span = int(np.ceil(130 / grid))  # cell indices lie in [-span, span]
    cells = np.round(ab / grid).astype(np.int64) + span
    hit = np.bincount(cells[:, 0] * (2 * span + 1) + cells[:, 1], minlength=(2 * span + 1) ** 2)
    a_idx, b_idx = np.divmod(np.flatnonzero(hit), 2 * span + 1)
    return (np.stack([a_idx - span, b_idx - span], axis=1) * grid).astype(np.float32)


def nearest_bins(ab: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """Index of the nearest bin for each pixel: ab (N, 2, H, W) -> (N, H, W) int64."""
    n, _, h, w = ab.shape
    flat = ab.permute(0, 2, 3, 1).reshape(-1, 2)
    return torch.cdist(flat, centres.to(flat)).argmin(dim=1).view(n, h, w)


def soft_encode(
    ab: torch.Tensor,
    centres: torch.Tensor,
    neighbours: int = SOFT_NEIGHBOURS,
    sigma: float = SOFT_SIGMA,
) -> torch.Tensor:
    """Soft targets (N, Q, H, W): a Gaussian over the ``neighbours`` nearest bins, summing to 1."""
    n, _, h, w = ab.shape
    flat = ab.permute(0, 2, 3, 1).reshape(-1, 2)
    dist = torch.cdist(flat, centres.to(flat))
    near_d, near_i = dist.topk(neighbours, dim=1, largest=False)
    weights = torch.exp(-(near_d**2) / (2 * sigma**2))
    weights = weights / weights.sum(dim=1, keepdim=True)
    target = torch.zeros(flat.shape[0], centres.shape[0], device=ab.device, dtype=ab.dtype)
    target.scatter_(1, near_i, weights)
    return target.view(n, h, w, -1).permute(0, 3, 1, 2)


def bin_histogram(ab: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """Counts (Q,) of pixels whose nearest bin is each centre."""
    idx = nearest_bins(ab, centres).flatten()
    return torch.bincount(idx, minlength=centres.shape[0]).double()


def smoothed_prior(
    counts: np.ndarray, centres: np.ndarray, sigma: float = SOFT_SIGMA
) -> np.ndarray:
    """Empirical bin distribution, smoothed with a Gaussian of ``sigma`` in ab units; sums to 1."""
    counts = np.asarray(counts, dtype=np.float64)
    p = counts / max(counts.sum(), 1.0)
    d2 = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    kernel = np.exp(-d2 / (2 * sigma**2))
    smoothed = kernel @ p
    return smoothed / smoothed.sum()


def rebalance_weights(prior: np.ndarray, lam: float = REBALANCE_LAMBDA) -> np.ndarray:
    """Class weights proportional to ((1 - lam) p + lam / Q)^-1, with expected weight E_p[w] = 1."""
    prior = np.asarray(prior, dtype=np.float64)
    q = prior.shape[0]
    w = 1.0 / ((1.0 - lam) * prior + lam / q)
    return (w / (prior * w).sum()).astype(np.float32)


def annealed_mean(logits: torch.Tensor, centres: torch.Tensor, temperature: float) -> torch.Tensor:
    """ab (N, 2, H, W) from bin logits (N, Q, H, W) at softmax temperature T.

    f_T(z) = softmax(log z / T) with z = softmax(logits) equals softmax(logits / T), since the
    log-partition term only shifts every logit alike. T = 1 is the mean, T -> 0 the mode.
    """
    centres = centres.to(logits.device, torch.float32)
    logits = logits.float()
    if temperature <= MODE_TEMPERATURE:
        idx = logits.argmax(dim=1)
        return centres[idx].permute(0, 3, 1, 2)
    probs = F.softmax(logits / temperature, dim=1)
    return torch.einsum("nqhw,qc->nchw", probs, centres)
