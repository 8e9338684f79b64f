"""training.rundir, history, events, processes, choices, install: command lines, events read back, run discovery, installing a run's model."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
import torch

from chroma_desk.models.checkpoint import make_card, read_card, save_model
from chroma_desk.models.library import list_models
from training import choices, events, history, install, processes, rundir, runs
from training.config import TrainConfig, add_arguments, config_from_args


def _parse(argv: list[str]) -> TrainConfig:
    assert argv[1:3] == ["-m", "training"]
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return config_from_args(parser.parse_args(argv[3:]))


def test_command_line_round_trips_every_option() -> None:
    config = TrainConfig(
        data="/photos",
        out="/runs/x",
        arch="resnet18-unet",
        kind="classification",
        name="x",
        val="/val",
        size=96,
        batch=3,
        steps=7,
        minutes=2.5,
        epochs=4,
        lr=1e-4,
        warmup_steps=3,
        lambda_l1=50.0,
        regression_loss="mse",
        pretrained=False,
        init="/m.safetensors",
        workers=0,
        seed=5,
        device="cuda:1",
        threads=1,
        checkpoint_every=9,
        sample_every=8,
        eval_every=6,
        log_every=1,
        working_size=128,
        half=False,
        data_note="mine",
    )
    argv = rundir.command_line(asdict(config), program=["python", "-m", "training"])
    assert _parse(argv) == config
    assert "--resume" in rundir.command_line(asdict(config), resume=True)


def test_command_line_leaves_out_unset_options() -> None:
    argv = rundir.command_line({"data": "d", "out": "o", "steps": None, "pretrained": True})
    assert argv[3:] == ["--data", "d", "--out", "o"]
    with pytest.raises(ValueError):
        rundir.command_line({"data": "d"})


def test_command_line_in_the_frozen_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    argv = rundir.command_line({"data": "d", "out": "o"})
    assert argv == [sys.executable, "train", "--data", "d", "--out", "o"]


def _events(*records: dict) -> list[dict]:
    return [{"time": 1000.0 + i, **r} for i, r in enumerate(records)]


def test_history_folds_events_and_a_resume_drops_repeated_steps() -> None:
    h = history.RunHistory()
    h.extend(
        _events(
            {"event": "start", "config": {"steps": 4, "kind": "gan"}, "step": 0, "counts": {}},
            {"event": "step", "step": 1, "losses": {"l1": 0.5}, "images_per_s": 2.0},
            {"event": "step", "step": 2, "losses": {"l1": 0.4}, "images_per_s": 2.0},
            {"event": "checkpoint", "step": 2, "path": "m"},
            {"event": "step", "step": 3, "losses": {"l1": 0.3, "d": 0.7}, "eta_s": 1.0},
        )
    )
    assert h.state == "training" and h.step == 3 and h.losses["l1"].values == [0.5, 0.4, 0.3]
    # killed after step 3; resumed from the checkpoint at step 2
    h.extend(
        _events(
            {"event": "start", "config": {"steps": 4}, "step": 2, "resumed": True},
            {"event": "step", "step": 3, "losses": {"l1": 0.31}},
            {"event": "eval", "step": 3, "metrics": {"ab_l1": 9.0}},
            {"event": "eval", "step": 3, "metrics": {"ab_l1": 8.0}},
            {"event": "sample", "step": 3, "path": "s.png"},
            {"event": "done", "step": 3, "stopped": True, "seconds": 12.0},
        )
    )
    assert h.losses["l1"].steps == [1, 2, 3] and h.losses["l1"].values[-1] == 0.31
    assert h.losses["d"].steps == []
    assert h.metrics["ab_l1"].values == [8.0]
    assert h.state == "stopped" and h.latest_sample == "s.png" and h.sessions == 2
    assert h.train_seconds == 12.0
    h.add({"event": "start", "config": {}, "step": 3, "resumed": True})
    h.add({"event": "error", "message": "boom"})
    assert h.state == "failed" and h.error == "boom"


def test_event_reader_waits_for_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    reader = events.EventReader(path)
    assert reader.read() == []
    with path.open("w") as f:
        f.write(json.dumps({"event": "start"}) + "\n" + '{"event": "st')
    assert [e["event"] for e in reader.read()] == ["start"]
    with path.open("a") as f:
        f.write('ep", "step": 1}\nnot json\n')
    assert reader.read() == [{"event": "step", "step": 1}]
    assert reader.read() == []


def test_smooth() -> None:
    assert history.smooth([1.0, 1.0, 1.0]) == pytest.approx([1.0, 1.0, 1.0])
    assert history.smooth([0.0, 10.0], 0.0) == [0.0, 10.0]
    s = history.smooth([0.0, 10.0], 0.5)
    assert 0 < s[1] < 10


def test_explain_exit() -> None:
    h = history.RunHistory()
    h.add({"event": "start", "config": {}, "step": 0})
    h.add({"event": "checkpoint", "step": 250, "path": "m"})
    killed = rundir.explain_exit(-signal.SIGKILL, h)
    assert "SIGKILL" in killed and "step 250" in killed
    log = "Traceback (most recent call last):\n  File x\nRuntimeError: CUDA out of memory\n"
    assert "CUDA out of memory" in rundir.explain_exit(1, h, log)
    h.add({"event": "error", "message": "no usable colour photos"})
    assert rundir.explain_exit(2, h).startswith("no usable colour photos")
    h.add({"event": "start", "config": {}, "step": 250})
    h.add({"event": "done", "step": 260, "stopped": False})
    assert rundir.explain_exit(0, h) is None


_STAND_IN = [
    sys.executable,
    "-c",
    "import time; print('ready', flush=True); time.sleep(60)",
    "-m",
    "training",
    "--out",
]


def _stand_in(out: str, cwd: Path | None = None) -> subprocess.Popen:
    """A process whose command line looks like a trainer's writing into ``out``."""
    return subprocess.Popen([*_STAND_IN, out], cwd=cwd, stdout=subprocess.PIPE)


