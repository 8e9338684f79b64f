"""The training supervisor: starts trainer processes, follows their run folders, stops them,
and says how each run stands. No Qt: the Training tab drives it from a timer, a test from a
loop, with a fake trainer if it likes.

The trainer is a separate process (``training.rundir.command_line``) in a session of its own,
so a crash or a CUDA error never takes the window down, and Ctrl+C in the window's terminal
spares it. Its stdout is not read: the same events are in ``RUN/events.jsonl``, which a job
found again after a restart has too, and a pipe whose reader has gone would kill the trainer at
its next event. Its stderr goes to ``RUN/trainer.log``.

    sup = Supervisor(runs_dir)
    job = sup.start(options)          # options named like TrainConfig fields
    while not sup.poll(job).ended:    # new events folded into job.history
        time.sleep(0.25)
    job.status, job.message           # finished / stopped / failed / interrupted, and why
"""

from __future__ import annotations

import os
import subprocess
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training import rundir
from training.events import EVENTS_FILE, EventReader
from training.history import RunHistory, describe_event
from training.processes import pid_alive, stop_job

REPO_ROOT = Path(__file__).resolve().parents[1]
LIVE = ("starting", "running", "stopping")


class LaunchError(Exception):
    """The trainer could not be started (the message says why; ``job`` is the failed job)."""

    def __init__(self, message: str, job: Job | None = None) -> None:
        super().__init__(message)
        self.job = job


@dataclass
class Poll:
    events: list[dict[str, Any]] = field(default_factory=list)
    ended: bool = False


class Job:
    """One run folder as a supervisor follows it: its folded events, its log lines, and the
    process behind it (one this supervisor started, or a pid found from elsewhere).

    ``status``: new, starting, running, stopping, finished, stopped, failed, interrupted.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.history = RunHistory()
        self.reader = EventReader(self.path / EVENTS_FILE)
        self.log_lines: deque[str] = deque(maxlen=5000)
        self._log_offset = 0
        self._log_partial = ""
        self.process: subprocess.Popen | None = None  # a job this supervisor started
        self.pid: int | None = None
        self.external = False  # running, started from elsewhere (a shell, another window)
        self.status = "new"
        self.stopping = False
        self.message: str | None = None
        self.returncode: int | None = None

    @property
    def name(self) -> str:
        return str(self.history.config.get("name") or self.path.name)

    @property
    def running(self) -> bool:
        return self.status in LIVE

    @property
    def has_model(self) -> bool:
        return (self.path / rundir.MODEL_FILE).is_file()

    @property
    def resumable(self) -> bool:
        return (self.path / "state" / "state.json").is_file()

    def config(self) -> dict[str, Any]:
        """The run's options: from its events, else its files."""
        return self.history.config or rundir.run_config(self.path) or {}

    def read(self) -> list[dict[str, Any]]:
        """Fold the new events in, and add them and the new stderr lines to the log."""
        events = self.reader.read()
        if events:
            self.history.extend(events)
            self.log_lines.extend(describe_event(e) for e in events)
        for line in self._read_stderr():
            self.log_lines.append(f"{'':8}  stderr     {line}")
        return events

    def _read_stderr(self) -> list[str]:
        path = self.path / rundir.LOG_FILE
        try:
            size = path.stat().st_size
        except OSError:
            return []
        if size < self._log_offset:
            self._log_offset, self._log_partial = 0, ""
        if size == self._log_offset:
            return []
        with path.open("rb") as f:
            f.seek(self._log_offset)
            chunk = f.read(size - self._log_offset)
        self._log_offset += len(chunk)
        lines = (self._log_partial + chunk.decode("utf-8", errors="replace")).split("\n")
        self._log_partial = lines.pop()
        return [ln.rstrip() for ln in lines if ln.strip()]

    def process_alive(self) -> bool:
        """Whether the process behind a live job still runs (its return code kept if not)."""
        if self.process is not None:
            self.returncode = self.process.poll()
            return self.returncode is None
        self.returncode = None
        if self.pid is not None:
            return pid_alive(self.pid)
        return self.history.state == "training"  # no process known: trust the events

    def settle(self) -> None:
        """The job's process is gone: read its last events and say how it ended."""
        self.read()
        h, rc = self.history, self.returncode
        state = h.state
        if state in ("finished", "stopped") and not rc:
            status, message = state, None
        elif self.stopping and not h.error:
            status, message = "stopped", None if state == "stopped" else _stopped_early(h)
        else:
            status = "failed" if (h.error or rc) else "interrupted"
            message = rundir.explain_exit(rc, h, rundir.log_tail(self.path))
        self.status, self.message = status, message
        self.process, self.pid, self.stopping = None, None, False


def _stopped_early(h: RunHistory) -> str:
    if h.checkpoint_step is not None:
        return f"Stopped; the last checkpoint (step {h.checkpoint_step:,}) is kept."
    return "Stopped before the first checkpoint: nothing was saved."


