"""The Photos tab's commands (one QAction each, shared by the menus, the toolbar and the keys),
its toolbar and the photo list's context menu.

``build_actions(tab)`` sets them on the tab as ``tab.act_*`` (and the undo stack as
``tab.undo_stack``); the tab's methods are what they run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoStack
from PySide6.QtWidgets import QLabel, QMenu, QToolBar, QToolButton

from chroma_desk.ui.compare_view import SIDE, SINGLE, SPLIT
from chroma_desk.ui.desktop import open_with_system
from chroma_desk.ui.icons import icon
from chroma_desk.ui.model_picker import add_model_controls
from chroma_desk.ui.photo_edit import TemperatureHistory

if TYPE_CHECKING:
    from chroma_desk.ui.photos_tab import PhotosTab


def _action(
    tab: PhotosTab, text: str, slot, shortcut=None, icon_name: str | None = None, tip: str = ""
) -> QAction:
    action = QAction(text, tab)
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
    tab.addAction(action)
    return action


def build_actions(tab: PhotosTab) -> None:
    """The tab's commands (menus, toolbar and keys use the same QActions)."""
    K = QKeySequence
    tab.act_open = _action(tab,
        "&Open Photos…", tab.open_dialog, K.StandardKey.Open, "open",
        "Open photos (Ctrl+O)",
    )  # fmt: skip
    tab.act_open_folder = _action(tab,
        "Open &Folder…", tab.open_folder_dialog, K("Ctrl+Shift+O"), None,
        "Add every photo in a folder and its subfolders",
    )  # fmt: skip
    tab.act_save = _action(tab,
        "&Save Colourized Photo…", tab.save_current, K.StandardKey.Save, "save",
        "Save the current result at full resolution (Ctrl+S)",
    )  # fmt: skip
    tab.act_export = _action(tab,
        "&Export All…", tab.export_all, K("Ctrl+Shift+S"), "export",
        "Colourize every photo in the list into a folder (Ctrl+Shift+S)",
    )  # fmt: skip
    tab.act_remove = _action(tab,
        "&Remove From List", tab.remove_current, K.StandardKey.Delete, "remove",
        "Remove the selected photos from the list (the files are not touched)",
    )  # fmt: skip
    tab.act_clear = _action(tab, "Clear List", tab.clear, None, None, "Remove every photo")
    tab.act_stop = _action(tab,
        "Stop Colourizing", tab.stop_colourizing, None, "stop",
        "Stop colourizing the photos still waiting (select one to colourize it)",
    )  # fmt: skip
    tab.mode_group = QActionGroup(tab)
    tab.act_modes: dict[str, QAction] = {}
    for mode, text, key, name, tip in (
        (SPLIT, "&Split View", "Ctrl+1", "split", "Before and after with a divider"),
        (SIDE, "Side &by Side", "Ctrl+2", "side", "Before and after side by side"),
        (SINGLE, "&One at a Time", "Ctrl+3", "single", "One image; Space flips it"),
    ):
        action = _action(
            tab, text, lambda m=mode: tab.view.set_mode(m), K(key), name, f"{tip} ({key})"
        )
        action.setCheckable(True)
        tab.mode_group.addAction(action)
        tab.act_modes[mode] = action
    tab.act_toggle = _action(tab,
        "Flip Before/After", tab.toggle_before_after, K(Qt.Key.Key_Space), None,
        "Show the original or the result (Space)",
    )  # fmt: skip
    tab.act_fit = _action(tab,
        "&Fit", lambda: tab.view.fit(), [K("F"), K("Ctrl+0")], "fit",
        "Fit the photo in the window (F)",
    )  # fmt: skip
    tab.act_actual = _action(tab,
        "&100%", lambda: tab.view.actual_size(), [K("1"), K("Ctrl+Alt+0")], "actual",
        "One photo pixel per screen pixel (1)",
    )  # fmt: skip
    tab.act_zoom_in = _action(
        tab,
        "Zoom &In",
        lambda: tab.view.zoom_by(1.25),
        [K.StandardKey.ZoomIn, K("Ctrl+="), K("=")],
    )
    tab.act_zoom_out = _action(
        tab, "Zoom &Out", lambda: tab.view.zoom_by(0.8), [K.StandardKey.ZoomOut, K("-")]
    )
    for action, short in ((tab.act_open, "Open"), (tab.act_save, "Save")):
        action.setIconText(short)  # the toolbar's label; menus show the full text
    tab.act_export.setIconText("Export All")
    build_edit_actions(tab)
    tab.view_actions = [
        *tab.act_modes.values(),
        tab.act_toggle,
        tab.act_fit,
        tab.act_actual,
        tab.act_zoom_in,
        tab.act_zoom_out,
    ]


