"""``chroma-desk video INPUT -o OUTPUT``: colourize a clip, keeping its sound.

The work is ``chroma_desk.engine.video.VideoJob``, a plain generator of progress; this command
checks the arguments, prints the clip's facts, wraps the job in a tqdm bar (frames, fps, ETA)
on stderr and reports. Exit codes: 0 done, 1 the clip could not be read or written, 2 bad
arguments or model, 130 interrupted (no output file is left behind).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from chroma_desk.commands import add_model_arguments
from chroma_desk.media.video import DEFAULT_CRF, DEFAULT_PRESET, OUTPUT_FORMATS, default_output
from chroma_desk.models.card import MAX_WORKING_SIZE

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
PRESETS = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", metavar="INPUT", type=Path, help="a video file FFmpeg can read")
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUTPUT",
        type=Path,
        help="result, .mp4/.m4v/.mov or .mkv (default: INPUT_color.mp4 beside the input)",
    )
    add_model_arguments(parser)
    parser.add_argument(
        "--size",
        type=int,
        metavar="N",
        help="network working size, long side in pixels (default: the model's, at most 256)",
    )
    parser.add_argument(
        "--no-smooth",
        dest="smooth",
        action="store_false",
        help="no temporal smoothing (each frame on its own; more flicker)",
    )
    parser.add_argument("--start", type=float, metavar="S", help="start at S seconds")
    parser.add_argument("--end", type=float, metavar="S", help="stop at S seconds")
    parser.add_argument(
        "--crf",
        type=int,
        default=DEFAULT_CRF,
        metavar="Q",
        help=f"H.264 quality, 0-51, lower is better (default {DEFAULT_CRF})",
    )
    parser.add_argument(
        "--preset",
        default=DEFAULT_PRESET,
        choices=PRESETS,
        help=f"x264 speed preset (default {DEFAULT_PRESET})",
    )
    parser.add_argument(
        "--keyframe",
        action="append",
        default=[],
        metavar="SECONDS:HINTS.json",
        help="colour hints for the frame at SECONDS (a hint file as for colorize --hints, in "
        "the frame's pixels), carried through its shot both ways; repeatable; needs a model "
        "that takes hints",
    )
    parser.add_argument("--no-audio", dest="audio", action="store_false", help="drop the sound")
    parser.add_argument(
        "--bf16",
        action="store_true",
        help="run the network in bfloat16: 20-30%% faster on CPUs with bfloat16 units "
        "(recent Intel Xeon), colours within about 1 CIEDE2000 of the default float32",
    )
    parser.add_argument(
        "-y", "--overwrite", action="store_true", help="replace OUTPUT if it exists"
    )
    parser.add_argument("--device", default="auto", help="auto (CUDA, MPS, CPU), cpu, cuda, ...")
    parser.add_argument(
        "--sequential",
        action="store_true",
        help="run the stages one after another instead of overlapped (for comparison)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no facts, no progress bar")


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"chroma-desk video: {message}", file=sys.stderr)
    return code


def _check(args: argparse.Namespace) -> str | None:
    for name in ("start", "end"):
        value = getattr(args, name)
        if value is not None and not math.isfinite(value):
            return f"--{name} must be a number of seconds, not {value}"
    if args.temperature is not None and not 0.0 <= args.temperature <= 1.0:
        return f"--temperature must be between 0 and 1, not {args.temperature}"
    if args.size is not None and not 32 <= args.size <= MAX_WORKING_SIZE:
        return f"--size must be between 32 and {MAX_WORKING_SIZE} pixels, not {args.size}"
    if not 0 <= args.crf <= 51:
        return f"--crf must be between 0 and 51, not {args.crf}"
    if args.start is not None and args.start < 0:
        return f"--start must be 0 or more, not {args.start}"
    if args.end is not None and args.end <= (args.start or 0.0):
        return f"--end ({args.end}) must be after --start ({args.start or 0})"
    if not args.input.exists():
        return f"{args.input}: no such file"
    if args.output.suffix.lower() not in OUTPUT_FORMATS:
        return f"{args.output}: the output must end in .mp4, .m4v, .mov or .mkv"
    if args.output.exists() and args.output.resolve() == args.input.resolve():
        return f"{args.output}: the output would overwrite the input"
    if args.output.exists() and not args.overwrite:
        return f"{args.output} exists; choose another name or pass --overwrite"
    if not args.output.parent.is_dir():
        return f"{args.output}: the folder {args.output.parent} does not exist"
    return None


def run(args: argparse.Namespace) -> int:
    args.output = args.output or default_output(args.input)
    problem = _check(args)
    if problem:
        return _fail(problem)

    from tqdm import tqdm

    from chroma_desk.engine.colorizer import Colorizer
    from chroma_desk.engine.hints import HintError
    from chroma_desk.engine.keyframes import parse_keyframe_argument
    from chroma_desk.engine.video import VideoJob, VideoSettings
    from chroma_desk.media.video import VideoError, probe
    from chroma_desk.models.checkpoint import ModelFileError
    from chroma_desk.models.library import resolve_model

    try:
        keyframes = tuple(parse_keyframe_argument(k) for k in args.keyframe)
    except HintError as exc:
        return _fail(str(exc))
    try:
        info = probe(args.input)
    except VideoError as exc:
        return _fail(str(exc), EXIT_FAILED)
    try:
        colorizer = Colorizer(resolve_model(args.model), device=args.device, backend=args.backend)
    except (ModelFileError, ValueError, RuntimeError) as exc:
        return _fail(str(exc))
    if keyframes and not colorizer.takes_hints:
        return _fail(f"--keyframe: model {colorizer.name!r} takes no colour hints")
    settings = VideoSettings(
        temperature=args.temperature,
        working_size=args.size,
        smooth=args.smooth,
        start=args.start,
        end=args.end,
        crf=args.crf,
        preset=args.preset,
        keep_audio=args.audio,
        overlapped=not args.sequential,
        bf16=True if args.bf16 else False,
        keyframes=keyframes,
    )
    if not args.quiet:
        for label, value in info.facts():
            print(f"{label + ':':12} {value}", file=sys.stderr)
        print(f"{'Model:':12} {colorizer.name}", file=sys.stderr)

    job = VideoJob(args.input, args.output, colorizer, settings)
    bar = tqdm(
        total=None,
        unit="frame",
        file=sys.stderr,
        disable=args.quiet or None,
        dynamic_ncols=True,
        smoothing=0.1,
    )
    shown = 0
    progress = job.run()
    try:  # (the job writes nothing before its first report is asked for)
        for report in progress:
            if bar.total != report.total:
                bar.total = report.total
            if report.frames_done > shown:
                bar.update(report.frames_done - shown)
                shown = report.frames_done
            if report.state == "finishing":
                bar.set_postfix_str("finishing", refresh=True)
    except KeyboardInterrupt:  # Ctrl+C, or SIGTERM (the command line makes it one)
        progress.close()
        bar.close()
        print("stopped: no output written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except VideoError as exc:
        bar.close()
        return _fail(f"{exc} (no output written)", EXIT_FAILED)
    bar.close()
    result = job.result
    assert result is not None
    audio = {"copy": "audio copied", "aac": "audio re-encoded to AAC", "none": "no audio"}
    print(
        f"{result.frames} frames in {result.seconds:.1f} s ({result.fps:.1f} fps), "
        f"{audio[result.audio]}, {result.scene_cuts} scene cuts; result: {result.output}"
    )
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return EXIT_OK
