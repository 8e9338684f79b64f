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
from collections import deque
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QGuiApplication,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListView,
    QMenu,
    QMessageBox,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chroma_desk.engine.batch import Task, colorize_files
from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.engine.export_plan import existing_targets, plan_export
from chroma_desk.media.images import ImageReadError
from chroma_desk.models.checkpoint import ModelFileError, read_card
from chroma_desk.ui import jobs, settings
from chroma_desk.ui.aio import Worker, spawn
from chroma_desk.ui.compare_view import MODES, SIDE, SINGLE, SPLIT, CompareView
from chroma_desk.ui.desktop import open_with_system
from chroma_desk.ui.export_dialog import (
    BatchDialog,
    ExportDialog,
    ExportOptions,
    ask_conflict,
    remember_options,
)
from chroma_desk.ui.icons import icon
from chroma_desk.ui.model_picker import add_model_controls
from chroma_desk.ui.photo_edit import (
    RemovePhotos,
    TemperatureHistory,
    pasted_photo_path,
    save_pasted,
)
from chroma_desk.ui.photo_list import PhotoDelegate, PhotoListModel
from chroma_desk.ui.photo_queue import ERROR, PhotoItem, PhotoQueue
from chroma_desk.ui.state import AppState

log = logging.getLogger(__name__)

