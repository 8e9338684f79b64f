"""Walking a folder for photos: one rule for the command line, the window, training and
evaluation. Recursive, sorted, files only; hidden files and everything inside hidden folders
(``.thumbnails``, ``.git``...) are left out."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path


def walk_files(folder: str | Path, suffixes: Collection[str] | None = None) -> Iterator[Path]:
    """Files under ``folder`` in sorted order; only those whose lower-case suffix is in
    ``suffixes`` when it is given."""
    folder = Path(folder)
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if suffixes is not None and path.suffix.lower() not in suffixes:
            continue
        if path.is_file():
            yield path
