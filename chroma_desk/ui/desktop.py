"""Handing a file or folder to the system (file manager, video player), and saying so plainly
when the system has nothing to open it with."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget


def open_with_system(parent: QWidget, path: str | Path, what: str = "this folder") -> bool:
    """Open ``path`` with the system's program for it; when there is none, a (non-blocking)
    message says so and where the file is, with a button that copies the path."""
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        return True
    box = QMessageBox(
        QMessageBox.Icon.Information,
        "Nothing to open it with",
        f"This system has no program set up to open {what}.",
        QMessageBox.StandardButton.Close,
        parent,
    )
    box.setObjectName("noOpenerBox")
    box.setInformativeText(f"It is here:\n{path}")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    copy = box.addButton("Copy Path", QMessageBox.ButtonRole.ActionRole)
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(str(path)))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return False
