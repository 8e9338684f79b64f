"""What a new run can be: the trainable architectures with their names for people and their
strides, the models a run can start from, the devices to train on."""

from __future__ import annotations

import os
from pathlib import Path

from training.config import KINDS, TrainConfig


def trainable_architectures() -> list[str]:
    """Registered architectures the trainer can build (their spec lists training kinds)."""
    from chroma_desk.models.registry import trainable

    return trainable()


def arch_label(name: str) -> str:
    """The architecture's name for people, from its spec (its id when it has none)."""
    from chroma_desk.models.registry import label

    return label(name)


def ships_pretrained(name: str) -> bool:
    """Whether a run of ``name`` from scratch starts from weights bundled with the package."""
    from chroma_desk.models.registry import SPECS

    return name in SPECS and SPECS[name].pretrained == "bundled"


def arch_stride(name: str, arguments: dict | None = None) -> int | None:
    """The input stride of architecture ``name`` built with ``arguments`` (None if unknown)."""
    from chroma_desk.models.registry import SPECS

    return SPECS[name].stride_for(arguments or {}) if name in SPECS else None


def check_config(config: TrainConfig) -> list[str]:
    """Everything wrong with ``config`` before a run starts, the architecture included."""
    from chroma_desk.models.registry import SPECS

    spec = SPECS.get(config.arch)
    if spec is None or not spec.trainable:
        known = ", ".join(trainable_architectures())
        return [f"unknown architecture {config.arch!r}; trainable: {known}"]
    problems = config.problems(stride=arch_stride(config.arch, config.arch_args))
    if config.kind in KINDS and not spec.trains(config.kind):
        can = ", ".join(spec.train_kinds)
        problems.append(
            f"{config.arch} does not train with --kind {config.kind} (it trains: {can})"
        )
    return problems


def head_of(kind: str) -> str:
    """The head a training kind builds (as ``models.spec.head_of``, without importing torch)."""
    return "classification" if kind == "classification" else "regression"


def init_candidates(kind: str, arch: str) -> list[tuple[str, Path, bool]]:
    """(name, path, bundled) of every model a run of ``kind`` / ``arch`` can start from."""
    from chroma_desk.models.library import list_models

    head = head_of(kind)
    return [
        (entry.name, entry.path, entry.bundled)
        for entry in list_models()
        if entry.card.get("architecture") == arch and entry.card.get("kind") == head
    ]


def list_devices() -> list[tuple[str, str]]:
    """(device, label): automatic, the CPU, and every CUDA / MPS device with its memory."""
    devices = [("auto", "Automatic"), ("cpu", f"CPU ({os.cpu_count() or 1} cores)")]
    try:
        import torch
    except ImportError:
        return devices
    try:
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            gib = props.total_memory / 2**30
            devices.append((f"cuda:{i}", f"{props.name} (cuda:{i}, {gib:.1f} GB)"))
    except (RuntimeError, AssertionError):
        pass
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        label = "Apple GPU (MPS)"
        try:
            gib = torch.mps.recommended_max_memory() / 2**30
            label = f"Apple GPU (MPS, {gib:.1f} GB)"
        except (AttributeError, RuntimeError):
            pass
        devices.append(("mps", label))
    return devices
