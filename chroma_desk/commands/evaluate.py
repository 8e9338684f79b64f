"""``chroma-desk evaluate``: measure models on a folder of colour photos (``training.evaluate``
does the work), print a table and optionally write it as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chroma_desk.commands import add_backend_argument


def _temperatures(text: str) -> list[float]:
    try:
        values = [float(t) for t in text.split(",") if t.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from exc
    if not values or any(t <= 0 for t in values):
        raise argparse.ArgumentTypeError("temperatures must be positive, e.g. 0.2,0.38,0.6,1.0")
    return values


def _counts(text: str) -> list[int]:
    try:
        values = [int(n) for n in text.split(",") if n.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {text!r}") from exc
    if not values or any(n < 0 for n in values):
        raise argparse.ArgumentTypeError("hint counts must be 0 or more, e.g. 0,1,2,5,10,20,50")
    return values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model", nargs="+", required=True, metavar="M", help="model names or .safetensors files"
    )
    parser.add_argument("--data", required=True, help="folder of colour photos (recursive)")
    parser.add_argument("--json", metavar="PATH", help="also write the results here as JSON")
    parser.add_argument(
        "--temperatures",
        type=_temperatures,
        help="for classification models, comma-separated "
        "(default: the model's own T, then 0.2,0.38,0.6,1.0)",
    )
    parser.add_argument("--limit", type=int, help="only the first N photos (sorted by path)")
    parser.add_argument("--size", type=int, help="working size (default: each model's own)")
    parser.add_argument(
        "--workers", type=int, help="processes, one thread each (default: one per core)"
    )
    parser.add_argument("--device", default="cpu", help="cpu (default), auto, cuda, mps")
    parser.add_argument(
        "--upsampling",
        choices=["bilinear", "guided"],
        default="bilinear",
        help="ab to full size: bilinear (default) or guided by the photo's L",
    )
    parser.add_argument(
        "--hints",
        type=_counts,
        metavar="N,N,...",
        help="hint models: one row per count of hints simulated from the truth at random "
        "places (fixed seed per photo), e.g. 0,1,2,5,10,20,50",
    )
    add_backend_argument(parser)


def run(args: argparse.Namespace) -> int:
    from chroma_desk.models.checkpoint import ModelFileError
    from chroma_desk.models.library import resolve_model
    from training.evaluate import evaluate, format_table

    try:
        paths = [resolve_model(m) for m in args.model]
    except ModelFileError as exc:
        print(f"chroma-desk evaluate: {exc}", file=sys.stderr)
        return 2

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{done}/{total} photos", end="" if done < total else "\n", file=sys.stderr)

    try:
        result = evaluate(
            paths,
            args.data,
            temperatures=args.temperatures,
            limit=args.limit,
            size=args.size,
            workers=args.workers,
            device=args.device,
            progress=progress,
            hints=args.hints,
            backend=args.backend,
            upsampling=args.upsampling,
        )
    except (OSError, ModelFileError, ValueError) as exc:
        print(f"chroma-desk evaluate: {exc}", file=sys.stderr)
        return 2
    print(f"{result['photos']} photos in {args.data}, {result['seconds']} s")
    print(format_table(result["rows"]))
    for path, reason in result["skipped"].items():  # (a reason names its file already)
        print(
            f"skipped {reason if reason.startswith(path) else f'{path}: {reason}'}", file=sys.stderr
        )
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"written {out}", file=sys.stderr)
    return 0
