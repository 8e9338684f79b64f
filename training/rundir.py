"""A run folder and the files in it, seen from outside the trainer: its options, the job
behind it, the runs in a folder and their state, and the command line that starts or resumes
one. No Qt and no torch: the window's supervisor and ``python -m training.runs`` use it.

A run is a folder (see ``training.trainer``). Besides what the trainer writes, a launcher adds
``job.json`` (the process id and command line of the job it started) and ``trainer.log`` (the
trainer's stderr), so a window reopened later can tell a running job from a dead one and say why
a job died.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.config import DEFAULT_STEPS, TrainConfig
from training.events import EVENTS_FILE
from training.history import RunHistory, load_history
from training.processes import find_trainer_pid, pid_alive

RUNS_ENV = "CHROMA_DESK_RUNS"
JOB_FILE = "job.json"
LOG_FILE = "trainer.log"
MODEL_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
# A run with no job file whose events changed this recently counts as running (started elsewhere).
FRESH_SECONDS = 300.0


def default_runs_dir() -> Path:
    """Where the window keeps its runs: ``CHROMA_DESK_RUNS`` or the per-user data folder."""
    override = os.environ.get(RUNS_ENV)
    if override:
        return Path(override)
    import platformdirs

    return platformdirs.user_data_path("chroma-desk") / "runs"


# -- the command line -------------------------------------------------------------------------


def trainer_program() -> list[str]:
    """How to start the trainer: ``python -m training``, or ``chroma-desk train`` inside the
    frozen app, whose executable is not a Python."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "train"]
    return [sys.executable, "-m", "training"]


def command_line(
    options: Mapping[str, Any], resume: bool = False, program: list[str] | None = None
) -> list[str]:
    """``program`` (``trainer_program()``) followed by the options of ``options``, named like
    ``TrainConfig`` fields.

    ``data`` and ``out`` are required; ``None`` values fall back to the trainer's defaults, and
    keys that are not options (a launcher's ``cwd``) are left out. Works for a config read back
    from a run (``config.json`` or a ``start`` event) as well.
    """
    for required in ("data", "out"):
        if not options.get(required):
            raise ValueError(f"a training job needs {required!r}")
    argv = [*(program or trainer_program()), *TrainConfig.from_mapping(options).to_argv()]
    if resume:
        argv.append("--resume")
    return argv


def resume_options(config: Mapping[str, Any], history: RunHistory | None = None) -> dict[str, Any]:
    """The options to continue a run. A run that reached its target trains for as long again."""
    options = dict(config)
    if history is None or history.state != "finished":
        return options
    first = history.first_config or config
    step = history.step
    if options.get("steps") is not None:
        options["steps"] = step + int(first.get("steps") or options["steps"])
    if options.get("minutes") is not None:
        done_minutes = history.train_seconds / 60.0
        options["minutes"] = round(done_minutes + float(first.get("minutes") or 10), 2)
    if options.get("epochs") is not None:
        options["epochs"] = history.epoch + int(first.get("epochs") or options["epochs"])
    if all(options.get(k) is None for k in ("steps", "minutes", "epochs")):
        options["steps"] = step + DEFAULT_STEPS  # the trainer's own default target
    return options


