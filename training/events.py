"""The training event protocol (DESIGN.md): one JSON object per line, on stdout and in
``events.jsonl`` in the run folder. Types: start, step, eval, sample, checkpoint, error, done.

The one module that knows the format: ``EventLog`` writes it (the trainer), ``EventReader``
follows a growing file (the window), ``read_events`` reads a finished one."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

EVENT_TYPES = ("start", "step", "eval", "sample", "checkpoint", "error", "done")
EVENTS_FILE = "events.jsonl"


class EventLog:
    def __init__(self, run_dir: Path, echo: TextIO | None = sys.stdout) -> None:
        run_dir.mkdir(parents=True, exist_ok=True)
        self.path = run_dir / EVENTS_FILE
        self._file = self.path.open("a", encoding="utf-8")
        if self._file.tell() > 0 and not _ends_with_newline(self.path):
            self._file.write("\n")  # a run killed mid-line: start the resumed run's on a new line
        self._echo = echo

    def emit(self, event: str, **fields: Any) -> dict[str, Any]:
        if event not in EVENT_TYPES:
            raise ValueError(f"unknown event type {event!r}")
        record = {"event": event, "time": round(time.time(), 3), **fields}
        line = json.dumps(record, default=_jsonable)
        self._file.write(line + "\n")
        self._file.flush()
        if self._echo is not None:
            self._echo.write(line + "\n")
            self._echo.flush()
        return record

    def close(self) -> None:
        self._file.close()


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(-1, 2)
        return f.read(1) == b"\n"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def read_events(path: Path) -> list[dict[str, Any]]:
    """All events of a run (a half-written last line is ignored)."""
    events = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events


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
