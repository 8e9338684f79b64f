"""Faults during training (issue 12): a failing data loader, photos deleted mid-run, a second
stop signal, a kill between the two halves of a checkpoint, stale temporary files, a damaged
resume point and a full disk. Each ends with a clear message and an `error` event, never a
hang, and leaves the last checkpoint intact."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from training_helpers import small_config, write_photos

from training import cli, state_store
from training.events import read_events
from training.trainer import Trainer, TrainingError

REPO = Path(__file__).resolve().parents[2]


def test_photos_deleted_mid_run_end_the_run_with_an_error(tmp_path) -> None:
    """The photos vanish once training has begun; the DataLoader worker that fails to read
    one must end the run (error event naming the photo, exit 2, no traceback), not hang it."""
    photos = tmp_path / "photos"
    write_photos(photos)
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "training", "--data", str(photos), "--out", str(out),
         "--arch", "plain-unet", "--kind", "regression", "--arch-args", '{"width": 8}',
         "--size", "64", "--batch", "4", "--steps", "100000", "--workers", "1",
         "--threads", "1", "--no-pretrained", "--log-every", "1"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        events = out / "events.jsonl"
        while not (events.exists() and any(e["event"] == "step" for e in read_events(events))):
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        for photo in photos.iterdir():
            photo.unlink()
        stderr = proc.communicate(timeout=300)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 2
    assert "Traceback" not in stderr
    error = read_events(out / "events.jsonl")[-1]
    assert error["event"] == "error"
    assert str(photos) in error["message"] and "cannot read this photo" in error["message"]
    assert error["message"] in stderr


class _DeletesPhotosAfterScan(Trainer):
    def _prepare_data(self) -> None:
        super()._prepare_data()
        for path in self.train_set.paths[1:]:
            path.unlink()


def test_worker_failure_shuts_the_loader_workers_down(tmp_path) -> None:
    photos = tmp_path / "photos"
    write_photos(photos)
    config = small_config(photos, tmp_path / "run", workers=1, steps=50)
    with pytest.raises(TrainingError, match="cannot read this photo any more"):
        _DeletesPhotosAfterScan(config, echo=False).run()
    assert multiprocessing.active_children() == []
    assert read_events(tmp_path / "run" / "events.jsonl")[-1]["event"] == "error"


class _SignalledTwice(Trainer):
    def train_step(self, lab):
        if self.step == 3:
            os.kill(os.getpid(), signal.SIGTERM)  # asks for a stop after this step...
            while not self.stop_requested:
                time.sleep(0.001)
            os.kill(os.getpid(), signal.SIGTERM)  # ...and this one stops at once
            for _ in range(10_000):  # (the second signal's exception ends this wait)
                time.sleep(0.001)
        return super().train_step(lab)


def test_second_stop_signal_ends_the_run_at_once(tiny_folder, tmp_path) -> None:
    config = small_config(tiny_folder, tmp_path / "run", steps=10, checkpoint_every=2)
    with pytest.raises(TrainingError, match="second SIGTERM.*checkpoint of step 2 is kept"):
        _SignalledTwice(config, echo=False).run()
    tensors, counters = state_store.read(tmp_path / "run")
    assert counters["step"] == 2 and tensors
    assert read_events(tmp_path / "run" / "events.jsonl")[-1]["event"] == "error"


def test_kill_between_the_halves_of_a_checkpoint_swap_resumes_the_new_point(
    tiny_folder, tmp_path, monkeypatch
) -> None:
    """A kill after `state` was moved aside and before `state.new` took its place: the
    resume completes the swap (the new point is whole: its counters are written last)."""
    out = tmp_path / "run"
    Trainer(small_config(tiny_folder, out, steps=2, checkpoint_every=2), echo=False).run()
    real_replace = os.replace

    def killed_after_the_first_rename(src, dst):
        real_replace(src, dst)
        if str(src).endswith("state"):
            raise KeyboardInterrupt  # the process dies here

    monkeypatch.setattr(state_store.os, "replace", killed_after_the_first_rename)
    with pytest.raises(KeyboardInterrupt):
        Trainer(small_config(tiny_folder, out, steps=4, checkpoint_every=4), echo=False).run(
            resume=True
        )
    monkeypatch.undo()
    assert not (out / "state").exists() and (out / "state.new" / "state.json").is_file()
    resumed = Trainer(small_config(tiny_folder, out, steps=4), echo=False)
    resumed.run(resume=True)
    starts = [e for e in read_events(out / "events.jsonl") if e["event"] == "start"]
    assert starts[-1]["step"] == 4  # the point the killed run had finished writing
    assert sorted(p.name for p in out.iterdir()) == [
        "config.json", "events.jsonl", "model.safetensors", "scan-data.json", "state",
    ]  # fmt: skip


def test_stale_part_files_are_removed_on_start(tiny_folder, tmp_path) -> None:
    out = tmp_path / "run"
    Trainer(small_config(tiny_folder, out, steps=2, checkpoint_every=2), echo=False).run()
    stale = [
        out / ".model.safetensors.k3j9x1.part",
        out / "state" / "weights.safetensors.part",  # the old two-file format's leftovers
        out / "state.new" / "weights.safetensors",  # a swap killed half-written (no counters)
    ]
    for path in stale:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"half")
    Trainer(small_config(tiny_folder, out, steps=3), echo=False).run(resume=True)
    assert not any(p.exists() for p in stale) and not (out / "state.new").exists()
    assert state_store.read(out)[1]["step"] == 3


def test_resume_after_the_model_file_lagged_behind_rewrites_it(tiny_folder, tmp_path) -> None:
    """Killed after the resume point and before the model file: the resume writes the model
    file of the resume point's step before training on."""
    from chroma_desk.models.checkpoint import read_card

    out = tmp_path / "run"
    Trainer(small_config(tiny_folder, out, steps=2, checkpoint_every=1), echo=False).run()
    (out / "model.safetensors").write_bytes(b"damaged by a kill")
    trainer = Trainer(small_config(tiny_folder, out, steps=2), echo=False)
    trainer._prepare_data()
    trainer._build_models()
    assert trainer.load_state()
    assert read_card(out / "model.safetensors")["training"]["steps"] == 2


