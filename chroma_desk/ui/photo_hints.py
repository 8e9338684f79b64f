"""Hint mode in the Photos tab: the ``HintEditor`` on the tab's view, each photo's points kept in
its ``PhotoSettings.hints`` (saved with the list), the toolbar button and H, "Clear Hints".

The tab asks ``hints_for(item)`` when it predicts, saves or exports a photo, so a hinted photo is
always colourized with its points; everything else goes through the tab's signals.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolButton

from chroma_desk.engine.colorizer import Prediction
from chroma_desk.engine.hints import Hint, HintError, parse_hints
from chroma_desk.ui.hint_mode import HintEditor
from chroma_desk.ui.icons import icon
from chroma_desk.ui.photo_queue import PhotoItem

if TYPE_CHECKING:
    from chroma_desk.ui.photos_tab import PhotosTab

log = logging.getLogger(__name__)

FULL_RENDER_DELAY_MS = 200  # after the points rest, the full resolution (preview before)
HINT_TIP = "Hint mode: click the photo to say what colour a place is (H)"


def stored_hints(item: PhotoItem) -> list[Hint]:
    """The photo's saved points (an unreadable saved list gives none, and is logged)."""
    try:
        return parse_hints({"hints": item.settings.hints})
    except HintError as exc:
        log.warning("%s: saved colour points ignored: %s", item.path, exc)
        return []


class PhotoHints(QObject):
    """Hint mode of one ``PhotosTab`` (see the module doc)."""

    def __init__(self, tab: PhotosTab) -> None:
        super().__init__(tab)
        self.tab = tab
        self.editor = HintEditor(tab.view, tab.undo_stack, tab._workers["hints"], self)
        self.editor.hintsChanged.connect(self._hints_changed)
        self.editor.predictionReady.connect(self._prediction_ready)
        self.editor.failed.connect(lambda text: tab.message.emit(text, 8000))
        self._shown: tuple[PhotoItem, object, int] | None = None
        self._full_timer = QTimer(self)
        self._full_timer.setSingleShot(True)
        self._full_timer.setInterval(FULL_RENDER_DELAY_MS)
        self._full_timer.timeout.connect(lambda: tab._request_render(preview=False))

        self.act_toggle = QAction(icon("hint"), "Colour &Hints", tab)
        self.act_toggle.setIconText("Hints")
        self.act_toggle.setCheckable(True)
        self.act_toggle.setShortcut(QKeySequence("H"))
        self.act_toggle.toggled.connect(self.set_active)
        self.act_clear = QAction("Clear Hints", tab)
        self.act_clear.setToolTip("Remove every colour point of this photo (undo brings them back)")
        self.act_clear.triggered.connect(lambda _checked=False: self.editor.clear())
        tab.addActions([self.act_toggle, self.act_clear])
        self.button = QToolButton(tab.toolbar)
        self.button.setDefaultAction(self.act_toggle)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setAutoRaise(True)
        tab.toolbar.addSeparator()
        tab.toolbar.addWidget(self.button)
        tab.toolbar.text_buttons.append(self.button)

        tab.currentPhotoChanged.connect(lambda _item: self.sync())
        tab.renderFinished.connect(self.sync)
        tab.infoChanged.connect(self.sync)  # a model loaded, a photo opened
        tab.state.temperatureChanged.connect(self._temperature)
        self.sync()

    # -- what the tab asks --------------------------------------------------------------------

    def hints_for(self, item: PhotoItem) -> list[Hint]:
        """The points to colourize ``item`` with (none when the model takes no hints)."""
        colorizer = self.tab.colorizer
        if colorizer is None or not colorizer.takes_hints:
            return []
        return stored_hints(item)

    def export_hints(self) -> dict:
        """Points per photo path, for an export of the whole list."""
        return {i.path: h for i in self.tab.items if (h := self.hints_for(i))}

    # -- hint mode ----------------------------------------------------------------------------

    def set_active(self, active: bool) -> None:
        active = active and self.act_toggle.isEnabled()
        if self.act_toggle.isChecked() != active:
            self.act_toggle.setChecked(active)
        self.editor.set_active(active)
        if active:
            self.tab.message.emit(
                "Hint mode: click the photo to add a colour point; drag to move it, wheel to "
                "resize, right-click or Delete to remove. H to leave.",
                8000,
            )

    def _temperature(self, value: float) -> None:
        self.editor.temperature = value

    def sync(self) -> None:
        """Follow the tab: the model, the photo on screen and its prediction."""
        tab, editor = self.tab, self.editor
        colorizer = tab.colorizer
        if colorizer is not editor.colorizer:
            editor.set_colorizer(colorizer)
            self._shown = None
        editor.temperature = tab.state.temperature
        item, opened = tab.current_item, tab.opened
        usable = (
            item is not None
            and opened is not None
            and item.prediction is not None
            and item.predicted_by == tab.queue.generation
            and colorizer is not None
            and colorizer.takes_hints
        )
        if not usable:
            if editor.key is not None:
                editor.clear_photo()
            self._shown = None
        else:
            assert item is not None and opened is not None
            shown = self._shown
            if (
                shown is None
                or shown[0] is not item
                or shown[1] is not opened
                or shown[2] != item.predicted_by
            ):
                self._shown = (item, opened, item.predicted_by)
                # the editor re-runs from the full-size L: hints are in full-size pixels
                full = replace(item.prediction, lightness=opened.lightness)
                editor.set_photo(item, full, opened.lightness, stored_hints(item))
        self._update_actions(item)

    def _update_actions(self, item: PhotoItem | None) -> None:
        colorizer = self.tab.colorizer
        if colorizer is None:
            enabled, tip = False, "Colour hints need a model (none is loaded yet)"
        elif not colorizer.takes_hints:
            enabled = False
            tip = (
                f"The model “{colorizer.name}” takes no colour hints (it has no hint inputs). "
                "Choose a model whose card says it takes hints."
            )
        else:
            enabled, tip = item is not None, HINT_TIP
        self.act_toggle.setEnabled(enabled)
        self.act_toggle.setToolTip(tip)
        self.act_toggle.setStatusTip(tip)
        self.button.setToolTip(tip)
        self.act_clear.setEnabled(enabled and bool(self.editor.hints))
        if not enabled and self.act_toggle.isChecked():
            self.set_active(False)

    # -- what the editor says -----------------------------------------------------------------

    def _hints_changed(self, item: PhotoItem, hints: tuple[Hint, ...]) -> None:
        item.settings.hints = [h.to_json() for h in hints]
        self.tab.model.changed(item)  # the list marks a hinted photo
        self.act_clear.setEnabled(self.act_toggle.isEnabled() and bool(hints))
        if item is not self.tab.current_item and item in self.tab.queue:
            self.tab.select(item)  # an undo of another photo's edit: show what changed

    def _prediction_ready(self, item: PhotoItem, prediction: Prediction) -> None:
        tab = self.tab
        if item is not tab.current_item or tab.opened is None or item.prediction is None:
            return
        if tab.colorizer is not self.editor.colorizer:
            return
        # keep the small L the list keeps with every prediction, not the full one
        item.prediction = replace(prediction, lightness=item.prediction.lightness)
        # a quick render first only for a photo much larger than the preview size
        small = tab.opened.preview_lightness
        preview = small is not None and tab.opened.lightness.size > 2 * small.size
        tab._request_render(preview=preview)
        if preview:
            self._full_timer.start()
