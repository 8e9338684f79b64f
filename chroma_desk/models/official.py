"""Import the official PyTorch weights of Zhang et al. (ECCV16, SIGGRAPH17) into our format.

The ``.pth`` files are loaded with ``torch.load(weights_only=True)``: a restricted unpickler
that only rebuilds tensors and containers and refuses anything that would run code.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from pathlib import Path

import numpy as np
import torch

from chroma_desk.color.bins import AB_GRID
from chroma_desk.models import file_kind
from chroma_desk.models.checkpoint import ModelFileError, make_card, save_model
from chroma_desk.models.preprocessing import AS_PUBLISHED
from chroma_desk.models.registry import build, spec

PUBLISHED = {
    "eccv16": "colorization_release_v2-9b330a0b.pth",
    "siggraph17": "siggraph17-df00044c.pth",
}
PUBLISHED_URLS = {
    "eccv16": "https://colorizers.s3.us-east-2.amazonaws.com/colorization_release_v2-9b330a0b.pth",
    "siggraph17": "https://colorizers.s3.us-east-2.amazonaws.com/siggraph17-df00044c.pth",
}
LICENCE = "BSD-2-Clause (richzhang/colorization); trained on ImageNet (research use)"


_GLOBAL = re.compile(r"unsupported (?:global:\s*)?GLOBAL\s+([\w.]+)", re.IGNORECASE)
_UNPICKLER = re.compile(r"WeightsUnpickler error:\s*([^.\n]+)")
_ADVICE = ("weights_only", "Weights only load failed", "Check the documentation", "safe_globals")


def refusal_reason(exc: BaseException) -> str:
    """torch's own reason for refusing a pickle (e.g. "unsupported GLOBAL posix.system"),
    without its advice to load the file with ``weights_only=False`` or to allowlist the
    global: either would run the code this refusal is there to stop."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    found = _GLOBAL.search(text)
    if found:
        return f"unsupported GLOBAL {found.group(1)}"
    found = _UNPICKLER.search(text)
    if found and found.group(1).strip():
        return found.group(1).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    kept = [line for line in lines if not any(word in line for word in _ADVICE)]
    return " ".join(kept) or type(exc).__name__


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """A plain state_dict from a .pth file, refusing pickles that try to run code."""
    found = file_kind.kind(path)  # a photo, a text file, a safetensors file: said so
    if found == "safetensors":
        raise ModelFileError(f"{path}: a .safetensors file, not a PyTorch checkpoint")
    if found == "zip":
        file_kind.check_torch_zip(path)  # readable, and no zip bomb
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except RuntimeError as exc:
        if "Weights only load failed" not in str(exc) and not _GLOBAL.search(str(exc)):
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "RuntimeError"
            raise ModelFileError(f"{path}: a damaged PyTorch checkpoint ({first})") from exc
        raise ModelFileError(
            f"{path}: refused: not plain weights (it may try to run code when loaded): "
            f"{refusal_reason(exc)}"
        ) from exc
    except (pickle.UnpicklingError, AttributeError, TypeError) as exc:
        raise ModelFileError(
            f"{path}: refused: not plain weights (it may try to run code when loaded): "
            f"{refusal_reason(exc)}"
        ) from exc
    except (EOFError, OSError, ValueError) as exc:
        raise ModelFileError(f"{path}: cannot be read as a PyTorch checkpoint ({exc})") from exc
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ModelFileError(f"{path}: does not hold a state_dict of tensors")
    return {k.removeprefix("module."): v for k, v in state.items()}


def recognise(state: dict[str, torch.Tensor]) -> str:
    if "model_class.0.weight" in state and "model10.1.weight" in state:
        return "siggraph17"
    if "model8.6.weight" in state and "model_out.weight" in state:
        return "eccv16"
    raise ModelFileError("not an ECCV16 or SIGGRAPH17 checkpoint (unrecognised keys)")


def sha256_prefix(path: Path, digits: int = 8) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:digits]


def check_centres_on_grid(centres: torch.Tensor, path: Path) -> np.ndarray:
    """The ECCV16 ``model_out`` weights x 110 must be ab bin centres on the grid of 10."""
    centres_np = centres.numpy().astype(np.float64)
    snapped = np.round(centres_np / AB_GRID) * AB_GRID
    worst = float(np.abs(centres_np - snapped).max())
    if worst > 0.5:
        raise ModelFileError(
            f"{path}: model_out does not hold ab bin centres on a grid of {AB_GRID} "
            f"(off by up to {worst:.2f})"
        )
    return snapped.astype(np.float32)


def _check_layout(
    expected: dict[str, torch.Tensor], state: dict[str, torch.Tensor], arch: str, src: Path
) -> None:
    """One line naming what is missing, unexpected or of the wrong shape."""
    wanted = {k for k in expected if not k.endswith("num_batches_tracked")}
    have = {k for k in state if not k.endswith("num_batches_tracked")}
    missing, unexpected = sorted(wanted - have), sorted(have - set(expected))
    if missing or unexpected:
        raise ModelFileError(
            f"{src}: weights do not fit {arch}: {len(missing)} missing "
            f"({', '.join(missing[:3]) or '-'}), {len(unexpected)} unexpected "
            f"({', '.join(unexpected[:3]) or '-'})"
        )
    for key in sorted(wanted):
        if tuple(state[key].shape) != tuple(expected[key].shape):
            raise ModelFileError(
                f"{src}: weights do not fit {arch}: {key} has shape {tuple(state[key].shape)}, "
                f"{arch} wants {tuple(expected[key].shape)}"
            )


def import_official(src: str | Path, dest_dir: str | Path) -> Path:
    """Convert an official checkpoint into ``dest_dir/<name>.safetensors`` and return its path."""
    src = Path(src)
    state = read_state_dict(src)
    try:
        arch = recognise(state)
    except ModelFileError as exc:
        raise ModelFileError(f"{src}: {exc}") from exc
    module = build(arch)
    arch_spec = spec(arch)
    _check_layout(module.state_dict(), state, arch, src)
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = " ".join(str(exc).split())[:300]
        raise ModelFileError(f"{src}: weights do not fit {arch}: {first}") from exc
    digest = sha256_prefix(src)
    official = PUBLISHED[arch].endswith(f"-{digest}.pth")
    name = f"zhang-{arch}" if official else f"zhang-{arch}-{digest}"
    common = dict(
        title=f"Zhang et al. {arch.upper()}"
        + ("" if official else f" (unrecognised file {digest})"),
        source={"file": src.name, "sha256_prefix": digest, "official": official},
        licence=LICENCE,
        trained_on="ImageNet (1.3M photos), by the authors",
        preprocessing=AS_PUBLISHED,  # the authors' demo by default; our own way is an option
    )
    if arch == "eccv16":
        centres = check_centres_on_grid(module.bin_centres(), src)
        card = make_card(
            name,
            "eccv16",
            {"bins": int(centres.shape[0])},
            "classification",
            arch_spec.working_size,
            arch_spec.stride,
            bins=centres,
            default_temperature=1.0,  # the released network's own softmax: colour as released
            **common,
        )
    else:
        card = make_card(
            name,
            "siggraph17",
            {},
            "regression",
            arch_spec.working_size,
            arch_spec.stride,
            takes_hints=True,  # ab / 110 and a 0/1 mask, as the official forward takes them
            **common,
        )
    return save_model(Path(dest_dir) / f"{name}.safetensors", module, card, half=False)
