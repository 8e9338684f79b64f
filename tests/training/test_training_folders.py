"""A messy folder trains and its problems are counted in the `start` event; a NaN loss stops
the run with an `error` event; fine-tuning from a model file (--init) starts from its weights."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data
from training_helpers import losses_of, small_config, write_photos

import training.trainer as trainer_module
from chroma_desk.models.checkpoint import load_model
from training.events import read_events
from training.trainer import Trainer, TrainingError


def test_messy_folder_trains_and_reports(tmp_path) -> None:
    folder = tmp_path / "photos"
    good = write_photos(folder, count=6, side=96)
    (folder / "sub").mkdir()
    (folder / "sub" / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a JPEG" * 20)
    whole = good[0].read_bytes()
    (folder / "sub" / "truncated.png").write_bytes(whole[: len(whole) // 3])  # wrong suffix too
    gray = data.camera()[::4, ::4]
    Image.fromarray(np.stack([gray] * 3, axis=-1)).save(folder / "gray-as-rgb.jpg")
    (folder / "notes.txt").write_text("a note, not a photo")
    (folder / ".hidden.jpg").write_bytes(whole)

    out = tmp_path / "run"
    Trainer(small_config(folder, out, steps=3), echo=False).run()
    events = read_events(out / "events.jsonl")
    start = events[0]
    assert start["event"] == "start"
    counts = start["counts"]
    assert counts["usable"] == 6
    assert counts["near_gray"] == 1
    assert counts["unreadable"] == 2
    assert counts["not_photos"] == 1  # notes.txt; the hidden file is left out (media/folders.py)
    assert counts["train"] + counts["val"] == 6
    assert events[-1]["event"] == "done" and events[-1]["step"] == 3
    card = load_model(out / "model.safetensors").card
    assert card["trained_on"]["counts"] == counts


def test_folder_without_colour_photos_is_an_error_event(tmp_path) -> None:
    folder = tmp_path / "gray"
    folder.mkdir()
    Image.fromarray(data.camera()[::4, ::4]).save(folder / "gray.png")
    out = tmp_path / "run"
    with pytest.raises(TrainingError, match="no usable colour photos"):
        Trainer(small_config(folder, out), echo=False).run()
    events = read_events(out / "events.jsonl")
    assert events[-1]["event"] == "error" and "no usable" in events[-1]["message"]


def test_nan_loss_stops_with_an_error_event(tiny_folder, tmp_path, monkeypatch) -> None:
    real = trainer_module.regression_loss
    calls = {"n": 0}

    def poisoned(pred, ab, kind="l1"):
        calls["n"] += 1
        loss = real(pred, ab, kind)
        return loss * math.nan if calls["n"] >= 4 else loss

    monkeypatch.setattr(trainer_module, "regression_loss", poisoned)
    out = tmp_path / "run"
    cfg = small_config(tiny_folder, out, steps=10, checkpoint_every=2)
    with pytest.raises(TrainingError, match="nan"):
        Trainer(cfg, echo=False).run()
    events = read_events(out / "events.jsonl")
    error = events[-1]
    assert error["event"] == "error" and error["step"] == 3
    assert "nan" in error["message"] and "lr" in error["message"]
    assert [e["step"] for e in events if e["event"] == "checkpoint"] == [2]
    assert not any(e["event"] == "done" for e in events)
    assert all(math.isfinite(v) for v in losses_of(events, "l1"))
    assert load_model(out / "model.safetensors").card["training"]["steps"] == 2


@pytest.mark.parametrize("kind", ["regression", "classification"])
def test_init_fine_tunes_from_a_model_file(kind, tiny_folder, tmp_path) -> None:
    arch, args = (
        ("plain-unet", {"width": 8})
        if kind == "regression"
        else ("lite-unet", {"widths": [32, 16, 16]})
    )
    first = Trainer(
        small_config(tiny_folder, tmp_path / "a", kind=kind, arch=arch, arch_args=args, steps=6),
        echo=False,
    ).run()
    # no steps at all: the fine-tuned file holds exactly the weights it started from
    same = Trainer(
        small_config(tiny_folder, tmp_path / "b", kind=kind, arch=arch, init=str(first), steps=0),
        echo=False,
    ).run()
    a, b = load_model(first), load_model(same)
    for key, value in a.module.state_dict().items():
        assert torch.equal(value, b.module.state_dict()[key]), key
    assert b.card["arguments"] == a.card["arguments"]
    if kind == "classification":  # the prior of the first folder is kept, not re-measured
        assert b.card["prior"] == a.card["prior"] and b.card["bins"] == a.card["bins"]
    # a few steps of fine-tuning change the weights
    tuned = Trainer(
        small_config(tiny_folder, tmp_path / "c", kind=kind, arch=arch, init=str(first), steps=2),
        echo=False,
    ).run()
    c = load_model(tuned).module.state_dict()
    assert any(not torch.equal(v, c[k]) for k, v in a.module.state_dict().items())


def test_init_refuses_another_architecture(tiny_folder, tmp_path) -> None:
    first = Trainer(small_config(tiny_folder, tmp_path / "a", steps=1), echo=False).run()
    cfg = small_config(tiny_folder, tmp_path / "b", arch="rgb-autoencoder", init=str(first))
    with pytest.raises(TrainingError, match="plain-unet"):
        Trainer(cfg, echo=False).run()


def test_rgb_model_trains_only_as_regression(tiny_folder, tmp_path) -> None:
    cfg = small_config(tiny_folder, tmp_path / "run", arch="rgb-autoencoder", kind="gan")
    with pytest.raises(TrainingError, match="regression"):
        Trainer(cfg, echo=False).run()


def test_failure_inside_the_loop_is_an_error_event(tiny_folder, tmp_path, monkeypatch) -> None:
    """Not only our own errors: a full disk while writing a checkpoint stops with an event."""

    def disk_full(self) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Trainer, "save_state", disk_full)
    out = tmp_path / "run"
    cfg = small_config(tiny_folder, out, steps=5, checkpoint_every=2)
    with pytest.raises(TrainingError, match="No space"):  # the command line's one-line message
        Trainer(cfg, echo=False).run()
    error = read_events(out / "events.jsonl")[-1]
    assert error["event"] == "error" and error["step"] == 2
    assert error["message"].startswith("OSError") and "No space left" in error["message"]


def test_train_command_with_a_corrupt_init_file_is_a_clear_error(
    tiny_folder, tmp_path, capsys
) -> None:
    from training.cli import main

    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 64)
    out = tmp_path / "run"
    code = main(["--data", str(tiny_folder), "--out", str(out), "--init", str(bad),
                 "--kind", "regression", "--arch", "plain-unet", "--steps", "1",
                 "--no-pretrained", "--workers", "0"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "bad.safetensors" in err and "not a readable" in err
    assert read_events(out / "events.jsonl")[-1]["event"] == "error"


def test_gan_discriminator_width_is_a_setting(tiny_folder, tmp_path) -> None:
    from safetensors.torch import load_file

    out = tmp_path / "run"
    cfg = small_config(tiny_folder, out, kind="gan", steps=2, warmup_steps=0, disc_width=8)
    Trainer(cfg, echo=False).run()
    state = load_file(str(out / "state" / "weights.safetensors"))
    first = [v for k, v in state.items() if k.startswith("d.") and v.ndim == 4][0]
    assert first.shape[0] == 8  # the PatchGAN's first layer has disc_width channels
    assert load_model(out / "model.safetensors").card["training"]["recipe"]["disc_width"] == 8


def test_folder_scan_is_remembered_and_changed_files_are_read_again(tmp_path, monkeypatch):
    import training.data as data_module

    folder = tmp_path / "photos"
    paths = write_photos(folder, count=3, side=64)
    Image.fromarray(data.camera()[::8, ::8]).save(folder / "gray.png")
    cache = tmp_path / "run" / "scan.json"
    first = data_module.scan_folder(folder, cache=cache)
    assert first.counts() == {"usable": 3, "near_gray": 1, "unreadable": 0, "not_photos": 0}

    opened = []
    real_load = data_module.load_rgb
    monkeypatch.setattr(
        data_module, "load_rgb", lambda p, s=None: opened.append(p) or real_load(p, s)
    )
    again = data_module.scan_folder(folder, cache=cache)
    assert again.usable == first.usable and again.gray == first.gray and opened == []

    paths[0].write_bytes(b"no longer a photo")  # changed: size and time differ
    third = data_module.scan_folder(folder, cache=cache)
    assert opened == [paths[0]] and third.unreadable == [paths[0]]

    cache.write_text("{ damaged")
    assert data_module.scan_folder(folder, cache=cache).counts() == third.counts()
