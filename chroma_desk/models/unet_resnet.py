"""A U-Net on torchvision's ResNet18 encoder. ImageNet weights are optional: torchvision
downloads them only when the user asks for ``pretrained=True`` and has a network.

torchvision is imported only when the module is built, so everything else runs without it (the
PyInstaller bundle leaves it out)."""

from __future__ import annotations

import torch
from torch import nn

from chroma_desk.models.decoder import Decoder, make_head
from chroma_desk.models.spec import HEADS, TRAIN_KINDS, ArchSpec

SKIP_CHANNELS = [64, 64, 128, 256, 512]  # at strides 2, 4, 8, 16, 32


class ResNetUNet(nn.Module):
    """L (N, 1, H, W) as (L - 50) / 100, H and W multiples of 32 -> output at stride 4.

    Args:
        kind: ``classification`` (bin logits) or ``regression`` (ab / 110, tanh).
        bins: number of ab bins for a classification head.
        widths: decoder channels from stride 16 up to stride 4.
        pretrained: fetch torchvision's ImageNet weights (needs a network, training only).
    """

    stride = 32
    output_stride = 4

    def __init__(
        self,
        kind: str = "regression",
        bins: int = 313,
        widths: tuple[int, ...] = (256, 128, 64),
        pretrained: bool = False,
    ) -> None:
        super().__init__()
        from torchvision.models import ResNet18_Weights, resnet18

        net = resnet18(weights=ResNet18_Weights.IMAGENET1K_V1 if pretrained else None)
        stem = nn.Conv2d(1, 64, 7, 2, 3, bias=False)
        stem.weight.data = net.conv1.weight.data.sum(dim=1, keepdim=True)
        self.stem = nn.Sequential(stem, net.bn1, net.relu)
        self.pool = net.maxpool
        self.layers = nn.ModuleList([net.layer1, net.layer2, net.layer3, net.layer4])
        self.decoder = Decoder(SKIP_CHANNELS[1:], list(widths))
        self.head = make_head(self.decoder.out_channels, kind, bins)

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        x = self.pool(self.stem(l_norm * 2.0))
        features = []
        for layer in self.layers:
            x = layer(x)
            features.append(x)
        return self.head(self.decoder(features))


SPEC = ArchSpec(
    id="resnet18-unet",
    label="ResNet18 U-Net",
    factory=ResNetUNet,
    heads=HEADS,
    train_kinds=TRAIN_KINDS,
    stride=ResNetUNet.stride,
    pretrained="download",
)
