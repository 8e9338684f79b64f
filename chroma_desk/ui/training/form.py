"""The new-run form: folder, kind, architecture, starting point, schedule, device, name."""

from __future__ import annotations

import logging
import os
import shlex
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QGuiApplication,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chroma_desk.models import library
from chroma_desk.ui.training.folders import PhotoFolders
from chroma_desk.ui.training.widgets import (
    FIELD_WIDTH,
    LABEL_WIDTH,
    add_row,
    make_card,
    muted_label,
    std_icon,
)
from training import choices, rundir
from training.config import STOP_DEFAULTS, TrainConfig, window_defaults

log = logging.getLogger(__name__)

THUMBNAILS = 6

KIND_CHOICES = (
    ("gan", "GAN: natural colour", "L1 first, then a discriminator sharpens it (pix2pix)."),
    (
        "classification",
        "Classification: vivid colour",
        "Predicts a distribution over colours; the temperature slider tunes how bold it is.",
    ),
    ("regression", "Regression: safe, muted colour", "Plain L1 on ab: stable, a little sepia."),
)

UNITS = tuple((unit, unit) for unit in STOP_DEFAULTS)


class NewRunForm(QScrollArea):
    """Folder, kind, architecture, starting point, schedule, device, name; then Start."""

    startRequested = Signal()

    def __init__(self, runs_dir: Path, spawn: Callable[[Coroutine], Any]) -> None:
        super().__init__()
        self.runs_dir = runs_dir
        self.spawn = spawn  # runs a coroutine on the window's loop (the tab keeps the task)
        defaults = window_defaults(os.cpu_count() or 2)
        self._name_edited = False
        self._extra_init: list[Path] = []
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        page = QWidget()
        self.setWidget(page)
        outer = QHBoxLayout(page)
        outer.setContentsMargins(24, 20, 24, 20)
        column = QVBoxLayout()
        column.setSpacing(14)
        holder = QWidget()
        holder.setMaximumWidth(780)
        holder.setLayout(column)
        outer.addStretch(1)
        outer.addWidget(holder, 100)
        outer.addStretch(1)

        title = QLabel("New training run")
        title.setObjectName("pageTitle")
        column.addWidget(title)
        column.addWidget(
            muted_label(
                "Teach a model the colours of your own photos. Choose a folder of colour "
                "photos; the other settings have sensible defaults."
            )
        )

        # photos
        self.photos = PhotoFolders(spawn)
        self.photos.changed.connect(self._folders_changed)
        column.addWidget(self.photos)

        # model
        card, lay, _ = make_card("Model")
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.kind_combo = QComboBox()
        for key, label, _tip in KIND_CHOICES:
            self.kind_combo.addItem(label, key)
        self.kind_note = muted_label()
        self.arch_combo = QComboBox()
        for name in choices.trainable_architectures():
            self.arch_combo.addItem(choices.arch_label(name), name)
            self.arch_combo.setItemData(self.arch_combo.count() - 1, name, Qt.ToolTipRole)
        self.init_combo = QComboBox()
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("A name for the run and the model")
        self.name_edit.textEdited.connect(self._name_typed)
        add_row(form, "Kind", self.kind_combo)
        add_row(form, "", self.kind_note)
        add_row(form, "Architecture", self.arch_combo)
        add_row(form, "Start from", self.init_combo)
        add_row(form, "Name", self.name_edit)
        lay.addLayout(form)
        column.addWidget(card)

        # schedule and hardware
        card, lay, _ = make_card("Schedule")
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.size_spin = QSpinBox()
        self.size_spin.setRange(32, 1024)
        self.size_spin.setSingleStep(16)
        self.size_spin.setValue(defaults.size)
        self.size_spin.setSuffix(" px")
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, 512)
        self.batch_spin.setValue(defaults.batch)
        stop_row = QHBoxLayout()
        self.amount_spin = QSpinBox()
        self.amount_spin.setRange(1, 10_000_000)
        self.amount_spin.setValue(int(defaults.minutes or STOP_DEFAULTS["minutes"]))
        self.unit_combo = QComboBox()
        for key, label in UNITS:
            self.unit_combo.addItem(label, key)
        self.unit_combo.currentIndexChanged.connect(self._unit_changed)
        stop_row.addWidget(self.amount_spin)
        stop_row.addWidget(self.unit_combo)
        stop_row.addStretch(1)
        self.device_combo = QComboBox()
        for key, label in choices.list_devices():
            self.device_combo.addItem(label, key)
        add_row(form, "Image size", self.size_spin)
        add_row(form, "Batch size", self.batch_spin)
        add_row(form, "Stop after", stop_row)
        add_row(form, "Device", self.device_combo)
        lay.addLayout(form)

        self.advanced_button = QToolButton()
        self.advanced_button.setText("Advanced")
        self.advanced_button.setCheckable(True)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_button.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_button.setAutoRaise(True)
        self.advanced_button.toggled.connect(self._toggle_advanced)
        adv_row = QHBoxLayout()
        adv_row.addSpacing(LABEL_WIDTH - 8)
        adv_row.addWidget(self.advanced_button)
        adv_row.addStretch(1)
        lay.addLayout(adv_row)
        self.advanced = QWidget()
        adv = QFormLayout(self.advanced)
        adv.setContentsMargins(0, 0, 0, 0)
        adv.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(6)
        self.lr_spin.setRange(1e-6, 1.0)
        self.lr_spin.setSingleStep(1e-5)
        self.lr_spin.setValue(defaults.lr)
        self.workers_spin = QSpinBox()
        self.workers_spin.setRange(0, 32)
        self.workers_spin.setValue(defaults.workers)
        self.workers_spin.setToolTip("Processes that read and crop photos (0: in the trainer)")
        self.threads_spin = QSpinBox()
        self.threads_spin.setRange(0, 256)
        self.threads_spin.setSpecialValueText("all cores")
        self.threads_spin.setValue(defaults.threads)
        self.checkpoint_spin = self._every_spin(defaults.checkpoint_every)
        self.sample_spin = self._every_spin(defaults.sample_every)
        self.eval_spin = self._every_spin(defaults.eval_every)
        self.log_spin = self._every_spin(defaults.log_every)
        add_row(adv, "Learning rate", self.lr_spin)
        add_row(adv, "Loader processes", self.workers_spin)
        add_row(adv, "CPU threads", self.threads_spin)
        add_row(adv, "Checkpoint every", self.checkpoint_spin)
        add_row(adv, "Sample every", self.sample_spin)
        add_row(adv, "Validate every", self.eval_spin)
        add_row(adv, "Log every", self.log_spin)
        for spin in (
            self.size_spin,
            self.batch_spin,
            self.lr_spin,
            self.workers_spin,
            self.threads_spin,
            self.checkpoint_spin,
            self.sample_spin,
            self.eval_spin,
            self.log_spin,
        ):
            spin.setFixedWidth(FIELD_WIDTH)
        self.amount_spin.setFixedWidth(FIELD_WIDTH)
        self.unit_combo.setFixedWidth(FIELD_WIDTH - 40)
        self.advanced.hide()
        lay.addWidget(self.advanced)
        column.addWidget(card)

        # start
        row = QHBoxLayout()
        self.hint = muted_label("Choose a folder of colour photos to begin.")
        self.copy_command = QPushButton("Copy command line")
        self.copy_command.setFlat(True)
        self.copy_command.setToolTip("The same run from a terminal: python -m training …")
        self.copy_command.clicked.connect(self._copy_command)
        self.start_button = QPushButton("Start training")
        self.start_button.setObjectName("primary")
        self.start_button.setIcon(std_icon(self, "play", QStyle.StandardPixmap.SP_MediaPlay))
        self.start_button.clicked.connect(self.startRequested)
        row.addWidget(self.hint, 1)
        row.addWidget(self.copy_command)
        row.addWidget(self.start_button)
        column.addLayout(row)
        column.addStretch(1)

        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.arch_combo.currentIndexChanged.connect(self._fill_init)
        self.arch_combo.currentIndexChanged.connect(self._update_start)
        for spin in (self.size_spin, self.batch_spin, self.amount_spin, self.lr_spin):
            spin.valueChanged.connect(self._update_start)
        self.init_combo.activated.connect(self._init_activated)
        self._kind_changed()
        self._update_start()

    @staticmethod
    def _every_spin(value: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(1, 1_000_000)
        spin.setValue(value)
        spin.setSuffix(" steps")
        return spin

    # -- choices ------------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    @property
    def arch(self) -> str:
        return str(self.arch_combo.currentData())

    def _kind_changed(self) -> None:
        for key, _label, tip in KIND_CHOICES:
            if key == self.kind:
                self.kind_note.setText(tip)
        self._fill_init()
        self._suggest_name()

    def _fill_init(self) -> None:
        previous = self.init_combo.currentData()
        self.init_combo.blockSignals(True)
        self.init_combo.clear()
        scratch = "From scratch"
        if choices.ships_pretrained(self.arch):
            scratch += " (ImageNet encoder)"
        self.init_combo.addItem(scratch, None)
        default_index = 0
        try:
            candidates = choices.init_candidates(self.kind, self.arch)
        except Exception:  # noqa: BLE001 - a broken models folder must not break the form
            log.exception("listing models to start from failed")
            candidates = []
        for name, path, bundled in candidates:
            self.init_combo.addItem(
                f"Fine-tune {name} ({'bundled' if bundled else 'yours'})", str(path)
            )
            if bundled and default_index == 0:
                default_index = self.init_combo.count() - 1
        for path in self._extra_init:
            self.init_combo.addItem(f"Fine-tune {path.name}", str(path))
        self.init_combo.addItem("Other model file…", "browse")
        index = self.init_combo.findData(previous) if previous not in (None, "browse") else -1
        self.init_combo.setCurrentIndex(index if index >= 0 else default_index)
        self.init_combo.blockSignals(False)

    def _init_activated(self, index: int) -> None:
        if self.init_combo.itemData(index) != "browse":
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Start from a model file", str(library.user_dir()), "Models (*.safetensors)"
        )
        if path:
            self.set_init_file(Path(path))
        else:
            self.init_combo.setCurrentIndex(0)

    def set_init_file(self, path: Path | None) -> None:
        """Start from this model file (or from scratch with ``None``)."""
        if path is None:
            self.init_combo.setCurrentIndex(0)
            return
        path = Path(path)
        if path not in self._extra_init:
            self._extra_init.append(path)
        self._fill_init()
        self.init_combo.setCurrentIndex(self.init_combo.findData(str(path)))

    @property
    def init(self) -> str | None:
        data = self.init_combo.currentData()
        return None if data in (None, "browse") else str(data)

    def _unit_changed(self) -> None:
        unit = self.unit_combo.currentData()
        self.amount_spin.setValue(STOP_DEFAULTS[unit])

    def _toggle_advanced(self, on: bool) -> None:
        self.advanced.setVisible(on)
        self.advanced_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def _name_typed(self, text: str) -> None:
        self._name_edited = bool(text.strip())

    def _suggest_name(self) -> None:
        if self._name_edited:
            return
        base = self.folder.name if self.folder else "my-photos"
        short = {"classification": "cls", "regression": "l1"}.get(self.kind, self.kind)
        self.name_edit.setText(rundir.unique_run_name(self.runs_dir, f"{base}-{short}"))

    # -- folders --------------------------------------------------------------------------------

    @property
    def folder(self) -> Path | None:
        return self.photos.folder

    @property
    def val_folder(self) -> Path | None:
        return self.photos.val_folder

    @property
    def scan(self) -> Any:
        return self.photos.scan

    def set_folder(self, folder: Path) -> None:
        """Use ``folder`` for training and scan it in the background."""
        self.photos.set_folder(folder)

    def _folders_changed(self) -> None:
        self._suggest_name()
        self._update_start()

    def problems(self) -> list[str]:
        """What keeps these settings from starting a run (``TrainConfig``'s own checks, the
        same as ``chroma-desk train`` makes), empty when Start may go."""
        if self.folder is None:
            return []
        return choices.check_config(self.config())

    def _update_start(self) -> None:
        usable = self.scan is not None and len(self.scan.usable) > 0
        problems = self.problems() if usable else []
        self.start_button.setEnabled(usable and not problems)
        self.copy_command.setEnabled(self.folder is not None)
        self.hint.setStyleSheet("color: #e5484d;" if problems else "")
        if self.folder is None:
            self.hint.setText("Choose a folder of colour photos to begin.")
        elif self.scan is None:
            self.hint.setText("Looking at the photos…")
        elif not usable:
            self.hint.setText("No colour photos in this folder: choose another one.")
        elif problems:
            text = "; ".join(problems)
            self.hint.setText(text[:1].upper() + text[1:] + ".")
        else:
            self.hint.setText("")

    # -- the options --------------------------------------------------------------------------

    def config(self) -> TrainConfig:
        """The run's options (``out`` under the runs folder, named after the run)."""
        if self.folder is None:
            raise ValueError("choose a folder of photos first")
        name = rundir.slug(self.name_edit.text() or self.folder.name)
        unit = self.unit_combo.currentData()
        amount = self.amount_spin.value()
        return TrainConfig(
            data=str(self.folder),
            val=str(self.val_folder) if self.val_folder else None,
            out=str((self.runs_dir / name).resolve()),
            name=name,
            kind=self.kind,
            arch=self.arch,
            init=self.init,
            size=self.size_spin.value(),
            batch=self.batch_spin.value(),
            steps=amount if unit == "steps" else None,
            minutes=float(amount) if unit == "minutes" else None,
            epochs=amount if unit == "epochs" else None,
            lr=self.lr_spin.value(),
            device=str(self.device_combo.currentData()),
            workers=self.workers_spin.value(),
            threads=self.threads_spin.value(),
            checkpoint_every=self.checkpoint_spin.value(),
            sample_every=self.sample_spin.value(),
            eval_every=self.eval_spin.value(),
            log_every=self.log_spin.value(),
        )

    def options(self) -> dict[str, Any]:
        """The run's options as a mapping named like ``TrainConfig`` fields."""
        return self.config().to_dict()

    def _copy_command(self) -> None:
        QGuiApplication.clipboard().setText(shlex.join(rundir.command_line(self.options())))
