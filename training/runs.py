"""Training runs seen from outside: the command line of a job, its events read back, the runs in
a folder, and the model a run leaves behind. No Qt here; the Training tab and the command line
both use it.

A run is a folder (see ``training.trainer``). Besides what the trainer writes, a launcher adds
``job.json`` (the process id and command line of the job it started) and ``trainer.log`` (the
trainer's stderr), so a window reopened later can tell a running job from a dead one and say why
a job died.

``python -m training.runs [RUNS_DIR]`` lists the runs in a folder with their state.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chroma_desk.durations import format_duration

RUNS_ENV = "CHROMA_DESK_RUNS"
JOB_FILE = "job.json"
LOG_FILE = "trainer.log"
EVENTS_FILE = "events.jsonl"
MODEL_FILE = "model.safetensors"
# A run with no job file whose events changed this recently counts as running (started elsewhere).
FRESH_SECONDS = 300.0

# TrainConfig fields and how they reach the command line: ``--field-name value``, booleans as
# ``--field-name`` when on, except these that default on; ``None`` values are left out.
_NEGATED_FLAGS = {"pretrained": "--no-pretrained", "half": "--fp32"}
_NOT_ON_COMMAND_LINE = {"arch_args"}


def default_runs_dir() -> Path:
    """Where the window keeps its runs: ``CHROMA_DESK_RUNS`` or the per-user data folder."""
    override = os.environ.get(RUNS_ENV)
    if override:
        return Path(override)
    import platformdirs

    return platformdirs.user_data_path("chroma-desk") / "runs"


# -- the command line -------------------------------------------------------------------------


def command_line(
    options: Mapping[str, Any], resume: bool = False, python: str | None = None
) -> list[str]:
    """``python -m training ...`` for ``options`` named like ``TrainConfig`` fields
    (``chroma-desk train ...`` inside the frozen app, whose executable is not a Python).

    ``data`` and ``out`` are required; ``None`` values fall back to the trainer's defaults.
    Works for a config read back from a run (``config.json`` or a ``start`` event) as well.
    """
    for required in ("data", "out"):
        if not options.get(required):
            raise ValueError(f"a training job needs {required!r}")
    if python is None and getattr(sys, "frozen", False):
        argv = [sys.executable, "train"]  # the bundled app: `chroma-desk train`, same options
    else:
        argv = [python or sys.executable, "-m", "training"]
    for key, value in options.items():
        if value is None or key in _NOT_ON_COMMAND_LINE or key == "resume":
            continue
        if key in _NEGATED_FLAGS:
            if not value:
                argv.append(_NEGATED_FLAGS[key])
            continue
        if isinstance(value, list | tuple):  # a repeated option (several --data folders)
            for item in value:
                argv += [f"--{key.replace('_', '-')}", _format_value(item)]
            continue
        if isinstance(value, bool):  # a store_true flag (default off)
            if value:
                argv.append(f"--{key.replace('_', '-')}")
            continue
        argv += [f"--{key.replace('_', '-')}", _format_value(value)]
    if resume:
        argv.append("--resume")
    return argv


def _format_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def resume_options(config: Mapping[str, Any], history: RunHistory | None = None) -> dict[str, Any]:
    """The options to continue a run. A run that reached its target trains for as long again."""
    options = {k: v for k, v in config.items() if k not in _NOT_ON_COMMAND_LINE}
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
        options["steps"] = step + 1000  # the trainer's own default target was 1000 steps
    return options


def run_config(run_dir: Path) -> dict[str, Any] | None:
    """The run's options: the trainer's ``config.json``, else what the launcher recorded."""
    config = run_dir / "config.json"
    if config.is_file():
        try:
            return json.loads(config.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            pass
    job = read_job(run_dir)
    if job and isinstance(job.get("options"), dict):
        return dict(job["options"])
    return None


# -- events -----------------------------------------------------------------------------------


class EventReader:
    """Reads the new complete lines of an ``events.jsonl`` each time it is called.

    A half-written last line waits for the next call; lines that are not JSON are skipped.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.offset = 0
        self._partial = b""

    def read(self) -> list[dict[str, Any]]:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return []
        if size < self.offset:  # the file was replaced: start again
            self.offset, self._partial = 0, b""
        if size == self.offset:
            return []
        with self.path.open("rb") as f:
            f.seek(self.offset)
            chunk = f.read(size - self.offset)
        self.offset += len(chunk)
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        events = []
        for line in lines:
            try:
                event = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            if isinstance(event, dict) and "event" in event:
                events.append(event)
        return events


