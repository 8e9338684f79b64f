"""Where an export of chosen photos into one folder puts each result.

The window's "Export All" gathers photos from files and dropped folders, each with the root it
came from; results keep their subfolder below that root. The job itself is
``chroma_desk.engine.batch.colorize_files`` on the tasks planned here.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from chroma_desk.engine.batch import Task, numbered
from chroma_desk.media.images import output_suffix

CONFLICT_POLICIES = ("keep-both", "replace", "skip")


def output_path(source: Path, root: Path, out_dir: Path, fmt: str, suffix: str = "_color") -> Path:
    """``out_dir/<subfolder of source below root>/<stem><suffix>.<ext>``."""
    try:
        relative = source.parent.resolve().relative_to(root.resolve())
    except ValueError:
        relative = Path()
    return out_dir / relative / f"{source.stem}{suffix}{output_suffix(fmt)}"


def _numbered(path: Path, taken: set[Path]) -> Path:
    """``name (2).ext``, ``name (3).ext``...: the first neither on disk nor planned."""
    n = 2
    while True:
        candidate = numbered(path, n)
        if candidate.resolve() not in taken and not candidate.exists():
            return candidate
        n += 1


def _is_input(target: Path, inputs: set[Path]) -> bool:
    try:
        return target.exists() and target.resolve() in inputs
    except OSError:
        return False


def existing_targets(
    sources: Iterable[tuple[Path, Path]], out_dir: str | Path, fmt: str, suffix: str = "_color"
) -> tuple[list[Path], list[Path]]:
    """Results that already exist: (other files, input photos themselves)."""
    sources = list(sources)
    inputs = {s.resolve() for s, _ in sources}
    others, originals = [], []
    for source, root in sources:
        target = output_path(source, root, Path(out_dir), fmt, suffix)
        if _is_input(target, inputs):
            originals.append(target)
        elif target.exists():
            others.append(target)
    return others, originals


def plan_export(
    sources: Iterable[tuple[Path, Path]],
    out_dir: str | Path,
    fmt: str = "png",
    suffix: str = "_color",
    conflict: str = "keep-both",
) -> list[Task]:
    """One ``Task`` per (source, root) that is to be written.

    ``conflict`` decides for results that already exist: ``keep-both`` (a numbered name),
    ``replace``, or ``skip`` (no task). A result never replaces an input photo: it gets a
    numbered name instead. Two photos never share one result.
    """
    if conflict not in CONFLICT_POLICIES:
        raise ValueError(f"conflict must be one of {CONFLICT_POLICIES}, not {conflict!r}")
    sources = list(sources)
    inputs = {s.resolve() for s, _ in sources}
    out_dir = Path(out_dir)
    taken: set[Path] = set()
    tasks: list[Task] = []
    for source, root in sources:
        target = output_path(source, root, out_dir, fmt, suffix)
        if target.resolve() in taken or _is_input(target, inputs):
            target = _numbered(target, taken)
        elif target.exists():
            if conflict == "skip":
                continue
            if conflict == "keep-both":
                target = _numbered(target, taken)
        taken.add(target.resolve())
        tasks.append(Task(source, target))
    return tasks
