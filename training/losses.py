"""Losses: rebalanced soft cross-entropy over ab bins, L1/MSE on ab, and the GAN loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from chroma_desk.color.bins import soft_encode
from chroma_desk.color.lab import torch_lab_to_rgb
from chroma_desk.color.scaling import STANDARD


def target_at(ab: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Truth ab (N, 2, H, W) averaged down to the network's output size."""
    return ab if ab.shape[-2:] == size else F.adaptive_avg_pool2d(ab, size)


def classification_loss(
    logits: torch.Tensor, ab: torch.Tensor, centres: torch.Tensor, weights: torch.Tensor
) -> torch.Tensor:
    """Soft-encoded cross-entropy, each pixel weighted by its nearest bin's rebalancing weight."""
    target = soft_encode(target_at(ab, logits.shape[-2:]).float(), centres)
    pixel = -(target * F.log_softmax(logits.float(), dim=1)).sum(dim=1)
    return (pixel * weights[target.argmax(dim=1)]).mean()


def regression_loss(pred: torch.Tensor, ab: torch.Tensor, kind: str = "l1") -> torch.Tensor:
    """pred is ab / 110 at the output size; ab the truth in Lab units."""
    truth = STANDARD.ab_to_net(target_at(ab, pred.shape[-2:]))
    return F.l1_loss(pred.float(), truth) if kind == "l1" else F.mse_loss(pred.float(), truth)


def rgb_loss(pred: torch.Tensor, lab: torch.Tensor, kind: str = "l1") -> torch.Tensor:
    """pred is sRGB in [0, 1] at the output size (an RGB-predicting model); lab the truth."""
    truth = target_at(torch_lab_to_rgb(lab.float()), pred.shape[-2:])
    return F.l1_loss(pred.float(), truth) if kind == "l1" else F.mse_loss(pred.float(), truth)


def gan_loss(logits: torch.Tensor, real: bool, real_target: float = 1.0) -> torch.Tensor:
    """BCE against "real" (``real_target``: below 1 is one-sided label smoothing) or "fake"."""
    target = torch.full_like(logits, real_target) if real else torch.zeros_like(logits)
    return F.binary_cross_entropy_with_logits(logits.float(), target)
