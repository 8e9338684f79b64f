"""Our model file: one ``.safetensors`` file, the weights plus a JSON model card in its header.

The card (``card.py``) names the architecture and its constructor arguments, so ``load_model``
builds the module with no code changes. Loading checks before it allocates: the card first,
then the header's tensor names and shapes against the network built on the meta device (no
memory), and only then the real network and the weights. Nothing here ever unpickles: foreign
``.pth`` files go through ``torch.load(weights_only=True)`` in ``official.py``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn

from chroma_desk.color.scaling import STANDARD
from chroma_desk.models.card import CardError, ModelCard, ModelFileError
from chroma_desk.models.registry import SPECS, build, spec
from chroma_desk.paths import NEW_FILE_MODE

__all__ = [
    "CARD_KEY",
    "LoadedModel",
    "ModelCard",
    "ModelFileError",
    "load_model",
    "make_card",
    "read_card",
    "save_model",
]

CARD_KEY = "chroma_desk.card"
MAX_CARD_CHARS = 1 << 20  # a real card is a few kB (bins, prior, recipe)
MAX_ARGUMENT_CHARS = 2000  # a few hyperparameters; more would build a network of any size
FLOAT_DTYPES = ("F16", "BF16", "F32", "F64")


@dataclass
class LoadedModel:
    module: nn.Module
    card: ModelCard
    path: Path | None = None

    @property
    def kind(self) -> str:
        return self.card.kind

    @property
    def name(self) -> str:
        return self.card.name or (self.path.stem if self.path else "model")

    @property
    def bins(self) -> torch.Tensor | None:
        bins = self.card.bins
        return torch.tensor(bins, dtype=torch.float32) if bins is not None else None

    @property
    def default_temperature(self) -> float:
        return self.card.default_temperature


def make_card(
    name: str,
    architecture: str,
    arguments: dict[str, Any],
    kind: str,
    working_size: int,
    stride: int,
    bins: np.ndarray | None = None,
    **extra: Any,
) -> ModelCard:
    """A model card with the fields every file needs; ``extra`` adds the rest (training, metrics).
    The output space is the architecture's own (its spec) unless ``extra`` says otherwise."""
    space = SPECS[architecture].output_space if architecture in SPECS else "ab"
    card: dict[str, Any] = {
        "name": name,
        "architecture": architecture,
        "arguments": arguments,
        "kind": kind,
        "working_size": working_size,
        "stride": stride,
        "input": {"l_center": STANDARD.l_center, "l_scale": STANDARD.l_scale},
        "output": {"ab_scale": STANDARD.ab_scale, "space": space},
    }
    if bins is not None:
        card["bins"] = np.asarray(bins, dtype=float).round(4).tolist()
    card.update(extra)
    return ModelCard.from_dict(card)


def save_model(
    path: str | Path, module: nn.Module, card: ModelCard | Mapping[str, Any], half: bool = True
) -> Path:
    """Write weights and card atomically (temporary file in the same folder, then rename)."""
    tensors = {}
    for key, value in module.state_dict().items():
        value = value.detach().cpu().contiguous()
        if half and value.is_floating_point():
            value = value.half()
        tensors[key] = value.clone()
    card = card if isinstance(card, ModelCard) else ModelCard.from_dict(card)
    return _write(Path(path), tensors, card.updated(dtype="float16" if half else "float32"))


def copy_with_card(source: str | Path, dest: str | Path, card: ModelCard) -> Path:
    """Copy a model file's weights under a new card (installing a run's model)."""
    source = Path(source)
    try:
        with safe_open(str(source), framework="pt") as f:
            tensors = {key: f.get_tensor(key) for key in f.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"{source}: the weights cannot be read ({exc})") from exc
    return _write(Path(dest), tensors, card)


def _write(path: Path, tensors: dict[str, torch.Tensor], card: ModelCard) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={CARD_KEY: json.dumps(card.to_dict())})
        os.chmod(tmp, NEW_FILE_MODE)  # mkstemp makes 0600; a model file gets the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_card(path: str | Path) -> ModelCard:
    """The model card alone, checked, without loading weights."""
    path = Path(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"{path}: not a readable .safetensors model file ({exc})") from exc
    if CARD_KEY not in metadata:
        raise ModelFileError(f"{path}: a safetensors file without a Chroma Desk model card")
    text = metadata[CARD_KEY]
    if len(text) > MAX_CARD_CHARS:
        raise ModelFileError(f"{path}: the model card is {len(text):,} characters, too long")
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, or an integer too long
        raise ModelFileError(f"{path}: the model card is not valid JSON ({exc})") from exc
    try:
        return ModelCard.from_dict(raw)
    except CardError as exc:
        raise ModelFileError(f"{path}: {exc}") from exc


