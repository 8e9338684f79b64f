"""Architecture registry: a name and constructor arguments build a module.

Model files record the name and the arguments in their card, so a file is self-describing.
Training code adds its own architectures with ``register``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from chroma_desk.models.conv_dense_ae import ConvDenseAE
from chroma_desk.models.eccv16 import ECCV16
from chroma_desk.models.pix2pix import PatchDiscriminator, UNetGenerator
from chroma_desk.models.plain_unet import PlainUNet
from chroma_desk.models.rgb_autoencoder import RGBAutoencoder
from chroma_desk.models.siggraph17 import SIGGRAPH17
from chroma_desk.models.unet_lite import LiteUNet
from chroma_desk.models.unet_resnet import ResNetUNet
from chroma_desk.models.vgg16_cls import VGG16Classifier

ARCHITECTURES: dict[str, Callable[..., nn.Module]] = {
    "eccv16": ECCV16,
    "siggraph17": SIGGRAPH17,
    "pix2pix-unet": UNetGenerator,
    "patchgan": PatchDiscriminator,
    "lite-unet": LiteUNet,
    "resnet18-unet": ResNetUNet,
    "vgg16-cls": VGG16Classifier,
    "plain-unet": PlainUNet,
    "rgb-autoencoder": RGBAutoencoder,
    "conv-dense-ae": ConvDenseAE,
}


def register(name: str, factory: Callable[..., nn.Module]) -> None:
    ARCHITECTURES[name] = factory


def build(name: str, **kwargs: Any) -> nn.Module:
    """Build architecture ``name`` with ``kwargs``; a clear error for unknown names or arguments."""
    if name not in ARCHITECTURES:
        known = ", ".join(sorted(ARCHITECTURES))
        raise ValueError(f"unknown architecture {name!r}; known: {known}")
    try:
        return ARCHITECTURES[name](**kwargs)
    except TypeError as exc:
        raise ValueError(f"bad arguments for architecture {name!r}: {exc}") from exc
