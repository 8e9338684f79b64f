"""Where the program's own files are: bundled models, icons.

In a source checkout (and an editable install) they are the top-level ``resources/`` folder; a
wheel (see ``setup.py``) and the PyInstaller bundle (``packaging/chroma-desk.spec``) carry the
same folder as ``chroma_desk/resources``.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _new_file_mode() -> int:
    umask = os.umask(0o022)  # reading the umask means setting it; done once, at import
    os.umask(umask)
    return 0o666 & ~umask


# what open() would give a new file; results written through mkstemp (0600) get this mode
NEW_FILE_MODE = _new_file_mode()


def resources_dir() -> Path:
    """``chroma_desk/resources`` when installed or frozen, else ``resources/`` of the checkout."""
    installed = PACKAGE_DIR / "resources"
    if installed.is_dir():
        return installed
    checkout = PACKAGE_DIR.parent / "resources"
    if checkout.is_dir():
        return checkout
    return installed


def icons_dir() -> Path:
    return resources_dir() / "icons"