@pytest.mark.parametrize("damaged", ["state.json", "weights.safetensors"])
def test_corrupt_resume_point_names_the_file(damaged, tiny_folder, tmp_path, capsys) -> None:
    out = tmp_path / "run"
    Trainer(small_config(tiny_folder, out, steps=2, checkpoint_every=2), echo=False).run()
    path = out / "state" / damaged
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    argv = ["--data", str(tiny_folder), "--out", str(out), "--resume", "--steps", "4",
            "--arch", "plain-unet", "--kind", "regression", "--arch-args", '{"width": 8}',
            "--size", "64", "--batch", "4", "--workers", "0", "--threads", "1",
            "--no-pretrained"]  # fmt: skip
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err
    assert read_events(out / "events.jsonl")[-1]["event"] == "error"


def test_disk_full_during_a_checkpoint_keeps_the_old_one(
    tiny_folder, tmp_path, monkeypatch, capsys
) -> None:
    """The second checkpoint's weights meet a full disk: error event, exit 2, no traceback,
    the first checkpoint intact and loadable, nothing half-written left."""
    out = tmp_path / "run"
    real_save = state_store.save_file
    calls = []

    def full_disk_on_the_second(tensors, filename, *args, **kwargs):
        calls.append(filename)
        if len(calls) == 2:
            Path(filename).write_bytes(b"\0" * 1000)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), filename)
        return real_save(tensors, filename, *args, **kwargs)

    monkeypatch.setattr(state_store, "save_file", full_disk_on_the_second)
    argv = ["--data", str(tiny_folder), "--out", str(out), "--steps", "6",
            "--checkpoint-every", "3", "--arch", "plain-unet", "--kind", "regression",
            "--arch-args", '{"width": 8}', "--size", "64", "--batch", "4", "--workers", "0",
            "--threads", "1", "--no-pretrained", "--log-every", "1"]  # fmt: skip
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "no space left on device" in err and "checkpoint of step 3 is kept" in err
    assert "Traceback" not in err
    events = read_events(out / "events.jsonl")
    assert events[-1]["event"] == "error" and "no space left" in events[-1]["message"]
    assert state_store.read(out)[1]["step"] == 3
    assert not (out / "state.new").exists()
    assert json.loads((out / "state" / "state.json").read_text())["step"] == 3
