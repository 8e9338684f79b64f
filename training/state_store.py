"""A run's resume point on disk: ``state/`` holds ``weights.safetensors`` (weights, optimiser
moments, RNG) and ``state.json`` (step, epoch, offset...), and the two are one unit.

A new resume point is written whole into ``state.new/`` and then renamed into place
(``state`` -> ``state.old``, ``state.new`` -> ``state``, ``state.old`` removed), so a kill at
any moment leaves either the old or the new point complete, never weights of one step with the
counters of another. ``recover`` finishes or undoes a swap a kill interrupted and removes the
temporary files a killed writer left; the trainer calls it before it reads or writes anything.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

STATE = "state"
WEIGHTS = "weights.safetensors"
COUNTERS = "state.json"


class StateError(Exception):
    """A resume point that cannot be written or read; the message names the file."""


def write(run_dir: Path, tensors: dict[str, torch.Tensor], counters: dict[str, Any]) -> Path:
    """Write a complete resume point, then swap it in; the old one stays if anything fails."""
    final, new, old = _dirs(run_dir)
    shutil.rmtree(new, ignore_errors=True)
    try:
        new.mkdir(parents=True)
        save_file(tensors, str(new / WEIGHTS))
        _fsync(new / WEIGHTS)
        (new / COUNTERS).write_text(json.dumps(counters))  # written last: marks it complete
        _fsync(new / COUNTERS)
    except (OSError, SafetensorError) as exc:
        shutil.rmtree(new, ignore_errors=True)
        raise StateError(f"could not write the resume point in {new}: {describe(exc)}") from exc
    if final.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)
    return final


def exists(run_dir: Path) -> bool:
    return (run_dir / STATE / COUNTERS).is_file()


def read(run_dir: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The tensors and counters of the resume point, or StateError naming the damaged file."""
    folder = run_dir / STATE
    counters_path, weights_path = folder / COUNTERS, folder / WEIGHTS
    try:
        counters = json.loads(counters_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise StateError(f"{counters_path}: cannot read the resume point ({exc})") from exc
    keys = ("step", "epoch", "offset", "elapsed", "param_groups")
    missing = [k for k in keys if k not in counters] if isinstance(counters, dict) else keys
    if missing:
        raise StateError(f"{counters_path}: not a resume point (no {', '.join(missing)})")
    if not all(isinstance(counters[k], int) and counters[k] >= 0 for k in keys[:3]):
        raise StateError(f"{counters_path}: step, epoch and offset are not counts")
    try:
        tensors = load_file(str(weights_path))
    except (OSError, SafetensorError, ValueError) as exc:
        raise StateError(f"{weights_path}: cannot read the resume point's weights ({exc})") from exc
    return tensors, counters


def recover(run_dir: Path) -> list[str]:
    """Finish or undo a swap a kill interrupted; remove stale temporary files. What was done."""
    final, new, old = _dirs(run_dir)
    done = []
    if not final.exists() and (new / COUNTERS).is_file():
        os.replace(new, final)
        done.append(f"completed the resume point in {new.name}")
    if not final.exists() and (old / COUNTERS).is_file():
        os.replace(old, final)
        done.append(f"restored the resume point in {old.name}")
    for leftover in (new, old):
        if leftover.exists():
            shutil.rmtree(leftover, ignore_errors=True)
            done.append(f"removed {leftover.name}")
    stale = [*run_dir.glob(".*.part"), *run_dir.glob("*.part"), *final.glob("*.part")]
    for path in stale:  # a killed writer's temporary files (model file, scan cache, old format)
        path.unlink(missing_ok=True)
        done.append(f"removed {path.name}")
    return done


def describe(exc: BaseException) -> str:
    """A short reason: 'no space left on device' rather than a Rust or errno dump."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "no space left on device"
    text = str(exc)
    if "No space left" in text or "os error 28" in text:
        return "no space left on device"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return text.splitlines()[0] if text else type(exc).__name__


def _dirs(run_dir: Path) -> tuple[Path, Path, Path]:
    return run_dir / STATE, run_dir / f"{STATE}.new", run_dir / f"{STATE}.old"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
