"""``chroma-desk train``: the same as ``python -m training`` (the training package does the work)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from training.cli import add_arguments as add

    add(parser)


def run(args: argparse.Namespace) -> int:
    from training.cli import run as run_training

    return run_training(args)
