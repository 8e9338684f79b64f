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
    for text in ("Tiny GAN", "pix2pix-unet", "BSDS500", "train 120", "9.877"):
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


@pytest.fixture
def two_stages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bundled classifier trained in two stages, measured at two temperatures."""
    from chroma_desk.color.bins import gamut_bins

    folder = tmp_path / "bundled"
    bins = gamut_bins()
    arguments = {"kind": "classification", "bins": len(bins)}
    first = {
        "recipe": {"kind": "classification", "batch": 16, "size": 160, "lr": 0.0002},
        "steps": 2835,
        "seconds": 6001.2,
        "device": "cpu",
        "images_seen": 45360,
    }
    card = make_card(
        "two-stage", "lite-unet", arguments, "classification", 128, 32, bins=bins,
        title="Two-stage classifier",
        trained_on={"folder": "photos/", "counts": {"train": 1152, "val": 60}, "note": "BSDS500"},
        training={
            "recipe": {"kind": "classification", "batch": 16, "size": 160, "lr": 0.0001},
            "steps": 1744, "seconds": 2184.4, "device": "cpu", "images_seen": 27904,
            "previous_stages": [first],
        },
        metrics={
            "ab_l1@T0.2": 12.45, "colourfulness_ratio@T0.2": 0.88,
            "ab_l1@T1.0": 11.83, "colourfulness_ratio@T1.0": 0.77, "gray_ab_l1": 11.98,
        },
        default_temperature=0.2, licence=LICENCE,
    )  # fmt: skip
    path = save_model(folder / "two-stage.safetensors", build("lite-unet", **arguments), card)
    monkeypatch.setattr(library, "bundled_dir", lambda: folder)
    return path


def test_model_card_reads_like_a_page_with_every_training_stage(qtbot, two_stages: Path) -> None:
    from chroma_desk.ui.model_card import ModelCardDialog

    dialog = ModelCardDialog(two_stages)
    qtbot.addWidget(dialog)
    text = dialog.browser.toPlainText()
    for needed in (
        "What it is",
        "Network: EfficientNet-Lite0 U-Net (fast).",
        "(0.20 by default)",
        "1,152 photos for training, 60 held out to measure it",
        "2 stages, 4,579 steps, 73,264 photos seen, 2 h 16 min in all",
        "Stage 1: 2,835 steps, 45,360 photos seen, 1 h 40 min on cpu",
        "Stage 2: 1,744 steps",
        "Colour error at temperature 0.20: 12.45",
        "a gray photo (no colour at all) scores 11.98: not yet better than no colour",
        "Colourfulness: 0.88 of the real photos'",
        LICENCE,
    ):
        assert needed in text, needed
    assert "{" not in text and "None" not in text and "ab_l1" not in text

    about = AboutDialog()
    qtbot.addWidget(about)
    models = about.models_browser.toPlainText()
    assert "2 stages, 4,579 steps" in models
    assert "stage 1" in models and "2,835 steps" in models and "1,744 steps" in models
