"""What an architecture is and can do, declared once in its own module (``SPEC``).

The trainer, the engine, the command line and the window read these facts from the spec; none of
them inspects constructors or probes modules for attributes. (Spandrel's architecture
descriptors are the model: one record states the calling contract, callers never repeat it.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # the spec itself stays free of torch: runs.py reads it without importing it
    from torch import nn

HEADS = ("classification", "regression")
TRAIN_KINDS = ("classification", "gan", "regression")

Pretrained = Literal["bundled", "download", "import"]


def head_of(kind: str) -> str:
    """The network head a training kind builds: gan trains a regression head."""
    return "classification" if kind == "classification" else "regression"


@dataclass(frozen=True)
class ArchSpec:
    """One architecture's contract.

    Args:
        id: the name in model cards and on the command line (``lite-unet``).
        label: a short name for people (the window's menus).
        factory: builds the module from the card's ``arguments``.
        heads: the card kinds it can be built with (``classification``, ``regression``);
            empty for a part that is not a colouriser (the PatchGAN discriminator).
        train_kinds: the trainer's ``--kind`` values it trains with (the factory then takes
            ``kind`` and ``bins``); empty when the trainer cannot build it.
        stride: the input's height and width must be multiples of this.
        stride_of: the stride when it depends on the arguments (pix2pix's ``depth``).
        working_size: the long side it is trained and run at by default.
        pretrained: where its starting weights come from: ``bundled`` with the package,
            ``download`` (torchvision, only when asked), ``import`` (the authors' published
            files, through ``chroma-desk models import``), or None.
        takes_hints: its forward accepts user colour hints (ab and a mask).
        output_space: ``ab`` (ab / ab_scale or bin logits) or ``rgb`` (sRGB in [0, 1]).
    """

    id: str
    label: str
    factory: Callable[..., nn.Module]
    heads: tuple[str, ...]
    train_kinds: tuple[str, ...]
    stride: int
    stride_of: Callable[[Mapping[str, Any]], int] | None = None
    working_size: int = 256
    pretrained: Pretrained | None = None
    takes_hints: bool = False
    output_space: Literal["ab", "rgb"] = "ab"

    def stride_for(self, arguments: Mapping[str, Any]) -> int:
        return int(self.stride_of(arguments)) if self.stride_of is not None else self.stride

    @property
    def trainable(self) -> bool:
        return bool(self.train_kinds)

    def trains(self, kind: str) -> bool:
        return kind in self.train_kinds
