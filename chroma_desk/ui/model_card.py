"""The model card dialog: what a model is, what it was trained on, how it measured."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from chroma_desk.color.bins import PAPER_TEMPERATURE
from chroma_desk.durations import format_duration
from chroma_desk.models import preprocessing
from chroma_desk.models.checkpoint import ModelFileError, read_card
from chroma_desk.models.registry import label
from chroma_desk.ui import settings
from chroma_desk.ui.desktop import open_with_system
from chroma_desk.ui.state import AppState

MUTED = "#888888"
# the figures the trainer and `chroma-desk evaluate` write, in words (lower/higher is better)
METRIC_TEXT = {
    "ciede2000": ("CIEDE2000 colour difference from the real photos", "lower is better"),
    "psnr": ("PSNR, dB", "higher is better"),
    "ssim": ("SSIM (structure)", "higher is better"),
    "top1_accuracy": ("Colour bin right (top-1)", "higher is better"),
    "ab_l1@10hints": ("Colour error with 10 colour hints", "lower is better"),
    "ms_per_photo": ("Milliseconds per photo", "lower is faster"),
}
KIND_WORDS = {"gan": "L1 then GAN", "classification": "colour-bin classifier"}
RECIPE_WORDS = (  # recipe key, how a person says it
    ("batch", "batches of {}"),
    ("size", "{} px crops"),
    ("lr", "learning rate {}"),
)


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _rows(rows: list[tuple[str, str]], muted: str) -> str:
    """A two-column table, labels muted; values are HTML already."""
    key = f"style='color: {muted}; padding-right: 14px; white-space: nowrap; vertical-align: top'"
    cells = "".join(f"<tr><td {key}>{_esc(k)}</td><td>{v}</td></tr>" for k, v in rows if v)
    return f"<table cellspacing='0' cellpadding='2'>{cells}</table>"


def what_it_is(card: dict[str, Any]) -> str:
    """One paragraph: how the model turns gray into colour."""
    kind = card.get("kind")
    if kind == "classification":
        bins = card.get("bins")
        count = f"{len(bins)} " if isinstance(bins, list) else ""
        default = card.get("default_temperature", PAPER_TEMPERATURE)
        text = (
            f"For every pixel it gives a probability to each of {count}colours (bins of the "
            "ab plane of CIE Lab); the colour shown is their annealed mean at the temperature "
            f"you set ({float(default):.2f} by default): lower is more vivid and patchier, "
            "higher calmer and more muted. Moving the temperature does not run the network again."
        )
    elif kind == "regression":
        text = (
            "It predicts each pixel's colour directly, so there is no temperature to set: "
            "the colour is what it learnt to be most likely."
        )
    else:
        text = f"Kind: {kind or 'not recorded'}."
    if card.get("takes_hints"):
        text += " It also takes colour hints: points where you say what colour belongs."
    architecture = card.get("architecture")
    return f"Network: {label(architecture)}. {text}" if architecture else text


def training_stages(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The training stages, first to last (a model trained further keeps the earlier ones)."""
    training = card.get("training")
    if not isinstance(training, dict):
        return []
    earlier = training.get("previous_stages")
    stages = [s for s in earlier if isinstance(s, dict)] if isinstance(earlier, list) else []
    if training.get("steps") or training.get("seconds"):
        stages.append(training)
    return stages


def stage_text(stage: dict[str, Any]) -> str:
    """ "2,835 steps, 45,360 photos seen, 1 h 40 min on cpu; gan training, batches of 16…"."""
    done = []
    if stage.get("steps"):
        done.append(f"{_number(int(stage['steps']))} steps")
    if stage.get("images_seen"):
        done.append(f"{_number(int(stage['images_seen']))} photos seen")
    if stage.get("seconds"):
        done.append(format_duration(float(stage["seconds"])))
    if stage.get("device"):
        done[-1:] = [f"{done[-1]} on {stage['device']}" if done else f"on {stage['device']}"]
    recipe = stage.get("recipe") if isinstance(stage.get("recipe"), dict) else {}
    how = [fmt.format(recipe[k]) for k, fmt in RECIPE_WORDS if recipe.get(k) is not None]
    if recipe.get("kind"):
        how.insert(0, KIND_WORDS.get(recipe["kind"], str(recipe["kind"])))
    return ", ".join(done) + (f" ({', '.join(how)})" if how else "")


