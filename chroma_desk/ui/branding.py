"""The program's identity for the desktop: its application id and its icon from package data.

``APP_ID`` is the name of the desktop entry, the AppStream id and the icon name in
``packaging/`` (give it to ``QGuiApplication.setDesktopFileName`` so that Wayland compositors and
docks match the window to its desktop entry and icon).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

from chroma_desk.paths import icons_dir

APP_ID = "org.chromadesk.ChromaDesk"
APP_NAME = "Chroma Desk"


def icon_files() -> list[Path]:
    """The rendered PNG sizes of the application icon, smallest first."""
    hicolor = icons_dir() / "hicolor"
    files = hicolor.glob(f"*x*/apps/{APP_ID}.png")
    return sorted(files, key=lambda p: int(p.parent.parent.name.split("x")[0]))


def app_icon() -> QIcon:
    """The application icon (all its hinted sizes), or the icon theme's copy if none is found."""
    icon = QIcon()
    for path in icon_files():
        icon.addFile(str(path))
    if icon.isNull():
        icon = QIcon.fromTheme(APP_ID)
    return icon
