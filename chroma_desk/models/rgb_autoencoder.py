"""The U-Net autoencoder that predicts RGB from L, trained with an L1 loss on RGB (a common
hobbyist design). It is a plain U-Net with a three-channel sigmoid head; ``output_space =
"rgb"`` tells the trainer to compare RGB and the engine to keep only the ab of the prediction
(its own lightness is replaced by the photo's full-resolution L, as for every model)."""

from __future__ import annotations

import torch
from torch import nn

from chroma_desk.models.plain_unet import UNetBody
from chroma_desk.models.spec import ArchSpec


class RGBAutoencoder(nn.Module):
    """L (N, 1, H, W) as (L - 50) / 100, H and W multiples of 16 -> sRGB in [0, 1] at stride 1.

    Args:
        kind: must be ``regression`` (the output is a colour image, not bins).
        bins: unused; accepted for the common constructor convention.
        width: channels of the first U-Net level.
    """

    stride = 16
    output_stride = 1
    output_space = "rgb"

    def __init__(self, kind: str = "regression", bins: int = 313, width: int = 32) -> None:
        super().__init__()
        if kind != "regression":
            raise ValueError(
                f"rgb-autoencoder predicts RGB: kind must be 'regression', not {kind!r}"
            )
        self.body = UNetBody(width)
        self.head = nn.Sequential(nn.Conv2d(self.body.out_channels, 3, 1), nn.Sigmoid())

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(l_norm * 2.0))


SPEC = ArchSpec(
    id="rgb-autoencoder",
    label="RGB autoencoder (baseline)",
    factory=RGBAutoencoder,
    heads=("regression",),
    train_kinds=("regression",),
    stride=RGBAutoencoder.stride,
    output_space="rgb",
)
