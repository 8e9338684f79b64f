"""Zhang, Isola and Efros, "Colorful Image Colorization" (ECCV 2016), laid out so that the
official PyTorch weights (``colorization_release_v2-9b330a0b.pth``) load with ``strict=True``.

Our forward returns the 313 bin logits at stride 4; the engine turns them into ab with the
annealed mean. The official ``model_out`` 1x1 conv (softmax -> ab / 110) is kept in the module
so the file loads unchanged, and its weights *are* the bin centres (see ``bin_centres``).
"""

from __future__ import annotations

import torch
from torch import nn

from chroma_desk.models.spec import ArchSpec


def _conv_block(
    channels: list[int], stride_last: int = 1, dilation: int = 1, norm: bool = True
) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (cin, cout) in enumerate(zip(channels[:-1], channels[1:], strict=True)):
        stride = stride_last if i == len(channels) - 2 else 1
        layers += [
            nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation, bias=True),
            nn.ReLU(True),
        ]
    if norm:
        layers.append(nn.BatchNorm2d(channels[-1]))
    return nn.Sequential(*layers)


class ECCV16(nn.Module):
    """VGG-style bin classifier. Input: L normalised as (L - 50) / 100, shape (N, 1, H, W) with
    H and W multiples of 8. Output: logits (N, bins, H/4, W/4)."""

    stride = 8
    output_stride = 4

    def __init__(self, bins: int = 313) -> None:
        super().__init__()
        self.model1 = _conv_block([1, 64, 64], stride_last=2)
        self.model2 = _conv_block([64, 128, 128], stride_last=2)
        self.model3 = _conv_block([128, 256, 256, 256], stride_last=2)
        self.model4 = _conv_block([256, 512, 512, 512])
        self.model5 = _conv_block([512, 512, 512, 512], dilation=2)
        self.model6 = _conv_block([512, 512, 512, 512], dilation=2)
        self.model7 = _conv_block([512, 512, 512, 512])
        self.model8 = nn.Sequential(
            nn.ConvTranspose2d(512, 256, 4, 2, 1, bias=True),
            nn.ReLU(True),
            nn.Conv2d(256, 256, 3, 1, 1, bias=True),
            nn.ReLU(True),
            nn.Conv2d(256, 256, 3, 1, 1, bias=True),
            nn.ReLU(True),
            nn.Conv2d(256, bins, 1, 1, 0, bias=True),
        )
        self.model_out = nn.Conv2d(bins, 2, 1, 1, 0, bias=False)

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        x = self.model1(l_norm)
        for block in (self.model2, self.model3, self.model4, self.model5, self.model6):
            x = block(x)
        return self.model8(self.model7(x))

    def bin_centres(self) -> torch.Tensor:
        """(bins, 2) ab centres read from ``model_out`` (it maps probabilities to ab / 110)."""
        return self.model_out.weight.detach()[:, :, 0, 0].t().float() * 110.0


SPEC = ArchSpec(
    id="eccv16",
    label="Zhang et al. ECCV16",
    factory=ECCV16,
    heads=("classification",),
    train_kinds=(),
    stride=ECCV16.stride,
    pretrained="import",
)
