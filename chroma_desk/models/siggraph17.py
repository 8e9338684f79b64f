"""Zhang et al., "Real-Time User-Guided Image Colorization with Learned Deep Priors"
(SIGGRAPH 2017), laid out so the official ``siggraph17-df00044c.pth`` loads with ``strict=True``.

A regression model: ab / 110 out through tanh. It also takes user hints: two ab channels
(ab / 110) and a 0/1 mask; with no hints all three are zero, as in the authors' automatic mode.
The 529-way ``model_class`` head is unused at inference but kept so the file loads as it is.
"""

from __future__ import annotations

import torch
from torch import nn

from chroma_desk.models.eccv16 import _conv_block
from chroma_desk.models.spec import ArchSpec


def _conv(cin: int, cout: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, 1, 1, bias=True)


class SIGGRAPH17(nn.Module):
    """Input: L as (L - 50) / 100, (N, 1, H, W), H and W multiples of 8. Output: ab / 110."""

    stride = 8
    output_stride = 1

    def __init__(self) -> None:
        super().__init__()
        self.model1 = _conv_block([4, 64, 64])
        self.model2 = _conv_block([64, 128, 128])
        self.model3 = _conv_block([128, 256, 256, 256])
        self.model4 = _conv_block([256, 512, 512, 512])
        self.model5 = _conv_block([512, 512, 512, 512], dilation=2)
        self.model6 = _conv_block([512, 512, 512, 512], dilation=2)
        self.model7 = _conv_block([512, 512, 512, 512])
        self.model8up = nn.Sequential(nn.ConvTranspose2d(512, 256, 4, 2, 1, bias=True))
        self.model3short8 = nn.Sequential(_conv(256, 256))
        self.model8 = nn.Sequential(
            nn.ReLU(True),
            _conv(256, 256),
            nn.ReLU(True),
            _conv(256, 256),
            nn.ReLU(True),
            nn.BatchNorm2d(256),
        )
        self.model9up = nn.Sequential(nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=True))
        self.model2short9 = nn.Sequential(_conv(128, 128))
        self.model9 = nn.Sequential(
            nn.ReLU(True), _conv(128, 128), nn.ReLU(True), nn.BatchNorm2d(128)
        )
        self.model10up = nn.Sequential(nn.ConvTranspose2d(128, 128, 4, 2, 1, bias=True))
        self.model1short10 = nn.Sequential(_conv(64, 128))
        self.model10 = nn.Sequential(nn.ReLU(True), _conv(128, 128), nn.LeakyReLU(0.2))
        self.model_class = nn.Sequential(nn.Conv2d(256, 529, 1, 1, 0, bias=True))
        self.model_out = nn.Sequential(nn.Conv2d(128, 2, 1, 1, 0, bias=True), nn.Tanh())

    def forward(self, l_norm: torch.Tensor, hints: torch.Tensor | None = None) -> torch.Tensor:
        """``hints`` (N, 3, H, W): a / 110, b / 110 and the 0/1 mask, as the official forward
        takes them (``chroma_desk.engine.hints`` makes them); None is no hints (all zero). The
        mask goes in as given: 0 with no hints, not centred."""
        if hints is None:
            hints = torch.zeros_like(l_norm).repeat(1, 3, 1, 1)
        c1 = self.model1(torch.cat([l_norm, hints], dim=1))
        c2 = self.model2(c1[:, :, ::2, ::2])
        c3 = self.model3(c2[:, :, ::2, ::2])
        x = self.model4(c3[:, :, ::2, ::2])
        x = self.model7(self.model6(self.model5(x)))
        x = self.model8(self.model8up(x) + self.model3short8(c3))
        x = self.model9(self.model9up(x) + self.model2short9(c2))
        x = self.model10(self.model10up(x) + self.model1short10(c1))
        return self.model_out(x)


SPEC = ArchSpec(
    id="siggraph17",
    label="Zhang et al. SIGGRAPH17",
    factory=SIGGRAPH17,
    heads=("regression",),
    train_kinds=(),
    stride=SIGGRAPH17.stride,
    pretrained="import",
    takes_hints=True,
)
