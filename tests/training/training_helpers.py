"""Helpers for the training tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from training.trainer import TrainConfig

# the colour photos skimage ships inside its package (no download)
SKIMAGE_PHOTOS = (
    "astronaut",
    "chelsea",
    "coffee",
    "rocket",
    "immunohistochemistry",
    "retina",
    "colorwheel",
)  # (hubble_deep_field is near-gray: the trainer would rightly skip it)


def write_photos(folder: Path, count: int = 8, side: int = 112) -> list[Path]:
    """``count`` colour JPEGs (skimage.data photos, long side ``side``) in ``folder``."""
    from skimage import data

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        name = SKIMAGE_PHOTOS[i % len(SKIMAGE_PHOTOS)]
        img = Image.fromarray(getattr(data, name)())
        if i >= len(SKIMAGE_PHOTOS):  # more photos than skimage has: mirrored copies
            img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        img.thumbnail((side, side))
        path = folder / f"{i:02d}-{name}.jpg"
        img.save(path, quality=92)
        paths.append(path)
    return paths


def small_config(data: Path, out: Path, **overrides) -> TrainConfig:
    """A fast run: 64 px crops, batch 4, one thread, no workers, no ImageNet weights."""
    values = dict(
        data=str(data),
        out=str(out),
        arch="plain-unet",
        kind="regression",
        arch_args={"width": 8},
        size=64,
        batch=4,
        steps=10,
        lr=1e-3,
        workers=0,
        threads=1,
        pretrained=False,
        log_every=1,
        checkpoint_every=1000,
        sample_every=1000,
        eval_every=1000,
        warmup_steps=5,
        half=False,
    )
    values.update(overrides)
    return TrainConfig(**values)


def losses_of(events: list[dict], name: str) -> np.ndarray:
    return np.array([e["losses"][name] for e in events if e["event"] == "step"])
