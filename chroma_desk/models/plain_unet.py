"""A plain U-Net (Ronneberger et al. 2015) trained from scratch: the regressor that hobbyist
write-ups start with. Two 3x3 conv-BN-ReLU per level, max-pool down, transposed conv up, skip
concatenation; ab / 110 through tanh at full resolution (or bin logits)."""

from __future__ import annotations

import torch
from torch import nn

from chroma_desk.models.decoder import make_head
from chroma_desk.models.spec import HEADS, TRAIN_KINDS, ArchSpec


class DoubleConv(nn.Sequential):
    """Two 3x3 conv-BN-ReLU layers."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__(
            nn.Conv2d(cin, cout, 3, 1, 1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(True),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(True),
        )


class UNetBody(nn.Module):
    """The U-Net without a head: (N, 1, H, W) -> (N, width, H, W) features.

    Args:
        width: channels of the first level; doubled at each of the four levels below it.
    """

    depth = 4

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        widths = [width * 2**i for i in range(self.depth + 1)]
        self.inc = DoubleConv(1, widths[0])
        self.down = nn.ModuleList(
            nn.Sequential(nn.MaxPool2d(2), DoubleConv(cin, cout))
            for cin, cout in zip(widths[:-1], widths[1:], strict=True)
        )
        self.up = nn.ModuleList(
            nn.ConvTranspose2d(cin, cout, 2, 2)
            for cin, cout in zip(widths[:0:-1], widths[-2::-1], strict=True)
        )
        self.merge = nn.ModuleList(DoubleConv(2 * c, c) for c in widths[-2::-1])
        self.out_channels = widths[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = [self.inc(x)]
        for down in self.down:
            skips.append(down(skips[-1]))
        x = skips.pop()
        for up, merge in zip(self.up, self.merge, strict=True):
            x = merge(torch.cat([skips.pop(), up(x)], dim=1))
        return x


class PlainUNet(nn.Module):
    """L (N, 1, H, W) as (L - 50) / 100, H and W multiples of 16 -> output at stride 1.

    Args:
        kind: ``regression`` (ab / 110, tanh) or ``classification`` (bin logits).
        bins: number of ab bins for a classification head.
        width: channels of the first level (32: 7.8M parameters; 64 as in the paper: 31M).
    """

    stride = 16
    output_stride = 1

    def __init__(self, kind: str = "regression", bins: int = 313, width: int = 32) -> None:
        super().__init__()
        self.body = UNetBody(width)
        self.head = make_head(self.body.out_channels, kind, bins)

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(l_norm * 2.0))


SPEC = ArchSpec(
    id="plain-unet",
    label="Plain U-Net (from scratch)",
    factory=PlainUNet,
    heads=HEADS,
    train_kinds=TRAIN_KINDS,
    stride=PlainUNet.stride,
)
