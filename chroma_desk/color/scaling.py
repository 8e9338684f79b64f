"""How Lab values are scaled into and out of a network: L as (L - 50) / 100, ab as ab / 110.

These are the constants of Zhang et al. and pix2pix. One object holds them; the trainer, the
engine and the model card all use it (a card may record other values, and the engine then uses
those). The methods work on numpy arrays and torch tensors alike.

``PAPER_TEMPERATURE`` is the softmax temperature of the same paper's annealed mean, the default
for a classification model whose card names none. This module imports nothing heavy, so the
command line's argument parsing can use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

PAPER_TEMPERATURE = 0.38


@dataclass(frozen=True)
class LabScaling:
    l_center: float = 50.0
    l_scale: float = 100.0
    ab_scale: float = 110.0

    def l_to_net(self, lightness: T) -> T:
        """L in [0, 100] -> the network's input (about [-0.5, 0.5])."""
        return (lightness - self.l_center) / self.l_scale  # type: ignore[operator]

    def ab_to_net(self, ab: T) -> T:
        """ab in Lab units -> the network's regression target (about [-1, 1])."""
        return ab / self.ab_scale  # type: ignore[operator]

    def ab_from_net(self, out: T) -> T:
        """A regression head's output -> ab in Lab units."""
        return out * self.ab_scale  # type: ignore[operator]


STANDARD = LabScaling()
