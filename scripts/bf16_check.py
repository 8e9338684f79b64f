"""How much the bfloat16 option changes the colours: fp32 vs bf16 on real photos.

    .venv/bin/python scripts/bf16_check.py [--photos 40]

Each of the first N photos of ../shared/datasets/val, at 640x480 and made gray, goes through the
video/live frame path (no smoothing) with the network in float32 and under bfloat16 autocast.
Prints the mean CIEDE2000 between the two results, and of each to the true colours.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
import torch
from skimage.color import deltaE_ciede2000, rgb2lab

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from chroma_desk.engine.colorizer import Colorizer  # noqa: E402
from chroma_desk.engine.frames import FrameColorizer  # noqa: E402
from chroma_desk.models.library import resolve_model  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--models", nargs="+", default=["lite-gan", "lite-cls"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    paths = sorted((REPO.parent / "shared" / "datasets" / "val").glob("*.jpg"))[: args.photos]
    for name in args.models:
        colorizer = Colorizer(resolve_model(name), device="cpu")
        exact = FrameColorizer(colorizer, smooth=False, bf16=False)
        fast = FrameColorizer(colorizer, smooth=False, bf16=True)
        between, to_truth_exact, to_truth_fast = [], [], []
        for path in paths:
            rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
            rgb = cv2.resize(rgb, (640, 480), interpolation=cv2.INTER_AREA)
            gray = cv2.cvtColor(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
            a, b, truth = (rgb2lab(x) for x in (exact(gray), fast(gray), rgb))
            between.append(deltaE_ciede2000(a, b).mean())
            to_truth_exact.append(deltaE_ciede2000(a, truth).mean())
            to_truth_fast.append(deltaE_ciede2000(b, truth).mean())
        print(
            f"{name}: float32 vs bfloat16 {np.mean(between):.2f} CIEDE2000; to the truth "
            f"float32 {np.mean(to_truth_exact):.2f}, bfloat16 {np.mean(to_truth_fast):.2f} "
            f"({len(paths)} photos)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
