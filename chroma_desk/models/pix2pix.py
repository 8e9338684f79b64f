"""pix2pix (Isola et al. 2017) as used for colourization by Nazeri et al. (2018): a U-Net
generator built from one recursive skip block, and a PatchGAN discriminator on (L, ab).

Generator: 4x4 stride-2 convs with BatchNorm and LeakyReLU(0.2) going down; transposed convs,
ReLU and skip concatenation coming up; tanh out (ab / 110).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from chroma_desk.models.spec import ArchSpec


class SkipBlock(nn.Module):
    """One level of the U-Net: down, the inner levels, up, then concatenated with the input.

    Args:
        outer: channels of this level's input and of its up-convolution's output.
        inner: channels after this level's down-convolution.
        submodule: the inner levels (None at the innermost level).
        in_channels: channels of the network input (outermost level only).
        out_channels: channels of the network output (outermost level only).
        dropout: add dropout after the up-convolution (pix2pix uses it in the inner levels).
    """

    def __init__(
        self,
        outer: int,
        inner: int,
        submodule: nn.Module | None = None,
        in_channels: int | None = None,
        out_channels: int | None = None,
        dropout: bool = False,
    ) -> None:
        super().__init__()
        self.outermost = out_channels is not None
        down = [
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(in_channels or outer, inner, 4, 2, 1, bias=False),
        ]
        if self.outermost:
            down = down[1:]
        elif submodule is not None:
            down.append(nn.BatchNorm2d(inner))
        up_in = inner if submodule is None else inner * 2
        up: list[nn.Module] = [nn.ReLU(True)]
        if self.outermost:
            up += [nn.ConvTranspose2d(up_in, out_channels, 4, 2, 1), nn.Tanh()]
        else:
            up += [nn.ConvTranspose2d(up_in, outer, 4, 2, 1, bias=False), nn.BatchNorm2d(outer)]
            if dropout:
                up.append(nn.Dropout(0.5))
        middle = [submodule] if submodule is not None else []
        self.model = nn.Sequential(*down, *middle, *up)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], dim=1)


class UNetGenerator(nn.Module):
    """L (N, 1, H, W) as (L - 50) / 100 -> ab / 110 (N, 2, H, W). H, W multiples of 2**depth.

    Args:
        depth: number of down-sampling levels (8 for 256 px in pix2pix).
        width: channels of the first level (ngf); doubles per level up to 8 x width.
        dropout: dropout in the three innermost-but-one levels, as pix2pix.
    """

    output_stride = 1

    def __init__(self, depth: int = 8, width: int = 64, dropout: bool = False) -> None:
        super().__init__()
        self.stride = 2**depth
        widths = [min(width * 2**i, width * 8) for i in range(depth)]
        block = SkipBlock(widths[depth - 2], widths[depth - 1])
        for level in range(depth - 2, 0, -1):
            inner_drop = dropout and level >= depth - 4
            block = SkipBlock(widths[level - 1], widths[level], block, dropout=inner_drop)
        self.net = SkipBlock(widths[0], widths[0], block, in_channels=1, out_channels=2)

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        return self.net(l_norm)


class PatchDiscriminator(nn.Module):
    """PatchGAN: a real/fake logit per ~70x70 patch of the (L, ab) image.

    Args:
        in_channels: 3 for (L, a, b).
        width: channels of the first layer (ndf).
        layers: number of stride-2 layers after the first.
    """

    def __init__(self, in_channels: int = 3, width: int = 64, layers: int = 3) -> None:
        super().__init__()
        seq: list[nn.Module] = [nn.Conv2d(in_channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for i in range(1, layers + 1):
            prev, mult = mult, min(2**i, 8)
            stride = 2 if i < layers else 1
            seq += [
                nn.Conv2d(width * prev, width * mult, 4, stride, 1, bias=False),
                nn.BatchNorm2d(width * mult),
                nn.LeakyReLU(0.2, True),
            ]
        seq.append(nn.Conv2d(width * mult, 1, 4, 1, 1))
        self.model = nn.Sequential(*seq)

    def forward(self, lab_norm: torch.Tensor) -> torch.Tensor:
        return self.model(lab_norm)


def _depth(arguments: Mapping[str, Any]) -> int:
    depth = arguments.get("depth", 8)
    if not isinstance(depth, int) or isinstance(depth, bool) or not 2 <= depth <= 12:
        raise ValueError(f"depth must be a whole number from 2 to 12, not {depth!r}"[:100])
    return depth


SPEC = ArchSpec(
    id="pix2pix-unet",
    label="pix2pix U-Net generator",
    factory=UNetGenerator,
    heads=("regression",),
    train_kinds=(),
    stride=2**8,
    stride_of=lambda arguments: 2 ** _depth(arguments),
)
DISCRIMINATOR_SPEC = ArchSpec(
    id="patchgan",
    label="PatchGAN discriminator",
    factory=PatchDiscriminator,
    heads=(),
    train_kinds=(),
    stride=1,
)
