"""A contact sheet of val photos: gray | each model | truth, one row per photo.

Usage: .venv/bin/python scripts/contact_sheet.py --models lite-cls lite-gan --out docs/contact-sheet.jpg
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from chroma_desk.engine import Colorizer
from chroma_desk.media.images import read_image
from chroma_desk.models.library import resolve_model

VAL = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "val"
CELL = 240


def cell(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    scale = CELL / max(h, w)
    small = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    canvas = np.ones((CELL, CELL, 3), np.float32)
    y, x = (CELL - small.shape[0]) // 2, (CELL - small.shape[1]) // 2
    canvas[y : y + small.shape[0], x : x + small.shape[1]] = small
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", nargs="+", default=["lite-cls", "lite-gan"])
    parser.add_argument("--data", type=Path, default=VAL)
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--out", type=Path, default=Path("docs/contact-sheet.jpg"))
    args = parser.parse_args()
    paths = sorted(args.data.glob("*.jpg"))
    paths = paths[:: max(1, len(paths) // args.count)][: args.count]
    colorizers = [Colorizer(resolve_model(m)) for m in args.models]
    rows = []
    for path in paths:
        photo = read_image(path)
        rgb = photo.rgb
        gray = np.repeat(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
        outs = [c.colorize(rgb) for c in colorizers]
        rows.append(np.concatenate([cell(x) for x in (gray, *outs, rgb)], axis=1))
    sheet = (np.concatenate(rows, axis=0) * 255).astype(np.uint8)
    header = np.full((28, sheet.shape[1], 3), 255, np.uint8)
    image = Image.fromarray(np.concatenate([header, sheet], axis=0))
    draw = ImageDraw.Draw(image)
    for i, label in enumerate(["input (gray)", *args.models, "truth"]):
        draw.text((i * CELL + 8, 8), label, fill=(0, 0, 0))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    image.save(args.out, quality=88)
    print(args.out)


if __name__ == "__main__":
    main()
