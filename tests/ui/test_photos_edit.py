"""The Photos tab as a desktop user expects it: every control reachable in a small window, what
was just opened on screen, the Edit menu (undo, copy, paste, select all), the shortcut list,
the photo list back after a restart, and plain words where the system cannot help."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox, QToolButton

from chroma_desk.ui.photo_queue import DONE, ERROR

WAIT_MS = 60_000


def settled(tab) -> bool:
    return bool(tab.items) and all(i.status in (DONE, ERROR) for i in tab.items)


def shown(tab, path: Path) -> bool:
    return tab.current_item is not None and tab.current_item.path == path


def menu_action(window, *titles: str):
    """The action at ``titles`` (menu, submenu..., action) of the menu bar."""
    menu = window.find_menu(titles[0])
    for title in titles[1:]:
        action = next(a for a in menu.actions() if a.text().replace("&", "") == title)
        if action.menu() is None:
            return action
        menu = action.menu()
    return menu


def test_every_toolbar_control_and_the_temperature_at_1024x700(qtbot, make_window):
    window = make_window()
    window.resize(1024, 700)
    tab = window.photos
    qtbot.waitUntil(lambda: tab.toolbar.width() <= 1024)
    bar = tab.toolbar
    for action in (*tab.act_modes.values(), tab.act_fit, tab.act_actual):
        assert bar.widgetForAction(action).isVisible(), action.text()
    assert tab.temperature.isVisible() and tab.temperature.slider.isEnabled()
    assert tab.picker.isVisible()
    extension = bar.findChild(QToolButton, "qt_toolbar_ext_button")
    assert extension is None or not extension.isVisible()
    right = max(bar.widgetForAction(a).geometry().right() for a in bar.actions()[-2:])
    assert right <= bar.width()
    # the slider sets it...
    tab.temperature.slider.setValue(25)
    assert window.state.temperature == pytest.approx(0.25)
    # ...and so does the Model menu, at any width
    menu_action(window, "Model", "Temperature", "More Vivid").trigger()
    assert window.state.temperature == pytest.approx(0.20)
    menu_action(window, "Model", "Temperature", "Calmer").trigger()
    menu_action(window, "Model", "Temperature", "Calmer").trigger()
    assert window.state.temperature == pytest.approx(0.30)
    # a wide window gives the buttons their labels back
    window.resize(1600, 1000)
    qtbot.waitUntil(lambda: tab.toolbar.level == 0)
    assert tab.toolbar.text_buttons[1].text() == "Save"


def test_model_box_is_wide_enough_for_the_model_names(qtbot, make_window):
    window = make_window()
    window.resize(1600, 1000)
    combo = window.photos.picker.combo
    title = combo.currentText().strip()
    assert title == "Tiny classification (tests)"
    qtbot.waitUntil(lambda: combo.width() > combo.fontMetrics().horizontalAdvance(title) + 20)


def test_file_open_shows_what_was_just_opened_even_a_broken_file(
    qtbot, make_window, photos, tmp_path, monkeypatch
):
    window = make_window()
    tab = window.photos
    tab.add_paths([photos[0]])
    qtbot.waitUntil(lambda: settled(tab), timeout=WAIT_MS)
    chosen: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *_a, **_k: (list(chosen), "Images"))
    chosen[:] = [str(photos[1])]
    tab.act_open.trigger()
    assert shown(tab, photos[1]) and tab.items[1].path == photos[1]
    assert photos[1].name in window.windowTitle()
    qtbot.waitUntil(lambda: tab.view.after is not None and tab.opened is not None, timeout=WAIT_MS)
    assert tab.opened.path == photos[1]

    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really a photo")
    chosen[:] = [str(broken)]
    tab.act_open.trigger()
    assert shown(tab, broken)
    qtbot.waitUntil(lambda: tab.current_item.status == ERROR, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: tab.view.shown_message() is not None, timeout=WAIT_MS)
    assert "could not be opened" in tab.view.shown_message()[0]
    # opening one already listed shows it too
    chosen[:] = [str(photos[0])]
    tab.act_open.trigger()
    assert shown(tab, photos[0]) and len(tab.items) == 3


def test_remove_and_clear_can_be_undone_with_results_kept(qtbot, make_window, photos):
    window = make_window()
    tab = window.photos
    tab.add_paths(photos)
    qtbot.waitUntil(lambda: settled(tab), timeout=WAIT_MS)
    undo = menu_action(window, "Edit", "Undo")
    redo = menu_action(window, "Edit", "Redo")
    calls = tab.colorizer.forward_calls
    first, middle, last = tab.items
    tab.select(middle)
    menu_action(window, "Edit", "Remove From List").trigger()
    assert tab.items == [first, last] and tab.current_item is last
    assert undo.isEnabled() and "coffee.jpg" in undo.text()
    undo.trigger()
    assert tab.items == [first, middle, last] and tab.current_item is middle
    assert middle.status == DONE and middle.prediction is not None
    redo.trigger()
    assert tab.items == [first, last]
    undo.trigger()
    menu_action(window, "Edit", "Select All").trigger()
    assert len(tab.list.selectionModel().selectedRows()) == 3
    tab.act_remove.trigger()
    assert tab.items == [] and tab.current_item is None
    undo.trigger()
    assert tab.items == [first, middle, last]
    menu_action(window, "Edit", "Clear List").trigger()
    assert tab.items == []
    undo.trigger()
    assert tab.items == [first, middle, last]
    assert all(i.status == DONE for i in tab.items)
    assert tab.colorizer.forward_calls == calls  # nothing had to be colourized again


def test_temperature_changes_are_undone_one_drag_at_a_time(qtbot, make_window):
    window = make_window()
    tab, state = window.photos, window.state
    for value in (30, 25, 20):  # one drag
        tab.temperature.slider.setValue(value)
    qtbot.waitUntil(lambda: tab.undo_stack.count() == 1)
    assert tab.act_undo.text().replace("&", "") == "Undo Temperature 0.38 → 0.20"
    tab.act_undo.trigger()
    assert state.temperature == pytest.approx(0.38)
    assert tab.temperature.slider.value() == 38
    tab.act_redo.trigger()
    assert state.temperature == pytest.approx(0.20)
    menu_action(window, "Model", "Temperature", "Reset Temperature").trigger()
    tab.temperature_history.commit()
    assert tab.undo_stack.count() == 2
    tab.act_undo.trigger()
    assert state.temperature == pytest.approx(0.20)


def test_copy_puts_the_colourized_photo_on_the_clipboard_and_paste_adds_one(
    qtbot, make_window, photos, ui_settings
):
    window = make_window()
    tab = window.photos
    tab.add_paths([photos[0]])
    qtbot.waitUntil(lambda: settled(tab) and tab.view.after is not None, timeout=WAIT_MS)
    clipboard = QGuiApplication.clipboard()
    clipboard.clear()
    menu_action(window, "Edit", "Copy Colourized Photo").trigger()
    qtbot.waitUntil(lambda: not clipboard.image().isNull(), timeout=WAIT_MS)
    image = clipboard.image().convertToFormat(QImage.Format.Format_RGB888)
    assert (image.width(), image.height()) == (400, 300)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(300, image.bytesPerLine())
    rgb = pixels[:, : 400 * 3].reshape(300, 400, 3).astype(int)
    assert np.abs(rgb[..., 0] - rgb[..., 2]).mean() > 1.0  # in colour, not the gray input

    # a screenshot-like image on the clipboard becomes a photo in the list
    gray = QImage(str(photos[2]))
    clipboard.setImage(gray)
    menu_action(window, "Edit", "Paste Photo").trigger()
    qtbot.waitUntil(lambda: len(tab.items) == 2, timeout=WAIT_MS)
    pasted = tab.items[1]
    assert pasted.name.startswith("pasted") and pasted.path.is_file()
    assert pasted.path.is_relative_to(ui_settings)
    assert tab.current_item is pasted
    assert QImage(str(pasted.path)).size() == gray.size()
    # photo files on the clipboard (copied in a file manager) are added as they are
    mime = QMimeData()
    from PySide6.QtCore import QUrl

    mime.setUrls([QUrl.fromLocalFile(str(photos[1]))])
    clipboard.setMimeData(mime)
    tab.act_paste.trigger()
    assert tab.items[2].path == photos[1] and tab.current_item is tab.items[2]


def test_ctrl_equals_zooms_in_and_the_shortcut_list_shows_it(qtbot, make_window, photos):
    from PySide6.QtGui import QKeySequence

    window = make_window()
    tab = window.photos
    assert QKeySequence("Ctrl+=") in tab.act_zoom_in.shortcuts()
    tab.add_paths([photos[0]])
    qtbot.waitUntil(lambda: tab.view.before is not None, timeout=WAIT_MS)
    zoom = tab.view.zoom
    tab.act_zoom_in.trigger()
    assert tab.view.zoom == pytest.approx(zoom * 1.25)
    dialog = window.show_shortcuts()
    text = dialog.browser.toPlainText()
    for needed in ("Ctrl+=", "Zoom In", "Ctrl+Z", "Undo", "Space", "Flip Before/After", "Ctrl+V"):
        assert needed in text, needed
    dialog.close()
    assert window.act_shortcuts in window.find_menu("Help").actions()


def test_space_in_split_view_goes_back_to_split(qtbot, make_window, photos):
    from chroma_desk.ui.compare_view import SINGLE, SPLIT

    window = make_window()
    tab = window.photos
    tab.view.set_mode(SPLIT)
    tab.act_toggle.trigger()
    assert tab.view.mode == SINGLE and tab.act_modes[SINGLE].isChecked()
    tab.act_toggle.trigger()
    assert tab.view.mode == SPLIT and tab.act_modes[SPLIT].isChecked()


def test_the_photo_list_comes_back_after_a_restart(qtbot, make_window, photos):
    window = make_window()
    tab = window.photos
    tab.add_paths(photos)
    tab.select(tab.items[2])
    tab.items[1].settings.hints.append({"x": 0.5, "y": 0.25, "ab": [20.0, 30.0]})
    window.close()
    photos[0].unlink()  # gone since: left out
    again = make_window()
    restored = again.photos
    assert [i.path for i in restored.items] == photos[1:]
    assert restored.current_item is restored.items[1]
    assert restored.items[0].settings.hints == [{"x": 0.5, "y": 0.25, "ab": [20.0, 30.0]}]
    qtbot.waitUntil(lambda: settled(restored), timeout=WAIT_MS)


def test_temperature_commands_are_off_for_a_model_without_temperature(
    qtbot, make_window, tiny_regression_model
):
    window = make_window(model=tiny_regression_model)
    tab = window.photos
    for action in tab.temperature_actions:
        assert not action.isEnabled(), action.text()
    assert not menu_action(window, "Model", "Temperature", "Reset Temperature").isEnabled()


def test_cancel_on_replace_says_nothing_was_saved(
    qtbot, make_window, photos, tmp_path, monkeypatch
):
    window = make_window()
    tab = window.photos
    said: list[str] = []
    tab.message.connect(lambda text, _ms: said.append(text))
    tab.add_paths([photos[0]])
    qtbot.waitUntil(lambda: settled(tab) and tab.opened is not None, timeout=WAIT_MS)
    target = tmp_path / "earlier.png"
    target.write_bytes(b"an earlier result")
    monkeypatch.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Cancel)
    assert tab.save_current(target) is None
    assert target.read_bytes() == b"an earlier result"
    assert said[-1] == "Not saved: earlier.png was kept as it was."


def test_a_photo_colourized_before_says_so_when_opened_again(qtbot, make_window, photos, tmp_path):
    window = make_window()
    tab = window.photos
    said: list[str] = []
    tab.message.connect(lambda text, _ms: said.append(text))
    tab.add_paths([photos[0]])
    qtbot.waitUntil(lambda: settled(tab) and tab.opened is not None, timeout=WAIT_MS)
    target = tmp_path / "out" / "astronaut_color.png"
    target.parent.mkdir()
    with qtbot.waitSignal(tab.message, check_params_cb=lambda t, _ms: t.startswith("Saved")):
        tab.save_current(target)
    tab.clear()
    tab.add_paths([photos[0]])
    item = tab.items[0]
    assert item.settings.saved_to == str(target)
    assert f"colourized before: saved as {target}" in said[-1]
    tooltip = tab.model.data(tab.model.index(0), Qt.ItemDataRole.ToolTipRole)
    assert f"Saved as {target}" in tooltip


def test_show_in_folder_says_so_when_the_system_has_no_file_manager(qtbot, make_window, photos):
    from chroma_desk.ui.desktop import open_with_system

    window = make_window()
    # offscreen Qt has no program to open folders with, like a bare system
    assert not open_with_system(window, photos[0].parent, "the photo's folder")
    box = window.findChild(QMessageBox, "noOpenerBox")
    assert box is not None and box.isVisible()
    assert "no program" in box.text() and str(photos[0].parent) in box.informativeText()
    copy = next(b for b in box.buttons() if b.text() == "Copy Path")
    copy.click()
    assert QGuiApplication.clipboard().text() == str(photos[0].parent)


def test_live_snapshots_go_to_the_pictures_folder(qtbot, tiny_model):
    from PySide6.QtCore import QStandardPaths

    from chroma_desk.ui.live_tab import LiveTab
    from chroma_desk.ui.state import AppState

    tab = LiveTab(AppState(tiny_model, 0.38))
    qtbot.addWidget(tab)
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    assert pictures and tab.output_folder == Path(pictures) != Path.home()
    tab.shutdown()
