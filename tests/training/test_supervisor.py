"""training.supervisor without Qt and without a real trainer: a fake trainer process that speaks
the event protocol (tests/training/fake_trainer.py) is started, followed, stopped, killed and
resumed, and a second supervisor finds what the first one started."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from training import rundir
from training.config import TrainConfig, add_arguments, config_from_args
from training.supervisor import Job, LaunchError, Supervisor

FAKE = [sys.executable, str(Path(__file__).with_name("fake_trainer.py"))]
TIMEOUT = 600.0  # seconds: a safety net for a broken supervisor, not a measurement


def follow(sup: Supervisor, job: Job, until=None) -> None:
    """Poll ``job`` as the window does until it ends (or ``until(job)`` holds)."""
    deadline = time.monotonic() + TIMEOUT
    while not sup.poll(job).ended:
        if until is not None and until(job):
            return
        assert time.monotonic() < deadline, "\n".join(job.log_lines)
        time.sleep(0.02)


@pytest.fixture
def sup(tmp_path: Path):
    supervisor = Supervisor(tmp_path / "runs", program=FAKE)
    yield supervisor
    for job in supervisor.jobs.values():  # never leave a process behind
        if job.process is not None and job.process.poll() is None:
            job.process.kill()
            job.process.wait()


def options(tmp_path: Path, **extra) -> dict:
    return {"data": str(tmp_path), "name": "My photos", "steps": 6, "checkpoint_every": 2, **extra}


def test_a_run_starts_and_finishes(sup: Supervisor, tmp_path: Path) -> None:
    job = sup.start(options(tmp_path))
    assert job.path == sup.runs_dir / "my-photos" and job.status == "starting"
    assert rundir.read_job(job.path)["pid"] == job.pid
    follow(sup, job)
    assert job.status == "finished" and job.message is None
    assert job.history.step == 6 and job.history.losses["l1"].steps == [1, 2, 3, 4, 5, 6]
    assert job.history.checkpoint_step == 6
    assert any("finished" in line for line in job.log_lines)
    assert sup.start(options(tmp_path)).path.name == "my-photos-2"  # names stay unique


def test_stop_saves_and_a_second_supervisor_sees_the_job(sup: Supervisor, tmp_path: Path) -> None:
    job = sup.start(options(tmp_path, steps=100_000))
    follow(sup, job, until=lambda j: j.history.step >= 3)
    assert job.status == "running"
    other = Supervisor(sup.runs_dir)
    assert other.find() == [other.jobs[job.path]]  # found running: to be followed
    seen = other.jobs[job.path]
    assert seen.status == "running" and seen.pid == job.pid and not seen.external
    assert sup.stop(job)
    assert job.status == "stopping"
    follow(sup, job)
    assert job.status == "stopped" and job.message is None
    assert job.history.checkpoint_step == job.history.step >= 3
    follow(other, seen)  # the other one sees it end from the events
    assert seen.status == "stopped"
    assert not sup.stop(job)  # nothing left to stop


def test_a_crash_and_a_kill_say_why(
    sup: Supervisor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_TRAINER", "crash")
    crashed = sup.start(options(tmp_path, name="crash"))
    follow(sup, crashed)
    assert crashed.status == "failed"
    assert "code 3" in crashed.message and "out of cheese" in crashed.message
    assert "step 2" in crashed.message  # its checkpoint is kept
    monkeypatch.setenv("FAKE_TRAINER", "ok")
    killed = sup.start(options(tmp_path, name="killed", steps=100_000))
    follow(sup, killed, until=lambda j: j.history.checkpoint_step is not None)
    os.kill(killed.pid, signal.SIGKILL)
    follow(sup, killed)
    assert killed.status == "failed" and "SIGKILL" in killed.message
    # found again later (a window reopened): interrupted, with the same advice
    again = Supervisor(sup.runs_dir)
    again.find()
    assert again.jobs[killed.path].status == "interrupted"
    assert "checkpoint" in again.jobs[killed.path].message


def test_resume_keeps_the_architecture_arguments(sup: Supervisor, tmp_path: Path) -> None:
    """A run started with --arch-args resumes with them (they used to be left off the command
    line, so a resumed run built the default architecture)."""
    job = sup.start(options(tmp_path, arch="plain-unet", arch_args={"width": 8}, steps=4))
    follow(sup, job)
    sup.resume(job)  # finished: trains as long again
    assert "--resume" in job.process.args
    follow(sup, job)
    assert job.status == "finished" and job.history.sessions == 2 and job.history.step == 8
    assert job.history.config["arch_args"] == {"width": 8}
    assert json.loads((job.path / "config.json").read_text())["arch_args"] == {"width": 8}
    with pytest.raises(LaunchError):
        sup.resume(Job(tmp_path / "no-such-run"))


def test_resume_command_line_round_trips_arch_args(tmp_path: Path) -> None:
    import argparse

    config = TrainConfig(data="d", out=str(tmp_path), arch="plain-unet", arch_args={"width": 8})
    argv = rundir.command_line(rundir.resume_options(config.to_dict()), resume=True)
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(argv[3:])
    assert args.resume and config_from_args(args) == config


def test_a_trainer_that_cannot_start(tmp_path: Path) -> None:
    sup = Supervisor(tmp_path / "runs", program=[str(tmp_path / "no-such-program")])
    with pytest.raises(LaunchError) as caught:
        sup.start(options(tmp_path))
    assert caught.value.job.status == "failed"
    assert "could not be started" in caught.value.job.message


def test_a_real_run_with_arch_args_resumes(tiny_folder: Path, tmp_path: Path) -> None:
    """The real trainer: a run of a narrow plain-unet (--arch-args) trained more from the
    supervisor continues the same network (before, the resumed run built the default width and
    could not load its own checkpoint)."""
    from chroma_desk.models.checkpoint import read_card

    sup = Supervisor(tmp_path / "runs")
    tiny = {
        "data": str(tiny_folder), "name": "narrow", "arch": "plain-unet", "kind": "regression",
        "arch_args": {"width": 8}, "size": 64, "batch": 4, "steps": 2, "workers": 0,
        "threads": 1, "pretrained": False, "log_every": 1, "half": False,
    }  # fmt: skip
    job = sup.start(tiny)
    try:
        follow(sup, job)
        assert job.status == "finished", job.message
        sup.resume(job)
        follow(sup, job)
    finally:
        if job.process is not None and job.process.poll() is None:
            job.process.kill()
    assert job.status == "finished", job.message
    assert job.history.sessions == 2 and job.history.step == 4
    assert read_card(job.path / "model.safetensors").arguments["width"] == 8
