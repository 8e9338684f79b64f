"""A small U-Net decoder shared by the pretrained-encoder generators, and their output heads."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv_bn_relu(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)
    )


class UpBlock(nn.Module):
    """Upsample x2 (bilinear), concatenate the skip feature, two 3x3 conv-BN-ReLU."""

    def __init__(self, cin: int, skip: int, cout: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(conv_bn_relu(cin + skip, cout), conv_bn_relu(cout, cout))

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
        return self.conv(torch.cat([x, skip], dim=1))


class Decoder(nn.Module):
    """Walks encoder features from deepest to shallowest, ending at the shallowest's stride.

    Args:
        skips: channels of the encoder features, shallowest first (the last is the deepest).
        widths: output channels of each up block, deepest first; len(widths) == len(skips) - 1.
    """

    def __init__(self, skips: list[int], widths: list[int]) -> None:
        super().__init__()
        blocks = []
        cin = skips[-1]
        for skip, cout in zip(reversed(skips[:-1]), widths, strict=True):
            blocks.append(UpBlock(cin, skip, cout))
            cin = cout
        self.blocks = nn.ModuleList(blocks)
        self.out_channels = cin

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        x = features[-1]
        for block, skip in zip(self.blocks, reversed(features[:-1]), strict=True):
            x = block(x, skip)
        return x


def make_head(cin: int, kind: str, bins: int) -> nn.Module:
    """``classification``: one logit per ab bin; ``regression``: ab / 110 through tanh."""
    if kind == "classification":
        return nn.Conv2d(cin, bins, 1)
    if kind == "regression":
        return nn.Sequential(nn.Conv2d(cin, 2, 1), nn.Tanh())
    raise ValueError(f"unknown model kind {kind!r} (expected 'classification' or 'regression')")
