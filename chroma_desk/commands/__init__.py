"""The subcommands of ``chroma-desk``: one module each, with ``add_arguments`` and ``run``."""

from __future__ import annotations

import argparse


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """--model and --temperature, the same for every command that colourizes."""
    parser.add_argument(
        "--model", metavar="NAME|PATH", help="model name (see `models list`) or .safetensors file"
    )
    parser.add_argument(
        "--temperature",
        "-t",
        type=float,
        metavar="T",
        help="0..1: lower is more vivid, 1 is the mean colour (default: the model's own)",
    )
