"""``python -m training`` and ``chroma-desk train``: one training run from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from pathlib import Path

from chroma_desk.models.checkpoint import ModelFileError
from training.trainer import KINDS, TrainConfig, Trainer, TrainingError


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object, e.g. '{\"width\": 16}'")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data",
        required=True,
        action="append",
        help="folder of colour photos (recursive); repeat for several folders",
    )
    p.add_argument("--val", help="validation folder (default: a held-out 5%% of --data)")
    p.add_argument("--out", help="run folder (default: runs/<name>)")
    p.add_argument("--name", default="", help="name of the resulting model")
    p.add_argument(
        "--arch", default="lite-unet", help="architecture (see `chroma-desk models list --arch`)"
    )
    p.add_argument("--kind", choices=KINDS, default="gan")
    p.add_argument("--size", type=int, default=176, help="training crop size in pixels")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, help="stop after this many steps")
    p.add_argument("--minutes", type=float, help="stop after this much training time")
    p.add_argument("--epochs", type=int, help="stop after this many epochs")
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--warmup-steps", type=int, default=1000, help="gan: L1-only steps first")
    p.add_argument("--lambda-l1", type=float, default=100.0, help="gan: weight of the L1 term")
    p.add_argument(
        "--disc-width",
        type=int,
        default=64,
        help="gan: discriminator width (64 as pix2pix; 32 trains the GAN phase about 2x faster "
        "on a CPU, see docs/architectures.md)",
    )
    p.add_argument(
        "--disc-label-smoothing",
        type=float,
        default=0.0,
        help="gan: one-sided label smoothing, the discriminator's target for real is 1 - this",
    )
    p.add_argument(
        "--disc-lr-scale",
        type=float,
        default=1.0,
        help="gan: the discriminator's learning rate is --lr times this (below 1: slower)",
    )
    p.add_argument(
        "--hints",
        action="store_true",
        help="train a hint model (lite-unet) with simulated colour hints from the truth",
    )
    p.add_argument(
        "--hint-lr-scale",
        type=float,
        default=10.0,
        help="the hint inputs' learning rate is --lr times this (they start at zero)",
    )
    p.add_argument("--regression-loss", choices=("l1", "mse"), default="l1")
    p.add_argument(
        "--no-pretrained",
        dest="pretrained",
        action="store_false",
        help="do not start the encoder from ImageNet weights",
    )
    p.add_argument(
        "--download-weights",
        action="store_true",
        help="fetch ImageNet encoder weights for architectures that need a download "
        "(resnet18-unet, vgg16-cls); lite-unet's ship with the package",
    )
    p.add_argument(
        "--arch-args",
        type=_json_object,
        help="architecture arguments as JSON, e.g. '{\"width\": 16}' (recorded in the card)",
    )
    p.add_argument("--init", help="fine-tune from this model file")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--workers", type=int, default=1, help="data loading processes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, mps")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: all)")
    p.add_argument("--checkpoint-every", type=int, default=500)
    p.add_argument("--sample-every", type=int, default=250)
    p.add_argument("--eval-every", type=int, default=500)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument(
        "--working-size", type=int, default=256, help="inference size stored in the card"
    )
    p.add_argument("--fp32", dest="half", action="store_false", help="store the model in float32")
    p.add_argument("--data-note", default="", help="rights/licence note for the model card")


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    names = {f.name for f in fields(TrainConfig)}
    values = {k: v for k, v in vars(args).items() if k in names and v is not None}
    if isinstance(values.get("data"), list) and len(values["data"]) == 1:
        values["data"] = values["data"][0]
    if not values.get("out"):
        values["out"] = str(Path("runs") / (args.name or f"{args.kind}-{args.arch}"))
    return TrainConfig(**values)


def run(args: argparse.Namespace) -> int:
    trainer = Trainer(config_from_args(args))
    try:
        path = trainer.run(resume=args.resume)
    except TrainingError as exc:
        print(f"chroma-desk train: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError, ModelFileError) as exc:
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
