"""Resume after a kill: a run killed (SIGKILL) or stopped (SIGTERM) after its first checkpoint
and then resumed ends at the same step count as an uninterrupted run, with the same losses at
every step (exact resume: same batches, weights and optimiser moments)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from training_helpers import losses_of, small_config, write_photos

from training.events import EVENT_TYPES, read_events
from training.trainer import Trainer, TrainingError

REPO = Path(__file__).resolve().parents[2]
STEPS = 40
ARGS = [
    "--arch", "plain-unet", "--kind", "regression", "--size", "64", "--batch", "4",
    "--lr", "1e-3", "--steps", str(STEPS), "--workers", "0", "--threads", "1",
    "--no-pretrained", "--checkpoint-every", "5", "--log-every", "1",
    "--sample-every", "10", "--eval-every", "20", "--fp32", "--arch-args", '{"width": 8}',
]  # fmt: skip
REQUIRED = {
    "start": {"config", "device", "counts", "resumed", "step"},
    "step": {"step", "epoch", "losses", "lr", "images_per_s", "eta_s"},
    "eval": {"step", "metrics"},
    "sample": {"step", "path"},
    "checkpoint": {"step", "path"},
    "error": {"message"},
    "done": {"step", "path"},
}


def command(data: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "training", "--data", str(data), "--out", str(out), *ARGS, *extra]


def run_cli(data: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(data, out, *extra), cwd=REPO, capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="module")
def reference(tiny_folder, tmp_path_factory) -> dict:
    """One uninterrupted run: its events by type, and its losses by step."""
    out = tmp_path_factory.mktemp("reference") / "run"
    done = run_cli(tiny_folder, out)
    assert done.returncode == 0, done.stderr
    events = read_events(out / "events.jsonl")
    return {
        "events": events,
        "stdout": done.stdout,
        "out": out,
        "losses": {e["step"]: e["losses"]["l1"] for e in events if e["event"] == "step"},
    }


def interrupt_after_first_checkpoint(
    data: Path, out: Path, sig: int, *extra: str, group: bool = False
) -> int:
    """Start a run, send ``sig`` once it has written a checkpoint; the run's return code.

    ``group``: the run gets a process group of its own and the signal goes to all of it, its
    DataLoader workers included (Ctrl+C in a terminal, a service manager stopping it)."""
    proc = subprocess.Popen(
        command(data, out, *extra),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=group,
    )
    events_path = out / "events.jsonl"
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline:
            if events_path.exists() and any(
                e["event"] == "checkpoint" for e in read_events(events_path)
            ):
                break
            if proc.poll() is not None:
                pytest.fail(f"the run ended before its first checkpoint: {proc.stderr.read()}")
            time.sleep(0.02)
        if group:
            os.killpg(proc.pid, sig)
        else:
            os.kill(proc.pid, sig)
        return proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def assert_same_losses(events: list[dict], reference: dict) -> None:
    for e in events:
        if e["event"] == "step":
            want = reference["losses"][e["step"]]
            assert e["losses"]["l1"] == pytest.approx(want, rel=1e-4, abs=1e-6), e["step"]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_resume_after_a_kill(sig: int, tiny_folder, tmp_path, reference) -> None:
    out = tmp_path / "run"
    code = interrupt_after_first_checkpoint(tiny_folder, out, sig)
    before = read_events(out / "events.jsonl")
    stopped_at = [e["step"] for e in before if e["event"] == "step"][-1]
    if stopped_at >= STEPS:
        pytest.skip("the run finished before the signal arrived (very slow test process)")
    last_checkpoint = [e["step"] for e in before if e["event"] == "checkpoint"][-1]
    if sig == signal.SIGTERM:  # a clean stop: checkpoint at the stop step, then `done`
        assert code == 0
        assert before[-1]["event"] == "done" and before[-1]["stopped"] is True
        assert last_checkpoint == stopped_at
    else:
        assert code == -signal.SIGKILL
    resumed = run_cli(tiny_folder, out, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    after = read_events(out / "events.jsonl")[len(before) :]
    start = after[0]
    assert start["event"] == "start" and start["resumed"] is True
    assert start["step"] == last_checkpoint
    steps = [e["step"] for e in after if e["event"] == "step"]
    assert steps == list(range(last_checkpoint + 1, STEPS + 1))
    assert after[-1]["event"] == "done" and after[-1]["step"] == STEPS
    # loss continuity: every step, before the kill and after the resume, as uninterrupted
    assert_same_losses(before, reference)
    assert_same_losses(after, reference)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_to_the_whole_group_with_loader_workers_stops_cleanly(
    sig: int, tiny_folder, tmp_path
) -> None:
    """The workers leave the signal to the trainer, which saves and ends with `done`.

    Enough photos that the worker is alive and busy when the signal comes (a worker killed by
    it used to fail the run with "DataLoader worker ... killed by signal" before it saved)."""
    folder = tmp_path / "photos"
    write_photos(folder, count=64, side=72)
    out = tmp_path / "run"
    code = interrupt_after_first_checkpoint(folder, out, sig, "--workers", "1", group=True)
    events = read_events(out / "events.jsonl")
    if events[-1]["event"] == "done" and events[-1]["step"] >= STEPS:
        pytest.skip("the run finished before the signal arrived (very slow test process)")
    assert code == 0
    assert events[-1]["event"] == "done" and events[-1]["stopped"] is True
    assert not any(e["event"] == "error" for e in events)
    assert [e for e in events if e["event"] == "checkpoint"][-1]["step"] == events[-1]["step"]


def test_resume_at_an_epoch_boundary_is_exact(tiny_folder, tmp_path) -> None:
    """Seven training photos (one of the eight is held out), batch 3: two batches per epoch and
    one photo dropped. Stopping after the last full batch of an epoch and resuming must not
    train on the dropped rest."""
    kwargs = dict(batch=3, arch_args={"width": 8})
    Trainer(small_config(tiny_folder, tmp_path / "ref", steps=4, **kwargs), echo=False).run()
    Trainer(small_config(tiny_folder, tmp_path / "cut", steps=2, **kwargs), echo=False).run()
    Trainer(small_config(tiny_folder, tmp_path / "cut", steps=4, **kwargs), echo=False).run(
        resume=True
    )
    ref = losses_of(read_events(tmp_path / "ref" / "events.jsonl"), "l1")
    cut = losses_of(read_events(tmp_path / "cut" / "events.jsonl"), "l1")
    assert len(cut) == len(ref) == 4
    assert cut == pytest.approx(ref, rel=1e-5)


def test_resume_with_other_settings_is_a_clear_error(tiny_folder, tmp_path) -> None:
    out = tmp_path / "run"
    Trainer(small_config(tiny_folder, out, steps=2, arch_args={"width": 8}), echo=False).run()
    wider = small_config(tiny_folder, out, steps=4, arch_args={"width": 16})
    with pytest.raises(TrainingError, match="started with other settings"):
        Trainer(wider, echo=False).run(resume=True)
    error = read_events(out / "events.jsonl")[-1]
    assert error["event"] == "error" and "--arch-args" in error["message"]


def test_events_follow_the_protocol(reference) -> None:
    events = reference["events"]
    stdout = [json.loads(line) for line in reference["stdout"].splitlines() if line.strip()]
    assert stdout == events  # the same objects on stdout and in events.jsonl
    assert events[0]["event"] == "start" and events[-1]["event"] == "done"
    for e in events:
        assert e["event"] in EVENT_TYPES
        assert isinstance(e["time"], float)
        missing = REQUIRED[e["event"]] - set(e)
        assert not missing, f"{e['event']} event without {missing}"
    steps = [e for e in events if e["event"] == "step"]
    assert [e["step"] for e in steps] == list(range(1, STEPS + 1))
    for e in steps:
        assert e["losses"] and all(isinstance(v, float) for v in e["losses"].values())
        assert e["images_per_s"] > 0 and e["epoch"] >= 0
    types = {e["event"] for e in events}
    assert {"start", "step", "eval", "sample", "checkpoint", "done"} <= types
    for e in events:
        if e["event"] in ("sample", "checkpoint", "done"):
            assert Path(e["path"]).exists()
    start = events[0]
    assert start["counts"] == {
        "usable": 8,
        "near_gray": 0,
        "unreadable": 0,
        "not_photos": 0,
        "train": 7,
        "val": 1,
    }
    assert start["config"]["arch"] == "plain-unet"
    assert isinstance(next(e for e in events if e["event"] == "eval")["metrics"], dict)
    assert (reference["out"] / "model.safetensors").exists()
