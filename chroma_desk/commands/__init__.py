"""The subcommands of ``chroma-desk``: one module each, with ``add_arguments`` and ``run``."""

from __future__ import annotations

import argparse


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """--model, --temperature and --backend, the same for every command that colourizes."""
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
    add_backend_argument(parser)


def add_backend_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        choices=["auto", "torch", "onnx"],
        default="auto",
        help="what runs the network: onnx (ONNX Runtime, CPU only) or torch "
        "(default auto: onnx on the CPU, torch on CUDA/MPS)",
    )
