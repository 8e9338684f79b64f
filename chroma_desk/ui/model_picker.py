"""Model picker and temperature control, both bound to the shared ``AppState``.

Any tab can embed them: they follow ``state.modelChanged`` / ``state.temperatureChanged`` and
write back through ``state.set_model_path`` / ``state.set_temperature``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QSizePolicy,
    QSlider,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QToolBar,
    QToolButton,
    QWidget,
)

from chroma_desk.color.bins import PAPER_TEMPERATURE
from chroma_desk.models import library
from chroma_desk.models.checkpoint import ModelFileError, read_card
from chroma_desk.ui import settings
from chroma_desk.ui.aio import Worker, spawn
from chroma_desk.ui.icons import icon
from chroma_desk.ui.state import AppState

ROLE_KIND = Qt.ItemDataRole.UserRole + 1  # "model" | "load" | "import" | "header"
ROLE_PATH = Qt.ItemDataRole.UserRole + 2
EXTRA_MODELS_KEY = "models/extra_files"


def model_title(card: dict, path: Path) -> str:
    return str(card.get("title") or card.get("name") or path.stem)


def import_official_file(src: str | Path, dest_dir: str | Path) -> Path:
    """Run in a worker thread: convert an official Zhang et al. .pth into our format."""
    from chroma_desk.models.official import import_official

    return import_official(src, dest_dir)


class _NameBox(QComboBox):
    """A combo box about ``chars`` characters wide; it can shrink to its minimum contents."""

    chars = 22

    def paintEvent(self, _event) -> None:  # noqa: N802
        """As QComboBox paints itself, with a name too long for the box cut with "…"."""
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, self
        )
        option.currentText = self.fontMetrics().elidedText(
            option.currentText, Qt.TextElideMode.ElideRight, field.width()
        )
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = super().sizeHint()
        more = self.chars - self.minimumContentsLength()
        return QSize(
            hint.width() + max(0, more) * self.fontMetrics().averageCharWidth(), hint.height()
        )


class ModelPicker(QWidget):
    """A combo box of bundled and user models plus "Load model file..." and "Import official
    Zhang et al. weights...", and a button that opens the model card."""

    busyChanged = Signal(str)  # a message while an import runs, "" when done
    NARROW, WIDE = 22, 46  # characters the closed box shows (names longer than WIDE are cut)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.combo = _NameBox(self)
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.compact = False  # a narrow window: the box shows fewer characters
        self.combo.setMinimumContentsLength(self.NARROW)
        self.combo.view().setTextElideMode(Qt.TextElideMode.ElideRight)
        self.combo.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.combo.setToolTip("The colourization model")
        self.model = QStandardItemModel(self)
        self.combo.setModel(self.model)
        self.card_button = QToolButton(self)
        self.card_button.setIcon(icon("info"))
        self.card_button.setAutoRaise(True)
        self.card_button.setToolTip("Model card: what this model is, its training and metrics")
        self.card_button.clicked.connect(self.show_card)
        layout.addWidget(self.combo)
        layout.addWidget(self.card_button)
        self._import_task: asyncio.Task | None = None
        self.refresh()
        self.combo.activated.connect(self._activated)
        state.modelChanged.connect(lambda _path: self._select_current())
        state.modelAdded.connect(lambda _path: self.refresh())

    # -- contents -----------------------------------------------------------------------------

    def _header(self, text: str) -> None:
        item = QStandardItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        item.setData("header", ROLE_KIND)
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 0.9)
        item.setFont(font)
        self.model.appendRow(item)

    def _entry(self, title: str, path: Path, tooltip: str) -> None:
        item = QStandardItem(f"  {title}")
        item.setData("model", ROLE_KIND)
        item.setData(str(path), ROLE_PATH)
        item.setToolTip(tooltip)
        self.model.appendRow(item)

    def _action(self, text: str, kind: str, tooltip: str) -> None:
        item = QStandardItem(text)
        item.setData(kind, ROLE_KIND)
        item.setToolTip(tooltip)
        self.model.appendRow(item)

    def _separator(self) -> None:
        item = QStandardItem("")
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        item.setData("separator", Qt.ItemDataRole.AccessibleDescriptionRole)
        item.setData("header", ROLE_KIND)
        self.model.appendRow(item)

    def model_paths(self) -> list[Path]:
        """Paths of the models listed (tests)."""
        paths = []
        for row in range(self.model.rowCount()):
            item = self.model.item(row)
            if item.data(ROLE_KIND) == "model":
                paths.append(Path(item.data(ROLE_PATH)))
        return paths

    def refresh(self) -> None:
        """Re-read the bundled folder, the user's models folder and the extra files."""
        with QSignalBlocker(self.combo):
            self.model.clear()
            entries = library.list_models()
            known = {e.path.resolve() for e in entries}
            extras = []
            for raw in settings.get_list(EXTRA_MODELS_KEY):
                path = Path(raw)
                if path.is_file() and path.resolve() not in known:
                    try:
                        extras.append((path, read_card(path)))
                        known.add(path.resolve())
                    except ModelFileError:
                        continue
            current = self.state.model_path
            if current is not None and Path(current).is_file():
                if Path(current).resolve() not in known:
                    try:
                        extras.append((Path(current), read_card(current)))
                    except ModelFileError:
                        pass
            groups = [
                ("Bundled", [(e.path, e.card) for e in entries if e.bundled]),
                ("Your models", [(e.path, e.card) for e in entries if not e.bundled]),
                ("Other files", extras),
            ]
            any_model = False
            for title, items in groups:
                if not items:
                    continue
                self._header(title)
                for path, card in items:
                    any_model = True
                    kind = card.get("kind", "?")
                    self._entry(model_title(card, path), path, f"{path}\n{kind} model")
            if not any_model:
                item = QStandardItem("No model found")
                item.setData("none", ROLE_KIND)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip(
                    f"No model files in {library.bundled_dir()} or {library.user_dir()}. "
                    "Load a model file or import the official Zhang et al. weights."
                )
                self.model.appendRow(item)
            self._separator()
            self._action("Load model file…", "load", "Use a Chroma Desk .safetensors model file")
            self._action(
                "Import official Zhang et al. weights…",
                "import",
                "Convert the authors' ECCV 2016 or SIGGRAPH 2017 .pth file "
                "(colorization_release_v2-9b330a0b.pth or siggraph17-df00044c.pth) "
                "into your models folder",
            )
        self._fit_names()
        self._select_current()

    def _fit_names(self) -> None:
        """The box as wide as the longest model name (up to WIDE characters, NARROW when
        compact); the open list always wide enough for every name."""
        texts = [
            self.model.item(row).text()
            for row in range(self.model.rowCount())
            if self.model.item(row).data(ROLE_KIND) in ("model", "none")
        ]
        longest = max((len(t.strip()) for t in texts), default=self.NARROW)
        self.combo.chars = (
            self.NARROW if self.compact else max(self.NARROW, min(longest, self.WIDE))
        )
        self.combo.updateGeometry()
        metrics = self.combo.view().fontMetrics()
        widest = max((metrics.horizontalAdvance(t) for t in texts), default=0)
        self.combo.view().setMinimumWidth(max(320, widest + 48))

    def set_compact(self, compact: bool) -> None:
        self.compact = compact
        self._fit_names()

    def _select_current(self) -> None:
        current = self.state.model_path
        self.card_button.setEnabled(current is not None and Path(current).is_file())
        with QSignalBlocker(self.combo):
            if current is not None:
                target = Path(current).resolve()
                for row in range(self.model.rowCount()):
                    item = self.model.item(row)
                    if (
                        item.data(ROLE_KIND) == "model"
                        and Path(item.data(ROLE_PATH)).resolve() == target
                    ):
                        self.combo.setCurrentIndex(row)
                        return
                if Path(current).is_file():  # a file not listed yet
                    self.refresh()
                    return
            for row in range(self.model.rowCount()):
                if self.model.item(row).data(ROLE_KIND) in ("model", "none"):
                    self.combo.setCurrentIndex(row)
                    return

    # -- actions ------------------------------------------------------------------------------

    def _activated(self, row: int) -> None:
        item = self.model.item(row)
        kind = item.data(ROLE_KIND) if item is not None else None
        if kind == "model":
            self.state.set_model_path(Path(item.data(ROLE_PATH)))
        elif kind == "load":
            self._select_current()
            self.load_model_file()
        elif kind == "import":
            self._select_current()
            self.import_official()
        else:
            self._select_current()

    def use_model_file(self, path: str | Path) -> bool:
        """Remember and select a model file; False (with a message) when it is not usable."""
        path = Path(path)
        try:
            read_card(path)
        except ModelFileError as exc:
            QMessageBox.warning(self, "Not a usable model file", str(exc))
            return False
        extras = settings.get_list(EXTRA_MODELS_KEY)
        if str(path) not in extras:
            settings.set_value(EXTRA_MODELS_KEY, [str(path), *extras][:20])
        self.refresh()
        self.state.modelAdded.emit(path)
        self.state.set_model_path(path)
        return True

    def load_model_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Load model file",
            settings.get_folder("folders/models"),
            "Chroma Desk models (*.safetensors);;All files (*)",
        )
        if path:
            settings.set_value("folders/models", str(Path(path).parent))
            self.use_model_file(path)

    def import_official(self, path: str | Path | None = None) -> asyncio.Task | None:
        """Ask for an official .pth (unless given) and convert it in the background."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self,
                "Import official Zhang et al. weights",
                settings.get_folder("folders/models"),
                "PyTorch weights (*.pth *.pt);;All files (*)",
            )
            if not path:
                return None
            settings.set_value("folders/models", str(Path(path).parent))
        self._import_task = spawn(self._import(Path(path)))
        return self._import_task

    async def _import(self, src: Path) -> None:
        worker = Worker("import")
        self.combo.setEnabled(False)
        self.busyChanged.emit(f"Importing {src.name}…")
        try:
            dest = await worker.run(import_official_file, src, library.user_dir())
        except ModelFileError as exc:
            QMessageBox.warning(self, "Import failed", str(exc))
            return
        except Exception as exc:  # unreadable file, disk full...
            QMessageBox.warning(self, "Import failed", f"{src}: {exc}")
            return
        finally:
            worker.shutdown(wait=False)
            self.combo.setEnabled(True)
            self.busyChanged.emit("")
        self.refresh()
        self.state.modelAdded.emit(dest)
        self.state.set_model_path(dest)

    def show_card(self) -> None:
        from chroma_desk.ui.model_card import ModelCardDialog

        if self.state.model_path is not None:
            dialog = ModelCardDialog(Path(self.state.model_path), self.window(), self.state)
            dialog.show()


class TemperatureControl(QWidget):
    """Slider for the softmax temperature T (0.01-1.00), live, with a reset to the model's
    default. Greyed out, with a tooltip saying why, for regression/GAN models."""

    STEPS = 100

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.default = PAPER_TEMPERATURE
        self.kind = "classification"
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.label = QLabel("Temperature", self)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(1, self.STEPS)
        self.slider.setPageStep(5)
        self.slider.setMinimumWidth(140)
        self.slider.setMaximumWidth(220)
        self.value_label = QLabel(self)
        self.value_label.setMinimumWidth(self.value_label.fontMetrics().horizontalAdvance("0.000"))
        self.reset_button = QToolButton(self)
        self.reset_button.setIcon(icon("reset"))
        self.reset_button.setAutoRaise(True)
        self.reset_button.clicked.connect(self.reset)
        for w in (self.label, self.slider, self.value_label, self.reset_button):
            layout.addWidget(w)
        self.slider.valueChanged.connect(self._slider_moved)
        state.temperatureChanged.connect(self._show)
        state.modelChanged.connect(self._model_changed)
        state.preprocessingChanged.connect(self._model_changed)
        self._read_model(state.model_path)
        self._show(state.temperature)

    def _read_model(self, path: Path | None) -> None:
        card = {}
        if path is not None:
            try:
                card = read_card(path)
            except ModelFileError:
                card = {}
        self.kind = card.get("kind", "classification")
        self.default = settings.model_default_temperature(path, card) if card else PAPER_TEMPERATURE
        enabled = self.kind == "classification" and path is not None
        self.available = enabled
        for w in (self.label, self.slider, self.value_label, self.reset_button):
            w.setEnabled(enabled)
        if path is None:
            why = "No model loaded."
        elif self.kind != "classification":
            why = (
                "This model predicts colours directly (regression/GAN), so there is no "
                "temperature to set. Temperature applies to classification models."
            )
        else:
            why = (
                "Softmax temperature of the colour prediction: lower is more vivid (and "
                "patchier), higher is calmer and more muted. Updates live, no re-run of the model."
            )
        for w in (self, self.label, self.slider, self.value_label):
            w.setToolTip(why)
        self.reset_button.setToolTip(
            f"Reset to this model's default ({self.default:.2f})" if enabled else why
        )

    def _model_changed(self, path: Path) -> None:
        old_default = self.default
        self._read_model(path)
        # follow the new model's default unless the user had moved away from the old one
        if abs(self.state.temperature - old_default) < 1e-6 and self.kind == "classification":
            self.state.set_temperature(self.default)

    def _slider_moved(self, value: int) -> None:
        t = value / self.STEPS
        self.value_label.setText(f"{t:.2f}")
        self.state.set_temperature(t)

    def _show(self, t: float) -> None:
        with QSignalBlocker(self.slider):
            self.slider.setValue(max(1, min(self.STEPS, round(t * self.STEPS))))
        self.value_label.setText(f"{t:.2f}")

    def reset(self) -> None:
        self.state.set_temperature(self.default)

    def nudge(self, step: float) -> None:
        """Move the temperature by ``step`` (Model > Temperature > More Vivid / Calmer)."""
        if self.available:
            self.state.set_temperature(round(min(1.0, max(0.01, self.state.temperature + step)), 2))

    def ask(self) -> None:
        """Model > Temperature > Set Temperature…: type a value."""
        if not self.available:
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


def add_model_controls(
    toolbar: QToolBar, state: AppState
) -> tuple[ModelPicker, TemperatureControl]:
    """The model picker, the temperature slider and a stretch, as every tab's toolbar has them."""
    picker = ModelPicker(state, toolbar)
    toolbar.addWidget(picker)
    toolbar.addSeparator()
    temperature = TemperatureControl(state, toolbar)
    toolbar.addWidget(temperature)
    spacer = QWidget(toolbar)
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    toolbar.addWidget(spacer)
    return picker, temperature
