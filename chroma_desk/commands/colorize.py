"""``chroma-desk colorize INPUT... [-o OUT]``: photos, folders (recursive) and globs.

The work is ``chroma_desk.engine.batch.colorize_files``, a plain generator; this command only
plans the outputs, wraps the job in a tqdm bar on stderr, and reports.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from chroma_desk.commands import add_model_arguments
from chroma_desk.engine.batch import (
    DEFAULT_BATCH,
    DEFAULT_SUFFIX,
    PlanError,
    Summary,
    colorize_files,
    plan,
)
from chroma_desk.models.card import MAX_WORKING_SIZE
from chroma_desk.models.preprocessing import AS_PUBLISHED, DESCRIPTIONS, KEEP_ASPECT, MODES

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="photo files, folders or globs")
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="result file for one photo; a folder for several photos or a folder "
        "(default: beside each photo; for a folder, a sibling folder named <folder>_color)",
    )
    add_model_arguments(parser)
    parser.add_argument(
        "--size", type=int, metavar="N", help="network working size, long side in pixels"
    )
    parser.add_argument(
        "--upsampling",
        choices=["bilinear", "guided"],
        default="bilinear",
        help="how the colour goes from the working size to the photo's: bilinear (default) or "
        "guided by the photo's own lightness (a guided filter: edges follow the photo's)",
    )
    parser.add_argument(
        "--preprocess",
        choices=MODES,
        help=f"how the photo goes into the network (default: the model's own): "
        f"{DESCRIPTIONS[AS_PUBLISHED]} (official models only); {DESCRIPTIONS[KEEP_ASPECT]}",
    )
    parser.add_argument(
        "--format",
        choices=["png", "jpg", "tiff"],
        help="output format (default: the input's own, PNG for other kinds)",
    )
    parser.add_argument(
        "--quality", type=int, default=92, metavar="Q", help="JPEG quality 1-100 (default 92)"
    )
    parser.add_argument(
        "--suffix",
        default=DEFAULT_SUFFIX,
        help=f"added to each result's name (default {DEFAULT_SUFFIX!r})",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=DEFAULT_BATCH,
        metavar="N",
        help=f"photos per forward pass (default {DEFAULT_BATCH})",
    )
    parser.add_argument("--device", default="auto", help="auto (CUDA, MPS, CPU), cpu, cuda, ...")
    parser.add_argument(
        "--skip-existing", action="store_true", help="leave photos whose result already exists"
    )
    parser.add_argument(
        "--hints",
        metavar="FILE.json",
        help='colour hints for one photo (a model that takes hints): {"hints": [{"x": 120, '
        '"y": 80, "rgb": [200, 30, 40], "size": 9}, ...]}, x and y in the photo\'s pixels '
        "from the top left, rgb 0-255 (only its chroma is used), size the patch side in "
        "pixels (default 1)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _fail(message: str) -> int:
    print(f"chroma-desk colorize: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    if args.temperature is not None and not 0.0 <= args.temperature <= 1.0:
        return _fail(f"--temperature must be between 0 and 1, not {args.temperature}")
    if not 1 <= args.quality <= 100:
        return _fail(f"--quality must be between 1 and 100, not {args.quality}")
    if args.size is not None and not 32 <= args.size <= MAX_WORKING_SIZE:
        return _fail(f"--size must be between 32 and {MAX_WORKING_SIZE} pixels, not {args.size}")
    try:
        tasks = plan(args.inputs, args.output, args.suffix, args.format)
    except (PlanError, ValueError) as exc:
        return _fail(str(exc))
    hints = None
    if args.hints:
        from chroma_desk.engine.hints import HintError, load_hints

        if len(tasks) != 1:
            return _fail(f"--hints is for one photo; the inputs name {len(tasks)}")
        try:
            hints = {tasks[0].source: load_hints(args.hints)}
        except HintError as exc:
            return _fail(str(exc))

    from chroma_desk.engine.colorizer import Colorizer
    from chroma_desk.models.checkpoint import ModelFileError
    from chroma_desk.models.library import resolve_model

    try:
        model_path = resolve_model(args.model)
        colorizer = Colorizer(
            model_path,
            args.device,
            working_size=args.size,
            preprocessing=args.preprocess,
            backend=args.backend,
            upsampling=args.upsampling,
        )
    except (ModelFileError, ValueError, RuntimeError) as exc:
        return _fail(str(exc))
    if hints and any(hints.values()) and not colorizer.takes_hints:
        return _fail(
            f"model {colorizer.name!r} takes no colour hints; --hints needs a hint model "
            "(see `chroma-desk models list`)"
        )

    summary = Summary()
    done_results = []
    start = time.perf_counter()
    bar = tqdm(
        total=len(tasks),
        unit="photo",
        file=sys.stderr,
        disable=args.quiet or None,
        dynamic_ncols=True,
    )
    job = colorize_files(
        colorizer,
        tasks,
        temperature=args.temperature,
        quality=args.quality,
        batch_size=args.batch,
        skip_existing=args.skip_existing,
        hints=hints,
    )
    try:
        for result in job:
            summary.add(result)
            if result.ok and not result.skipped:
                done_results.append(result)
            for note in result.notes:
                bar.write(f"note: {result.source}: {note}", file=sys.stderr)
            if result.error and not bar.disable:  # listed again at the end
                bar.write(f"failed: {result.error}", file=sys.stderr)
            bar.set_postfix_str(result.source.name, refresh=False)
            bar.update(1)
    except KeyboardInterrupt:
        job.close()
        bar.close()
        summary.seconds = time.perf_counter() - start
        print(f"stopped: {summary.line()}", file=sys.stderr)
        return 130
    bar.close()
    summary.seconds = time.perf_counter() - start

    where = ""
    written = [r.output for r in done_results]
    if len(written) == 1:
        where = f"; result: {written[0]}"
    elif written:
        where = f"; results in {os.path.commonpath([p.parent for p in written])}"
    print(f"{summary.line()} with {colorizer.name}{where}")
    if summary.failed:
        print(f"{len(summary.failed)} failed:", file=sys.stderr)
        for result in summary.failed:
            print(f"  {result.error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
