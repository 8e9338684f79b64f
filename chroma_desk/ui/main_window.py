"""The main window: tabs (Photos first), menus, drop anywhere, the status bar, settings.

The tabs after Photos are ``EXTRA_TABS``, imported like any module (an import error is an
error, not a missing tab). Every tab keeps one protocol (``chroma_desk.ui.tab.Tab``):
``Class(state: AppState)``; ``message(str, int)`` for the status bar; ``busyChanged(bool)``
while its background work runs (on the window's ``GeneratorWorker``); ``confirm_close() ->
bool`` asked before the window closes; ``shutdown()`` once when it closes, to stop its work.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QMimeData, QSize, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QPainter,
    QPen,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chroma_desk.color.bins import PAPER_TEMPERATURE
from chroma_desk.media.images import IMAGE_SUFFIXES
from chroma_desk.models import library
from chroma_desk.models.checkpoint import ModelFileError, read_card
from chroma_desk.ui import settings
from chroma_desk.ui.about import AboutDialog
from chroma_desk.ui.desktop import open_with_system
from chroma_desk.ui.icons import app_icon, icon
from chroma_desk.ui.live_tab import LiveTab
from chroma_desk.ui.photo_edit import shortcuts_html
from chroma_desk.ui.photos_tab import PhotosTab
from chroma_desk.ui.state import AppState
from chroma_desk.ui.status_log import StatusLog
from chroma_desk.ui.tab import Tab
from chroma_desk.ui.theme import THEMES, apply_theme
from chroma_desk.ui.training import TrainingTab
from chroma_desk.ui.video_tab import VideoTab

log = logging.getLogger(__name__)

APP_TITLE = "Chroma Desk"
BACKEND_LABELS = {  # Model > Run Networks On
    "auto": "&Automatic (ONNX Runtime on the CPU, PyTorch on a GPU)",
    "onnx": "&ONNX Runtime (CPU)",
    "torch": "&PyTorch",
}
# (class, tab label, icon name), after Photos
EXTRA_TABS: tuple[tuple[type[Tab], str, str], ...] = (
    (VideoTab, "Video", "film"),
    (LiveTab, "Live", "camera"),
    (TrainingTab, "Training", "chart"),
)


def initial_state() -> AppState:
    """The model and temperature to start with: the last ones used, else the bundled default."""
    path: Path | None = None
    saved = settings.get_str("model/path")
    if saved and Path(saved).is_file():
        path = Path(saved)
    else:
        try:
            path = library.resolve_model(None)
        except ModelFileError:  # no bundled default: the first model the user has, if any
            entries = library.list_models()
            path = entries[0].path if entries else None
    default_t = PAPER_TEMPERATURE
    if path is not None:
        try:
            default_t = settings.model_default_temperature(path, read_card(path))
        except ModelFileError:
            path = None
    temperature = settings.get_float("model/temperature", default_t) if saved else default_t
    state = AppState(path, min(1.0, max(0.01, temperature)))
    backend = settings.get_str("model/backend", "auto")
    state.set_backend(backend if backend in BACKEND_LABELS else "auto")
    return state


class BusySpinner(QWidget):
    """A small spinning indicator for the status bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(16, 16)
        self._step = 0
        self._timer = QTimer(self)
        self._timer.setInterval(80)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        if not self._timer.isActive():
            self._timer.start()
        self.show()

    def stop(self) -> None:
        self._timer.stop()
        self.hide()

    def _tick(self) -> None:
        self._step = (self._step + 1) % 12
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802
        import math

        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = self.palette().color(self.foregroundRole())
        for i in range(12):
            c = QColor(colour)
            c.setAlphaF(((i + 1) / 12) ** 1.5)
            pen = QPen(c, 1.6)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            a = math.radians((i + self._step) * 30)
            p.drawLine(
                8 + 3.2 * math.cos(a),
                8 + 3.2 * math.sin(a),
                8 + 6.5 * math.cos(a),
                8 + 6.5 * math.sin(a),
            )
        p.end()


