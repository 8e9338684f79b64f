"""The small convolution-plus-dense autoencoder of hobbyist write-ups, at 128x128: four stride-2
convolutions, a dense bottleneck, and four upsampling convolutions back to 128x128.

The dense layers fix the spatial size, so any other input is resized to 128x128 inside the
module and the output stays at 128x128; the engine stretches ab back to the photo (and the
aspect ratio is not kept on the way in, as in those write-ups).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from chroma_desk.models.decoder import conv_bn_relu, make_head
from chroma_desk.models.spec import HEADS, TRAIN_KINDS, ArchSpec

SIDE = 128
CODE_SIDE = SIDE // 16


def _down(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)
    )


class ConvDenseAE(nn.Module):
    """L (N, 1, H, W) as (L - 50) / 100, any size (resized to 128x128) -> output at 128x128.

    Args:
        kind: ``regression`` (ab / 110, tanh) or ``classification`` (bin logits).
        bins: number of ab bins for a classification head.
        width: channels of the first convolution (doubled twice going down).
        code: size of the dense bottleneck.
    """

    stride = 1
    output_stride = 1
    input_size = SIDE

    def __init__(
        self, kind: str = "regression", bins: int = 313, width: int = 32, code: int = 256
    ) -> None:
        super().__init__()
        deep = 4 * width
        self.encoder = nn.Sequential(
            _down(1, width), _down(width, 2 * width), _down(2 * width, deep), _down(deep, deep)
        )
        flat = deep * CODE_SIDE * CODE_SIDE
        self.dense = nn.Sequential(
            nn.Flatten(), nn.Linear(flat, code), nn.ReLU(True), nn.Linear(code, flat), nn.ReLU(True)
        )
        self.deep = deep
        self.decoder = nn.ModuleList(
            [
                conv_bn_relu(deep, deep),
                conv_bn_relu(deep, 2 * width),
                conv_bn_relu(2 * width, width),
                conv_bn_relu(width, width),
            ]
        )
        self.head = make_head(width, kind, bins)

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        x = l_norm * 2.0
        if x.shape[-2:] != (SIDE, SIDE):
            x = F.interpolate(
                x, size=(SIDE, SIDE), mode="bilinear", antialias=True, align_corners=False
            )
        x = self.dense(self.encoder(x)).view(-1, self.deep, CODE_SIDE, CODE_SIDE)
        for layer in self.decoder:
            x = layer(F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False))
        return self.head(x)


SPEC = ArchSpec(
    id="conv-dense-ae",
    label="Conv + dense autoencoder, 128 px (baseline)",
    factory=ConvDenseAE,
    heads=HEADS,
    train_kinds=TRAIN_KINDS,
    stride=ConvDenseAE.stride,
    working_size=128,
)
