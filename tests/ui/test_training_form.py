"""The Training tab's new-run form: settings that would crash a run are refused before it
starts, with the same check as `chroma-desk train`; a typed folder path; architecture names for
people; a model that is not better than gray is called so. Offscreen, no trainer started."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("PySide6.QtCharts")
qasync = pytest.importorskip("qasync")

from PySide6.QtWidgets import QApplication  # noqa: E402

from chroma_desk.ui.state import AppState  # noqa: E402
from chroma_desk.ui.training import TrainingTab  # noqa: E402
from training import cli  # noqa: E402


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    from skimage import data

    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("astronaut", "coffee"):
        rgb = np.asarray(getattr(data, name)())[..., :3]
        Image.fromarray(rgb[::4, ::4]).save(folder / f"{name}.jpg")
    return folder


@pytest.fixture
def tab(qtbot, tmp_path: Path) -> TrainingTab:
    tab = TrainingTab(AppState(), runs_dir=tmp_path / "runs")
    qtbot.addWidget(tab)
    yield tab
    tab.shutdown()


def scanned(loop, tab: TrainingTab, type_path: Path) -> None:
    """Type (not choose) ``type_path`` into the folder field and wait for its scan."""
    form = tab.form
    form.photos.folder_edit.setText(str(type_path))
    form.photos.folder_edit.editingFinished.emit()

    async def wait() -> None:
        while form.scan is None:
            await asyncio.sleep(0.02)

    loop.run_until_complete(asyncio.wait_for(wait(), 60))


def test_a_typed_folder_is_scanned_and_a_missing_one_said(loop, tab, photos, tmp_path) -> None:
    form = tab.form
    assert not form.photos.folder_edit.isReadOnly()
    form.photos.folder_edit.setText(str(tmp_path / "nowhere"))
    form.photos.folder_edit.editingFinished.emit()
    assert "no folder" in form.photos.scan_label.text() and not form.start_button.isEnabled()
    scanned(loop, tab, photos)
    assert form.folder == photos.resolve()
    assert "<b>2</b> colour photos" in form.photos.scan_label.text()
    assert form.start_button.isEnabled()


def test_settings_that_would_crash_are_refused_like_the_command_line(
    loop, tab, photos, capsys
) -> None:
    """32 px with batch 1 used to start and die with PyTorch's "Expected more than 1 value per
    channel"; the form and `train` now say why before anything starts."""
    form = tab.form
    scanned(loop, tab, photos)
    form.arch_combo.setCurrentIndex(form.arch_combo.findData("lite-unet"))
    form.size_spin.setValue(32)
    form.batch_spin.setValue(1)
    assert not form.start_button.isEnabled()
    assert "batch" in form.hint.text() and "BatchNorm" in form.hint.text()
    assert tab.start() is None and tab.sessions == {}
    assert not (tab.runs_dir).exists() or not any(tab.runs_dir.iterdir())
    # the command line refuses the same settings with the same words
    argv = ["--data", str(photos), "--out", str(tab.runs_dir / "x"), "--size", "32", "--batch", "1"]
    assert cli.main(argv) == 2
    assert "BatchNorm" in capsys.readouterr().err
    assert not (tab.runs_dir / "x").exists()
    form.batch_spin.setValue(2)
    assert form.start_button.isEnabled() and form.hint.text() == ""


def test_architectures_are_named_for_people(tab) -> None:
    combo = tab.form.arch_combo
    labels = {combo.itemData(i): combo.itemText(i) for i in range(combo.count())}
    assert labels["lite-unet"] == "EfficientNet-Lite0 U-Net (fast)"
    assert {"vgg16-cls", "conv-dense-ae"} <= set(labels)
    assert all(label != arch for arch, label in labels.items())


def _run_with_val(folder: Path, model: list[float], gray: float) -> None:
    folder.mkdir(parents=True)
    config = {"kind": "regression", "arch": "lite-unet", "name": folder.name, "steps": 30}
    events = [{"event": "start", "time": 1.0, "config": config, "step": 0, "device": "cpu"}]
    for i, value in enumerate(model, 1):
        metrics = {"ab_l1": value, "gray_ab_l1": gray}
        loss = {"l1": value / 100}
        events.append({"event": "step", "time": 1.0 + i, "step": 10 * i, "losses": loss})
        events.append({"event": "eval", "time": 1.0 + i, "step": 10 * i, "metrics": metrics})
    events.append({"event": "done", "time": 99.0, "step": 10 * len(model), "stopped": False})
    (folder / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))


def test_a_model_worse_than_gray_is_called_so(tab, tmp_path: Path) -> None:
    _run_with_val(tmp_path / "runs" / "worse", [14.0, 13.1, 12.6], gray=12.2)
    _run_with_val(tmp_path / "runs" / "better", [14.0, 12.0, 11.4], gray=12.2)
    tab.refresh_runs()
    tab.select_run(tab.runs_dir / "worse")
    tab.view.redraw()
    note = tab.view.val_chart.note
    assert not note.isHidden() and "not yet better than no colour" in note.text().lower()
    assert "12.6" in note.text() and "12.2" in note.text()
    tab.select_run(tab.runs_dir / "better")
    tab.view.redraw()
    assert note.isHidden()


def test_step_labels_fit_a_small_window(tab, tmp_path: Path) -> None:
    """At 1024x700 the step axis labels were cut to "10..."; now a narrow chart gets fewer
    ticks, each with room for a label like "12,000", and no label is truncated."""
    _run_with_val(tmp_path / "runs" / "long", [14.0, 13.0, 12.5] * 40, gray=12.2)
    tab.refresh_runs()
    tab.resize(1024 - 40, 700 - 90)  # the tab inside a 1024x700 window
    tab.show()
    tab.select_run(tab.runs_dir / "long")
    tab.view.redraw()
    chart = tab.view.val_chart
    for _ in range(3):  # let the layout settle
        QApplication.processEvents()
    assert chart.view.width() < 5 * 64  # narrow: the case that was cut
    assert not chart.x_axis.truncateLabels() and not chart.y_axis.truncateLabels()
    assert 2 <= chart.x_axis.tickCount() <= chart.view.width() // 64