class Supervisor:
    """The runs under ``runs_dir`` and the trainer processes behind them."""

    def __init__(self, runs_dir: Path, program: list[str] | None = None) -> None:
        self.runs_dir = Path(runs_dir)
        self.program = program  # None: rundir.trainer_program()
        self.jobs: dict[Path, Job] = {}

    # -- finding runs -------------------------------------------------------------------------

    def find(self) -> list[Job]:
        """Look at the runs folder: new run folders become jobs, and a job not running whose
        events moved on (resumed from elsewhere) is looked at again. Returns the jobs that
        changed state and now run (for the caller to follow)."""
        woke = []
        for path in rundir.run_dirs(self.runs_dir):
            job = self.jobs.get(path)
            if job is None:
                job = self.jobs[path] = Job(path)
                job.read()
                self.classify(job)
            elif not job.running and job.read():
                self.classify(job)
            else:
                continue
            if job.running:
                woke.append(job)
        return woke

    def classify(self, job: Job) -> None:
        """Set a job's status from its events, its job file and /proc."""
        status, pid, external = rundir.run_status(job.path, job.history)
        job.status = status
        if status == "running":
            job.pid, job.external = pid, external
        elif status in ("failed", "interrupted") and job.message is None:
            job.message = rundir.explain_exit(None, job.history, rundir.log_tail(job.path))

    def ordered(self) -> list[Job]:
        """The jobs, most recently active first."""
        return sorted(
            self.jobs.values(),
            key=lambda j: j.history.last_time or j.history.started or 0.0,
            reverse=True,
        )

    # -- starting -----------------------------------------------------------------------------

    def start(self, options: dict[str, Any]) -> Job:
        """A new run named after ``options["name"]`` (made unique in the runs folder)."""
        name = rundir.unique_run_name(self.runs_dir, options.get("name") or "run")
        options = {**options, "name": name, "out": str((self.runs_dir / name).resolve())}
        job = self.jobs[self.runs_dir / name] = Job(self.runs_dir / name)
        self.launch(job, options, resume=False)
        return job

    def resume(self, job: Job) -> None:
        """Continue a run with ``--resume`` (a finished run trains as long again)."""
        if job.running:
            raise LaunchError(f"{job.name} is already running")
        config = rundir.run_config(job.path)
        if config is None:
            raise LaunchError("This run has no recorded settings to resume from.")
        options = rundir.resume_options(config, job.history)
        options["out"] = str(job.path.resolve())
        self.launch(job, options, resume=True)

    def launch(self, job: Job, options: dict[str, Any], resume: bool) -> None:
        """Start the trainer for ``job``; on failure the job is failed and LaunchError raised."""
        argv = rundir.command_line(options, resume=resume, program=self.program)
        try:
            job.path.mkdir(parents=True, exist_ok=True)
            process = _popen(argv, job.path / rundir.LOG_FILE)
        except OSError as exc:
            job.status = "failed"
            job.message = f"The trainer could not be started: {exc}"
            raise LaunchError(job.message, job) from exc
        rundir.write_job(job.path, process.pid, argv, {**options, "cwd": os.getcwd()})
        job.process, job.pid, job.external = process, process.pid, False
        job.stopping, job.message, job.returncode = False, None, None
        job.status = "starting"

    # -- following ----------------------------------------------------------------------------

    def poll(self, job: Job) -> Poll:
        """New events of a live job; ``ended`` once its process is gone (status settled)."""
        events = job.read()
        if job.status == "starting" and job.history.sessions:
            job.status = "running"
        if job.process_alive():
            return Poll(events)
        job.settle()
        return Poll(events, ended=True)

    # -- stopping -----------------------------------------------------------------------------

    def stop(self, job: Job, force: bool = False) -> bool:
        """Ask the trainer to save a checkpoint and stop (SIGTERM); ``force`` kills it.

        False when there is nothing to stop; PermissionError when it is not ours to stop."""
        pid = job.pid or (job.process.pid if job.process else None)
        if not job.running or pid is None:
            return False
        try:
            stop_job(pid, force=force)
        except ProcessLookupError:
            return False
        job.stopping = True
        job.status = "stopping"
        return True

    def launched(self) -> list[Job]:
        """Jobs this supervisor started whose process still runs."""
        return [j for j in self.jobs.values() if j.process is not None and j.process.poll() is None]


def _popen(argv: list[str], log_path: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    with log_path.open("ab") as stderr:
        stderr.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')}: {' '.join(argv)}\n".encode())
        stderr.flush()
        kwargs: dict[str, Any] = {}
        if os.name == "posix":
            kwargs["start_new_session"] = True  # Ctrl-C in a terminal spares it
        else:
            kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # the same events are in events.jsonl
            stderr=stderr,
            env=env,
            **kwargs,
        )