@dataclass
class Series:
    """(step, value) pairs in step order."""

    steps: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def add(self, step: int, value: float) -> None:
        self.steps.append(int(step))
        self.values.append(float(value))

    def truncate(self, after_step: int) -> None:
        """Drop points after ``after_step`` (a resumed run repeats the steps since its checkpoint)."""
        keep = len(self.steps)
        while keep and self.steps[keep - 1] > after_step:
            keep -= 1
        del self.steps[keep:], self.values[keep:]

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def last(self) -> float | None:
        return self.values[-1] if self.values else None


@dataclass
class RunHistory:
    """Everything the events of a run say, folded: curves, counters, samples, the outcome."""

    losses: dict[str, Series] = field(default_factory=dict)
    metrics: dict[str, Series] = field(default_factory=dict)
    images_per_s: Series = field(default_factory=Series)
    config: dict[str, Any] = field(default_factory=dict)
    first_config: dict[str, Any] = field(default_factory=dict)
    device: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    step: int = 0
    epoch: int = 0
    eta_s: float | None = None
    lr: float | None = None
    samples: list[tuple[int, str]] = field(default_factory=list)
    checkpoint_step: int | None = None
    checkpoint_path: str | None = None
    error: str | None = None
    done: dict[str, Any] | None = None
    sessions: int = 0
    started: float | None = None
    last_time: float | None = None
    train_seconds: float = 0.0
    _session_start: float | None = None
    _session_base: float = 0.0

    def add(self, event: Mapping[str, Any]) -> None:
        kind = event.get("event")
        when = event.get("time")
        if isinstance(when, int | float):
            self.last_time = float(when)
            if self.started is None:
                self.started = float(when)
        step = int(event.get("step", self.step) or 0)
        if kind == "start":
            self.sessions += 1
            self.config = dict(event.get("config") or {})
            if not self.first_config:
                self.first_config = dict(self.config)
            self.device = str(event.get("device", ""))
            self.counts = dict(event.get("counts") or {})
            self.error, self.done = None, None
            for series in (*self.losses.values(), *self.metrics.values(), self.images_per_s):
                series.truncate(step)
            self.samples = [s for s in self.samples if s[0] <= step]
            self.step = step
            self._session_base = self.train_seconds if event.get("resumed") else 0.0
            self._session_start = self.last_time
        elif kind == "step":
            self.step = step
            self.epoch = int(event.get("epoch", self.epoch))
            for name, value in (event.get("losses") or {}).items():
                self.losses.setdefault(name, Series()).add(step, value)
            if event.get("images_per_s") is not None:
                self.images_per_s.add(step, event["images_per_s"])
            self.eta_s = event.get("eta_s")
            self.lr = event.get("lr", self.lr)
            if self._session_start is not None and self.last_time is not None:
                self.train_seconds = self._session_base + self.last_time - self._session_start
        elif kind == "eval":
            for name, value in (event.get("metrics") or {}).items():
                if isinstance(value, int | float):
                    series = self.metrics.setdefault(name, Series())
                    if series.steps and series.steps[-1] == step:  # the final eval repeats one
                        series.values[-1] = float(value)
                    else:
                        series.add(step, value)
        elif kind == "sample":
            self.samples.append((step, str(event.get("path", ""))))
        elif kind == "checkpoint":
            self.checkpoint_step = step
            self.checkpoint_path = str(event.get("path", ""))
        elif kind == "error":
            self.error = str(event.get("message", "unknown error"))
        elif kind == "done":
            self.done = dict(event)
            self.step = step
            self.eta_s = 0.0
            if event.get("seconds") is not None:
                self.train_seconds = float(event["seconds"])

    def extend(self, events: Iterable[Mapping[str, Any]]) -> None:
        for event in events:
            self.add(event)

    @property
    def state(self) -> str:
        """``new``, ``training`` (no outcome yet), ``finished``, ``stopped`` or ``failed``."""
        if self.error is not None:
            return "failed"
        if self.done is not None:
            return "stopped" if self.done.get("stopped") else "finished"
        return "training" if self.sessions else "new"

    @property
    def latest_sample(self) -> str | None:
        return self.samples[-1][1] if self.samples else None

    @property
    def target(self) -> str:
        """The stopping rule in words: "2,000 steps", "30 min", "5 epochs"."""
        c = self.config
        parts = []
        if c.get("steps") is not None:
            parts.append(f"{int(c['steps']):,} steps")
        if c.get("minutes") is not None:
            parts.append(f"{format_duration(float(c['minutes']) * 60)}")
        if c.get("epochs") is not None:
            parts.append(f"{int(c['epochs'])} epochs")
        return " or ".join(parts) or "1,000 steps"

    def progress(self) -> float | None:
        """0..1 towards the nearest target, when one is known."""
        c = self.config
        fractions = []
        if c.get("steps"):
            fractions.append(self.step / float(c["steps"]))
        if c.get("minutes"):
            fractions.append(self.train_seconds / (float(c["minutes"]) * 60))
        if c.get("epochs"):
            fractions.append(self.epoch / float(c["epochs"]))
        if not fractions and self.sessions:
            fractions.append(self.step / 1000.0)
        return min(1.0, max(fractions)) if fractions else None


