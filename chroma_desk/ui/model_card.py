"""The model card dialog: what a model is, what it was trained on, how it measured."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from chroma_desk.models.checkpoint import ModelFileError, read_card
from chroma_desk.ui.desktop import open_with_system

KIND_TEXT = {
    "classification": "Classification: a probability for each colour bin, "
    "rendered at an adjustable temperature",
    "regression": "Regression / GAN: predicts colours directly (no temperature)",
}
# shown in this order at the top; the rest follow under "More"
MAIN_FIELDS = (
    "trained_on",
    "metrics",
    "training",
    "source",
    "licence",
)
HIDDEN_FIELDS = {"bins", "prior", "format_version", "title", "name", "description"}


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        if len(value) > 8 or any(isinstance(v, list | dict) for v in value):
            return f"({len(value)} values)"
        return ", ".join(_short(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _table(data: dict[str, Any], depth: int = 0) -> str:
    rows = []
    for key, value in data.items():
        label = html.escape(str(key).replace("_", " "))
        if isinstance(value, dict) and depth < 2:
            inner = _table(value, depth + 1) if value else "<i>none</i>"
            rows.append(f"<tr><td class='k'>{label}</td><td>{inner}</td></tr>")
        else:
            rows.append(f"<tr><td class='k'>{label}</td><td>{html.escape(_short(value))}</td></tr>")
    return "<table cellspacing='0' cellpadding='3'>" + "".join(rows) + "</table>"


def card_html(card: dict[str, Any], path: Path | None = None, muted: str = "#888888") -> str:
    """The card as HTML: summary first, then every other field (long lists summarised)."""
    title = card.get("title") or card.get("name") or (path.stem if path else "Model")
    parts = [f"<h2>{html.escape(str(title))}</h2>"]
    if card.get("description"):
        parts.append(f"<p>{html.escape(str(card['description']))}</p>")
    summary: dict[str, Any] = {
        "name": card.get("name", ""),
        "architecture": f"{card.get('architecture')} {_short(card.get('arguments') or {})}",
        "kind": KIND_TEXT.get(card.get("kind", ""), card.get("kind", "")),
        "working size": f"{card.get('working_size')} px (stride {card.get('stride')})",
    }
    if card.get("bins") is not None:
        summary["colour bins"] = len(card["bins"])
        summary["default temperature"] = card.get("default_temperature", 0.38)
    if card.get("dtype"):
        summary["weights"] = card["dtype"]
    if path is not None:
        summary["file"] = str(path)
        try:
            summary["file size"] = f"{path.stat().st_size / 1e6:.1f} MB"
        except OSError:
            pass
    parts.append(_table(summary))
    for key in MAIN_FIELDS:
        if key in card:
            parts.append(f"<h3>{html.escape(key.replace('_', ' ').capitalize())}</h3>")
            value = card[key]
            if isinstance(value, dict):
                parts.append(_table(value) if value else "<p><i>none recorded</i></p>")
            else:
                parts.append(f"<p>{html.escape(_short(value))}</p>")
    rest = {
        k: v
        for k, v in card.items()
        if k not in MAIN_FIELDS
        and k not in HIDDEN_FIELDS
        and k
        not in {
            "architecture",
            "arguments",
            "kind",
            "working_size",
            "stride",
            "default_temperature",
            "dtype",
        }
    }
    if rest:
        parts.append("<h3>More</h3>")
        parts.append(_table(rest))
    style = (
        f"<style>td.k {{ color: {muted}; padding-right: 14px; "
        "white-space: nowrap; vertical-align: top; } h3 { margin-top: 14px; }</style>"
    )
    return style + "".join(parts)


class ModelCardDialog(QDialog):
    """Shows a model file's card; "Copy card" puts the JSON (without long lists) on the clipboard."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
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

    def copy_card(self) -> None:
        short = {
            k: (f"({len(v)} values)" if k in ("bins", "prior") else v) for k, v in self.card.items()
        }
        QGuiApplication.clipboard().setText(json.dumps(short, indent=2))
