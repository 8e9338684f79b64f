"""Small model files for tests: built and saved in a temporary folder in well under a second,
so no test depends on the bundled models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from chroma_desk.color.bins import gamut_bins
from chroma_desk.models.checkpoint import make_card, save_model
from chroma_desk.models.registry import build


def make_lite_model(
    folder: Path,
    name: str = "tiny-lite",
    kind: str = "classification",
    working_size: int = 128,
    seed: int = 0,
    **extra: Any,
) -> Path:
    """A lite-unet model file with random weights (``kind``: classification or regression)."""
    torch.manual_seed(seed)
    bins = gamut_bins() if kind == "classification" else None
    arguments: dict[str, Any] = {"kind": kind}
    if bins is not None:
        arguments["bins"] = int(len(bins))
    module = build("lite-unet", **arguments)
    card = make_card(name, "lite-unet", arguments, kind, working_size, 32, bins=bins, **extra)
    return save_model(Path(folder) / f"{name}.safetensors", module, card)


def make_hint_model(folder: Path, name: str = "tiny-hints", working_size: int = 96) -> Path:
    """A lite-unet regression model that takes hints; they act through its head-side
    convolution only (random weights), so a hint changes the colour near its own place."""
    torch.manual_seed(0)
    arguments: dict[str, Any] = {"kind": "regression", "hints": True}
    module = build("lite-unet", **arguments)
    with torch.no_grad():
        module.hint_head.weight.normal_(0.0, 2.0)
    card = make_card(name, "lite-unet", arguments, "regression", working_size, 32, takes_hints=True)
    return save_model(Path(folder) / f"{name}.safetensors", module, card, half=False)