def training_summary(card: dict[str, Any]) -> str:
    """All stages together in one line: "2 stages: 4,579 steps, 2 h 17 min in all"."""
    stages = training_stages(card)
    if not stages:
        return ""
    if len(stages) == 1:
        return stage_text(stages[0])
    steps = sum(int(s.get("steps") or 0) for s in stages)
    seen = sum(int(s.get("images_seen") or 0) for s in stages)
    seconds = sum(float(s.get("seconds") or 0) for s in stages)
    parts = [f"{len(stages)} stages", f"{_number(steps)} steps"]
    if seen:
        parts.append(f"{_number(seen)} photos seen")
    if seconds:
        parts.append(f"{format_duration(seconds)} in all")
    return ", ".join(parts)


def trained_on(card: dict[str, Any]) -> str:
    value = card.get("trained_on")
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return ""
    parts = [str(value["note"])] if value.get("note") else []
    counts = value.get("counts") if isinstance(value.get("counts"), dict) else {}
    if counts.get("train"):
        photos = f"{_number(int(counts['train']))} photos for training"
        if counts.get("val"):
            photos += f", {_number(int(counts['val']))} held out to measure it"
        parts.append(photos)
    elif counts:
        parts.append(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()))
    if value.get("folder"):
        parts.append(f"from {value['folder']}")
    return "; ".join(parts)


def _by_temperature(metrics: dict[str, Any]) -> dict[float, dict[str, float]]:
    table: dict[float, dict[str, float]] = {}
    for key, value in metrics.items():
        name, at, t = key.partition("@T")
        if at and isinstance(value, int | float):
            try:
                table.setdefault(float(t), {})[name] = float(value)
            except ValueError:
                continue
    return dict(sorted(table.items()))


def quality_html(card: dict[str, Any], muted: str = MUTED) -> str:
    """How good it is on the held-out photos, in words, then the figures."""
    metrics = card.get("metrics")
    if not isinstance(metrics, dict) or not metrics:
        return "<p><i>No figures were recorded for this model.</i></p>"
    parts = []
    gray = metrics.get("gray_ab_l1")
    by_t = _by_temperature(metrics)
    default = card.get("default_temperature")
    at_default = by_t.get(float(default), {}) if default is not None else {}
    error = at_default.get("ab_l1", metrics.get("ab_l1"))
    colourful = at_default.get("colourfulness_ratio", metrics.get("colourfulness_ratio"))
    if isinstance(error, int | float):
        where = f" at temperature {float(default):.2f}" if at_default else ""
        text = (
            f"Colour error{where}: <b>{float(error):.2f}</b> (mean ab difference; lower is better)"
        )
        if isinstance(gray, int | float):
            text += f"; a gray photo (no colour at all) scores {float(gray):.2f}"
            if float(error) >= float(gray):
                text += ": <b>not yet better than no colour</b> on this measure"
        parts.append(f"<p>{text}.</p>")
    if isinstance(colourful, int | float):
        parts.append(
            f"<p>Colourfulness: <b>{float(colourful):.2f}</b> of the real photos' (1.00 is as "
            "colourful as the truth; a model that plays safe stays far below).</p>"
        )
    if len(by_t) > 1:
        head = "".join(f"<th align='right'>T {_number(t)}</th>" for t in by_t)
        rows = []
        for name, label in (("ab_l1", "colour error"), ("colourfulness_ratio", "colourfulness")):
            cells = "".join(
                f"<td align='right'>{v[name]:.2f}</td>" if name in v else "<td></td>"
                for v in by_t.values()
            )
            rows.append(f"<tr><td style='color: {muted}'>{label}</td>{cells}</tr>")
        parts.append(
            "<p>By temperature:</p><table cellspacing='0' cellpadding='3'>"
            f"<tr><th></th>{head}</tr>{''.join(rows)}</table>"
        )
    known = {"gray_ab_l1", "ab_l1", "colourfulness_ratio", "default_temperature"}
    other = []
    for key, value in metrics.items():
        if key in known or "@T" in key or not isinstance(value, int | float | str):
            continue
        label, sense = METRIC_TEXT.get(key, (key.replace("_", " "), ""))
        shown = _esc(_number(value))
        other.append((label, f"{shown} <span style='color: {muted}'>{_esc(sense)}</span>"))
    if other:
        parts.append(_rows(other, muted))
    return "".join(parts)


