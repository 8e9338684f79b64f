"""The info dialog's per-model option: an imported official model runs as published until the
user ticks Chroma Desk's own processing; the choice is remembered and the temperature follows."""

from __future__ import annotations

from pathlib import Path

import torch

from chroma_desk.models.checkpoint import read_card
from chroma_desk.models.official import import_official
from chroma_desk.ui import settings
from chroma_desk.ui.model_card import ModelCardDialog
from chroma_desk.ui.model_picker import TemperatureControl
from chroma_desk.ui.state import AppState


def test_official_model_runs_as_published_until_own_processing_is_ticked(
    qtbot, tmp_path: Path, tiny_model: Path
) -> None:
    from test_models import eccv16_layout, random_state

    src = tmp_path / "colorization_release_v2-9b330a0b.pth"
    torch.save(random_state(eccv16_layout()), src)
    model = import_official(src, tmp_path / "models")
    state = AppState(model, settings.model_default_temperature(model, read_card(model)))
    control = TemperatureControl(state)
    qtbot.addWidget(control)
    assert control.default == 1.0  # ECCV16 as released
    dialog = ModelCardDialog(model, None, state)
    qtbot.addWidget(dialog)
    box = dialog.own_processing
    assert box is not None and not box.isChecked()
    with qtbot.waitSignal(state.preprocessingChanged) as signal:
        box.setChecked(True)
    assert signal.args == [model]
    assert settings.preprocessing_choice(model) == "keep-aspect"
    assert control.default == 0.38 and state.temperature == 0.38
    again = ModelCardDialog(model, None, state)  # remembered
    qtbot.addWidget(again)
    assert again.own_processing is not None and again.own_processing.isChecked()
    own = ModelCardDialog(tiny_model, None, state)  # our own models have one way only
    qtbot.addWidget(own)
    assert own.own_processing is None
