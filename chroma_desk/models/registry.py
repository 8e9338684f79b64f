"""Architecture registry: an id and constructor arguments build a module.

Each architecture module declares its ``SPEC`` (``spec.py``); this is the list of them. Model
files record the id and the arguments in their card, so a file is self-describing. Training code
adds its own architectures with ``register``.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from chroma_desk.models import (
    conv_dense_ae,
    eccv16,
    pix2pix,
    plain_unet,
    rgb_autoencoder,
    siggraph17,
    unet_lite,
    unet_resnet,
    vgg16_cls,
)
from chroma_desk.models.spec import ArchSpec

SPECS: dict[str, ArchSpec] = {
    s.id: s
    for s in (
        eccv16.SPEC,
        siggraph17.SPEC,
        pix2pix.SPEC,
        pix2pix.DISCRIMINATOR_SPEC,
        unet_lite.SPEC,
        unet_resnet.SPEC,
        vgg16_cls.SPEC,
        plain_unet.SPEC,
        rgb_autoencoder.SPEC,
        conv_dense_ae.SPEC,
    )
}


def register(spec: ArchSpec) -> None:
    SPECS[spec.id] = spec


def spec(name: str) -> ArchSpec:
    """The spec of architecture ``name``; a ValueError naming the known ones otherwise."""
    if name not in SPECS:
        known = ", ".join(sorted(SPECS))
        raise ValueError(f"unknown architecture {name!r}; known: {known}")
    return SPECS[name]


def label(name: str) -> str:
    """The architecture's name for people (its id when it is not registered)."""
    return SPECS[name].label if name in SPECS else name


def trainable() -> list[str]:
    """Ids of the architectures the trainer can build, in registry order."""
    return [s.id for s in SPECS.values() if s.trainable]


def build(name: str, **kwargs: Any) -> nn.Module:
    """Build architecture ``name`` with ``kwargs``; a clear error for unknown names or arguments."""
    factory = spec(name).factory
    try:
        return factory(**kwargs)
    except TypeError as exc:
        raise ValueError(f"bad arguments for architecture {name!r}: {exc}") from exc
