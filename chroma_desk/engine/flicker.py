"""How steady a colourized clip is, and how good its colour is, on the same frames.

Two flicker figures, both in ab units (lower is steadier):

- ``warping_error`` (Lai et al., ECCV 2018): optical flow on the gray input (DIS) warps the
  previous output's ab onto the current frame; the mean |delta ab| is taken over pixels where
  forward and backward flow agree (Ruder et al.'s test), so occlusions and bad flow do not count.
- ``still_flicker``: the mean |delta ab| between consecutive frames over pixels whose input
  barely changes (|delta L| <= 2 levels of 255), needing no flow at all.

A model that outputs gray never flickers, so each is reported beside the mean CIEDE2000 of the
output against the true colour frames. ``measure_flicker`` builds a real clip (slow pans and
zooms over photos, hard cuts between them), encodes its gray version with H.264, colourizes the
decoded frames with and without temporal smoothing and reports all of it:

    python -m chroma_desk.engine.flicker --model lite-cls [--photos ../shared/datasets/val]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from chroma_desk.color.lab import rgb_to_lab
from chroma_desk.engine.temporal import backward_map, consistent, dis_flow, warp

STILL_LEVEL = 2  # |delta L8| at or below which a pixel's input "barely changes"


@dataclass
class FlowPair:
    """Where frame t samples frame t-1 (a remap map) and where that flow is trustworthy."""

    mapping: np.ndarray  # (h, w, 2) float32
    mask: np.ndarray  # (h, w) bool


def consistent_flow(previous: np.ndarray, current: np.ndarray, flow=None) -> FlowPair:
    """Flow current -> previous on gray uint8 frames, masked by forward-backward consistency."""
    flow = flow or dis_flow()
    forward = flow.calc(current, previous, None)  # current -> previous
    backward = flow.calc(previous, current, None)  # previous -> current
    mapping = backward_map(forward)
    mask = consistent(forward, backward, mapping)
    return FlowPair(mapping, mask)


def flow_pairs(grays: Sequence[np.ndarray], cuts: set[int] = frozenset()) -> list[FlowPair | None]:
    """One ``FlowPair`` per frame from the second on (None at a scene cut: nothing to compare)."""
    flow = dis_flow()
    pairs: list[FlowPair | None] = [None]
    for t in range(1, len(grays)):
        pairs.append(None if t in cuts else consistent_flow(grays[t - 1], grays[t], flow))
    return pairs


def _ab_norm(delta: np.ndarray) -> np.ndarray:
    return np.sqrt((delta.astype(np.float32) ** 2).sum(axis=-1))


def warping_error(ab_frames: Sequence[np.ndarray], pairs: Sequence[FlowPair | None]) -> float:
    """Mean over frames of mean |ab_t - warp(ab_{t-1})| on flow-consistent pixels."""
    errors = []
    for t in range(1, len(ab_frames)):
        pair = pairs[t]
        if pair is None or not pair.mask.any():
            continue
        warped = warp(ab_frames[t - 1], pair.mapping)
        errors.append(float(_ab_norm(ab_frames[t] - warped)[pair.mask].mean()))
    return float(np.mean(errors)) if errors else 0.0


def still_flicker(
    ab_frames: Sequence[np.ndarray],
    grays: Sequence[np.ndarray],
    cuts: set[int] = frozenset(),
    level: int = STILL_LEVEL,
) -> tuple[float, float]:
    """(mean |delta ab| where the input barely changes, fraction of pixels that qualified)."""
    values, fractions = [], []
    for t in range(1, len(ab_frames)):
        if t in cuts:
            continue
        still = cv2.absdiff(grays[t], grays[t - 1]) <= level
        fractions.append(float(still.mean()))
        if still.any():
            values.append(float(_ab_norm(ab_frames[t] - ab_frames[t - 1])[still].mean()))
    return (float(np.mean(values)) if values else 0.0), (
        float(np.mean(fractions)) if fractions else 0.0
    )


def lab_frames(rgb_frames: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Float Lab (H, W, 3) of RGB uint8 frames (OpenCV float path)."""
    return [rgb_to_lab(f.astype(np.float32) / 255.0) for f in rgb_frames]


def mean_ciede2000(
    outputs: Sequence[np.ndarray], truths: Sequence[np.ndarray], stride: int = 1
) -> float:
    """Mean CIEDE2000 of output frames against the true colour frames (both RGB uint8)."""
    from skimage.color import deltaE_ciede2000

    values = []
    for out, true in zip(outputs[::stride], truths[::stride], strict=True):
        lab_out, lab_true = lab_frames([out, true])
        values.append(float(deltaE_ciede2000(lab_true, lab_out).mean()))
    return float(np.mean(values))


def colourfulness(frames: Sequence[np.ndarray]) -> float:
    """Mean ab chroma (sqrt(a^2 + b^2)) of RGB uint8 frames: a gray output scores 0."""
    return float(np.mean([np.hypot(lab[..., 1], lab[..., 2]).mean() for lab in lab_frames(frames)]))