def describe_event(event: Mapping[str, Any]) -> str:
    """One line for a log: the local time, then what the event says."""
    when = event.get("time")
    stamp = time.strftime("%H:%M:%S", time.localtime(when)) if when else "--:--:--"
    kind = event.get("event", "?")
    step = event.get("step")
    if kind == "start":
        c = event.get("config") or {}
        n = event.get("counts") or {}
        text = f"{c.get('kind', '?')} {c.get('arch', '?')} on {event.get('device', '?')}"
        if n:
            text += f", {n.get('train', 0):,} training photos, {n.get('val', 0):,} held out"
        if event.get("resumed"):
            text += f", resumed at step {step:,}"
    elif kind == "step":
        losses = "  ".join(f"{k} {v:.4g}" for k, v in (event.get("losses") or {}).items())
        text = f"{step:>7,}  {losses}"
        if event.get("images_per_s") is not None:
            text += f"  {event['images_per_s']:.3g} img/s"
        if event.get("eta_s") is not None:
            text += f"  {format_duration(event['eta_s'])} left"
    elif kind == "eval":
        metrics = event.get("metrics") or {}
        shown = "  ".join(
            f"{k} {v:.4g}"
            for k, v in metrics.items()
            if isinstance(v, int | float) and "@" not in k
        )
        text = f"{step:>7,}  {shown}"
    elif kind in ("sample", "checkpoint"):
        text = f"{step:>7,}  {event.get('path', '')}"
    elif kind == "error":
        text = str(event.get("message", ""))
    elif kind == "done":
        how = "stopped" if event.get("stopped") else "finished"
        text = f"{step:>7,}  {how} after {format_duration(event.get('seconds'))}"
    else:
        text = json.dumps(dict(event))
    label = "ERROR" if kind == "error" else kind
    return f"{stamp}  {label:<10} {text}"


def load_history(run_dir: Path) -> RunHistory:
    history = RunHistory()
    history.extend(EventReader(Path(run_dir) / EVENTS_FILE).read())
    return history


DISCRIMINATOR_WON = 0.01  # mean discriminator loss under this: it tells real from fake at will
WON_WINDOW = 20  # logged steps looked at