def run_config(run_dir: Path) -> dict[str, Any] | None:
    """The run's options: the trainer's ``config.json``, else what the launcher recorded."""
    config = Path(run_dir) / CONFIG_FILE
    if config.is_file():
        try:
            return json.loads(config.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            pass
    job = read_job(run_dir)
    if job and isinstance(job.get("options"), dict):
        return dict(job["options"])
    return None


# -- the job behind a run ---------------------------------------------------------------------


def write_job(run_dir: Path, pid: int, argv: list[str], options: Mapping[str, Any]) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    record = {"pid": pid, "argv": argv, "options": dict(options), "started": time.time()}
    tmp = run_dir / f".{JOB_FILE}.part"
    tmp.write_text(json.dumps(record, indent=2), encoding="utf-8")
    os.replace(tmp, run_dir / JOB_FILE)


def read_job(run_dir: Path) -> dict[str, Any] | None:
    try:
        job = json.loads((Path(run_dir) / JOB_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return job if isinstance(job, dict) else None


def job_pid(run_dir: Path) -> int | None:
    """The pid of the job a launcher started in ``run_dir``, if it still runs."""
    job = read_job(run_dir)
    if not job:
        return None
    pid = int(job.get("pid") or 0)
    argv = job.get("argv") if isinstance(job.get("argv"), list) else None
    return pid if pid_alive(pid, Path(run_dir), argv) else None


def log_tail(run_dir: Path, max_bytes: int = 16384) -> str:
    path = Path(run_dir) / LOG_FILE
    try:
        with path.open("rb") as f:
            f.seek(max(0, path.stat().st_size - max_bytes))
            return f.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def last_error_line(text: str) -> str | None:
    """The line of a trainer's stderr that says what went wrong (a traceback's last line)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for line in reversed(lines):
        if line.startswith("chroma-desk train:"):
            return line.removeprefix("chroma-desk train:").strip()
        head = line.split(":", 1)[0]
        if head.endswith(("Error", "Exception", "Interrupt")) and " " not in head:
            return line
    return lines[-1] if lines else None


def explain_exit(returncode: int | None, history: RunHistory, log_text: str = "") -> str | None:
    """Why a job ended badly, in a sentence or two; ``None`` when it ended well."""
    if history.state in ("finished", "stopped") and not returncode:
        return None
    if history.error:
        reason = history.error
    elif returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        reason = f"The trainer was killed ({name})."
        if name == "SIGKILL":
            reason += " The system may have run out of memory, or someone stopped it."
    elif returncode:
        line = last_error_line(log_text)
        reason = f"The trainer exited with code {returncode}" + (f": {line}" if line else ".")
    else:
        reason = "The trainer stopped without finishing (its process is gone)."
    if history.checkpoint_step is not None:
        reason += (
            f" The last checkpoint (step {history.checkpoint_step:,}) is kept: "
            "use it, or resume from it."
        )
    return reason


# -- runs in a folder -------------------------------------------------------------------------


@dataclass
class RunInfo:
    path: Path
    name: str
    status: str  # running, finished, stopped, failed, interrupted, new
    step: int
    kind: str
    arch: str
    updated: float
    pid: int | None = None
    external: bool = False  # running, but not started by a launcher that wrote job.json
    has_model: bool = False


def run_status(run_dir: Path, history: RunHistory) -> tuple[str, int | None, bool]:
    """(status, pid, external) of a run from its events and its job file."""
    pid = job_pid(run_dir)
    if pid is not None:
        return "running", pid, False
    state = history.state
    if state == "training":
        pid = find_trainer_pid(run_dir)
        if pid is not None:
            return "running", pid, read_job(run_dir) is None
        events = Path(run_dir) / EVENTS_FILE
        fresh = events.exists() and time.time() - events.stat().st_mtime < FRESH_SECONDS
        if fresh and read_job(run_dir) is None and not Path("/proc/self").is_dir():
            return "running", None, True  # no /proc to ask: recent events are the best sign
        return "interrupted", None, False
    return state, None, False


def run_dirs(runs_dir: Path) -> Iterator[Path]:
    """The run folders under ``runs_dir`` (one level): those with events or a job file."""
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return
    for path in runs_dir.iterdir():
        if not path.is_dir() or path.name.startswith("."):
            continue
        if (path / EVENTS_FILE).exists() or (path / JOB_FILE).exists():
            yield path


def find_runs(runs_dir: Path) -> list[RunInfo]:
    """Every run folder under ``runs_dir`` (one level), most recently updated first."""
    runs = []
    for path in run_dirs(runs_dir):
        events = path / EVENTS_FILE
        history = load_history(path)
        status, pid, external = run_status(path, history)
        config = history.config or run_config(path) or {}
        updated = max(
            (p.stat().st_mtime for p in (events, path / JOB_FILE) if p.exists()), default=0.0
        )
        runs.append(
            RunInfo(
                path=path,
                name=config.get("name") or path.name,
                status=status,
                step=history.step,
                kind=str(config.get("kind", "")),
                arch=str(config.get("arch", "")),
                updated=updated,
                pid=pid,
                external=external,
                has_model=(path / MODEL_FILE).is_file(),
            )
        )
    runs.sort(key=lambda r: r.updated, reverse=True)
    return runs


def slug(text: str) -> str:
    keep = "".join(c.lower() if c.isalnum() else "-" for c in text.strip())
    return "-".join(part for part in keep.split("-") if part)[:48] or "run"


def unique_run_name(runs_dir: Path, base: str) -> str:
    base = slug(base)
    name, n = base, 2
    while (Path(runs_dir) / name).exists():
        name, n = f"{base}-{n}", n + 1
    return name
