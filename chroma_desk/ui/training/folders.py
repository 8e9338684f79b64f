"""The Photos card of the new-run form: the training folder (chosen, typed or pasted), an
optional validation folder, and what a background scan found in them, with thumbnails."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
)

from chroma_desk.ui.training.widgets import muted_label, qimage

THUMBNAILS = 6


class PhotoFolders(QFrame):
    """``changed`` fires when a folder or a scan result (``training.data.FolderScan``) changes."""

    changed = Signal()

    def __init__(self, spawn: Callable[[Coroutine], Any]) -> None:
        super().__init__()
        self.spawn = spawn
        self.folder: Path | None = None
        self.val_folder: Path | None = None
        self.scan = None
        self.val_scan = None
        self._scan_generation = 0
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.setSpacing(8)
        title = QLabel("Photos")
        title.setObjectName("cardTitle")
        layout.addWidget(title)
        row = QHBoxLayout()
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText(
            "A folder of colour photos (subfolders included): choose, type or paste it"
        )
        self.folder_edit.editingFinished.connect(self._folder_typed)
        self.folder_button = QPushButton("Choose…")
        self.folder_button.clicked.connect(self._choose_folder)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.folder_button)
        layout.addLayout(row)
        self.scan_label = muted_label("No folder chosen yet.")
        layout.addWidget(self.scan_label)
        self.thumbs = QHBoxLayout()
        self.thumbs.setSpacing(6)
        self.thumbs.addStretch(1)
        layout.addLayout(self.thumbs)
        row = QHBoxLayout()
        self.val_edit = QLineEdit()
        self.val_edit.setPlaceholderText("Validation: hold out 5% of the photos above")
        self.val_edit.editingFinished.connect(self._val_folder_typed)
        val_button = QPushButton("Choose…")
        val_button.clicked.connect(self._choose_val_folder)
        self.val_clear = QToolButton()
        self.val_clear.setText("✕")
        self.val_clear.setToolTip("Hold out 5% of the training photos instead")
        self.val_clear.clicked.connect(lambda: self.set_val_folder(None))
        self.val_clear.setEnabled(False)
        row.addWidget(self.val_edit, 1)
        row.addWidget(val_button)
        row.addWidget(self.val_clear)
        layout.addLayout(row)
        self.val_label = muted_label()
        self.val_label.hide()
        layout.addWidget(self.val_label)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Folder of colour photos", str(self.folder or Path.home())
        )
        if folder:
            self.set_folder(Path(folder))

    def _choose_val_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Folder of validation photos", str(self.val_folder or self.folder or Path.home())
        )
        if folder:
            self.set_val_folder(Path(folder))

    def _folder_typed(self) -> None:
        text = self.folder_edit.text().strip()
        if not text or (self.folder is not None and Path(text).expanduser() == self.folder):
            return
        folder = Path(text).expanduser()
        if folder.is_dir():
            self.set_folder(folder)
        else:
            self.folder, self.scan = None, None
            self._clear_thumbs()
            self.scan_label.setText(f"There is no folder {folder}.")
            self.changed.emit()

    def _val_folder_typed(self) -> None:
        text = self.val_edit.text().strip()
        folder = Path(text).expanduser() if text else None
        if folder != self.val_folder:
            self.set_val_folder(folder)

    def set_folder(self, folder: Path) -> None:
        """Use ``folder`` for training and scan it in the background."""
        self.folder = Path(folder).expanduser().resolve()
        self.folder_edit.setText(str(self.folder))
        self.scan = None
        self._scan_generation += 1
        self.scan_label.setText("Looking at the photos…")
        self._clear_thumbs()
        self.changed.emit()
        self.spawn(self._scan(self.folder, self._scan_generation, validation=False))

    def set_val_folder(self, folder: Path | None) -> None:
        self.val_folder = Path(folder) if folder else None
        self.val_scan = None
        self.val_edit.setText(str(self.val_folder) if self.val_folder else "")
        self.val_clear.setEnabled(self.val_folder is not None)
        self.val_label.setVisible(self.val_folder is not None)
        if self.val_folder is not None and not self.val_folder.is_dir():
            self.val_label.setText(f"There is no folder {self.val_folder}.")
        elif self.val_folder is not None:
            self.val_label.setText("Looking at the photos…")
            self.spawn(self._scan(self.val_folder, self._scan_generation, validation=True))
        self.changed.emit()

    async def _scan(self, folder: Path, generation: int, validation: bool) -> None:
        from training.data import load_rgb, scan_folder

        def work() -> tuple[Any, list[np.ndarray]]:
            scan = scan_folder(folder)
            thumbs = []
            if not validation:
                for path in scan.usable[:THUMBNAILS]:
                    with contextlib.suppress(OSError, ValueError):
                        thumbs.append(load_rgb(path, 160))
            return scan, thumbs

        loop = asyncio.get_running_loop()
        try:
            scan, thumbs = await loop.run_in_executor(None, work)
        except OSError as exc:
            label = self.val_label if validation else self.scan_label
            label.setText(f"Cannot read {folder}: {exc}")
            return
        if generation != self._scan_generation:
            return  # another folder was chosen meanwhile
        if validation:
            if folder != self.val_folder:
                return
            self.val_scan = scan
            self.val_label.setText(self._describe_scan(scan, "for validation"))
        else:
            self.scan = scan
            self.scan_label.setText(self._describe_scan(scan, "to learn from"))
            self._show_thumbs(thumbs)
        self.changed.emit()

    @staticmethod
    def _describe_scan(scan: Any, purpose: str) -> str:
        c = scan.counts()
        text = f"<b>{c['usable']:,}</b> colour photo{'s' if c['usable'] != 1 else ''} {purpose}"
        skipped = []
        if c["near_gray"]:
            skipped.append(f"{c['near_gray']:,} nearly black-and-white")
        if c["unreadable"]:
            skipped.append(f"{c['unreadable']:,} unreadable")
        if c["not_photos"]:
            skipped.append(f"{c['not_photos']:,} other files")
        if skipped:
            text += " · skipped: " + ", ".join(skipped)
        return text

    def _clear_thumbs(self) -> None:
        while self.thumbs.count() > 1:
            item = self.thumbs.takeAt(0)
            if item.widget():
                item.widget().deleteLater()

    def _show_thumbs(self, images: list[np.ndarray]) -> None:
        self._clear_thumbs()
        side = 72
        for i, rgb in enumerate(images):
            h, w = rgb.shape[:2]
            s = min(h, w)
            crop = rgb[(h - s) // 2 : (h - s) // 2 + s, (w - s) // 2 : (w - s) // 2 + s]
            pm = QPixmap.fromImage(qimage(crop)).scaled(
                side * 2,
                side * 2,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            pm.setDevicePixelRatio(2.0)
            label = QLabel()
            label.setPixmap(pm)
            label.setFixedSize(side, side)
            self.thumbs.insertWidget(i, label)
