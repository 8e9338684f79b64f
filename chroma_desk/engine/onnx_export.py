"""Export a model file's network to ONNX, with the model card's facts in the ONNX metadata.

The file stands alone: another program reads how to feed it and how to read its output from
the metadata (``chroma_desk.*`` keys, plain strings; ``chroma_desk.card`` is the whole card as
JSON). Input ``lightness``: (N, 1, H, W) float32, ``(L - l_center) / l_scale`` with CIE L in
0..100, H and W multiples of the stride. A model that takes colour hints (``takes_hints``)
has a second input ``hints``: (N, 3, H, W), a / ab_scale, b / ab_scale and a 0/1 mask, zero
where there is no hint. Output ``output``: bin logits (classification: softmax
at temperature T over the ``bins`` ab centres, then the mean) or ab / ab_scale (regression), at
a lower resolution for some architectures (upsample it to H x W).

Every export is checked: ONNX Runtime must reproduce torch within ``TOLERANCE`` at two sizes,
or nothing is written.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from chroma_desk.models.checkpoint import LoadedModel

OPSET = 17
TOLERANCE = 1e-4  # largest difference from torch allowed (times the output's scale when over 1)
INPUT_NAME, HINTS_NAME, OUTPUT_NAME = "lightness", "hints", "output"
HINT_CHANNELS = 3  # a / ab_scale, b / ab_scale, mask: chroma_desk.engine.hints


class OnnxExportError(RuntimeError):
    """The network could not be exported, or ONNX Runtime did not reproduce it."""


@dataclass
class ExportReport:
    path: Path
    max_difference: float  # largest |onnx - torch| over the check inputs
    scale: float  # largest |torch| over the same outputs
    shapes: list[tuple[tuple[int, ...], tuple[int, ...]]]  # (input shape, output shape) checked

    @property
    def message(self) -> str:
        sizes = ", ".join("x".join(map(str, i[2:])) for i, _ in self.shapes)
        return (
            f"ONNX Runtime reproduces torch within {TOLERANCE:.0e}: largest difference "
            f"{self.max_difference:.1e} on outputs up to {self.scale:.3g}, inputs {sizes}"
        )


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def onnx_metadata(model: LoadedModel, source_sha256: str | None = None) -> dict[str, str]:
    """The card's facts as ONNX metadata: flat keys for the usual reader, the whole card too."""
    card = model.card
    trained_on = card.get("trained_on")
    note = trained_on.get("note") if isinstance(trained_on, dict) else trained_on
    licence = card.get("licence") or note or ""
    facts: dict[str, Any] = {
        "name": model.name,
        "architecture": card.architecture,
        "kind": card.kind,
        "working_size": card.working_size,
        "stride": card.stride,
        "l_center": card.scaling.l_center,
        "l_scale": card.scaling.l_scale,
        "ab_scale": card.scaling.ab_scale,
        "output_space": card.output_space,
        "default_temperature": card.default_temperature,
        "bins": json.dumps([list(b) for b in card.bins]) if card.bins is not None else "",
        "takes_hints": card.takes_hints,
        "licence": licence,
        "source_sha256": source_sha256 or "",
        "usage": __doc__.split("\n\n")[1].replace("\n", " ") if __doc__ else "",
        "card": json.dumps(card.to_dict()),
    }
    return {f"chroma_desk.{k}": str(v) for k, v in facts.items()}


def _check_inputs(stride: int, working_size: int, hints: bool) -> list[list[np.ndarray]]:
    """Two sizes (one portrait, one landscape batch of two), multiples of the stride; with
    hint maps (a few hinted pixels) for a model that takes hints."""
    side = max(stride, -(-working_size // stride) * stride)
    short = max(stride, side - 2 * stride)
    rng = np.random.default_rng(0)
    checks = []
    for shape in [(1, side, short), (2, short, side + stride)]:
        inputs = [rng.standard_normal((shape[0], 1, *shape[1:]), dtype=np.float32) * 0.3]
        if hints:
            maps = np.zeros((shape[0], HINT_CHANNELS, *shape[1:]), np.float32)
            ys, xs = rng.integers(0, shape[1], 6), rng.integers(0, shape[2], 6)
            maps[:, :2, ys, xs] = rng.uniform(-0.5, 0.5, (shape[0], 2, 6))
            maps[:, 2, ys, xs] = 1.0
            inputs.append(maps)
        checks.append(inputs)
    return checks


def export_onnx(model: LoadedModel, out: str | Path, threads: int | None = None) -> ExportReport:
    """Write ``model``'s network to ``out`` (temp name, then renamed) after checking it.

    Raises ``OnnxExportError`` when torch cannot export it or ONNX Runtime disagrees."""
    import onnx

    out = Path(out)
    module = model.module.eval()
    if any(p.device.type != "cpu" or p.dtype != torch.float32 for p in module.parameters()):
        module = copy.deepcopy(module).cpu().float()
    card = model.card
    checks = _check_inputs(card.stride, card.working_size, card.takes_hints)
    names = [INPUT_NAME, HINTS_NAME][: len(checks[0])]
    axes: dict[str, dict[int, str]] = {n: {0: "batch", 2: "height", 3: "width"} for n in names}
    axes[OUTPUT_NAME] = {0: "batch", 2: "out_height", 3: "out_width"}
    sha = file_sha256(model.path) if model.path is not None else None
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                tuple(torch.from_numpy(x) for x in checks[0]),
                str(tmp),
                dynamo=False,
                opset_version=OPSET,
                input_names=names,
                output_names=[OUTPUT_NAME],
                dynamic_axes=axes,
            )
        proto = onnx.load(str(tmp))
        for key, value in onnx_metadata(model, sha).items():
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, value
        proto.doc_string = f"Chroma Desk model {model.name!r}; see the chroma_desk.* metadata"
        onnx.save(proto, str(tmp))
        report = _compare(module, tmp, checks, threads)
        if report.max_difference > TOLERANCE * max(1.0, report.scale):
            raise OnnxExportError(
                f"{model.name}: ONNX Runtime differs from torch by {report.max_difference:.2e} "
                f"(allowed {TOLERANCE:.0e}); not exported"
            )
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
        report.path = out
        return report
    except OnnxExportError:
        raise
    except Exception as exc:  # torch's exporter and onnx raise many kinds
        raise OnnxExportError(f"{model.name}: cannot export to ONNX: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _compare(
    module: torch.nn.Module, path: Path, checks: list[list[np.ndarray]], threads: int | None
) -> ExportReport:
    from chroma_desk.engine.backends import OnnxBackend

    backend = OnnxBackend(path, threads=threads)
    worst, scale, shapes = 0.0, 0.0, []
    for inputs in checks:
        with torch.inference_mode():
            expected = module(*(torch.from_numpy(x) for x in inputs)).float().numpy()
        got = backend.run(inputs)
        if got.shape != expected.shape:
            raise OnnxExportError(f"ONNX output shape {got.shape}, torch {expected.shape}")
        worst = max(worst, float(np.abs(got - expected).max()))
        scale = max(scale, float(np.abs(expected).max()))
        shapes.append((inputs[0].shape, got.shape))
    return ExportReport(path, worst, scale, shapes)
