"""Export options (folder, format, JPEG quality, name suffix) and the batch progress dialog."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSlider,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from chroma_desk.ui import settings
from chroma_desk.ui.desktop import open_with_system

FORMATS = (("PNG", "png"), ("JPEG", "jpg"), ("TIFF", "tiff"))


@dataclass
class ExportOptions:
    folder: Path
    fmt: str = "png"
    quality: int = 92
    suffix: str = "_color"


def saved_options() -> ExportOptions:
    fmt = settings.get_str("export/format", "png")
    if fmt not in {f for _, f in FORMATS}:
        fmt = "png"
    return ExportOptions(
        folder=Path(
            settings.get_str("folders/export") or (Path.home() / "Pictures" / "Colourized")
        ),
        fmt=fmt,
        quality=max(1, min(100, settings.get_int("export/quality", 92))),
        suffix=settings.get_str("export/suffix", "_color"),
    )


def remember_options(options: ExportOptions) -> None:
    settings.set_value("folders/export", str(options.folder))
    settings.set_value("export/format", options.fmt)
    settings.set_value("export/quality", options.quality)
    settings.set_value("export/suffix", options.suffix)


class ExportDialog(QDialog):
    """Where and how to write every colourized photo."""

    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export all photos")
        options = saved_options()
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Colourize <b>{count}</b> photo{'s' if count != 1 else ''} at full resolution and "
            "save them in one folder. Photos from a dropped folder keep their subfolders. "
            "Originals are never replaced unless you say so.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        folder_row = QHBoxLayout()
        self.folder = QLineEdit(str(options.folder), self)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        form.addRow("Folder", folder_row)
        self.format = QComboBox(self)
        for label, fmt in FORMATS:
            self.format.addItem(label, fmt)
        self.format.setCurrentIndex([f for _, f in FORMATS].index(options.fmt))
        form.addRow("Format", self.format)
        quality_row = QHBoxLayout()
        self.quality_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.quality_slider.setRange(50, 100)
        self.quality = QSpinBox(self)
        self.quality.setRange(1, 100)
        self.quality_slider.valueChanged.connect(self.quality.setValue)
        self.quality.valueChanged.connect(self.quality_slider.setValue)
        self.quality.setValue(options.quality)
        quality_row.addWidget(self.quality_slider, 1)
        quality_row.addWidget(self.quality)
        self.quality_label = QLabel("JPEG quality", self)
        form.addRow(self.quality_label, quality_row)
        self.suffix = QLineEdit(options.suffix, self)
        self.suffix.setPlaceholderText("nothing: same name as the original")
        self.suffix.setToolTip("Added to each file name, e.g. photo.jpg -> photo_color.png")
        form.addRow("Name suffix", self.suffix)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.format.currentIndexChanged.connect(self._format_changed)
        self._format_changed()
        self.resize(560, self.sizeHint().height())

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to folder", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def _format_changed(self) -> None:
        jpeg = self.format.currentData() == "jpg"
        for w in (self.quality_slider, self.quality, self.quality_label):
            w.setEnabled(jpeg)

    def options(self) -> ExportOptions:
        return ExportOptions(
            folder=Path(self.folder.text()).expanduser(),
            fmt=self.format.currentData(),
            quality=self.quality.value(),
            suffix=self.suffix.text(),
        )


class BatchDialog(QDialog):
    """Progress of an export: a bar, the current file, failures listed as they happen, Cancel."""

    cancelRequested = Signal()

    def __init__(self, total: int, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Exporting")
        self.folder = folder
        self.total = total
        self.completed = 0
        self.failed = 0
        layout = QVBoxLayout(self)
        self.heading = QLabel(f"Colourizing and saving {total} photos to {folder}", self)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(0)
        self.bar.setFormat("%v of %m")
        layout.addWidget(self.bar)
        self.current = QLabel(" ", self)
        self.current.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.current)
        self.failures = QListWidget(self)
        self.failures.setVisible(False)
        self.failures.setWordWrap(True)
        layout.addWidget(self.failures, 1)
        buttons = QDialogButtonBox(self)
        self.open_button = buttons.addButton("Open folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(lambda: open_with_system(self, self.folder, "the folder"))
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.clicked.connect(self._cancel_or_close)
        layout.addWidget(buttons)
        self.finished_ok = False
        self.resize(560, 200)

    def _cancel_or_close(self) -> None:
        if self.finished_ok:
            self.accept()
        else:
            self.cancel_button.setEnabled(False)
            self.current.setText("Stopping after the current photo…")
            self.cancelRequested.emit()

    def reject(self) -> None:  # Esc / window close: cancel first
        if self.finished_ok:
            super().reject()
        else:
            self._cancel_or_close()

    def starting(self, name: str) -> None:
        self.current.setText(f"Working on {name}…")

    def photo_done(self, source: Path, target: Path | None, error: str | None) -> None:
        self.completed += 1
        self.bar.setValue(self.completed)
        if error is not None:
            self.failed += 1
            self.failures.setVisible(True)
            item = QListWidgetItem(
                self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning), error
            )
            item.setToolTip(error)
            self.failures.addItem(item)
            if self.height() < 360:
                self.resize(self.width(), 360)
        else:
            self.current.setText(f"Saved {target}")

    def finish(self, cancelled: bool) -> None:
        self.finished_ok = True
        written = self.completed - self.failed
        parts = [f"{written} saved"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if cancelled:
            parts.append(f"{self.total - self.completed} not done (cancelled)")
        self.heading.setText(
            ("Export cancelled: " if cancelled else "Export finished: ") + ", ".join(parts)
        )
        self.current.setText(str(self.folder))
        self.open_button.setEnabled(written > 0)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Close")


def ask_conflict(parent: QWidget, others: int, originals: int, folder: Path) -> str | None:
    """Ask what to do when results exist already: "keep-both", "replace", or None (cancel).

    ``others``: results already in ``folder``; ``originals``: results that would take the name
    of their own original photo (those always get a numbered name)."""
    box = QMessageBox(QMessageBox.Icon.Question, "Files already exist", "", parent=parent)
    lines = []
    if others:
        lines.append(f"{others} file{'s' if others != 1 else ''} already exist in {folder}.")
    if originals:
        lines.append(
            f"{originals} result{'s' if originals != 1 else ''} would have the "
            "name of its original photo; originals are never replaced, so "
            f"{'they get' if originals != 1 else 'it gets'} a numbered name."
        )
    box.setText("\n\n".join(lines))
    keep_both = box.addButton("Keep Both", QMessageBox.ButtonRole.AcceptRole)
    replace_all = None
    if others:
        box.setInformativeText("Replace the existing files, or keep both?")
        replace_all = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(keep_both)
    box.exec()
    if box.clickedButton() is keep_both:
        return "keep-both"
    if replace_all is not None and box.clickedButton() is replace_all:
        return "replace"
    return None
