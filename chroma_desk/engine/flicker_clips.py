"""Flicker and colour quality on real colour footage: the clip's own colours are the truth.

Each clip's first seconds are decoded, turned gray (CIE L kept, a = b = 0) and colourized; the
network runs once per frame and every way of steadying the colour is applied to the same
predictions, so the figures differ only by the steadying. For each way this reports the warping
error of ab on visible pixels (``flicker.warping_error``: OpenCV DIS flow on the gray input, a
forward-backward occlusion check; the flow here is DIS's medium preset at full resolution, not
the fast, small one the smoothing itself uses), its ratio to frame-by-frame, the mean CIEDE2000
to the true colours and the seconds the steadying took:

    python -m chroma_desk.engine.flicker_clips ../shared/datasets/video/*.mp4 ../shared/datasets/video/*.mkv
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

from chroma_desk.engine.flicker import (
    FlowPair,
    consistent_flow,
    lab_frames,
    mean_ciede2000,
    warping_error,
)
from chroma_desk.engine.temporal import CUT_HISTOGRAM, gray_histogram, histogram_distance

DEFAULT_SECONDS = 4.0
CIEDE_STRIDE = 3  # CIEDE2000 (slow in skimage) on every third frame


def gray_version(rgb: np.ndarray) -> np.ndarray:
    """The frame with its colour taken out: the same 8-bit CIE L, a = b = 0, as RGB uint8."""
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)
    lab[..., 1:] = 128
    return cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)


def read_clip(path: Path, seconds: float) -> list[np.ndarray]:
    from chroma_desk.media.video import iter_frames

    return [f.rgb for f in iter_frames(path, end=seconds)]


def measure_pairs(grays: Sequence[np.ndarray]) -> tuple[list[FlowPair | None], set[int]]:
    """Metric flow pairs on the gray frames (None at a scene cut), and the cuts found."""
    flow = cv2.DISOpticalFlow_create(cv2.DISOpticalFlow_PRESET_MEDIUM)
    pairs: list[FlowPair | None] = [None]
    cuts: set[int] = set()
    previous_hist = gray_histogram(grays[0])
    for t in range(1, len(grays)):
        hist = gray_histogram(grays[t])
        if histogram_distance(previous_hist, hist) > CUT_HISTOGRAM:
            cuts.add(t)
            pairs.append(None)
        else:
            pairs.append(consistent_flow(grays[t - 1], grays[t], flow))
        previous_hist = hist
    return pairs, cuts


Steadier = Callable[[], Callable | None]  # makes a fresh smoother (gray, ab) -> (ab, cut), or None


def measure_clip(
    colorizer,
    path: Path,
    ways: dict[str, Steadier],
    seconds: float = DEFAULT_SECONDS,
    working_size: int | None = None,
) -> dict:
    """Warping error, its ratio to frame-by-frame, CIEDE2000 and seconds, for each way."""
    from chroma_desk.engine.frames import FrameColorizer

    truths = read_clip(Path(path), seconds)
    inputs = [gray_version(f) for f in truths]
    frames = FrameColorizer(colorizer, working_size, smooth=False)
    items = [frames.prepare(rgb, i, 0.0, gray=True) for i, rgb in enumerate(inputs)]
    predictions = [frames.predict([item])[0] for item in items]
    grays = [item.l8 for item in items]
    pairs, cuts = measure_pairs(grays)
    height, width = truths[0].shape[:2]
    report: dict = {
        "clip": Path(path).name,
        "size": f"{width}x{height}",
        "frames": len(truths),
        "cuts": len(cuts),
        "visible": round(float(np.mean([p.mask.mean() for p in pairs if p is not None])), 3),
    }
    for name, make in ways.items():
        smoother = make()
        start = time.perf_counter()
        abs_ = [
            p if smoother is None else smoother(item.gray, p)[0]
            for item, p in zip(items, predictions, strict=True)
        ]
        seconds_taken = time.perf_counter() - start
        outputs = [frames.render(item, ab) for item, ab in zip(items, abs_, strict=True)]
        ab_full = [lab[..., 1:] for lab in lab_frames(outputs)]
        report[name] = {
            "warping_error": round(warping_error(ab_full, pairs), 4),
            "ciede2000": round(mean_ciede2000(outputs, truths, CIEDE_STRIDE), 3),
            "seconds": round(seconds_taken, 3),
        }
    base = report[next(iter(ways))]["warping_error"]
    for name in ways:
        error = report[name]["warping_error"]
        report[name]["ratio"] = round(error / base, 3) if base else 0.0
    return report


def default_ways() -> dict[str, Steadier]:
    """Frame by frame, the smoothing before issue 17, and today's."""
    from chroma_desk.engine.temporal import TemporalSmoother

    return {
        "frame_by_frame": lambda: None,
        "before": lambda: TemporalSmoother(0.8, 6.0, occlusion_check=False),
        "steadied": TemporalSmoother,
    }


def table(reports: Sequence[dict], ways: Sequence[str]) -> str:
    """A Markdown table: per clip, the warping error frame by frame, each other way's ratio to
    it, CIEDE2000 of every way, and the steadying's milliseconds per frame."""
    base, rest = ways[0], list(ways[1:])
    head = ["clip", "frames", f"warping error, {base}"]
    head += [f"ratio, {w}" for w in rest]
    head += [f"CIEDE2000, {w}" for w in ways]
    head += [f"ms/frame, {w}" for w in rest]

    def cells(r: dict) -> list[str]:
        out = [f"{r[base]['warping_error']:.2f}"]
        out += [f"{r[w]['ratio']:.2f}" for w in rest]
        out += [f"{r[w]['ciede2000']:.2f}" for w in ways]
        out += [f"{r[w]['seconds'] / r['frames'] * 1000:.1f}" for w in rest]
        return out

    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * 2 + " ---: |" * (len(head) - 2)]
    for r in reports:
        lines.append("| " + " | ".join([r["clip"], str(r["frames"]), *cells(r)]) + " |")
    columns = np.array([[float(c) for c in cells(r)] for r in reports])
    means = [
        f"{v:.2f}" if i <= len(rest) + len(ways) else f"{v:.1f}"
        for i, v in enumerate(columns.mean(axis=0))
    ]
    frames = sum(r["frames"] for r in reports)
    lines.append("| " + " | ".join(["**mean**", str(frames), *means]) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from chroma_desk.engine.colorizer import Colorizer
    from chroma_desk.media.video import VideoError
    from chroma_desk.models.checkpoint import ModelFileError
    from chroma_desk.models.library import resolve_model

    parser = argparse.ArgumentParser(
        prog="python -m chroma_desk.engine.flicker_clips",
        description="Warping error and CIEDE2000 to the truth on real colour clips made gray, "
        "frame by frame and steadied.",
    )
    parser.add_argument("clips", nargs="+", type=Path, help="colour video files")
    parser.add_argument("--model", default=None, help="model name or file (default: bundled)")
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help="first S seconds")
    parser.add_argument("--working-size", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the reports here")
    args = parser.parse_args(argv)
    try:
        colorizer = Colorizer(resolve_model(args.model), device="cpu")
    except ModelFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    ways = default_ways()
    reports = []
    for path in args.clips:
        try:
            report = measure_clip(colorizer, path, ways, args.seconds, args.working_size)
        except VideoError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(json.dumps(report), file=sys.stderr)
        reports.append(report)
    print(f"model {colorizer.name}, first {args.seconds:g} s of each clip\n")
    print(table(reports, list(ways)))
    if args.json:
        args.json.write_text(json.dumps({"model": colorizer.name, "clips": reports}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
