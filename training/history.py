"""A run's events folded into what the window and ``python -m training.runs`` show: curves,
counters, samples, the outcome; and the few words said about them (log lines, durations,
the discriminator warning)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chroma_desk.durations import format_duration
from training.config import DEFAULT_STEPS
from training.events import EVENTS_FILE, EventReader


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
        return " or ".join(parts) or f"{DEFAULT_STEPS:,} steps"

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
            fractions.append(self.step / float(DEFAULT_STEPS))
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


def not_better_than_gray(history: RunHistory) -> str | None:
    """A plain note when the model's latest validation ab error (its best temperature, for a
    classifier) is not below the error of leaving the photos gray; else None."""
    gray = history.metrics.get("gray_ab_l1")
    model = [
        s.last
        for name, s in history.metrics.items()
        if name.split("@")[0] == "ab_l1" and s.last is not None
    ]
    if gray is None or gray.last is None or not model or min(model) < gray.last:
        return None
    return (
        f"Not yet better than no colour: on the validation photos its colours are further from "
        f"the truth (ab error {min(model):.3g}) than leaving them gray ({gray.last:.3g}). "
        "Train longer, or on more photos, before using it."
    )


def smooth(values: list[float], weight: float = 0.9) -> list[float]:
    """Debiased exponential moving average (as TensorBoard draws it); weight 0 is no smoothing."""
    out, last, norm = [], 0.0, 0.0
    for v in values:
        last = weight * last + (1 - weight) * v
        norm = weight * norm + (1 - weight)
        out.append(last / norm if norm else v)
    return out