def load_model(path: str | Path, device: str | torch.device = "cpu") -> LoadedModel:
    """Build the module the card describes and load its weights (float32, eval mode)."""
    path = Path(path)
    card = read_card(path)
    try:
        _check_card_fits_architecture(card)
        layout = _header_layout(path)
        _check_layout(_build_on_meta(card), layout, card)
    except ValueError as exc:
        raise ModelFileError(f"{path}: {exc}") from exc
    try:
        with safe_open(str(path), framework="pt") as f:
            state = {key: f.get_tensor(key) for key in f.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError, TypeError) as exc:
        raise ModelFileError(f"{path}: the weights cannot be read ({exc})") from exc
    for key, value in state.items():
        if value.is_floating_point():
            value = value.float()
            if not torch.isfinite(value).all():
                raise ModelFileError(f"{path}: {key} holds NaN or infinite values")
            state[key] = value
    module = build(card.architecture, **card.arguments)
    module.load_state_dict(state, strict=True)
    module.eval().to(device)
    return LoadedModel(module=module, card=card, path=path)


# -- checks before anything is allocated ------------------------------------------------------


def _check_card_fits_architecture(card: ModelCard) -> None:
    arch = spec(card.architecture)  # ValueError naming the known ones
    if card.kind not in arch.heads:
        raise ValueError(f"architecture {arch.id!r} has no {card.kind} head")
    if card.output_space != arch.output_space:
        raise ValueError(
            f"architecture {arch.id!r} predicts {arch.output_space}, the card says "
            f"{card.output_space}"
        )
    if card.takes_hints and not arch.takes_hints:
        raise ValueError(f"the card says it takes colour hints; {arch.id!r} takes none")
    if len(json.dumps(card.arguments)) > MAX_ARGUMENT_CHARS:
        raise ValueError(f"the arguments for {arch.id!r} are too long to be hyperparameters")
    try:
        need = arch.stride_for(card.arguments)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"arguments for {arch.id!r}: {exc}") from exc
    if need < 1 or card.stride % need:
        raise ValueError(
            f"stride {card.stride} does not suit {arch.id!r} "
            f"(its input must be a multiple of {need})"
        )


def _header_layout(path: Path) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Each tensor's (dtype, shape) from the header, no weights read."""
    try:
        with safe_open(str(path), framework="pt") as f:
            layout = {}
            for key in f.keys():
                part = f.get_slice(key)
                layout[key] = (part.get_dtype(), tuple(part.get_shape()))
    except (SafetensorError, OSError, RuntimeError, TypeError, KeyError) as exc:
        raise ValueError(f"the weights cannot be read ({exc})") from exc
    return layout


def _build_on_meta(card: ModelCard) -> nn.Module:
    """The network on the meta device: shapes only, however large the arguments ask for."""
    try:
        with torch.device("meta"):
            return build(card.architecture, **card.arguments).eval()
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - arguments from a file can fail any way
        raise ValueError(
            f"cannot build {card.architecture!r} with {card.arguments}: {exc}"
        ) from exc


def _check_layout(
    module: nn.Module, layout: dict[str, tuple[str, tuple[int, ...]]], card: ModelCard
) -> None:
    expected = module.state_dict()
    missing = sorted(set(expected) - set(layout))
    unexpected = sorted(set(layout) - set(expected))
    if missing or unexpected:
        raise ValueError(
            f"weights do not match architecture {card.architecture!r}: "
            f"{len(missing)} missing (e.g. {missing[:3]}), {len(unexpected)} unexpected "
            f"(e.g. {unexpected[:3]})"
        )
    for key, (dtype, shape) in layout.items():
        if shape != tuple(expected[key].shape):
            raise ValueError(
                f"{key} has shape {shape}, the architecture wants {tuple(expected[key].shape)}"
            )
        if expected[key].is_floating_point() and dtype not in FLOAT_DTYPES:
            raise ValueError(f"{key} is stored as {dtype}, not as floating-point weights")
    _check_output_channels(module, card)


def _check_output_channels(module: nn.Module, card: ModelCard) -> None:
    """A forward pass on the meta device: the head must give what the card promises."""
    side = -(-64 // card.stride) * card.stride
    try:
        with torch.no_grad():
            out = module(torch.empty(1, 1, side, side, device="meta"))
    except (RuntimeError, ValueError, TypeError, NotImplementedError) as exc:
        raise ValueError(f"the network does not run as described: {exc}") from exc
    if card.output_space == "rgb":
        want, what = 3, "an RGB output"
    elif card.bins is not None:
        want, what = len(card.bins), f"{len(card.bins)} bins"
    else:
        want, what = 2, "an ab output"
    if out.ndim != 4 or out.shape[1] != want:
        raise ValueError(
            f"the network gives {out.shape[1] if out.ndim == 4 else '?'} channels, "
            f"the card promises {what}"
        )
