"""A stand-in for ``python -m training`` for the supervisor's tests: the real options and event
protocol (``training.config``, ``training.events``), no torch, a step every few milliseconds.

``FAKE_TRAINER`` in the environment picks a behaviour: ``ok`` (default) trains to its target,
``crash`` writes a traceback to stderr after two steps and exits 3. SIGTERM ends it as the real
trainer does: a checkpoint, then ``done`` with ``stopped``. ``--resume`` continues from
``state/state.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

from training.config import DEFAULT_STEPS, add_arguments, config_from_args
from training.events import EventLog


def main() -> int:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args()
    config = config_from_args(args)
    problems = config.problems()
    if problems:
        print(f"chroma-desk train: {'; '.join(problems)}", file=sys.stderr)
        return 2
    out = Path(config.out)
    log = EventLog(out)
    state = out / "state" / "state.json"
    step = json.loads(state.read_text())["step"] if args.resume and state.exists() else 0
    (out / "config.json").write_text(json.dumps(config.to_dict()))
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    log.emit("start", config=config.to_dict(), device="cpu", counts={}, step=step,
             resumed=step > 0)  # fmt: skip
    target = config.steps or DEFAULT_STEPS
    behaviour = os.environ.get("FAKE_TRAINER", "ok")

    def checkpoint() -> None:
        state.parent.mkdir(exist_ok=True)
        state.write_text(json.dumps({"step": step}))
        log.emit("checkpoint", step=step, path=str(state))

    while step < target and not stop:
        time.sleep(0.01)
        step += 1
        log.emit("step", step=step, epoch=0, losses={"l1": 1.0 / step}, lr=config.lr)
        if step % config.checkpoint_every == 0:
            checkpoint()
        if behaviour == "crash" and step == 2:
            print(
                "Traceback (most recent call last):\nRuntimeError: out of cheese", file=sys.stderr
            )
            return 3
    checkpoint()
    log.emit("done", step=step, path=str(state), stopped=bool(stop), seconds=0.1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
