"""Whole-job speed of the steadier colour vs the smoothing before it, in the same run.

The overlapped video job (decode, predict, smooth, render, encode) on a 640x480 clip, run in
turns with no smoothing, with the smoothing before issue 17 (strength 0.8, sigma 6, no
occlusion check) and with today's; on a shared machine only the ratios mean much:

    python scripts/steady_speed.py ../shared/datasets/video/asl-book.mkv --rounds 3
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import tempfile
from pathlib import Path

from chroma_desk.engine import frames as frames_module
from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.engine.temporal import TemporalSmoother
from chroma_desk.engine.video import VideoSettings, colorize_video
from chroma_desk.models.library import resolve_model

WAYS = {
    "off": (False, TemporalSmoother),
    "before": (True, functools.partial(TemporalSmoother, sigma=6.0, occlusion_check=False)),
    "steadied": (True, TemporalSmoother),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    colorizer = Colorizer(resolve_model(args.model), device="cpu")
    fps: dict[str, list[float]] = {name: [] for name in WAYS}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for name, (smooth, smoother) in WAYS.items():
                frames_module.TemporalSmoother = smoother
                strength = 0.8 if name == "before" else 0.97
                out = Path(tmp) / f"{name}.mp4"
                settings = VideoSettings(smooth=smooth, strength=strength)
                result = colorize_video(args.clip, out, colorizer, settings, device="cpu")
                fps[name].append(result.fps)
                out.unlink()
    median = {name: round(statistics.median(values), 2) for name, values in fps.items()}
    print(
        json.dumps(
            {
                "clip": args.clip.name,
                "load_average": os.getloadavg(),
                "fps": fps,
                "median_fps": median,
                "steadied_over_before": round(median["steadied"] / median["before"], 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
