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
        module.hint_head.weight[:, :3].normal_(0.0, 2.0)  # each cell's own hints, no spread
    card = make_card(name, "lite-unet", arguments, "regression", working_size, 32, takes_hints=True)
    return save_model(Path(folder) / f"{name}.safetensors", module, card, half=False)


def make_follow_hint_model(
    folder: Path, name: str = "follow-hints", working_size: int = 128
) -> Path:
    """A lite-unet hint model (regression) wired, not trained, to paint a hint's colour around
    it: the hint head copies the pooled hint ab (x 40) into the two channels the output reads
    (scaled by 1/40), so near a hint the output is tanh(ab / 110 + a small photo term), within
    a few Lab units of the hint; with no hints it is an untrained model's faint colour."""
    torch.manual_seed(0)
    arguments: dict[str, Any] = {"kind": "regression", "hints": True}
    module = build("lite-unet", **arguments)
    gain = 40.0
    with torch.no_grad():
        module.hint_head.weight.zero_()
        module.hint_head.weight[0, 0] = gain  # every tap: the 3 x 3 cells around the hint
        module.hint_head.weight[1, 1] = gain
        conv = module.head[0]
        conv.weight.zero_()
        conv.bias.zero_()
        conv.weight[0, 0] = 1.0 / gain
        conv.weight[1, 1] = 1.0 / gain
    card = make_card(
        name, "lite-unet", arguments, "regression", working_size, 32, takes_hints=True,
        title="Follows hints (tests)", trained_on="nothing (wired by hand)",
    )  # fmt: skip
    return save_model(Path(folder) / f"{name}.safetensors", module, card, half=False)
