"""Saving and exporting the Photos tab's results: where to save one photo (and the questions
before replacing a file), and an export of the whole list run on the model worker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from chroma_desk.engine.batch import Task, colorize_files
from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.engine.hints import Hint
from chroma_desk.ui import settings
from chroma_desk.ui.aio import Worker, spawn
from chroma_desk.ui.export_dialog import BatchDialog, ExportOptions
from chroma_desk.ui.photo_queue import PhotoItem

SAVE_FILTERS = "PNG (*.png);;JPEG (*.jpg *.jpeg);;TIFF (*.tif *.tiff)"
SAVE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


def suggested_name(item: PhotoItem) -> str:
    fmt = settings.get_str("export/format", "png")
    suffix = {"jpg": ".jpg", "tiff": ".tiff"}.get(fmt, ".png")
    return f"{item.path.stem}_color{suffix}"


def ask_save_target(
    parent: QWidget, item: PhotoItem, path: str | Path | None, say: Callable[[str, int], None]
) -> tuple[Path, bool] | None:
    """Where to save ``item``'s result, and whether that replaces the original photo; asks
    where when ``path`` is None. An existing file is only replaced after asking, the original
    photo after a second, explicit yes. None (said through ``say``) when nothing is to be saved."""
    if path is None:
        folder = settings.get_str("folders/save") or str(item.path.parent)
        if not Path(folder).is_dir():
            folder = str(item.path.parent)
        chosen, _ = QFileDialog.getSaveFileName(
            parent,
            "Save colourized photo",
            str(Path(folder) / suggested_name(item)),
            SAVE_FILTERS,
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if not chosen:
            return None
        path = chosen
    target = Path(path)
    if not target.suffix:
        target = target.with_suffix(".png")
    if target.suffix.lower() not in SAVE_SUFFIXES:
        QMessageBox.warning(
            parent, "Unknown format", f"{target.name}: save as .png, .jpg or .tiff."
        )
        return None
    buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel
    if target.exists() and target.resolve() == item.path.resolve():
        answer = QMessageBox.warning(
            parent,
            "Replace the original photo?",
            f"{target.name} is the original black-and-white photo.\n\n"
            "Replacing it with the colourized result cannot be undone.",
            buttons,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            say("Not saved: the original photo was kept.", 6000)
            return None
        return target, True
    if target.exists():
        answer = QMessageBox.question(
            parent,
            "Replace file?",
            f"{target} already exists. Replace it?",
            buttons,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            say(f"Not saved: {target.name} was kept as it was.", 6000)
            return None
    return target, False


class PhotoExporter(QObject):
    """Runs ``batch.colorize_files`` one photo at a time on ``worker`` with a progress dialog.

    Signals: ``progressChanged`` (when ``progress`` changes), ``saved(source, output)`` for each
    written result, ``finished(written, failed, cancelled, summary)``."""

    progressChanged = Signal()
    saved = Signal(Path, Path)
    finished = Signal(int, int, bool, str)

    def __init__(self, worker: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.dialog: BatchDialog | None = None
        self.task: asyncio.Task | None = None
        self.progress: tuple[int, int] | None = None  # (photo being done, of how many)
        self.closing = False

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(
        self,
        colorizer: Colorizer,
        tasks: list[Task],
        temperature: float,
        options: ExportOptions,
        window: QWidget,
        on_error: Callable[[BaseException], None],
        hints: Mapping[Path, Sequence[Hint]] | None = None,
    ) -> asyncio.Task:
        """Export ``tasks``; ``hints``: each photo's colour points, by source path."""
        self.dialog = BatchDialog(len(tasks), options.folder, window)
        cancel = asyncio.Event()
        self.dialog.cancelRequested.connect(cancel.set)
        self.dialog.show()
        run = self._run(colorizer, tasks, temperature, options, self.dialog, cancel, hints)
        self.task = spawn(run, on_error)
        return self.task

    async def _run(
        self,
        colorizer: Colorizer,
        tasks: list[Task],
        temperature: float,
        options: ExportOptions,
        dialog: BatchDialog,
        cancel: asyncio.Event,
        hints: Mapping[Path, Sequence[Hint]] | None = None,
    ) -> tuple[int, int, bool]:
        results = colorize_files(
            colorizer, tasks, temperature=temperature, quality=options.quality, hints=hints
        )
        written = failed = 0
        try:
            for index, task in enumerate(tasks):
                if cancel.is_set() or self.closing:
                    break
                self._set_progress((index, len(tasks)))
                dialog.starting(task.source.name)
                result = await self.worker.run(next, results, None)
                if result is None:
                    break
                dialog.photo_done(result.source, result.output, result.error)
                if result.ok:
                    written += 1
                    if result.output is not None:
                        self.saved.emit(Path(result.source), Path(result.output))
                else:
                    failed += 1
        finally:
            await self.worker.run(results.close)  # stops its reader and writer threads
            self._set_progress(None)
        cancelled = written + failed < len(tasks)
        dialog.finish(cancelled)
        summary = f"Exported {written} photo{'s' if written != 1 else ''} to {options.folder}"
        if failed:
            summary += f"; {failed} failed"
        if cancelled:
            summary += " (cancelled)"
        self.finished.emit(written, failed, cancelled, summary + ".")
        return written, failed, cancelled

    def _set_progress(self, progress: tuple[int, int] | None) -> None:
        self.progress = progress
        if not self.closing:
            self.progressChanged.emit()