class MainWindow(QMainWindow):
    """Chroma Desk's window. ``state`` is shared with every tab."""

    def __init__(self, state: AppState | None = None) -> None:
        super().__init__()
        self.state = state or initial_state()
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.theme = settings.get_str("view/theme", "system")
        if self.theme not in THEMES:
            self.theme = "system"

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.setIconSize(QSize(16, 16))
        self.photos = PhotosTab(self.state, self.tabs)
        self.tabs.addTab(self.photos, icon("photo"), "Photos")
        self.extra_tabs: dict[str, Tab] = {}
        for cls, label, icon_name in EXTRA_TABS:
            tab = cls(self.state)
            self.tabs.addTab(tab, icon(icon_name), label)
            self.extra_tabs[label] = tab
            message = getattr(tab, "message", None)  # the Training tab has no status lines
            if message is not None:
                message.connect(self._show_message)
            info_changed = getattr(tab, "infoChanged", None)  # a tab with its own status facts
            if info_changed is not None:
                info_changed.connect(self._update_info)
        self.setCentralWidget(self.tabs)
        self.tabs.currentChanged.connect(self._tab_changed)

        self._build_status_bar()
        self._build_menus()
        self.photos.currentPhotoChanged.connect(lambda _item: self._update_title())
        self.photos.infoChanged.connect(self._update_info)
        self.photos.activityChanged.connect(self._update_busy)
        self.photos.message.connect(self._show_message)
        self.status_log = StatusLog(parent=self)  # ONNX exports and fallbacks, from any thread
        self.status_log.message.connect(self._show_message)
        self.state.modelChanged.connect(lambda _p: self._update_info())
        self.state.modelAdded.connect(lambda _p: self.photos.picker.refresh())
        hints = QGuiApplication.styleHints()
        if hints is not None:
            hints.colorSchemeChanged.connect(self._system_scheme_changed)
        self._restore_geometry()
        self._update_title()
        self._update_info()
        self._tab_changed(self.tabs.currentIndex())
        if self.state.model_path is None:
            QTimer.singleShot(0, self._say_no_model)

    # -- menus --------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        p = self.photos
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(p.act_open)
        file_menu.addAction(p.act_open_folder)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._fill_recent()
        file_menu.addSeparator()
        file_menu.addAction(p.act_save)
        file_menu.addAction(p.act_export)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit")
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)

        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([p.act_undo, p.act_redo])
        edit_menu.addSeparator()
        edit_menu.addActions([p.act_copy, p.act_paste])
        p.act_paste.triggered.connect(lambda: self.tabs.setCurrentWidget(p))  # show what came
        edit_menu.addSeparator()
        edit_menu.addActions([p.act_select_all, p.act_remove, p.act_clear])
        edit_menu.addSeparator()
        edit_menu.addActions([p.hint_mode.act_toggle, p.hint_mode.act_clear])

        view_menu = bar.addMenu("&View")
        for action in p.act_modes.values():
            view_menu.addAction(action)
        view_menu.addAction(p.act_toggle)
        view_menu.addSeparator()
        for action in (p.act_fit, p.act_actual, p.act_zoom_in, p.act_zoom_out):
            view_menu.addAction(action)
        view_menu.addSeparator()
        theme_menu = view_menu.addMenu("&Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for theme, text in (("system", "Follow System"), ("light", "Light"), ("dark", "Dark")):
            action = theme_menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(theme == self.theme)
            action.triggered.connect(lambda _c=False, t=theme: self.set_theme(t))
            group.addAction(action)
            self.theme_actions[theme] = action

        model_menu = bar.addMenu("&Model")
        load = model_menu.addAction("&Load Model File…")
        load.triggered.connect(p.picker.load_model_file)
        imp = model_menu.addAction("&Import Official Zhang et al. Weights…")
        imp.triggered.connect(lambda: p.picker.import_official())
        model_menu.addSeparator()
        card = model_menu.addAction(icon("info"), "Model &Card…")
        card.setShortcut(QKeySequence("Ctrl+I"))
        card.triggered.connect(p.picker.show_card)
        self.act_card = card
        temperature_menu = model_menu.addMenu("&Temperature")
        temperature_menu.setToolTipsVisible(True)
        temperature_menu.addActions(p.temperature_actions)
        self.temperature_menu = temperature_menu
        self._add_backend_menu(model_menu)
        model_menu.addSeparator()
        folder = model_menu.addAction("Open &Models Folder")
        folder.triggered.connect(self._open_models_folder)
        model_menu.addAction(p.act_stop)

        help_menu = bar.addMenu("&Help")
        keys = help_menu.addAction("&Keyboard Shortcuts")
        keys.setShortcut(QKeySequence("Ctrl+/"))
        keys.triggered.connect(self.show_shortcuts)
        self.act_shortcuts = keys
        help_menu.addSeparator()
        about = help_menu.addAction(f"&About {APP_TITLE}")
        about.triggered.connect(lambda: AboutDialog(self).exec())
        about_qt = help_menu.addAction("About &Qt")
        about_qt.triggered.connect(QApplication.aboutQt)

    def show_shortcuts(self) -> QDialog:
        """Help > Keyboard Shortcuts: every menu command's keys, then the view's mouse keys."""
        dialog = QDialog(self)
        dialog.setWindowTitle("Keyboard Shortcuts")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.resize(560, 620)
        layout = QVBoxLayout(dialog)
        browser = QTextBrowser(dialog)
        browser.setHtml(shortcuts_html(self.menuBar()))
        layout.addWidget(browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        dialog.browser = browser
        dialog.show()
        return dialog

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = settings.recent_files()
        for path in recent:
            action = self.recent_menu.addAction(Path(path).name or path)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_paths([p]))
        if recent:
            self.recent_menu.addSeparator()
        clear = self.recent_menu.addAction("Clear Recent")
        clear.setEnabled(bool(recent))
        clear.triggered.connect(settings.clear_recent)

    def _open_models_folder(self) -> None:
        folder = library.user_dir()
        folder.mkdir(parents=True, exist_ok=True)
        open_with_system(self, folder, "the models folder")

    def _tab_changed(self, index: int) -> None:
        on_photos = self.tabs.widget(index) is self.photos
        for action in self.photos.view_actions:
            action.setEnabled(on_photos)
        self._update_info()  # each tab's own facts in the status bar

    # -- status bar ---------------------------------------------------------------------------

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        self.spinner = BusySpinner(bar)
        self.busy_label = QLabel(bar)
        self.stop_button = QToolButton(bar)
        self.stop_button.setDefaultAction(self.photos.act_stop)
        self.stop_button.setAutoRaise(True)
        self.stop_button.setIconSize(QSize(14, 14))
        self.size_label = QLabel(bar)
        self.model_label = QLabel(bar)
        self.time_label = QLabel(bar)
        self.zoom_label = QLabel(bar)
        self.size_label.setToolTip("Size of the current photo")
        self.model_label.setToolTip("The model colourizing the photos")
        self.time_label.setToolTip(
            "Network pass for this photo, and the last render of it at the current temperature"
        )
        self.zoom_label.setToolTip("Zoom (F fits, 1 is 100%)")
        for w in (self.spinner, self.busy_label, self.stop_button):
            bar.addPermanentWidget(w)
        for w in (self.size_label, self.model_label, self.time_label, self.zoom_label):
            bar.addPermanentWidget(w)
        self._update_busy("")

    def _update_busy(self, text: str) -> None:
        if text:
            self.spinner.start()
            self.busy_label.setText(text)
            self.busy_label.show()
            self.stop_button.setVisible(self.photos.act_stop.isEnabled())
        else:
            self.spinner.stop()
            self.busy_label.hide()
            self.stop_button.hide()

    def _show_message(self, text: str, timeout: int) -> None:
        self.statusBar().showMessage(text, timeout)

    def _update_info(self) -> None:
        tab = self.tabs.currentWidget()
        own = tab is not self.photos and callable(getattr(tab, "status_info", None))
        info = tab.status_info() if own else self.photos.status_info()
        size = info.get("size")
        self.size_label.setText(
            f"{size[0]} × {size[1]}  ({size[0] * size[1] / 1e6:.1f} MP)" if size else ""
        )
        self.size_label.setVisible(bool(size))
        model = info.get("model")
        self.model_label.setText(f"Model: {model}" if model else "No model")
        times = []
        if info.get("predict_ms") is not None:
            times.append(f"Predict {info['predict_ms']:.0f} ms")
        if info.get("render_ms") is not None:
            times.append(f"Render {info['render_ms']:.0f} ms")
        if info.get("facts"):
            times.append(info["facts"])
        self.time_label.setText("  ·  ".join(times))
        self.time_label.setVisible(bool(times))
        zoom = info.get("zoom")
        self.zoom_label.setText(f"{zoom * 100:.0f}%" if zoom else "")
        self.zoom_label.setVisible(bool(zoom))

    def _update_title(self) -> None:
        item = self.photos.current_item
        self.setWindowTitle(f"{APP_TITLE} — {item.name}" if item is not None else APP_TITLE)

    def _say_no_model(self) -> None:
        self.statusBar().showMessage(
            "No colourization model found: use Model > Load Model File… or Import Official "
            "Zhang et al. Weights…"
        )

    def _add_backend_menu(self, model_menu: QMenu) -> None:
        menu = model_menu.addMenu("Run Networks &On")
        group = QActionGroup(self)
        for backend, label in BACKEND_LABELS.items():
            action = menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(backend == self.state.backend)
            action.triggered.connect(lambda _c=False, b=backend: self.set_backend(b))
            group.addAction(action)

    def set_backend(self, backend: str) -> None:
        """What runs the networks from now on (remembered); the tabs reload their model."""
        settings.set_value("model/backend", backend)
        self.state.set_backend(backend)

    # -- theme --------------------------------------------------------------------------------

    def set_theme(self, theme: str) -> None:
        self.theme = theme if theme in THEMES else "system"
        settings.set_value("view/theme", self.theme)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, self.theme)
        if self.theme in self.theme_actions:
            self.theme_actions[self.theme].setChecked(True)

    def _system_scheme_changed(self, _scheme) -> None:
        if self.theme == "system":
            self.set_theme("system")

    # -- drop and open ------------------------------------------------------------------------

    @staticmethod
    def dropped_paths(mime: QMimeData) -> list[Path]:
        """Folders, and files with a photo's extension, among the dropped URLs."""
        paths = []
        for url in mime.urls():
            if not url.isLocalFile():
                continue
            path = Path(url.toLocalFile())
            if path.is_dir() or path.suffix.lower() in IMAGE_SUFFIXES:
                paths.append(path)
        return paths

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self.dropped_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        if self.dropped_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = self.dropped_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_paths(paths)

    def open_paths(self, paths: list[str | Path]) -> int:
        """Add photos or folders to the Photos tab and show it."""
        self.tabs.setCurrentWidget(self.photos)
        missing = [str(p) for p in paths if not Path(p).exists()]
        if missing:
            self.statusBar().showMessage(f"Not found: {', '.join(missing)}", 8000)
        return self.photos.add_paths([p for p in paths if Path(p).exists()] or paths)

    # -- geometry and closing -----------------------------------------------------------------

    def _restore_geometry(self) -> None:
        geometry = settings.settings().value("window/geometry")
        restored = isinstance(geometry, QByteArray | bytes) and self.restoreGeometry(geometry)
        if not restored:
            screen = QGuiApplication.primaryScreen()
            available = screen.availableGeometry() if screen else None
            width, height = 1360, 860
            if available is not None:
                width = min(width, int(available.width() * 0.92))
                height = min(height, int(available.height() * 0.9))
            self.resize(width, height)
            if available is not None:
                self.move(available.center() - self.rect().center())
        window_state = settings.settings().value("window/state")
        if isinstance(window_state, QByteArray | bytes):
            self.restoreState(window_state)

    def save_settings(self) -> None:
        settings.set_value("window/geometry", self.saveGeometry())
        settings.set_value("window/state", self.saveState())
        if self.state.model_path is not None:
            settings.set_value("model/path", str(self.state.model_path))
        settings.set_value("model/temperature", self.state.temperature)
        settings.set_value("view/theme", self.theme)
        self.photos.save_settings()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        for tab in self.extra_tabs.values():
            if not tab.confirm_close():
                event.ignore()
                return
        self.save_settings()
        self.status_log.detach()
        self.photos.shutdown()
        for label, tab in self.extra_tabs.items():
            try:
                tab.shutdown()
            except Exception:  # one tab's failure must not keep the others' threads running
                log.exception("the %s tab failed to shut down", label)
        event.accept()

    def show_error(self, title: str, text: str) -> None:
        QMessageBox.warning(self, title, text)

    def menu_titles(self) -> list[str]:
        return [a.text().replace("&", "") for a in self.menuBar().actions()]

    def find_menu(self, title: str) -> QMenu | None:
        for action in self.menuBar().actions():
            if action.text().replace("&", "") == title:
                return action.menu()
        return None
