"""``python -m training`` and ``chroma-desk train``: one training run from the command line.

The options and their defaults are ``training.config.TrainConfig``'s; they are checked
(``training.choices.check_config``) before anything starts."""

from __future__ import annotations

import argparse
import sys

from chroma_desk.models.checkpoint import ModelFileError
from training.choices import check_config
from training.config import add_arguments, config_from_args
from training.trainer import Trainer, TrainingError

__all__ = ["add_arguments", "config_from_args", "main", "run"]


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    problems = check_config(config)
    if problems:
        for problem in problems:
            print(f"chroma-desk train: {problem}", file=sys.stderr)
        return 2
    trainer = Trainer(config)
    try:
        path = trainer.run(resume=args.resume)
    except (TrainingError, OSError, ValueError, ModelFileError) as exc:
        print(f"chroma-desk train: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl+C before the loop (scanning, building); it saves after
        print("chroma-desk train: interrupted before training began", file=sys.stderr)
        return 130
    print(f"model written to {path}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training", description="Train a colourization model."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