def card_html(card: dict[str, Any], path: Path | None = None, muted: str = MUTED) -> str:
    """The model card as a page: what the model is, what it learnt from and for how long, how
    good it is on held-out photos, then the technical details."""
    title = card.get("title") or card.get("name") or (path.stem if path else "Model")
    parts = [
        "<style>h3 { margin-top: 16px; margin-bottom: 4px; } p { margin-top: 2px; }</style>",
        f"<h2>{_esc(title)}</h2>",
    ]
    if card.get("description"):
        parts.append(f"<p>{_esc(card['description'])}</p>")
    parts.append(f"<h3>What it is</h3><p>{_esc(what_it_is(card))}</p>")
    parts.append("<h3>What it learnt from</h3>")
    parts.append(f"<p>{_esc(trained_on(card) or 'Not recorded.')}</p>")
    stages = training_stages(card)
    if stages:
        parts.append(f"<h3>Training</h3><p>{_esc(training_summary(card))}.</p>")
        if len(stages) > 1:
            items = "".join(
                f"<li>Stage {n}: {_esc(stage_text(s))}</li>" for n, s in enumerate(stages, 1)
            )
            parts.append(f"<ul>{items}</ul>")
    parts.append("<h3>How good it is</h3>")
    parts.append("<p>Measured on photos held out from training.</p>" + quality_html(card, muted))
    if card.get("licence") or card.get("license"):
        parts.append(f"<h3>Licence</h3><p>{_esc(card.get('licence') or card.get('license'))}</p>")
    details = [
        ("name", _esc(card.get("name", ""))),
        ("architecture id", _esc(card.get("architecture", ""))),
        ("settings", _esc(", ".join(f"{k}={v}" for k, v in (card.get("arguments") or {}).items()))),
        ("working size", _esc(f"{card.get('working_size')} px, stride {card.get('stride')}")),
        ("weights", _esc(card.get("dtype", ""))),
        ("made with", _esc(card.get("recipe_command", ""))),
    ]
    if path is not None:
        try:
            details.append(("file", _esc(f"{path} ({path.stat().st_size / 1e6:.1f} MB)")))
        except OSError:
            details.append(("file", _esc(path)))
    parts.append("<h3>Details</h3>" + _rows(details, muted))
    return "".join(parts)


class ModelCardDialog(QDialog):
    """Shows a model file's card; "Copy card" puts the JSON (without long lists) on the clipboard."""

    def __init__(
        self, path: Path, parent: QWidget | None = None, state: AppState | None = None
    ) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.state = state
        self.setWindowTitle(f"Model card — {self.path.name}")
        self.resize(620, 560)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(True)
        layout.addWidget(self.browser)
        try:
            self.card: dict[str, Any] = read_card(self.path)
            muted = self.palette().color(QPalette.ColorRole.PlaceholderText).name()
            self.browser.setHtml(card_html(self.card, self.path, muted))
        except ModelFileError as exc:
            self.card = {}
            self.browser.setPlainText(str(exc))
        self.own_processing = self._own_processing_box()
        if self.own_processing is not None:
            layout.addWidget(self.own_processing)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = QPushButton("Copy card", self)
        copy.clicked.connect(self.copy_card)
        folder = QPushButton("Show file", self)
        folder.clicked.connect(
            lambda: open_with_system(self, self.path.parent, "the model's folder")
        )
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(folder, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def _own_processing_box(self) -> QCheckBox | None:
        """For a model with a published pipeline: run it Chroma Desk's own way instead."""
        if len(preprocessing.available(self.card)) < 2:
            return None
        box = QCheckBox(
            "Keep the aspect ratio, add a mirrored border and anneal the colour (T 0.38): "
            "Chroma Desk's own processing", self
        )  # fmt: skip
        box.setToolTip(
            f"Off: {preprocessing.DESCRIPTIONS[preprocessing.AS_PUBLISHED]}.\n"
            f"On: {preprocessing.DESCRIPTIONS[preprocessing.KEEP_ASPECT]}."
        )
        choice = settings.preprocessing_choice(self.path) or preprocessing.card_preprocessing(
            self.card
        )
        box.setChecked(choice == preprocessing.KEEP_ASPECT)
        box.toggled.connect(self._set_own_processing)
        return box

    def _set_own_processing(self, on: bool) -> None:
        mode = preprocessing.KEEP_ASPECT if on else preprocessing.AS_PUBLISHED
        settings.set_preprocessing_choice(self.path, mode)
        if self.state is not None:
            self.state.preprocessingChanged.emit(self.path)

    def copy_card(self) -> None:
        short = {
            k: (f"({len(v)} values)" if k in ("bins", "prior") else v) for k, v in self.card.items()
        }
        QGuiApplication.clipboard().setText(json.dumps(short, indent=2))
