"""Trainer processes seen from outside, through Linux's /proc: is a pid a live trainer writing
into a run folder, which process writes into a folder started from a shell, and stopping one.
Elsewhere (no /proc) a pid counts as alive while it exists."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from training.events import EVENTS_FILE

# A launched job whose command line still reads empty (inside execve) is waited for this long.
EXEC_WAIT_SECONDS = 2.0


def pid_alive(pid: int, run_dir: Path | None = None, argv: list[str] | None = None) -> bool:
    """Whether ``pid`` runs and, where /proc tells, is still the trainer meant: the process
    started with ``argv`` (a launcher's job), or a trainer writing into ``run_dir``."""
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
    if not Path("/proc/self").is_dir():
        return True
    args = _cmdline(pid, EXEC_WAIT_SECONDS)
    if not args:
        return False  # gone meanwhile, or a zombie
    if argv is not None and args == list(argv):
        return True
    out = _trainer_out(pid)
    if out is None:
        return run_dir is None and argv is None
    return run_dir is None or out == Path(run_dir).resolve()


def _cmdline(pid: int, wait_s: float = 0.0) -> list[str] | None:
    """The command line of ``pid`` from /proc; ``[]`` for a zombie or a kernel thread.

    Right after ``Popen`` returns the child may still be inside ``execve``: its new command line
    is not set yet and reads as empty. ``wait_s`` waits that long for it (a pid we launched).
    """
    deadline = time.monotonic() + wait_s
    while True:
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        args = [a.decode(errors="replace") for a in raw.split(b"\0") if a]
        if args or time.monotonic() >= deadline or _is_zombie(pid):
            return args
        time.sleep(0.005)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]


def _trainer_out(pid: int, wait_s: float = 0.0) -> Path | None:
    """The resolved run folder of a ``python -m training`` / ``chroma-desk train`` process."""
    args = _cmdline(pid, wait_s)
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


def stop_job(pid: int, force: bool = False) -> None:
    """Ask a trainer to stop: SIGTERM makes it save a checkpoint and exit; ``force`` kills it."""
    sig = signal.SIGKILL if force and hasattr(signal, "SIGKILL") else signal.SIGTERM
    os.kill(pid, sig)
