"""``python -m training.runs [RUNS_DIR]``: the runs in a folder with their state."""

from __future__ import annotations

import argparse
from pathlib import Path

from training.history import load_history
from training.rundir import default_runs_dir, find_runs


def main(argv: list[str] | None = None) -> int:
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
