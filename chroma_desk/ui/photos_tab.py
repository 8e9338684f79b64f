"""The Photos tab: a list of photos colourized in the background and a before/after view.

Work happens on three worker threads so the event loop never waits: ``model`` (model loading,
one network pass per photo, export batches), ``render`` (opening the current photo, rendering
it at the current temperature, saving) and ``thumbs`` (list thumbnails). Moving the temperature
slider only re-renders the cached prediction: first a quick preview, then, once the slider
rests, the full resolution.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.engine.export_plan import existing_targets, plan_export
from chroma_desk.media.images import ImageReadError
from chroma_desk.models.checkpoint import ModelFileError
from chroma_desk.ui import jobs, settings
from chroma_desk.ui.aio import Worker, spawn
from chroma_desk.ui.compare_view import MODES, SPLIT, CompareView
from chroma_desk.ui.export_dialog import (
    BatchDialog,
    ExportDialog,
    ExportOptions,
    ask_conflict,
    remember_options,
)
from chroma_desk.ui.icons import icon
from chroma_desk.ui.photo_actions import PhotosToolbar, build_actions, list_menu
from chroma_desk.ui.photo_edit import RemovePhotos, pasted_photo_path, save_pasted
from chroma_desk.ui.photo_export import PhotoExporter, ask_save_target
from chroma_desk.ui.photo_hints import PhotoHints
from chroma_desk.ui.photo_list import PhotoDelegate, PhotoListModel, Thumbnails
from chroma_desk.ui.photo_queue import ERROR, PhotoItem, PhotoQueue
from chroma_desk.ui.state import AppState

log = logging.getLogger(__name__)

FULL_RENDER_DELAY_MS = 220  # after the slider rests, render the full resolution
LIST_KEY = "photos/list"  # the photo list, saved when the window closes


class PhotosTab(QWidget):
    """Drop or open photos; each is colourized in the background; compare, tune, save."""

    currentPhotoChanged = Signal(object)  # PhotoItem | None
    infoChanged = Signal()  # size, model, timings changed (status bar)
    busyChanged = Signal(bool)  # the tab protocol: True while background work runs
    activityChanged = Signal(str)  # what is running, in words ("" when idle)
    message = Signal(str, int)  # a status bar message and its timeout in ms
    renderFinished = Signal()  # a render of the current photo was shown (tests)
    batchFinished = Signal(int, int, bool)  # written, failed, cancelled

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.colorizer: Colorizer | None = None
        self.model_error: str | None = None
        self.queue = PhotoQueue()
        self._model_task: asyncio.Task | None = None
        self._workers = {name: Worker(name) for name in ("model", "render", "thumbs", "hints")}
        self._predict_task: asyncio.Task | None = None
        self._predict_gen = -1
        self.thumbnails = Thumbnails(self._workers["thumbs"], self.queue, self._task_failed)
        self.thumbnails.made.connect(self._thumbnail_made)
        self._current_item: PhotoItem | None = None
        self.opened: jobs.Opened | None = None
        self._open_task: asyncio.Task | None = None
        self._render_want: tuple[bool, float] | None = None
        self._render_task: asyncio.Task | None = None
        self.exporter = PhotoExporter(self._workers["model"], self)
        self.exporter.progressChanged.connect(self._update_busy)
        self.exporter.saved.connect(lambda source, out: self._saved(self._listed([source]), out))
        self.exporter.finished.connect(self._exported)
        self._import_message = ""
        self.activity = ""  # what ``activityChanged`` last said
        self._closing = False
        self.rendered_temperature: float | None = None
        self.renders = 0  # full or preview renders shown (tests)
        self.render_seconds: float | None = None
        self.last_error: str | None = None

        self._full_timer = QTimer(self)
        self._full_timer.setSingleShot(True)
        self._full_timer.setInterval(FULL_RENDER_DELAY_MS)
        self._full_timer.timeout.connect(self._temperature_rested)

        build_actions(self)
        self._build_ui()
        self.hint_mode = PhotoHints(self)  # colour points: ui/photo_hints.py, ui/hint_mode.py
        state.modelChanged.connect(self._model_changed)
        state.preprocessingChanged.connect(self._model_changed)
        state.backendChanged.connect(lambda _b: self._reload_model())
        state.temperatureChanged.connect(self._temperature_changed)
        self.restore_settings()
        if state.model_path is not None:
            self._model_changed(state.model_path)
        else:
            self._show_no_model()
        self.restore_list()

    # -- construction -------------------------------------------------------------------------

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)

        self.toolbar = PhotosToolbar(self)
        self.picker, self.temperature = self.toolbar.picker, self.toolbar.temperature
        self.picker.busyChanged.connect(self._import_busy)
        layout.addWidget(self.toolbar)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        side = QWidget(self.splitter)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.setSpacing(0)
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 6, 0)
        self.count_label = QLabel("Photos", side)
        self.count_label.setObjectName("sectionTitle")
        header.addWidget(self.count_label, 1)
        for action in (self.act_open, self.act_remove):
            button = QToolButton(side)
            button.setDefaultAction(action)
            button.setAutoRaise(True)
            button.setIconSize(QSize(16, 16))
            header.addWidget(button)
        self.add_button = header.itemAt(1).widget()
        self.add_button.setIcon(icon("add"))
        side_layout.addLayout(header)
        self.model = PhotoListModel(self.queue, self)
        self.list = QListView(side)
        self.list.setObjectName("photoList")
        self.list.setModel(self.model)
        self.list.setItemDelegate(PhotoDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.setMouseTracking(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(lambda pos: list_menu(self, pos))
        self.list.selectionModel().currentChanged.connect(self._current_changed)
        side_layout.addWidget(self.list, 1)
        self.hint = QLabel("Drop photos or folders anywhere in the window.", side)
        self.hint.setWordWrap(True)
        self.hint.setContentsMargins(12, 8, 12, 12)
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        side_layout.addWidget(self.hint)
        side.setMinimumWidth(200)
        self.view = CompareView(self.splitter)
        self.view.modeChanged.connect(self._mode_changed)
        self.view.zoomChanged.connect(lambda _z: self.infoChanged.emit())
        self.splitter.addWidget(side)
        self.splitter.addWidget(self.view)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 1000])
        layout.addWidget(self.splitter, 1)
        self._mode_changed(self.view.mode)
        self._update_actions()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.toolbar.fit(self.width())

    # -- settings -----------------------------------------------------------------------------

    def restore_settings(self) -> None:
        mode = settings.get_str("view/mode", SPLIT)
        self.view.set_mode(mode if mode in MODES else SPLIT)
        state = settings.settings().value("photos/splitter")
        if state is not None:
            self.splitter.restoreState(state)

    def save_settings(self) -> None:
        settings.set_value("view/mode", self.view.mode)
        settings.set_value("photos/splitter", self.splitter.saveState())
        settings.set_value(LIST_KEY, self.queue.to_json())

    def restore_list(self) -> int:
        """The photo list of the last run, each photo with its settings, the same one shown.
        Photos deleted since are left out. Returns how many came back."""
        items, current = PhotoQueue.items_from_json(settings.get_str(LIST_KEY, ""))
        if not items or self.items:
            return 0
        self._add_items(items)
        self.select(items[max(current, 0)])
        self._update_count()
        self._update_actions()
        return len(items)

    # -- adding photos ------------------------------------------------------------------------

    @property
    def items(self) -> list[PhotoItem]:
        return self.queue.items

    @property
    def current_item(self) -> PhotoItem | None:
        return self._current_item

    @property
    def _model_gen(self) -> int:
        return self.queue.generation

    def add_paths(self, paths: list[str | Path], remember: bool = True) -> int:
        """Add photos, folders (recursive) or globs and show the first of them (the one already
        listed, when it was); returns how many were added."""
        new = self.queue.new_items(paths)
        if remember and paths:
            settings.add_recent([Path(p).resolve() for p in paths if Path(p).exists()])
            first = Path(paths[0])
            settings.set_value("folders/open", str(first if first.is_dir() else first.parent))
        if not new:
            listed = self._listed(paths)
            if listed is not None:
                self.select(listed)
                self.message.emit(f"{listed.name} is in the list already.", 5000)
            elif paths:
                self.message.emit("No new photos found there.", 5000)
            return 0
        self._add_items(new)
        self.select(new[0])
        self._update_count()
        self._update_actions()
        text = f"Added {len(new)} photo{'s' if len(new) != 1 else ''}."
        before = [i for i in new if i.settings.saved_to]
        if len(before) == 1:
            text += (
                f" {before[0].name} was colourized before: saved as {before[0].settings.saved_to}."
            )
        elif before:
            text += f" {len(before)} of them were colourized before (see each one's status)."
        self.message.emit(text, 8000 if before else 4000)
        return len(new)

    def _add_items(self, items: list[PhotoItem], row: int | None = None) -> None:
        for item in items:
            if item.settings.saved_to is None:
                item.settings.saved_to = settings.saved_result(item.path)
        self.model.insert(items, row)
        self.thumbnails.add(items)
        self._kick()

    def _listed(self, paths: list[str | Path]) -> PhotoItem | None:
        """The listed photo that the first of ``paths`` names, if any."""
        for path in paths:
            if Path(path).is_file():
                target = Path(path).resolve()
                return next((i for i in self.items if i.path.resolve() == target), None)
        return None

    def open_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self,
            "Open photos",
            settings.get_folder("folders/open"),
            "Images (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp *.gif);;All files (*)",
        )
        if files:
            self.add_paths(files)

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Open a folder of photos", settings.get_folder("folders/open")
        )
        if folder:
            self.add_paths([folder])

    def select(self, item: PhotoItem) -> None:
        row = self.model.row_of(item)
        if row >= 0:
            self.list.selectionModel().setCurrentIndex(
                self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
            )

    def selected_items(self) -> list[PhotoItem]:
        rows = sorted(index.row() for index in self.list.selectionModel().selectedRows())
        chosen = [self.items[row] for row in rows if row < len(self.items)]
        if not chosen and self._current_item is not None:
            chosen = [self._current_item]
        return chosen

    def remove_current(self) -> None:
        """Remove the selected photos (Edit > Undo brings them back)."""
        self._remove(self.selected_items())

    def clear(self) -> None:
        self._remove(list(self.items))

    def _remove(self, items: list[PhotoItem]) -> None:
        rows = [(self.queue.row_of(i), i) for i in items if i in self.queue]
        if rows:
            self.undo_stack.push(RemovePhotos(rows, self._take_out, self._put_back))

    def _take_out(self, items: list[PhotoItem]) -> None:
        first_row = min(self.queue.row_of(i) for i in items)
        showing = self._current_item in items
        for item in items:
            self.model.remove(item)
            self._forget(item)
        if not self.items:
            self._set_current(None)
        elif showing:
            self.select(self.items[min(first_row, len(self.items) - 1)])
        self._update_count()
        self._update_actions()

    def _put_back(self, rows: list[tuple[int, PhotoItem]]) -> None:
        for row, item in rows:  # in ascending order, so each row is right once placed
            self._add_items([item], row)
        self.select(rows[0][1])
        self._update_count()
        self._update_actions()

    def select_all(self) -> None:
        self.list.selectAll()

    def _forget(self, item: PhotoItem) -> None:
        self.thumbnails.forget(item)

    def _update_count(self) -> None:
        n = len(self.items)
        errors = self.queue.error_count()
        text = f"Photos  ·  {n}" if n else "Photos"
        if errors:
            text += f"  ·  {errors} with errors"
        self.count_label.setText(text)
        self.hint.setVisible(n == 0)

    # -- thumbnails ---------------------------------------------------------------------------

    def _thumbnail_made(self, item: PhotoItem) -> None:
        if item is self._current_item:
            self.infoChanged.emit()

    # -- the model ----------------------------------------------------------------------------

    def _default_placeholder(self) -> None:
        """What the empty view says: the current photo's error, no model, or drop here."""
        item = self._current_item
        if item is not None and item.status == ERROR and self.opened is None:
            self.view.set_placeholder("This photo could not be opened", item.short_error())
        elif self.colorizer is None and self._model_task is None:
            self.view.set_placeholder(
                "No colourization model found",
                "Photos can be opened, but not colourized yet. Choose “Load model file…” or "
                "“Import official Zhang et al. weights…” in the Model menu.",
            )
        else:
            self.view.set_placeholder(
                "Drop black-and-white photos here", "or a whole folder — or press Ctrl+O to open"
            )

    def _show_no_model(self) -> None:
        self.colorizer = None
        from chroma_desk.models import library

        self.model_error = (
            f"No colourization model found (looked in {library.bundled_dir()} and "
            f"{library.user_dir()})."
        )
        self._default_placeholder()
        if self.opened is not None:
            self.view.set_message(
                "No colourization model found",
                "Choose “Load model file…” or “Import official Zhang et al. weights…” in the "
                "Model menu to colourize.",
            )
        self.queue.model_missing()
        self._update_busy()
        self.infoChanged.emit()

    def _model_changed(self, path: Path) -> None:
        self.colorizer = None
        self.model_error = None
        self.queue.model_changed()
        self.view.set_message(None)
        self.view.set_after(None)
        if self.opened is not None:
            self.view.set_busy("Loading the model…")
        self._model_task = spawn(self._load_model(Path(path), self._model_gen), self._task_failed)
        self._update_actions()
        self._update_busy()
        self.infoChanged.emit()

    def _reload_model(self) -> None:
        if self.state.model_path is not None:
            self._model_changed(self.state.model_path)

    async def _load_model(self, path: Path, gen: int) -> None:
        try:
            mode = settings.preprocessing_choice(path)
            colorizer = await self._workers["model"].run(
                jobs.load_colorizer, path, self.state.backend, mode
            )
        except Exception as exc:  # ModelFileError, or a file that builds but does not run
            if gen == self._model_gen:
                self._model_task = None
                self.model_error = str(exc) if isinstance(exc, ModelFileError) else f"{path}: {exc}"
                self.view.set_busy(None)
                self.view.set_message("Could not load the model", self.model_error)
                self.queue.model_missing()
                self.message.emit(self.model_error, 10000)
                self._update_busy()
                self.infoChanged.emit()
            return
        if gen != self._model_gen or self._closing:
            return
        self._model_task = None
        self.colorizer = colorizer
        self._default_placeholder()
        self.infoChanged.emit()
        self._kick()
        if self._current_item is not None and self.opened is not None:
            self.view.set_busy("Colourizing…")

    # -- background colourization -------------------------------------------------------------

    def _kick(self) -> None:
        """Make sure the queue is being worked through (with the current model)."""
        if self.colorizer is None or not self.queue.has_pending() or self._closing:
            self._update_busy()
            return
        if (
            self._predict_task is not None
            and not self._predict_task.done()
            and self._predict_gen == self._model_gen
        ):
            return
        self._predict_gen = self._model_gen
        self._predict_task = spawn(self._predict_loop(self._model_gen), self._task_failed)
        self._update_busy()

    def _requeue(self, item: PhotoItem) -> None:
        self.queue.requeue(item)
        self._kick()
        self._update_count()
        if item is self._current_item:
            self._set_current(item, force=True)

    async def _predict_loop(self, gen: int) -> None:
        worker = self._workers["model"]
        while not self._closing and gen == self._model_gen:
            colorizer = self.colorizer
            if colorizer is None:
                break
            item = self.queue.next_pending()
            if item is None:
                break
            self._update_busy()
            try:
                hints = self.hint_mode.hints_for(item)
                result = await worker.run(
                    jobs.predict_job, colorizer, item.path, self.state.temperature, hints
                )
            except ImageReadError as exc:
                self._photo_failed(item, str(exc))
                continue
            except Exception as exc:  # out of memory, a model that fails on this size...
                log.exception("colourizing %s failed", item.path)
                self._photo_failed(item, f"{item.path}: {type(exc).__name__}: {exc}")
                continue
            item.colour_thumbnail = result.thumbnail
            item.thumbnail = item.thumbnail or result.gray_thumbnail
            item.size = result.size
            item.notes = result.notes
            if not self.queue.finished(item, result.prediction, gen):
                continue
            if item is self._current_item:
                self.infoChanged.emit()
                if self.opened is not None:
                    self._request_render(preview=False)
        if gen == self._model_gen:
            self._predict_task = None
        self._update_busy()

    def _photo_failed(self, item: PhotoItem, message: str) -> None:
        self.queue.failed(item, message)
        self.last_error = message
        self._update_count()
        self.message.emit(message, 8000)
        if item is self._current_item:
            self._show_item_error(item)

    def _show_item_error(self, item: PhotoItem) -> None:
        self.view.set_busy(None)
        if self.opened is None:  # it could not even be read
            self.view.set_before(None)
            self._default_placeholder()
        else:
            self.view.set_message("This photo could not be colourized", item.short_error())

    def stop_colourizing(self) -> None:
        self.queue.stop()
        self._update_busy()

    def _import_busy(self, text: str) -> None:
        self._import_message = text
        self._update_busy()

    def _update_busy(self) -> None:
        if self._closing:
            return
        parts = []
        if self._import_message:
            parts.append(self._import_message)
        if self._model_task is not None and not self._model_task.done():
            parts.append("Loading the model…")
        if self.exporter.progress is not None:
            done, total = self.exporter.progress
            parts.append(f"Exporting {done + 1} of {total}…")
        waiting = self.queue.pending_count()
        if waiting and self.colorizer is not None:
            finished, total = self.queue.progress()
            parts.append(f"Colourizing {finished + 1} of {total}…")
        self.act_stop.setEnabled(bool(waiting))
        self.activity = "   ".join(parts)
        self.activityChanged.emit(self.activity)
        self.busyChanged.emit(bool(self.activity))

    # -- the current photo --------------------------------------------------------------------

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = self.model.items[current.row()] if current.isValid() else None
        self._set_current(item)

    def _set_current(self, item: PhotoItem | None, force: bool = False) -> None:
        if item is self._current_item and not force:
            return
        self._current_item = item
        self.queue.select(item)
        self.opened = None
        self.rendered_temperature = None
        self.render_seconds = None
        self._render_want = None
        self.view.set_message(None)
        self.view.set_busy(None)
        self._update_actions()
        self.currentPhotoChanged.emit(item)
        self.infoChanged.emit()
        if item is None:
            self.view.clear()
            self._default_placeholder()
            return
        self._default_placeholder()
        self._kick()
        self.view.set_busy("Opening…")
        self._open_task = spawn(self._open(item), self._task_failed)

    async def _open(self, item: PhotoItem) -> None:
        try:
            opened = await self._workers["render"].run(jobs.open_job, item.path)
        except ImageReadError as exc:
            if item is self._current_item:
                self._photo_failed(item, str(exc))
            return
        except Exception as exc:
            if item is self._current_item:
                self._photo_failed(item, f"{item.path}: {type(exc).__name__}: {exc}")
            return
        if item is not self._current_item or self._closing:
            return
        self.opened = opened
        item.size = opened.size
        self.view.set_before(opened.before)
        self.infoChanged.emit()
        self._update_actions()
        if item.prediction is not None and item.predicted_by == self._model_gen:
            self.view.set_busy("Rendering…")
            self._request_render(preview=False)
        elif item.status == ERROR:
            self._show_item_error(item)
        elif self.colorizer is None and self._model_task is None:
            self.view.set_busy(None)
            self.view.set_message(
                "No colourization model",
                self.model_error
                or "Choose a model: “Load model file…” or “Import official Zhang et al. "
                "weights…” in the Model menu.",
            )
        else:
            self.view.set_busy("Colourizing…")

    def toggle_before_after(self) -> None:
        self.view.toggle_before_after()
        self._mode_changed(self.view.mode)

    def _mode_changed(self, mode: str) -> None:
        if mode in self.act_modes:
            self.act_modes[mode].setChecked(True)

    def _update_actions(self) -> None:
        has_items = bool(self.items)
        current = self._current_item
        self.act_save.setEnabled(current is not None and current.status != ERROR)
        self.act_export.setEnabled(has_items)
        self.act_remove.setEnabled(current is not None)
        self.act_clear.setEnabled(has_items)
        self.act_copy.setEnabled(current is not None and current.status != ERROR)
        self.act_select_all.setEnabled(has_items)
        for action in self.temperature_actions:
            action.setEnabled(self.temperature.available)

    # -- the clipboard ------------------------------------------------------------------------

    def copy_result(self) -> asyncio.Task | None:
        """Put the colourized photo, at full resolution and the current temperature, on the
        clipboard (rendered in the background)."""
        item, opened, colorizer = self._current_item, self.opened, self.colorizer
        if item is None or opened is None or item.prediction is None or colorizer is None:
            self.message.emit("Nothing to copy yet: the photo is not colourized.", 5000)
            return None
        prediction = replace(item.prediction, lightness=opened.lightness)
        temperature = self.state.temperature

        async def copy() -> None:
            render = self._workers["render"]
            image = await render.run(jobs.full_image_job, colorizer, prediction, temperature)
            QGuiApplication.clipboard().setImage(image)
            self.message.emit(
                f"Copied {item.name}, colourized ({image.width()} × {image.height()}).", 5000
            )

        return spawn(copy(), self._task_failed)

    def paste(self) -> asyncio.Task | None:
        """Add the photo files, or the image, on the clipboard to the list."""
        mime = QGuiApplication.clipboard().mimeData()
        files = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()] if mime else []
        if files:
            self.add_paths(files)
            return None
        image = QGuiApplication.clipboard().image()
        if image.isNull():
            self.message.emit("The clipboard holds no photo.", 5000)
            return None
        target = pasted_photo_path()

        async def paste() -> None:
            try:
                path = await self._workers["thumbs"].run(save_pasted, image, target)
            except OSError as exc:
                self.message.emit(f"Not pasted: {exc}", 8000)
                return
            self.add_paths([path], remember=False)

        return spawn(paste(), self._task_failed)

    # -- rendering ----------------------------------------------------------------------------

    def _temperature_changed(self, _t: float) -> None:
        if self.opened is None or self._current_item is None:
            return
        if self._current_item.prediction is None or self.colorizer is None:
            return
        if self.colorizer.kind != "classification":
            return
        if self.opened.preview_lightness is not None:
            self._request_render(preview=True)
            self._full_timer.start()  # restarted on every move: full render once it rests
        else:
            self._request_render(preview=False)
            self._full_timer.start()

    def _temperature_rested(self) -> None:
        if self.opened is not None and self.opened.preview_lightness is not None:
            self._request_render(preview=False)
        if self.colorizer is not None and self.colorizer.kind == "classification":
            others = [i for i in self.queue.current_predictions() if i is not self._current_item]
            self.thumbnails.recolour(self.colorizer, others, self.state.temperature)

    def _request_render(self, preview: bool) -> None:
        """Render the current photo at the current temperature; only the latest request
        counts, and one render runs at a time."""
        self._render_want = (preview, self.state.temperature)
        if self._render_task is None or self._render_task.done():
            self._render_task = spawn(self._render_loop(), self._task_failed)

    async def _render_loop(self) -> None:
        while self._render_want is not None and not self._closing:
            preview, temperature = self._render_want
            self._render_want = None
            item, opened, colorizer = self._current_item, self.opened, self.colorizer
            if item is None or opened is None or colorizer is None or item.prediction is None:
                continue
            gen = self._model_gen
            lightness = opened.preview_lightness if preview else opened.lightness
            if lightness is None:
                lightness = opened.lightness
                preview = False
            prediction = replace(item.prediction, lightness=lightness)
            try:
                result = await self._workers["render"].run(
                    jobs.render_job, colorizer, prediction, temperature, opened.size, preview
                )
            except Exception as exc:
                log.exception("render failed")
                self.message.emit(f"Rendering failed: {exc}", 8000)
                continue
            if (
                item is not self._current_item
                or opened is not self.opened
                or gen != self._model_gen
            ):
                continue
            self.view.set_after(result.pyramid)
            self.view.set_busy(None)
            self.rendered_temperature = temperature
            self.render_seconds = result.seconds
            self.renders += 1
            if not preview:
                item.colour_thumbnail = result.pyramid.smallest().scaled(
                    jobs.THUMB,
                    jobs.THUMB,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
                self.model.changed(item)
            self.infoChanged.emit()
            self.renderFinished.emit()

    # -- saving -------------------------------------------------------------------------------

    def _saved(self, item: PhotoItem | None, output: Path) -> None:
        """Remember where a photo's result went: it is said when the photo is opened again."""
        if item is None:
            return
        settings.remember_result(item.path, output)
        item.settings.saved_to = str(output)
        self.model.changed(item)

    def save_current(self, path: str | Path | None = None) -> asyncio.Task | None:
        """Save the current result at full resolution; asks where when ``path`` is None (and
        before replacing a file: see ``photo_export.ask_save_target``)."""
        item, opened = self._current_item, self.opened
        if item is None or opened is None or item.prediction is None or self.colorizer is None:
            self.message.emit("Nothing to save yet: the photo is not colourized.", 5000)
            return None
        chosen = ask_save_target(self, item, path, self.message.emit)
        if chosen is None:
            return None
        target, replace_input = chosen
        settings.set_value("folders/save", str(target.parent))
        return spawn(self._save(item, opened, target, replace_input), self._task_failed)

    async def _save(self, item: PhotoItem, opened: jobs.Opened, target: Path, replace_input: bool):
        assert item.prediction is not None and self.colorizer is not None
        prediction = replace(item.prediction, lightness=opened.lightness)
        quality = settings.get_int("export/quality", 92)
        self.message.emit(f"Saving {target.name}…", 0)
        try:
            written = await self._workers["render"].run(
                jobs.save_job,
                self.colorizer,
                prediction,
                self.state.temperature,
                opened,
                target,
                quality,
                replace_input,
                self.hint_mode.hints_for(item),
            )
        except Exception as exc:
            self.last_error = str(exc)
            self.message.emit(f"Not saved: {exc}", 10000)
            QMessageBox.warning(self, "Could not save", str(exc))
            return None
        w, h = opened.size
        self.message.emit(f"Saved {written} ({w} × {h}).", 8000)
        self._saved(item, Path(written))
        return written

    # -- export all ---------------------------------------------------------------------------

    def export_all(
        self, options: ExportOptions | None = None, conflict: str | None = None
    ) -> asyncio.Task | None:
        """Colourize every photo in the list into one folder at full resolution. Asks for the
        options, and what to do with files already there, unless given. An export never
        replaces an original photo. Returns the running task."""
        if not self.items:
            return None
        if self.colorizer is None:
            QMessageBox.information(self, "No model", "Choose a model first.")
            return None
        if self.exporter.running:
            self.message.emit("An export is already running.", 4000)
            return None
        if options is None:
            dialog = ExportDialog(len(self.items), self)
            if dialog.exec() != ExportDialog.DialogCode.Accepted:
                return None
            options = dialog.options()
        remember_options(options)
        sources = [(i.path, i.root) for i in self.items]
        others, originals = existing_targets(sources, options.folder, options.fmt, options.suffix)
        if (others or originals) and conflict is None:
            conflict = ask_conflict(self, len(others), len(originals), options.folder)
            if conflict is None:
                return None
        tasks = plan_export(
            sources, options.folder, options.fmt, options.suffix, conflict or "keep-both"
        )
        return self.exporter.start(
            self.colorizer, tasks, self.state.temperature, options, self.window(),
            self._task_failed, self.hint_mode.export_hints(),
        )  # fmt: skip

    @property
    def batch_dialog(self) -> BatchDialog | None:
        return self.exporter.dialog

    def _exported(self, written: int, failed: int, cancelled: bool, summary: str) -> None:
        self.message.emit(summary, 10000)
        self.batchFinished.emit(written, failed, cancelled)

    # -- status and shutdown ------------------------------------------------------------------

    def status_info(self) -> dict[str, Any]:
        """What the status bar shows."""
        info: dict[str, Any] = {"zoom": self.view.device_zoom() if self.view.before else None}
        item = self._current_item
        if item is not None and item.size:
            info["size"] = item.size
        if self.colorizer is not None:
            info["model"] = self.colorizer.name
            info["kind"] = self.colorizer.kind
        elif self.state.model_path is not None and self.model_error is None:
            info["model"] = f"{Path(self.state.model_path).stem} (loading)"
        else:
            info["model"] = None
        if item is not None and item.prediction is not None:
            info["predict_ms"] = item.prediction.predict_seconds * 1000
        if self.render_seconds is not None:
            info["render_ms"] = self.render_seconds * 1000
        return info

    def _task_failed(self, exc: BaseException) -> None:
        log.error("Photos tab task failed", exc_info=exc)
        self.last_error = f"{type(exc).__name__}: {exc}"
        self.message.emit(f"Something went wrong: {exc}", 10000)

    def shutdown(self) -> None:
        """Stop background work and wait for the worker threads (called when the window closes)."""
        self._closing = True
        self.exporter.closing = True
        self._full_timer.stop()
        self.queue.stop()
        self.thumbnails.stop()
        for task in (
            self._predict_task,
            self._render_task,
            self._open_task,
            self.exporter.task,
            self._model_task,
        ):
            if task is not None and not task.done():
                task.cancel()
        for worker in self._workers.values():
            worker.shutdown(wait=True)
        self.view.set_busy(None)