def discriminator_hint(history: RunHistory) -> str | None:
    """A plain warning when a GAN run's discriminator has won, else None.

    Once the discriminator separates real from generated colour at will (its loss near 0), the
    adversarial term stops teaching and the run goes on as mostly L1: accurate, muted colour.
    Seen in the bundled lite-gan's second stage (a fresh discriminator won by step 400).
    """
    d = history.losses.get("d")
    if d is None or len(d) < WON_WINDOW:
        return None
    recent = d.values[-WON_WINDOW:]
    if sum(recent) / len(recent) >= DISCRIMINATOR_WON:
        return None
    return (
        "The discriminator is winning (its loss is near 0): the adversarial part has stopped "
        "teaching, and the run now learns mostly from L1, which gives accurate but muted "
        "colour. More steps will not bring colour back; a classification run is the way to "
        "more vivid colour."
    )


def smooth(values: list[float], weight: float = 0.9) -> list[float]:
    """Debiased exponential moving average (as TensorBoard draws it); weight 0 is no smoothing."""
    out, last, norm = [], 0.0, 0.0
    for v in values:
        last = weight * last + (1 - weight) * v
        norm = weight * norm + (1 - weight)
        out.append(last / norm if norm else v)
    return out


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


def pid_alive(pid: int, run_dir: Path | None = None) -> bool:
    """Whether ``pid`` runs (and, where /proc tells, is a trainer writing into ``run_dir``)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    except OSError:
        return False
    if Path("/proc/self").is_dir():
        out = _trainer_out(pid)
        if out is None:
            return run_dir is None and _cmdline(pid) not in (None, [])  # [] is a zombie
        return run_dir is None or out == Path(run_dir).resolve()
    return True


def _cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def _trainer_out(pid: int) -> Path | None:
    """The resolved run folder of a ``python -m training`` / ``chroma-desk train`` process."""
    args = _cmdline(pid)
    if not args or not ("training" in args or "train" in args):
        return None
    out = None
    for i, arg in enumerate(args):
        if arg == "--out" and i + 1 < len(args):
            out = args[i + 1]
        elif arg.startswith("--out="):
            out = arg.split("=", 1)[1]
    if out is None:
        return None
    path = Path(out)
    if not path.is_absolute():
        try:
            path = Path(os.readlink(f"/proc/{pid}/cwd")) / path
        except OSError:
            return None
    return path.resolve()


def find_trainer_pid(run_dir: Path) -> int | None:
    """The trainer process writing into ``run_dir``, however it was started (Linux /proc only).

    Candidates name the folder in ``--out``; of those, the ones holding its ``events.jsonl`` open
    (not a deleted one: a run folder may have been removed and started afresh). Data-loading
    workers share the trainer's command line and files; the one whose parent is not among them
    is the trainer.
    """
    proc = Path("/proc")
    if not (proc / "self").is_dir():
        return None
    target = Path(run_dir).resolve()
    parents: dict[int, int] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        if _trainer_out(pid) != target:
            continue
        try:
            stat = (entry / "stat").read_text()
            parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    events = str(target / EVENTS_FILE)
    writing = {pid for pid in parents if _has_open(pid, events)}
    if writing:
        parents = {pid: parent for pid, parent in parents.items() if pid in writing}
    roots = [pid for pid, parent in parents.items() if parent not in parents]
    return min(roots) if roots else None


def _has_open(pid: int, path: str) -> bool:
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(fd) == path:
                return True
        except OSError:
            continue
    return False


def job_pid(run_dir: Path) -> int | None:
    """The pid of the job a launcher started in ``run_dir``, if it still runs."""
    job = read_job(run_dir)
    if not job:
        return None
    pid = int(job.get("pid") or 0)
    return pid if pid_alive(pid, Path(run_dir)) else None


def stop_job(pid: int, force: bool = False) -> None:
    """Ask a trainer to stop: SIGTERM makes it save a checkpoint and exit; ``force`` kills it."""
    sig = signal.SIGKILL if force and hasattr(signal, "SIGKILL") else signal.SIGTERM
    os.kill(pid, sig)


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


def find_runs(runs_dir: Path) -> list[RunInfo]:
    """Every run folder under ``runs_dir`` (one level), most recently updated first."""
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return []
    runs = []
    for path in runs_dir.iterdir():
        if not path.is_dir() or path.name.startswith("."):
            continue
        events = path / EVENTS_FILE
        if not events.exists() and not (path / JOB_FILE).exists():
            continue
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


# -- choices for a new run --------------------------------------------------------------------


def trainable_architectures() -> list[str]:
    """Registered architectures the trainer can build (their spec lists training kinds)."""
    from chroma_desk.models.registry import trainable

    return trainable()


def architecture_label(name: str) -> str:
    """The architecture's name for people, from its spec."""
    from chroma_desk.models.registry import label

    return label(name)


