"""Help > About: version, bundled model cards, licences, the app icon."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from chroma_desk import __version__  # noqa: E402
from chroma_desk.models import library  # noqa: E402
from chroma_desk.models.checkpoint import make_card, save_model  # noqa: E402
from chroma_desk.models.registry import build  # noqa: E402
from chroma_desk.ui.about import AboutDialog, version_info  # noqa: E402

LICENCE = "Model weights: MIT. Data: research use only (test note)."


@pytest.fixture
def bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bundled-models folder with one small model whose card is filled like a trained one's."""
    folder = tmp_path / "bundled"
    arguments = {"depth": 3, "width": 8}
    card = make_card(
        "tiny-gan",
        "pix2pix-unet",
        arguments,
        "regression",
        64,
        8,
        title="Tiny GAN",
        trained_on={
            "folder": "photos/",
            "counts": {"train": 120, "held_out": 6},
            "note": "BSDS500",
        },
        training={"steps": 1500, "seconds": 4000.0, "device": "cpu", "images_seen": 24000},
        metrics={"ab_l1": 9.87654, "colourfulness_ratio": 0.8},
        licence=LICENCE,
        placeholder=True,
    )
    save_model(folder / "tiny-gan.safetensors", build("pix2pix-unet", **arguments), card)
    monkeypatch.setattr(library, "bundled_dir", lambda: folder)
    return folder


def test_about_shows_version_model_cards_and_licences(qtbot, bundled: Path) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    assert __version__ in dialog.version_label.text()
    assert not dialog.icon_label.pixmap().isNull()
    assert not dialog.windowIcon().isNull()
    assert [e.name for e in dialog.entries] == ["tiny-gan"]

    models = dialog.models_browser.toPlainText()
    for text in ("Tiny GAN", "placeholder", "pix2pix-unet", "BSDS500", "train 120", "9.877"):
        assert text in models, text
    assert "1 h 07 min" in models and "1,500 steps" in models
    assert LICENCE in models

    licences = dialog.licences_browser.toPlainText()
    assert "MIT" in licences and LICENCE in licences and "BSDS500" in licences
    assert "PyTorch" in licences and "LGPL-3.0" in licences

    dialog.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text().startswith(f"Chroma Desk {__version__}")


def test_about_without_bundled_models_says_so(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(library, "bundled_dir", lambda: tmp_path / "none")
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    assert "No bundled models were found" in dialog.models_browser.toPlainText()
    assert "PyTorch" in version_info()
