"""Walking a folder for photos: one rule for the command line, the window, training and
evaluation. Recursive, sorted, files only; hidden files and everything inside hidden folders
(``.thumbnails``, ``.git``...) are left out."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator
from pathlib import Path


def walk_files(
    folder: str | Path,
    suffixes: Collection[str] | None = None,
    errors: list[OSError] | None = None,
) -> Iterator[Path]:
    """Files under ``folder`` in sorted order; only those whose lower-case suffix is in
    ``suffixes`` when it is given.

    ``errors``: each folder that cannot be listed (no permission, gone, an I/O error) is added
    there as its OSError (``filename`` names it), for the caller to report; without the list
    such folders are passed over as before."""
    folder = Path(folder)
    found = []
    for root, dirs, files in os.walk(folder, onerror=errors.append if errors is not None else None):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(root, name)
            if name.startswith(".") or (
                suffixes is not None and path.suffix.lower() not in suffixes
            ):
                continue
            if path.is_file():
                found.append(path)
    yield from sorted(found)


def unreadable_folder_message(error: OSError) -> str:
    """``<folder>: cannot read this folder (permission denied)``."""
    reason = (error.strerror or str(error)).lower()
    return f"{error.filename}: cannot read this folder ({reason}); the photos in it were left out"
