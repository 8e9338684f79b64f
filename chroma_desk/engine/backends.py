"""What runs a network: torch, or ONNX Runtime on the CPU; both with ``run(inputs) -> output``.

``inputs`` is a list of float32 numpy arrays (the network's positional inputs, NCHW), the
output one float32 numpy array. The default (``auto``) is ONNX Runtime on the CPU (measured
here about twice as fast as torch on the same network, the same output within 1e-5) and
torch on CUDA or MPS.

The ONNX file of a model is exported once per model file, keyed by the file's sha256, into the
user cache folder (``CHROMA_DESK_CACHE`` overrides it, e.g. for tests); a missing or unreadable
cached file is exported again; only the ``CACHE_KEEP`` most recently used files are kept. Where
ONNX cannot be used (no ONNX Runtime, a model held only in memory, a network the exporter
refuses, inputs the file does not take), torch runs it and a message says why. Messages go to
the ``chroma_desk.engine.backends`` logger; with no logging set up, Python prints them on
stderr (the window shows them in its status bar).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np
import platformdirs
import torch

from chroma_desk.models.checkpoint import LoadedModel

BACKENDS = ("auto", "torch", "onnx")
EXPORT_VERSION = 1  # bump when the exported file changes, so cached files are made again
CACHE_KEEP = 12  # cached ONNX files kept, the most recently used (each model file has its own)
log = logging.getLogger(__name__)


class Backend(Protocol):
    name: str

    def run(self, inputs: list[np.ndarray]) -> np.ndarray: ...


class BackendInputError(ValueError):
    """The backend cannot take these inputs (e.g. colour hints an ONNX file has no input for)."""


class TorchBackend:
    """The module itself (channels_last except on MPS, under ``inference_mode``)."""

    name = "torch"

    def __init__(self, module: torch.nn.Module, device: torch.device) -> None:
        self.module, self.device = module, device

    @torch.inference_mode()
    def run(self, inputs: list[np.ndarray]) -> np.ndarray:
        tensors = []
        for array in inputs:
            x = torch.from_numpy(array).to(self.device)
            if self.device.type != "mps" and x.dim() == 4:
                x = x.contiguous(memory_format=torch.channels_last)
            tensors.append(x)
        return self.module(*tensors).float().cpu().contiguous().numpy()


class OnnxBackend:
    """An ONNX file in ONNX Runtime on the CPU.

    Args:
        path: the .onnx file (read now: an unreadable file raises here).
        threads: intra-op threads; None follows ``torch.get_num_threads()`` at each call, so
            the program's one thread setting (video workers, live view) holds for both backends.
    """

    name = "onnx"

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        self.path, self.threads = Path(path), threads
        self._sessions: dict[int, object] = {}
        self._lock = threading.Lock()
        self.metadata = self._session().get_modelmeta().custom_metadata_map

    def _session(self):  # noqa: ANN202 - onnxruntime.InferenceSession, imported lazily
        import onnxruntime as ort

        threads = self.threads or torch.get_num_threads()
        with self._lock:
            session = self._sessions.get(threads)
            if session is None:
                options = ort.SessionOptions()
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
                options.log_severity_level = 3  # errors only
                # no busy-waiting between calls: the video pipeline's other stages need the cores
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                try:
                    session = ort.InferenceSession(
                        str(self.path), options, providers=["CPUExecutionProvider"]
                    )
                except Exception:
                    if not self._sessions:
                        raise
                    # the file went (the cache pruned by another process): keep the one we have
                    return next(iter(self._sessions.values()))
                self._sessions[threads] = session
        return session

    def run(self, inputs: list[np.ndarray]) -> np.ndarray:
        session = self._session()
        names = [i.name for i in session.get_inputs()]
        if len(inputs) == 1 and names[1:] == ["hints"]:  # a hint model given none: no hints
            n, _, h, w = inputs[0].shape
            inputs = [inputs[0], np.zeros((n, 3, h, w), np.float32)]
        if len(inputs) != len(names):
            raise BackendInputError(
                f"{self.path.name} takes {len(names)} input(s) ({', '.join(names)}), "
                f"given {len(inputs)}"
            )
        feed = {
            n: np.ascontiguousarray(a, dtype=np.float32) for n, a in zip(names, inputs, strict=True)
        }
        return session.run(None, feed)[0]


# -- the cache --------------------------------------------------------------------------------


def cache_dir() -> Path:
    """Where exported ONNX files are kept (``CHROMA_DESK_CACHE`` overrides the user cache)."""
    override = os.environ.get("CHROMA_DESK_CACHE")
    root = Path(override) if override else platformdirs.user_cache_path("chroma-desk")
    return root / "onnx"


def cached_onnx_path(model_file: str | Path, sha256: str) -> Path:
    return cache_dir() / f"{Path(model_file).stem}-{sha256[:16]}-v{EXPORT_VERSION}.onnx"


def onnx_for(model: LoadedModel) -> OnnxBackend:
    """The model file's ONNX backend, exported into the cache first when missing or unreadable.

    Raises ``OnnxExportError`` when the network cannot be exported."""
    from chroma_desk.engine.onnx_export import export_onnx, file_sha256

    if model.path is None:
        raise ValueError(f"{model.name}: no model file to key an ONNX export on")
    sha = file_sha256(model.path)
    path = cached_onnx_path(model.path, sha)
    if path.is_file():
        try:
            backend = OnnxBackend(path)
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own error types
            log.warning(
                "%s: the cached ONNX file is unreadable (%s); exporting it again", path, exc
            )
        else:
            if backend.metadata.get("chroma_desk.source_sha256") == sha:
                os.utime(path)  # recently used: kept by ``prune_cache``
                return backend
            log.warning("%s: the cached ONNX file is for another model file; exporting again", path)
    else:
        log.warning(
            "%s: exporting it to ONNX for ONNX Runtime, once per model file (kept in %s)",
            model.name,
            path.parent,
        )
    export_onnx(model, path)
    prune_cache(keep=path)
    return OnnxBackend(path)


def prune_cache(keep: Path, limit: int = CACHE_KEEP) -> None:
    """Delete all but the ``limit`` most recently used cached ONNX files (old model versions)."""
    files = sorted(cache_dir().glob("*.onnx"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in files if p != keep][max(0, limit - 1) :]:
        old.unlink(missing_ok=True)


# -- choosing ---------------------------------------------------------------------------------


def available_backends(device: torch.device) -> list[str]:
    """The backends that can run a network on ``device`` here: torch, and onnx on the CPU."""
    names = ["torch"]
    if device.type == "cpu":
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            return names
        names.append("onnx")
    return names


def default_backend(device: torch.device) -> str:
    """ONNX Runtime on the CPU, torch on CUDA or MPS."""
    return "onnx" if device.type == "cpu" else "torch"


def open_backend(
    choice: str, model: LoadedModel, torch_backend: TorchBackend, device: torch.device
) -> Backend:
    """The backend asked for (``auto``, ``torch`` or ``onnx``), or torch with a message why not."""
    if choice not in BACKENDS:
        raise ValueError(f"unknown backend {choice!r}; choose from {', '.join(BACKENDS)}")
    if choice == "auto":
        choice = default_backend(device)
    if choice == "torch":
        return torch_backend
    why = _why_not_onnx(model, device)
    if why is None:
        from chroma_desk.engine.onnx_export import OnnxExportError

        try:
            return onnx_for(model)
        except OnnxExportError as exc:
            why = str(exc)
    log.warning("%s: running on torch, not ONNX Runtime: %s", model.name, why)
    return torch_backend


def _why_not_onnx(model: LoadedModel, device: torch.device) -> str | None:
    if device.type != "cpu":
        return f"ONNX Runtime runs on the CPU here and the device is {device.type}"
    if model.path is None:
        return "the model is not from a file"
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return "onnxruntime is not installed (pip install onnxruntime)"
    return None