def build_edit_actions(tab: PhotosTab) -> None:
    """Undo/redo on the tab's ``undo_stack``, the clipboard, Select All, the temperature."""
    K = QKeySequence
    tab.undo_stack = QUndoStack(tab)
    tab.act_undo = tab.undo_stack.createUndoAction(tab, "&Undo")
    tab.act_undo.setShortcut(K.StandardKey.Undo)
    tab.act_redo = tab.undo_stack.createRedoAction(tab, "&Redo")
    tab.act_redo.setShortcuts(_unique([*K.keyBindings(K.StandardKey.Redo), K("Ctrl+Shift+Z")]))
    tab.addActions([tab.act_undo, tab.act_redo])
    tab.temperature_history = TemperatureHistory(tab.state, tab.undo_stack)
    tab.act_copy = _action(tab,
        "&Copy Colourized Photo", tab.copy_result, K.StandardKey.Copy, None,
        "Copy the colourized photo, at full resolution, to the clipboard",
    )  # fmt: skip
    tab.act_paste = _action(tab,
        "&Paste Photo", tab.paste, K.StandardKey.Paste, None,
        "Add the photo (or photo files) on the clipboard to the list",
    )  # fmt: skip
    tab.act_select_all = _action(tab,
        "Select &All", tab.select_all, K.StandardKey.SelectAll, None,
        "Select every photo in the list",
    )  # fmt: skip
    tab.act_vivid = _action(tab,
        "More &Vivid", lambda: tab.temperature.nudge(-0.05), K("Ctrl+["), None,
        "Lower the temperature by 0.05: stronger, patchier colour",
    )  # fmt: skip
    tab.act_calmer = _action(tab,
        "&Calmer", lambda: tab.temperature.nudge(0.05), K("Ctrl+]"), None,
        "Raise the temperature by 0.05: calmer, more muted colour",
    )  # fmt: skip
    tab.act_set_temperature = _action(tab,
        "&Set Temperature…", lambda: tab.temperature.ask(), None, None,
        "Type a temperature between 0.01 and 1.00",
    )  # fmt: skip
    tab.act_reset_temperature = _action(tab,
        "&Reset Temperature", lambda: tab.temperature.reset(), None, "reset",
        "Back to this model's default temperature",
    )  # fmt: skip
    tab.temperature_actions = [
        tab.act_vivid,
        tab.act_calmer,
        tab.act_set_temperature,
        tab.act_reset_temperature,
    ]


class PhotosToolbar(QToolBar):
    """Open, Save, Export All; the model and its temperature; the view modes, Fit and 1:1.

    In a narrow window it gives room step by step (``level`` 1: the labelled buttons show
    only their icons; 2: the model box shows fewer characters), so that the temperature, the
    view buttons, Fit and 1:1 stay on it rather than in its overflow menu."""

    def __init__(self, tab: PhotosTab) -> None:
        super().__init__("Photos", tab)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setIconSize(QSize(18, 18))
        self.text_buttons: list[QToolButton] = []
        for action in (tab.act_open, tab.act_save, tab.act_export):
            button = QToolButton(self)
            button.setDefaultAction(action)  # labelled with the action's short iconText
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            self.addWidget(button)
            self.text_buttons.append(button)
        self.addSeparator()
        self.model_label_action = self.addWidget(QLabel("Model", self))
        self.picker, self.temperature = add_model_controls(self, tab.state)
        self.addActions(list(tab.act_modes.values()))
        self.addSeparator()
        self.addActions([tab.act_fit, tab.act_actual])
        for action in (*tab.act_modes.values(), tab.act_fit, tab.act_actual):
            button = self.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.level = 0

    def fit(self, width: int) -> None:
        """Give up as little as needed to fit in ``width`` pixels."""
        for level in range(3):
            self.set_level(level)
            if self.sizeHint().width() <= width:
                return

    def set_level(self, level: int) -> None:
        if level == self.level:
            return
        self.level = level
        style = Qt.ToolButtonStyle
        for button in self.text_buttons:
            button.setToolButtonStyle(
                style.ToolButtonIconOnly if level else style.ToolButtonTextBesideIcon
            )
        self.model_label_action.setVisible(level == 0)
        self.picker.set_compact(level == 2)


def list_menu(tab: PhotosTab, pos: QPoint) -> None:
    """The photo list's context menu at ``pos`` (list viewport coordinates)."""
    index = tab.list.indexAt(pos)
    if not index.isValid():
        return
    item = tab.model.items[index.row()]
    tab.select(item)
    menu = QMenu(tab)
    menu.addAction(tab.act_save)
    again = menu.addAction("Colourize Again")
    again.setEnabled(tab.colorizer is not None)
    again.triggered.connect(lambda: tab._requeue(item))
    folder = menu.addAction("Show in Folder")
    folder.triggered.connect(lambda: open_with_system(tab, item.path.parent, "the photo's folder"))
    menu.addSeparator()
    menu.addAction(tab.act_remove)
    menu.exec(tab.list.viewport().mapToGlobal(pos))


def _unique(keys: list[QKeySequence]) -> list[QKeySequence]:
    """``keys`` without repeats (a platform's standard keys may already hold one we add)."""
    seen: list[QKeySequence] = []
    for key in keys:
        if key not in seen:
            seen.append(key)
    return seen
