"""A few steps of each kind on a tiny folder lower the loss (fixed seed, one thread): the mean
of the first steps' losses against the mean of the last steps'."""

from __future__ import annotations

import pytest
from training_helpers import losses_of, small_config

from training.events import read_events
from training.trainer import Trainer

# kind, architecture, its arguments, the loss to watch, learning rate
CASES = {
    "regression": ("regression", "plain-unet", {"width": 8}, "l1", 1e-3),
    "regression-rgb": ("regression", "rgb-autoencoder", {"width": 8}, "l1", 1e-3),
    "gan": ("gan", "plain-unet", {"width": 8}, "l1", 1e-3),
    "classification": ("classification", "lite-unet", {"widths": [32, 16, 16]}, "ce", 3e-3),
}
STEPS = 30
WINDOW = 6


@pytest.mark.parametrize("case", list(CASES))
def test_a_few_steps_lower_the_loss(case: str, tiny_folder, tmp_path) -> None:
    kind, arch, arch_args, loss_name, lr = CASES[case]
    steps = STEPS
    cfg = small_config(
        tiny_folder,
        tmp_path / "run",
        kind=kind,
        arch=arch,
        arch_args=arch_args,
        steps=steps,
        lr=lr,
        batch=8,  # every training photo in every step (seven of the eight; one is held out)
        warmup_steps=steps // 3,
    )
    Trainer(cfg, echo=False).run()
    events = read_events(tmp_path / "run" / "events.jsonl")
    losses = losses_of(events, loss_name)
    assert len(losses) == steps
    early, late = losses[:WINDOW].mean(), losses[-WINDOW:].mean()
    assert late < 0.9 * early, (
        f"{case}: loss {early:.4f} over the first steps, {late:.4f} at the end"
    )
    if kind == "gan":  # the adversarial phase started after the L1 warm-up
        steps_after = [e for e in events if e["event"] == "step" and e["step"] > steps // 3]
        assert all({"d", "g_gan", "l1"} <= set(e["losses"]) for e in steps_after)
