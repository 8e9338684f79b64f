"""The new-run form: folder, kind, architecture, starting point, schedule, device, name."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QGuiApplication,
    QPixmap,
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
from chroma_desk.ui.training.widgets import (
    FIELD_WIDTH,
    LABEL_WIDTH,
    add_row,
    make_card,
    muted_label,
    qimage,
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
    scanFinished = Signal(object)  # training.data.FolderScan

    def __init__(self, runs_dir: Path, spawn: Callable[[Coroutine], Any]) -> None:
        super().__init__()
        self.runs_dir = runs_dir
        self.spawn = spawn  # runs a coroutine on the window's loop (the tab keeps the task)
        defaults = window_defaults(os.cpu_count() or 2)
        self.folder: Path | None = None
        self.val_folder: Path | None = None
        self.scan = None
        self.val_scan = None
        self._scan_generation = 0
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
        card, lay, _ = make_card("Photos")
        row = QHBoxLayout()
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText(
            "A folder of colour photos (subfolders included): choose, type or paste it"
        )
        self.folder_edit.editingFinished.connect(self._folder_typed)
        self.folder_button = QPushButton("Choose…")
        self.folder_button.clicked.connect(self._choose_folder)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.folder_button)
        lay.addLayout(row)
        self.scan_label = muted_label("No folder chosen yet.")
        lay.addWidget(self.scan_label)
        self.thumbs = QHBoxLayout()
        self.thumbs.setSpacing(6)
        self.thumbs.addStretch(1)
        lay.addLayout(self.thumbs)
        row = QHBoxLayout()
        self.val_edit = QLineEdit()
        self.val_edit.setPlaceholderText("Validation: hold out 5% of the photos above")
        self.val_edit.editingFinished.connect(self._val_folder_typed)
        val_button = QPushButton("Choose…")
        val_button.clicked.connect(self._choose_val_folder)
        self.val_clear = QToolButton()
        self.val_clear.setText("✕")
        self.val_clear.setToolTip("Hold out 5% of the training photos instead")
        self.val_clear.clicked.connect(lambda: self.set_val_folder(None))
        self.val_clear.setEnabled(False)
        row.addWidget(self.val_edit, 1)
        row.addWidget(val_button)
        row.addWidget(self.val_clear)
        lay.addLayout(row)
        self.val_label = muted_label()
        self.val_label.hide()
        lay.addWidget(self.val_label)
        column.addWidget(card)

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

    # -- folders and the scan -----------------------------------------------------------------

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Folder of colour photos", str(self.folder or Path.home())
        )
        if folder:
            self.set_folder(Path(folder))

    def _choose_val_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Folder of validation photos", str(self.val_folder or self.folder or Path.home())
        )
        if folder:
            self.set_val_folder(Path(folder))

    def _folder_typed(self) -> None:
        text = self.folder_edit.text().strip()
        if not text or (self.folder is not None and Path(text).expanduser() == self.folder):
            return
        folder = Path(text).expanduser()
        if folder.is_dir():
            self.set_folder(folder)
        else:
            self.folder, self.scan = None, None
            self._clear_thumbs()
            self.scan_label.setText(f"There is no folder {folder}.")
            self._update_start()

    def _val_folder_typed(self) -> None:
        text = self.val_edit.text().strip()
        folder = Path(text).expanduser() if text else None
        if folder != self.val_folder:
            self.set_val_folder(folder)

    def set_folder(self, folder: Path) -> None:
        """Use ``folder`` for training and scan it in the background."""
        self.folder = Path(folder).expanduser().resolve()
        self.folder_edit.setText(str(self.folder))
        self.scan = None
        self._scan_generation += 1
        self.scan_label.setText("Looking at the photos…")
        self._clear_thumbs()
        self._suggest_name()
        self._update_start()
        self.spawn(self._scan(self.folder, self._scan_generation, validation=False))

    def set_val_folder(self, folder: Path | None) -> None:
        self.val_folder = Path(folder) if folder else None
        self.val_scan = None
        self.val_edit.setText(str(self.val_folder) if self.val_folder else "")
        self.val_clear.setEnabled(self.val_folder is not None)
        self.val_label.setVisible(self.val_folder is not None)
        if self.val_folder is not None and not self.val_folder.is_dir():
            self.val_label.setText(f"There is no folder {self.val_folder}.")
        elif self.val_folder is not None:
            self.val_label.setText("Looking at the photos…")
            self.spawn(self._scan(self.val_folder, self._scan_generation, validation=True))
        self._update_start()

    async def _scan(self, folder: Path, generation: int, validation: bool) -> None:
        from training.data import load_rgb, scan_folder

        def work() -> tuple[Any, list[np.ndarray]]:
            scan = scan_folder(folder)
            thumbs = []
            if not validation:
                for path in scan.usable[:THUMBNAILS]:
                    with contextlib.suppress(OSError, ValueError):
                        thumbs.append(load_rgb(path, 160))
            return scan, thumbs

        loop = asyncio.get_running_loop()
        try:
            scan, thumbs = await loop.run_in_executor(None, work)
        except OSError as exc:
            label = self.val_label if validation else self.scan_label
            label.setText(f"Cannot read {folder}: {exc}")
            return
        if generation != self._scan_generation:
            return  # another folder was chosen meanwhile
        if validation:
            if folder != self.val_folder:
                return
            self.val_scan = scan
            self.val_label.setText(self._describe_scan(scan, "for validation"))
        else:
            self.scan = scan
            self.scan_label.setText(self._describe_scan(scan, "to learn from"))
            self._show_thumbs(thumbs)
            self.scanFinished.emit(scan)
        self._update_start()

    @staticmethod
    def _describe_scan(scan: Any, purpose: str) -> str:
        c = scan.counts()
        text = f"<b>{c['usable']:,}</b> colour photo{'s' if c['usable'] != 1 else ''} {purpose}"
        skipped = []
        if c["near_gray"]:
            skipped.append(f"{c['near_gray']:,} nearly black-and-white")
        if c["unreadable"]:
            skipped.append(f"{c['unreadable']:,} unreadable")
        if c["not_photos"]:
            skipped.append(f"{c['not_photos']:,} other files")
        if skipped:
            text += " · skipped: " + ", ".join(skipped)
        return text

    def _clear_thumbs(self) -> None:
        while self.thumbs.count() > 1:
            item = self.thumbs.takeAt(0)
            if item.widget():
                item.widget().deleteLater()

    def _show_thumbs(self, images: list[np.ndarray]) -> None:
        self._clear_thumbs()
        side = 72
        for i, rgb in enumerate(images):
            h, w = rgb.shape[:2]
            s = min(h, w)
            crop = rgb[(h - s) // 2 : (h - s) // 2 + s, (w - s) // 2 : (w - s) // 2 + s]
            pm = QPixmap.fromImage(qimage(crop)).scaled(
                side * 2,
                side * 2,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            pm.setDevicePixelRatio(2.0)
            label = QLabel()
            label.setPixmap(pm)
            label.setFixedSize(side, side)
            self.thumbs.insertWidget(i, label)

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