def ships_pretrained(name: str) -> bool:
    """Whether a run of ``name`` from scratch starts from weights bundled with the package."""
    from chroma_desk.models.registry import SPECS

    return name in SPECS and SPECS[name].pretrained == "bundled"


def head_of(kind: str) -> str:
    """The head a training kind builds (as ``models.spec.head_of``, without importing torch)."""
    return "classification" if kind == "classification" else "regression"


def init_candidates(kind: str, arch: str) -> list[tuple[str, Path, bool]]:
    """(name, path, bundled) of every model a run of ``kind`` / ``arch`` can start from."""
    from chroma_desk.models.library import list_models

    head = head_of(kind)
    return [
        (entry.name, entry.path, entry.bundled)
        for entry in list_models()
        if entry.card.get("architecture") == arch and entry.card.get("kind") == head
    ]


def list_devices() -> list[tuple[str, str]]:
    """(device, label): automatic, the CPU, and every CUDA / MPS device with its memory."""
    devices = [("auto", "Automatic"), ("cpu", f"CPU ({os.cpu_count() or 1} cores)")]
    try:
        import torch
    except ImportError:
        return devices
    try:
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            gib = props.total_memory / 2**30
            devices.append((f"cuda:{i}", f"{props.name} (cuda:{i}, {gib:.1f} GB)"))
    except (RuntimeError, AssertionError):
        pass
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        label = "Apple GPU (MPS)"
        try:
            gib = torch.mps.recommended_max_memory() / 2**30
            label = f"Apple GPU (MPS, {gib:.1f} GB)"
        except (AttributeError, RuntimeError):
            pass
        devices.append(("mps", label))
    return devices


# -- the model a run leaves -------------------------------------------------------------------


def install_model(run_dir: Path, models_dir: Path, name: str | None = None) -> Path:
    """Copy the run's latest model file into ``models_dir`` under the run's name.

    The card is renamed and records the run; the copy of an earlier checkpoint of the same run
    is replaced, a different model of the same name is never overwritten.
    """
    from chroma_desk.models.checkpoint import ModelFileError, copy_with_card, read_card

    run_dir = Path(run_dir)
    source = run_dir / MODEL_FILE
    if not source.is_file():
        raise FileNotFoundError(
            f"{run_dir}: no model file yet (it appears at the first checkpoint)"
        )
    card = read_card(source)
    name = name or card.name or run_dir.name
    card = card.updated(name=name, source_run=str(run_dir.resolve()))
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    base = slug(name)
    target, n = models_dir / f"{base}.safetensors", 2
    while target.exists():
        try:
            same_run = read_card(target).get("source_run") == card["source_run"]
        except ModelFileError:
            same_run = False
        if same_run:
            break
        target, n = models_dir / f"{base}-{n}.safetensors", n + 1
    return copy_with_card(source, target, card)


# -- command line -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m training.runs", description="List training runs and their state."
    )
    parser.add_argument("runs_dir", nargs="?", help=f"default: {default_runs_dir()}")
    args = parser.parse_args(argv)
    runs_dir = Path(args.runs_dir) if args.runs_dir else default_runs_dir()
    runs = find_runs(runs_dir)
    if not runs:
        print(f"no runs in {runs_dir}")
        return 0
    for run in runs:
        history = load_history(run.path)
        last = ", ".join(f"{k} {s.last:.4g}" for k, s in history.losses.items() if s.last)
        print(
            f"{run.name:<24} {run.status:<11} step {run.step:>7,}  "
            f"{run.kind:<14} {run.arch:<14} {last}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
