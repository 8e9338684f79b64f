"""Our model file: one ``.safetensors`` file, the weights plus a JSON model card in its header.

The card names the architecture and its constructor arguments, so ``load_model`` builds the
module with no code changes. Nothing here ever unpickles: foreign ``.pth`` files go through
``torch.load(weights_only=True)`` in ``official.py``.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn

from chroma_desk.models.registry import build
from chroma_desk.paths import NEW_FILE_MODE

CARD_KEY = "chroma_desk.card"
FORMAT_VERSION = 1


class ModelFileError(Exception):
    """A model file that cannot be used; the message says why, naming the file."""


@dataclass
class LoadedModel:
    module: nn.Module
    card: dict[str, Any]
    path: Path | None = None

    @property
    def kind(self) -> str:
        return self.card["kind"]

    @property
    def name(self) -> str:
        return self.card.get("name") or (self.path.stem if self.path else "model")

    @property
    def bins(self) -> torch.Tensor | None:
        bins = self.card.get("bins")
        return torch.tensor(bins, dtype=torch.float32) if bins is not None else None

    @property
    def default_temperature(self) -> float:
        return float(self.card.get("default_temperature", 0.38))


def make_card(
    name: str,
    architecture: str,
    arguments: dict[str, Any],
    kind: str,
    working_size: int,
    stride: int,
    bins: np.ndarray | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A model card with the fields every file needs; ``extra`` adds the rest (training, metrics)."""
    card: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "name": name,
        "architecture": architecture,
        "arguments": arguments,
        "kind": kind,
        "working_size": working_size,
        "stride": stride,
        "input": {"l_center": 50.0, "l_scale": 100.0},
        "output": {"ab_scale": 110.0},
    }
    if bins is not None:
        card["bins"] = np.asarray(bins, dtype=float).round(4).tolist()
        card.setdefault("default_temperature", 0.38)
    card.update(extra)
    return card


def save_model(
    path: str | Path, module: nn.Module, card: dict[str, Any], half: bool = True
) -> Path:
    """Write weights and card atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {}
    for key, value in module.state_dict().items():
        value = value.detach().cpu().contiguous()
        if half and value.is_floating_point():
            value = value.half()
        tensors[key] = value.clone()
    card = {**card, "dtype": "float16" if half else "float32"}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={CARD_KEY: json.dumps(card)})
        os.chmod(tmp, NEW_FILE_MODE)  # mkstemp makes 0600; a model file gets the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_card(path: str | Path) -> dict[str, Any]:
    """The model card alone, without loading weights."""
    path = Path(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"{path}: not a readable .safetensors model file ({exc})") from exc
    if CARD_KEY not in metadata:
        raise ModelFileError(f"{path}: a safetensors file without a Chroma Desk model card")
    try:
        card = json.loads(metadata[CARD_KEY])
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{path}: the model card is not valid JSON ({exc})") from exc
    for field in ("architecture", "kind", "working_size", "stride"):
        if field not in card:
            raise ModelFileError(f"{path}: the model card has no {field!r}")
    return card


def load_model(path: str | Path, device: str | torch.device = "cpu") -> LoadedModel:
    """Build the module the card describes and load its weights (float32, eval mode)."""
    path = Path(path)
    card = read_card(path)
    try:
        module = build(card["architecture"], **card.get("arguments", {}))
    except ValueError as exc:
        raise ModelFileError(f"{path}: {exc}") from exc
    try:
        with safe_open(str(path), framework="pt") as f:
            state = {key: f.get_tensor(key) for key in f.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"{path}: the weights cannot be read ({exc})") from exc
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise ModelFileError(
            f"{path}: weights do not match architecture {card['architecture']!r}: "
            f"{len(missing)} missing (e.g. {missing[:3]}), {len(unexpected)} unexpected "
            f"(e.g. {unexpected[:3]})"
        )
    for key, value in state.items():
        if value.shape != expected[key].shape:
            raise ModelFileError(
                f"{path}: {key} has shape {tuple(value.shape)}, "
                f"the architecture wants {tuple(expected[key].shape)}"
            )
        if value.is_floating_point():
            state[key] = value.float()
    module.load_state_dict(state, strict=True)
    module.eval().to(device)
    return LoadedModel(module=module, card=card, path=path)