FULL_RENDER_DELAY_MS = 220  # after the slider rests, render the full resolution
SAVE_FILTERS = "PNG (*.png);;JPEG (*.jpg *.jpeg);;TIFF (*.tif *.tiff)"
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
        self._workers = {name: Worker(name) for name in ("model", "render", "thumbs")}
        self._predict_task: asyncio.Task | None = None
        self._predict_gen = -1
        self._thumb_queue: deque[PhotoItem] = deque()
        self._thumb_task: asyncio.Task | None = None
        self._current_item: PhotoItem | None = None
        self.opened: jobs.Opened | None = None
        self._open_task: asyncio.Task | None = None
        self._render_want: tuple[bool, float] | None = None
        self._render_task: asyncio.Task | None = None
        self._batch_task: asyncio.Task | None = None
        self._batch_progress: tuple[int, int] | None = None
        self._thumbs_task: asyncio.Task | None = None
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

        self._build_actions()
        self._build_ui()
        state.modelChanged.connect(self._model_changed)
        state.temperatureChanged.connect(self._temperature_changed)
        self.restore_settings()
        if state.model_path is not None:
            self._model_changed(state.model_path)
        else:
            self._show_no_model()
        self.restore_list()

    # -- construction -------------------------------------------------------------------------

    def _action(
        self, text: str, slot, shortcut=None, icon_name: str | None = None, tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut is not None:
            if isinstance(shortcut, list):
                action.setShortcuts(shortcut)
            else:
                action.setShortcut(shortcut)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        K = QKeySequence
        self.act_open = self._action(
            "&Open Photos…", self.open_dialog, K.StandardKey.Open, "open",
            "Open photos (Ctrl+O)",
        )  # fmt: skip
        self.act_open_folder = self._action(
            "Open &Folder…", self.open_folder_dialog, K("Ctrl+Shift+O"), None,
            "Add every photo in a folder and its subfolders",
        )  # fmt: skip
        self.act_save = self._action(
            "&Save Colourized Photo…", self.save_current, K.StandardKey.Save, "save",
            "Save the current result at full resolution (Ctrl+S)",
        )  # fmt: skip
        self.act_export = self._action(
            "&Export All…", self.export_all, K("Ctrl+Shift+S"), "export",
            "Colourize every photo in the list into a folder (Ctrl+Shift+S)",
        )  # fmt: skip
        self.act_remove = self._action(
            "&Remove From List", self.remove_current, K.StandardKey.Delete, "remove",
            "Remove the selected photos from the list (the files are not touched)",
        )  # fmt: skip
        self.act_clear = self._action("Clear List", self.clear, None, None, "Remove every photo")
        self.act_stop = self._action(
            "Stop Colourizing", self.stop_colourizing, None, "stop",
            "Stop colourizing the photos still waiting (select one to colourize it)",
        )  # fmt: skip
        self.mode_group = QActionGroup(self)
        self.act_modes: dict[str, QAction] = {}
        for mode, text, key, name, tip in (
            (SPLIT, "&Split View", "Ctrl+1", "split", "Before and after with a divider"),
            (SIDE, "Side &by Side", "Ctrl+2", "side", "Before and after side by side"),
            (SINGLE, "&One at a Time", "Ctrl+3", "single", "One image; Space flips it"),
        ):
            action = self._action(
                text, lambda m=mode: self.view.set_mode(m), K(key), name, f"{tip} ({key})"
            )
            action.setCheckable(True)
            self.mode_group.addAction(action)
            self.act_modes[mode] = action
        self.act_toggle = self._action(
            "Flip Before/After", self.toggle_before_after, K(Qt.Key.Key_Space), None,
            "Show the original or the result (Space)",
        )  # fmt: skip
        self.act_fit = self._action(
            "&Fit", lambda: self.view.fit(), [K("F"), K("Ctrl+0")], "fit",
            "Fit the photo in the window (F)",
        )  # fmt: skip
        self.act_actual = self._action(
            "&100%", lambda: self.view.actual_size(), [K("1"), K("Ctrl+Alt+0")], "actual",
            "One photo pixel per screen pixel (1)",
        )  # fmt: skip
        self.act_zoom_in = self._action(
            "Zoom &In",
            lambda: self.view.zoom_by(1.25),
            [K.StandardKey.ZoomIn, K("Ctrl+="), K("=")],
        )
        self.act_zoom_out = self._action(
            "Zoom &Out", lambda: self.view.zoom_by(0.8), [K.StandardKey.ZoomOut, K("-")]
        )
        for action, short in ((self.act_open, "Open"), (self.act_save, "Save")):
            action.setIconText(short)  # the toolbar's label; menus show the full text
        self.act_export.setIconText("Export All")
        self._build_edit_actions()
        self.view_actions = [
            *self.act_modes.values(),
            self.act_toggle,
            self.act_fit,
            self.act_actual,
            self.act_zoom_in,
            self.act_zoom_out,
        ]

    def _build_edit_actions(self) -> None:
        K = QKeySequence
        self.undo_stack = QUndoStack(self)
        self.act_undo = self.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(K.StandardKey.Undo)
        self.act_redo = self.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([K.StandardKey.Redo, K("Ctrl+Shift+Z")])
        self.addActions([self.act_undo, self.act_redo])
        self.temperature_history = TemperatureHistory(self.state, self.undo_stack)
        self.act_copy = self._action(
            "&Copy Colourized Photo", self.copy_result, K.StandardKey.Copy, None,
            "Copy the colourized photo, at full resolution, to the clipboard",
        )  # fmt: skip
        self.act_paste = self._action(
            "&Paste Photo", self.paste, K.StandardKey.Paste, None,
            "Add the photo (or photo files) on the clipboard to the list",
        )  # fmt: skip
        self.act_select_all = self._action(
            "Select &All", self.select_all, K.StandardKey.SelectAll, None,
            "Select every photo in the list",
        )  # fmt: skip
        self.act_vivid = self._action(
            "More &Vivid", lambda: self.nudge_temperature(-0.05), K("Ctrl+["), None,
            "Lower the temperature by 0.05: stronger, patchier colour",
        )  # fmt: skip
        self.act_calmer = self._action(
            "&Calmer", lambda: self.nudge_temperature(0.05), K("Ctrl+]"), None,
            "Raise the temperature by 0.05: calmer, more muted colour",
        )  # fmt: skip
        self.act_set_temperature = self._action(
            "&Set Temperature…", self.ask_temperature, None, None,
            "Type a temperature between 0.01 and 1.00",
        )  # fmt: skip
        self.act_reset_temperature = self._action(
            "&Reset Temperature", lambda: self.temperature.reset(), None, "reset",
            "Back to this model's default temperature",
        )  # fmt: skip
        self.temperature_actions = [
            self.act_vivid,
            self.act_calmer,
            self.act_set_temperature,
            self.act_reset_temperature,
        ]

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)

        self.toolbar = QToolBar("Photos", self)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.setIconSize(QSize(18, 18))
        self.text_buttons: list[QToolButton] = []
        for action in (self.act_open, self.act_save, self.act_export):
            button = QToolButton(self.toolbar)
            button.setDefaultAction(action)  # labelled with the action's short iconText
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            self.toolbar.addWidget(button)
            self.text_buttons.append(button)
        self.toolbar.addSeparator()
        self.model_label_action = self.toolbar.addWidget(QLabel("Model", self.toolbar))
        self.picker, self.temperature = add_model_controls(self.toolbar, self.state)
        self.picker.busyChanged.connect(self._import_busy)
        for action in (*self.act_modes.values(),):
            self.toolbar.addAction(action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.act_fit)
        self.toolbar.addAction(self.act_actual)
        for action in (*self.act_modes.values(), self.act_fit, self.act_actual):
            button = self.toolbar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.toolbar_level = 0  # how much the toolbar gave up to fit (see _fit_toolbar)
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
        self.list.customContextMenuRequested.connect(self._list_menu)
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
        self._fit_toolbar()

    def _fit_toolbar(self) -> None:
        """In a narrow window the toolbar gives room step by step (1: the labelled buttons
        show only their icons; 2: the model box shows fewer characters), so the temperature,
        the view buttons, Fit and 1:1 stay on it rather than in its overflow menu."""
        for level in range(3):
            self._set_toolbar_level(level)
            if self.toolbar.sizeHint().width() <= self.width():
                return

    def _set_toolbar_level(self, level: int) -> None:
        if level == self.toolbar_level:
            return
        self.toolbar_level = level
        style = Qt.ToolButtonStyle
        for button in self.text_buttons:
            button.setToolButtonStyle(
                style.ToolButtonIconOnly if level else style.ToolButtonTextBesideIcon
            )
        self.model_label_action.setVisible(level == 0)
        self.picker.set_compact(level == 2)

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
        self._thumb_queue.extend(items)
        self._start_thumbnails()
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
        if item in self._thumb_queue:
            self._thumb_queue.remove(item)

    def _update_count(self) -> None:
        n = len(self.items)
        errors = self.queue.error_count()
        text = f"Photos  ·  {n}" if n else "Photos"
        if errors:
            text += f"  ·  {errors} with errors"
        self.count_label.setText(text)
        self.hint.setVisible(n == 0)

    def _list_menu(self, pos: QPoint) -> None:
        index = self.list.indexAt(pos)
        if not index.isValid():
            return
        item = self.model.items[index.row()]
        self.select(item)
        menu = QMenu(self)
        menu.addAction(self.act_save)
        again = menu.addAction("Colourize Again")
        again.setEnabled(self.colorizer is not None)
        again.triggered.connect(lambda: self._requeue(item))
        folder = menu.addAction("Show in Folder")
        folder.triggered.connect(
            lambda: open_with_system(self, item.path.parent, "the photo's folder")
        )
        menu.addSeparator()
        menu.addAction(self.act_remove)
        menu.exec(self.list.viewport().mapToGlobal(pos))

    # -- thumbnails ---------------------------------------------------------------------------

    def _start_thumbnails(self) -> None:
        if self._thumb_task is None or self._thumb_task.done():
            self._thumb_task = spawn(self._thumbnail_loop(), self._task_failed)

    async def _thumbnail_loop(self) -> None:
        while self._thumb_queue and not self._closing:
            item = self._thumb_queue.popleft()
            if item.thumbnail is not None or item.status == ERROR:
                continue
            thumb = await self._workers["thumbs"].run(jobs.thumbnail_job, item.path)
            if thumb is not None and item.thumbnail is None:
                item.thumbnail = thumb.image
                item.size = item.size or thumb.size
                self.model.changed(item)
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

    async def _load_model(self, path: Path, gen: int) -> None:
        try:
            colorizer = await self._workers["model"].run(Colorizer, path)
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

    @property
    def model_kind(self) -> str | None:
        if self.colorizer is not None:
            return self.colorizer.kind
        if self.state.model_path is not None:
            try:
                return read_card(self.state.model_path).get("kind")
            except ModelFileError:
                return None
        return None

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
                result = await worker.run(
                    jobs.predict_job, colorizer, item.path, self.state.temperature
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

    def pending_count(self) -> int:
        return self.queue.pending_count()

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
        if self._batch_progress is not None:
            done, total = self._batch_progress
            parts.append(f"Exporting {done + 1} of {total}…")
        waiting = self.pending_count()
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

    # -- the temperature and the clipboard ----------------------------------------------------

    def nudge_temperature(self, step: float) -> None:
        if self.temperature.available:
            value = round(min(1.0, max(0.01, self.state.temperature + step)), 2)
            self.state.set_temperature(value)

    def ask_temperature(self) -> None:
        if not self.temperature.available:
            return
        value, ok = QInputDialog.getDouble(
            self,
            "Temperature",
            "Temperature (0.01 to 1.00; lower is more vivid):",
            self.state.temperature,
            0.01,
            1.0,
            2,
        )
        if ok:
            self.state.set_temperature(value)

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
            rgb = await self._workers["render"].run(colorizer.render, prediction, temperature)
            image = await self._workers["render"].run(jobs.qimage_rgb, rgb)
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
        self._refresh_thumbnails()

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

    def _refresh_thumbnails(self) -> None:
        """Re-render the other colour thumbnails at the new temperature (no network)."""
        if self.colorizer is None or self.colorizer.kind != "classification":
            return
        if self._thumbs_task is not None and not self._thumbs_task.done():
            self._thumbs_task.cancel()
        self._thumbs_task = spawn(self._thumbs(self.state.temperature), self._task_failed)

    async def _thumbs(self, temperature: float) -> None:
        colorizer, gen = self.colorizer, self._model_gen
        todo = [i for i in self.queue.current_predictions() if i is not self._current_item]
        for start in range(0, len(todo), 8):
            chunk = todo[start : start + 8]
            images = await self._workers["thumbs"].run(
                jobs.thumbnails_job, colorizer, [i.prediction for i in chunk], temperature
            )
            if gen != self._model_gen or temperature != self.state.temperature:
                return
            for item, image in zip(chunk, images, strict=True):
                item.colour_thumbnail = image
                self.model.changed(item)

    # -- saving -------------------------------------------------------------------------------

    def _saved(self, item: PhotoItem | None, output: Path) -> None:
        """Remember where a photo's result went: it is said when the photo is opened again."""
        if item is None:
            return
        settings.remember_result(item.path, output)
        item.settings.saved_to = str(output)
        self.model.changed(item)

    def _suggested_name(self, item: PhotoItem) -> str:
        fmt = settings.get_str("export/format", "png")
        suffix = {"jpg": ".jpg", "tiff": ".tiff"}.get(fmt, ".png")
        return f"{item.path.stem}_color{suffix}"

    def save_current(self, path: str | Path | None = None) -> asyncio.Task | None:
        """Save the current result at full resolution; asks where when ``path`` is None.

        An existing file is only replaced after asking, and the original photo needs a second,
        explicit yes."""
        item, opened = self._current_item, self.opened
        if item is None or opened is None or item.prediction is None or self.colorizer is None:
            self.message.emit("Nothing to save yet: the photo is not colourized.", 5000)
            return None
        if path is None:
            folder = settings.get_str("folders/save") or str(item.path.parent)
            if not Path(folder).is_dir():
                folder = str(item.path.parent)
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                "Save colourized photo",
                str(Path(folder) / self._suggested_name(item)),
                SAVE_FILTERS,
                options=QFileDialog.Option.DontConfirmOverwrite,
            )
            if not chosen:
                return None
            path = chosen
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix(".png")
        if target.suffix.lower() not in (".png", ".jpg", ".jpeg", ".tif", ".tiff"):
            QMessageBox.warning(
                self, "Unknown format", f"{target.name}: save as .png, .jpg or .tiff."
            )
            return None
        replace_input = False
        if target.exists():
            if target.resolve() == item.path.resolve():
                answer = QMessageBox.warning(
                    self,
                    "Replace the original photo?",
                    f"{target.name} is the original black-and-white photo.\n\n"
                    "Replacing it with the colourized result cannot be undone.",
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                    QMessageBox.StandardButton.Cancel,
                )
                if answer != QMessageBox.StandardButton.Yes:
                    self.message.emit("Not saved: the original photo was kept.", 6000)
                    return None
                replace_input = True
            else:
                answer = QMessageBox.question(
                    self,
                    "Replace file?",
                    f"{target} already exists. Replace it?",
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                    QMessageBox.StandardButton.Cancel,
                )
                if answer != QMessageBox.StandardButton.Yes:
                    self.message.emit(f"Not saved: {target.name} was kept as it was.", 6000)
                    return None
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
        if self._batch_task is not None and not self._batch_task.done():
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
        self.batch_dialog = BatchDialog(len(tasks), options.folder, self.window())
        cancel = asyncio.Event()
        self.batch_dialog.cancelRequested.connect(cancel.set)
        self.batch_dialog.show()
        self._batch_task = spawn(
            self._run_batch(tasks, options, self.batch_dialog, cancel), self._task_failed
        )
        return self._batch_task

    async def _run_batch(
        self,
        tasks: list[Task],
        options: ExportOptions,
        dialog: BatchDialog,
        cancel: asyncio.Event,
    ) -> tuple[int, int, bool]:
        """Drive ``batch.colorize_files`` one result at a time on the model worker."""
        colorizer = self.colorizer
        assert colorizer is not None
        results = colorize_files(
            colorizer, tasks, temperature=self.state.temperature, quality=options.quality
        )
        written = failed = 0
        worker = self._workers["model"]
        try:
            for index, task in enumerate(tasks):
                if cancel.is_set() or self._closing:
                    break
                self._batch_progress = (index, len(tasks))
                self._update_busy()
                dialog.starting(task.source.name)
                result = await worker.run(next, results, None)
                if result is None:
                    break
                dialog.photo_done(result.source, result.output, result.error)
                if result.ok and result.output is not None:
                    self._saved(self._listed([result.source]), Path(result.output))
                if result.ok:
                    written += 1
                else:
                    failed += 1
        finally:
            await worker.run(results.close)  # stops its reader and writer threads
            self._batch_progress = None
            self._update_busy()
        cancelled = written + failed < len(tasks)
        dialog.finish(cancelled)
        summary = f"Exported {written} photo{'s' if written != 1 else ''} to {options.folder}"
        if failed:
            summary += f"; {failed} failed"
        if cancelled:
            summary += " (cancelled)"
        self.message.emit(summary + ".", 10000)
        self.batchFinished.emit(written, failed, cancelled)
        return written, failed, cancelled

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
        self._full_timer.stop()
        self.queue.stop()
        self._thumb_queue.clear()
        for task in (
            self._predict_task,
            self._thumb_task,
            self._render_task,
            self._open_task,
            self._batch_task,
            self._thumbs_task,
            self._model_task,
        ):
            if task is not None and not task.done():
                task.cancel()
        for worker in self._workers.values():
            worker.shutdown(wait=True)
        self.view.set_busy(None)
