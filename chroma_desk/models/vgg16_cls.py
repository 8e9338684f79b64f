"""The VGG16-encoder bin classifier of hobbyist write-ups: torchvision's VGG16 convolutional
trunk up to conv4_3 (stride 8) feeding a small head that predicts ab-bin logits at stride 4.

ImageNet weights are optional: torchvision downloads them (528 MB) only when the user asks for
``pretrained=True`` and has a network. The RGB first layer is then folded to one channel, with
ImageNet's input normalisation folded into its weights and bias, so the gray photo is seen as
the RGB network would see it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from chroma_desk.models.decoder import conv_bn_relu, make_head
from chroma_desk.models.spec import HEADS, TRAIN_KINDS, ArchSpec

TRUNK_LAYERS = 23  # torchvision vgg16().features[:23] ends with conv4_3 + ReLU, at stride 8
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class VGG16Classifier(nn.Module):
    """L (N, 1, H, W) as (L - 50) / 100, H and W multiples of 8 -> output at stride 4.

    Args:
        kind: ``classification`` (bin logits) or ``regression`` (ab / 110, tanh).
        bins: number of ab bins for a classification head.
        pretrained: fetch torchvision's ImageNet VGG16 weights (needs a network, training only;
            a saved model file carries every weight, so loading one never needs this).
    """

    stride = 8
    output_stride = 4

    def __init__(self, kind: str = "classification", bins: int = 313, pretrained: bool = False):
        super().__init__()
        # imported here, not at the top: the CPU bundle leaves torchvision out (packaging/)
        from torchvision.models import VGG16_Weights
        from torchvision.models.vgg import cfgs, make_layers

        trunk = make_layers(cfgs["D"])[:TRUNK_LAYERS]  # VGG16's layout; no 100M-weight classifier
        if pretrained:
            state = VGG16_Weights.IMAGENET1K_V1.get_state_dict(progress=True)
            trunk.load_state_dict(
                {
                    k[len("features.") :]: v
                    for k, v in state.items()
                    if k.startswith("features.") and int(k.split(".")[1]) < TRUNK_LAYERS
                }
            )
            trunk[0] = fold_rgb_stem(trunk[0], IMAGENET_MEAN, IMAGENET_STD)
        else:
            for m in trunk.modules():  # torchvision's VGG initialisation
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    nn.init.zeros_(m.bias)
            trunk[0] = nn.Conv2d(1, 64, 3, 1, 1)
            nn.init.kaiming_normal_(trunk[0].weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(trunk[0].bias)
        self.trunk = trunk
        self.reduce = conv_bn_relu(512, 256)  # at stride 8
        self.refine = conv_bn_relu(256, 128)  # at stride 4
        self.head = make_head(128, kind, bins)

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        x = self.reduce(self.trunk(l_norm + 0.5))  # the trunk sees L / 100: gray in [0, 1]
        x = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
        return self.head(self.refine(x))


def fold_rgb_stem(conv: nn.Conv2d, mean: tuple[float, ...], std: tuple[float, ...]) -> nn.Conv2d:
    """A one-channel conv that gives on gray x what ``conv`` gives on ((x, x, x) - mean) / std
    (exactly, away from the zero padding at the borders)."""
    gray = nn.Conv2d(1, conv.out_channels, conv.kernel_size, conv.stride, conv.padding)
    with torch.no_grad():
        w = conv.weight / torch.tensor(std).view(1, -1, 1, 1)
        gray.weight.copy_(w.sum(dim=1, keepdim=True))
        bias = conv.bias if conv.bias is not None else torch.zeros(conv.out_channels)
        gray.bias.copy_(bias - (w * torch.tensor(mean).view(1, -1, 1, 1)).sum(dim=(1, 2, 3)))
    return gray


SPEC = ArchSpec(
    id="vgg16-cls",
    label="VGG16 trunk, bin classifier (Zhang et al. style)",
    factory=VGG16Classifier,
    heads=HEADS,
    train_kinds=TRAIN_KINDS,
    stride=VGG16Classifier.stride,
    pretrained="download",
)