def test_a_job_is_alive_as_soon_as_it_is_launched(tmp_path: Path) -> None:
    """Popen returns while the child is still inside execve (its /proc cmdline reads empty for
    a moment): a launcher that checks its job at once must not call it dead (the race behind
    test_find_runs_states failing now and then)."""
    run = tmp_path / "run"
    run.mkdir()
    for _ in range(5):
        proc = _stand_in(str(run))
        try:
            rundir.write_job(run, proc.pid, [*_STAND_IN, str(run)], {})
            assert processes.pid_alive(proc.pid, run)
            assert rundir.job_pid(run) == proc.pid
        finally:
            proc.kill()
            proc.wait()
            proc.stdout.close()


def test_find_runs_states(tmp_path: Path) -> None:
    def make(name: str, *events: dict, job_pid: int | None = None) -> Path:
        run = tmp_path / name
        run.mkdir()
        (run / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
        if job_pid is not None:
            rundir.write_job(run, job_pid, ["python", "-m", "training", "--out", str(run)], {})
        return run

    start = {"event": "start", "config": {"kind": "gan", "arch": "lite-unet"}, "step": 0}
    step = {"event": "step", "step": 1, "losses": {}}
    make("done", start, {"event": "done", "step": 5, "stopped": False})
    make("stopped", start, {"event": "done", "step": 5, "stopped": True})
    make("failed", start, {"event": "error", "message": "x"})
    make("gone", start, step, job_pid=2**22 + 7)
    make("dead", start, step)
    ours = make("ours", start, step)
    theirs = make("theirs", start, step)
    (tmp_path / "not-a-run").mkdir()
    # stand-ins for trainers: one started by a launcher (job.json), one from a shell, relative
    procs = [_stand_in(str(ours)), _stand_in("theirs", cwd=tmp_path)]
    sleep = _STAND_IN
    try:
        for p in procs:  # a shell's trainer is found once it runs (not while inside execve)
            assert p.stdout is not None and p.stdout.readline() == b"ready\n"
        rundir.write_job(ours, procs[0].pid, sleep + [str(ours)], {})
        found = {r.path.name: r for r in rundir.find_runs(tmp_path)}
        assert {k: v.status for k, v in found.items()} == {
            "done": "finished",
            "stopped": "stopped",
            "failed": "failed",
            "gone": "interrupted",
            "dead": "interrupted",
            "ours": "running",
            "theirs": "running",
        }
        assert found["ours"].pid == procs[0].pid and not found["ours"].external
        assert found["theirs"].pid == procs[1].pid and found["theirs"].external
        assert found["done"].kind == "gan"
        assert processes.find_trainer_pid(theirs) == procs[1].pid
        assert processes.pid_alive(procs[0].pid, ours) and not processes.pid_alive(
            procs[0].pid, theirs
        )
    finally:
        for p in procs:
            p.kill()
            p.wait()
            p.stdout.close()
    assert not processes.pid_alive(procs[0].pid)
    assert rundir.find_runs(tmp_path / "missing") == []


def test_resume_options_extend_a_finished_run() -> None:
    h = history.RunHistory()
    h.add({"event": "start", "config": {"steps": 6, "data": "d", "out": "o"}, "step": 0})
    h.add({"event": "done", "step": 6, "stopped": False, "seconds": 3})
    assert rundir.resume_options({"steps": 6, "data": "d", "out": "o"}, h)["steps"] == 12
    h.add({"event": "start", "config": {"steps": 12}, "step": 6, "resumed": True})
    h.add({"event": "done", "step": 8, "stopped": True, "seconds": 5})
    assert rundir.resume_options({"steps": 12}, h)["steps"] == 12  # stopped: same target


def test_install_model_renames_and_never_clobbers(tmp_path: Path) -> None:
    from chroma_desk.models.registry import build

    run = tmp_path / "runs" / "my-run"
    module = build("lite-unet", kind="regression")
    card = make_card("my-run", "lite-unet", {"kind": "regression"}, "regression", 256, 32)
    save_model(run / "model.safetensors", module, card)
    models = tmp_path / "models"
    first = install.install_model(run, models, "Family photos")
    assert first.name == "family-photos.safetensors"
    assert read_card(first)["name"] == "Family photos"
    assert install.install_model(run, models, "Family photos") == first  # same run: updated
    other = tmp_path / "runs" / "other"
    save_model(other / "model.safetensors", module, card)
    second = install.install_model(other, models, "Family photos")
    assert second.name == "family-photos-2.safetensors" and first.exists()
    with pytest.raises(FileNotFoundError):
        install.install_model(tmp_path / "runs" / "empty", models)


def test_choices_for_a_new_run(tmp_path: Path, user_models_dir: Path) -> None:
    assert {"lite-unet", "resnet18-unet"} <= set(choices.trainable_architectures())
    assert "patchgan" not in choices.trainable_architectures()
    devices = choices.list_devices()
    assert devices[0][0] == "auto" and devices[1][0] == "cpu"
    assert len(devices) == 2 + torch.cuda.device_count() + (
        1 if torch.backends.mps.is_available() else 0
    )
    from chroma_desk.models.registry import build

    card = make_card("mine", "lite-unet", {"kind": "regression"}, "regression", 256, 32)
    save_model(user_models_dir / "mine.safetensors", build("lite-unet"), card)
    names = [name for name, _, _ in choices.init_candidates("gan", "lite-unet")]
    assert "mine" in names
    assert "mine" not in [n for n, _, _ in choices.init_candidates("classification", "lite-unet")]
    assert any(e.name == "mine" for e in list_models())


def test_slug_and_unique_names(tmp_path: Path) -> None:
    assert rundir.slug("  My Family Photos (1950s) ") == "my-family-photos-1950s"
    (tmp_path / "a-gan").mkdir()
    assert rundir.unique_run_name(tmp_path, "A gan") == "a-gan-2"


def test_main_lists_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert runs.main([str(tmp_path)]) == 0
    assert "no runs" in capsys.readouterr().out


def test_describe_event_lines() -> None:
    start = {"event": "start", "config": {"kind": "gan", "arch": "lite-unet"}, "device": "cpu"}
    assert "gan lite-unet on cpu" in history.describe_event(start)
    step = {"event": "step", "step": 1200, "losses": {"l1": 0.0891}, "images_per_s": 9.8}
    assert "1,200  l1 0.0891  9.8 img/s" in history.describe_event(step)
    assert "ERROR" in history.describe_event({"event": "error", "message": "out of memory"})
    done = {"event": "done", "step": 6, "stopped": True, "seconds": 75}
    assert "stopped after 1 min 15 s" in history.describe_event(done)