def measure_flicker(
    model,
    photos: Sequence[np.ndarray],
    size: tuple[int, int] = (320, 240),
    frames_per_shot: int = 36,
    fps: int = 25,
    working_size: int | None = None,
    temperature: float | None = None,
    strength: float | None = None,
    ciede_stride: int = 2,
) -> dict:
    """Flicker with and without smoothing, and colour quality, on a clip made from ``photos``.

    ``model`` is a model path, a loaded model or a ``Colorizer``.
    """
    from chroma_desk.engine.colorizer import Colorizer
    from chroma_desk.engine.frames import FrameColorizer
    from chroma_desk.engine.temporal import DEFAULT_STRENGTH
    from chroma_desk.media import clips
    from chroma_desk.media.video import iter_frames

    colorizer = model if isinstance(model, Colorizer) else Colorizer(model, device="cpu")
    truths = list(clips.shots(photos, size, frames_per_shot))
    cuts = {k * frames_per_shot for k in range(1, len(photos))}
    with tempfile.TemporaryDirectory(prefix="chroma-flicker-") as tmp:
        clip = clips.write_clip(Path(tmp) / "gray.mp4", truths, fps=fps, audio=None, gray=True)
        decoded = list(iter_frames(clip))
    inputs = [f.rgb for f in decoded]
    grays = [cv2.extractChannel(cv2.cvtColor(f, cv2.COLOR_RGB2Lab), 0) for f in inputs]
    pairs = flow_pairs(grays, cuts)
    report: dict = {
        "model": colorizer.name,
        "frames": len(inputs),
        "size": f"{size[0]}x{size[1]}",
        "shots": len(photos),
        "fps": fps,
        "gray_input_ciede2000": round(mean_ciede2000(inputs, truths, ciede_stride), 3),
        "flow_consistent_fraction": round(
            float(np.mean([p.mask.mean() for p in pairs if p is not None])), 3
        ),
    }
    for name, smooth in (("raw", False), ("smoothed", True)):
        frames = FrameColorizer(
            colorizer,
            working_size,
            temperature,
            smooth=smooth,
            strength=DEFAULT_STRENGTH if strength is None else strength,
        )
        start = time.perf_counter()
        outputs = [frames(f.rgb, f.index, f.time, f.gray) for f in decoded]
        seconds = time.perf_counter() - start
        ab = [lab[..., 1:] for lab in lab_frames(outputs)]
        still, still_fraction = still_flicker(ab, grays, cuts)
        report[name] = {
            "warping_error": round(warping_error(ab, pairs), 4),
            "still_flicker": round(still, 4),
            "still_pixels": round(still_fraction, 3),
            "ciede2000": round(mean_ciede2000(outputs, truths, ciede_stride), 3),
            "colourfulness": round(colourfulness(outputs[::ciede_stride]), 3),
            "scene_cuts_found": frames.scene_cuts if smooth else None,
            "seconds": round(seconds, 2),
        }
    raw, smoothed = report["raw"]["warping_error"], report["smoothed"]["warping_error"]
    report["warping_error_reduction"] = round(1 - smoothed / raw, 3) if raw else 0.0
    return report


def main(argv: list[str] | None = None) -> int:
    from chroma_desk.media import clips
    from chroma_desk.models.checkpoint import ModelFileError
    from chroma_desk.models.library import resolve_model

    parser = argparse.ArgumentParser(
        prog="python -m chroma_desk.engine.flicker",
        description="Flicker (warping error, still-pixel |delta ab|) with and without temporal "
        "smoothing, and CIEDE2000 against the true colours, on a clip made from photos.",
    )
    parser.add_argument("--model", default=None, help="model name or file (default: bundled)")
    parser.add_argument("--photos", type=Path, default=None, help="folder of colour photos")
    parser.add_argument("--shots", type=int, default=6, help="photos used, one shot each")
    parser.add_argument("--frames", type=int, default=36, help="frames per shot")
    parser.add_argument("--size", default="320x240", help="frame size WxH")
    parser.add_argument("--working-size", type=int, default=None)
    parser.add_argument("--temperature", type=float, default=None)
    parser.add_argument("--strength", type=float, default=None)
    args = parser.parse_args(argv)
    try:
        model = resolve_model(args.model)
    except ModelFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.photos is not None:
        photos = clips.load_photos(args.photos, args.shots)
    else:
        photos = clips.skimage_photos()[: args.shots]
    if not photos:
        print(f"error: no photos found in {args.photos}", file=sys.stderr)
        return 2
    width, height = (int(v) for v in args.size.lower().split("x"))
    report = measure_flicker(
        model,
        photos,
        (width, height),
        args.frames,
        working_size=args.working_size,
        temperature=args.temperature,
        strength=args.strength,
    )
    report["photos"] = str(args.photos) if args.photos else "skimage.data"
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
