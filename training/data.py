"""Training data from any folder of colour photos.

The folder is scanned recursively; unreadable files and near-gray photos (mean Lab chroma under
a threshold) are skipped and counted, never a crash. Crops, flips and the Lab conversion happen
in DataLoader workers; the augmentation of sample i in epoch e depends only on (seed, e, i), so a
resumed run sees exactly the batches it would have seen.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset, Sampler

from chroma_desk.color.lab import rgb_to_lab
from chroma_desk.media.folders import walk_files

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}
GRAY_CHROMA = 4.0  # mean Lab chroma under this counts as a black-and-white photo
SCAN_SIDE = 64


@dataclass
class FolderScan:
    usable: list[Path] = field(default_factory=list)
    gray: list[Path] = field(default_factory=list)
    unreadable: list[Path] = field(default_factory=list)
    other: list[Path] = field(default_factory=list)  # files that are not photos at all

    def by_verdict(self, verdict: str) -> list[Path]:
        return {"usable": self.usable, "gray": self.gray, "unreadable": self.unreadable}[verdict]

    def counts(self) -> dict[str, int]:
        return {
            "usable": len(self.usable),
            "near_gray": len(self.gray),
            "unreadable": len(self.unreadable),
            "not_photos": len(self.other),
        }


def load_rgb(path: Path, max_side: int | None = None) -> np.ndarray:
    """uint8 RGB (H, W, 3); raises OSError/ValueError for anything unreadable."""
    with Image.open(path) as img:
        if max_side:
            img.draft("RGB", (max_side, max_side))
        img = img.convert("RGB")
        if max_side and max(img.size) > max_side:
            img.thumbnail((max_side, max_side))
        return np.asarray(img)


def mean_chroma(rgb: np.ndarray) -> float:
    """Mean Lab chroma of uint8 RGB (the exact conversion of ``color/lab.py``)."""
    lab = rgb_to_lab(np.ascontiguousarray(rgb, dtype=np.uint8))
    return float(np.hypot(lab[..., 1], lab[..., 2]).mean())


def scan_folder(
    folder: Path, gray_chroma: float = GRAY_CHROMA, cache: Path | None = None
) -> FolderScan:
    """Classify every file under ``folder`` (recursive), in a stable order.

    ``cache``: a JSON file remembering each photo's verdict by size and modification time, so a
    resumed run over 100,000 photos does not open them all again (a changed file is re-read).
    """
    known = _read_scan_cache(cache, gray_chroma)
    verdicts: dict[str, list] = {}
    scan = FolderScan()
    unreadable: list[OSError] = []
    for path in walk_files(folder, errors=unreadable):
        if path.suffix.lower() not in PHOTO_SUFFIXES:
            scan.other.append(path)
            continue
        stat = path.stat()
        stamp = [stat.st_size, stat.st_mtime_ns]
        entry = known.get(str(path))
        verdict = entry[2] if entry and entry[:2] == stamp else _classify(path, gray_chroma)
        verdicts[str(path)] = [*stamp, verdict]
        scan.by_verdict(verdict).append(path)
    scan.unreadable += [Path(error.filename) for error in unreadable]  # counted, not passed over
    if cache is not None:
        _write_scan_cache(cache, gray_chroma, verdicts)
    return scan


def _classify(path: Path, gray_chroma: float) -> str:
    try:
        small = load_rgb(path, SCAN_SIDE)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return "unreadable"
    return "usable" if mean_chroma(small) >= gray_chroma else "gray"


def _read_scan_cache(cache: Path | None, gray_chroma: float) -> dict[str, list]:
    if cache is None or not cache.is_file():
        return {}
    try:
        data = json.loads(cache.read_text())
    except (OSError, ValueError):
        return {}  # a damaged cache is only a slower start
    if not isinstance(data, dict) or data.get("gray_chroma") != gray_chroma:
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def _write_scan_cache(cache: Path, gray_chroma: float, verdicts: dict[str, list]) -> None:
    tmp = cache.with_name(cache.name + ".part")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"gray_chroma": gray_chroma, "files": verdicts}))
        os.replace(tmp, cache)
    except OSError:
        tmp.unlink(missing_ok=True)  # no cache is fine; the run itself must not fail for it


def split_train_val(
    paths: list[Path], val_fraction: float = 0.05, max_val: int = 200
) -> tuple[list[Path], list[Path]]:
    """Deterministic split by a hash of each file name (stable as the folder grows)."""
    n_val = min(max_val, max(1, int(len(paths) * val_fraction))) if len(paths) > 1 else 0
    ranked = sorted(paths, key=lambda p: hashlib.sha1(p.name.encode()).hexdigest())
    val = set(ranked[:n_val])
    return [p for p in paths if p not in val], [p for p in paths if p in val]


def random_resized_crop(rgb: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A crop of 35-100% of the area, aspect 3/4..4/3, resized to size x size."""
    h, w = rgb.shape[:2]
    for _ in range(10):
        area = h * w * rng.uniform(0.35, 1.0)
        aspect = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
        cw, ch = int(round(np.sqrt(area * aspect))), int(round(np.sqrt(area / aspect)))
        if 0 < cw <= w and 0 < ch <= h:
            x, y = rng.integers(0, w - cw + 1), rng.integers(0, h - ch + 1)
            return cv2.resize(
                rgb[y : y + ch, x : x + cw], (size, size), interpolation=cv2.INTER_AREA
            )
    return center_crop(rgb, size)


def center_crop(rgb: np.ndarray, size: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    side = min(h, w)
    y, x = (h - side) // 2, (w - side) // 2
    return cv2.resize(rgb[y : y + side, x : x + side], (size, size), interpolation=cv2.INTER_AREA)


def to_lab_tensor(rgb: np.ndarray) -> torch.Tensor:
    """uint8 RGB (H, W, 3) -> Lab (3, H, W) float32, through the engine's exact conversion."""
    lab = rgb_to_lab(np.ascontiguousarray(rgb, dtype=np.uint8))
    return torch.from_numpy(lab).permute(2, 0, 1).contiguous()


class PhotoError(Exception):
    """A photo that was usable when the folder was scanned and cannot be read now."""


class PhotoDataset(Dataset):
    """Lab tensors (3, size, size). Training: random resized crop and flip; else centre crop."""

    def __init__(self, paths: list[Path], size: int, train: bool = True, seed: int = 0) -> None:
        self.paths = list(paths)
        self.size = size
        self.train = train
        self.seed = seed

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, key: int | tuple[int, int]) -> torch.Tensor:
        epoch, index = key if isinstance(key, tuple) else (0, key)
        path = self.paths[index]
        try:
            rgb = load_rgb(path, max_side=max(self.size * 2, 256))
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            raise PhotoError(
                f"{path}: cannot read this photo any more ({exc}); "
                "was it moved, deleted or changed during the run?"
            ) from exc
        if self.train:
            rng = np.random.default_rng([self.seed, epoch, index])
            rgb = random_resized_crop(rgb, self.size, rng)
            if rng.random() < 0.5:
                rgb = rgb[:, ::-1]
        else:
            rgb = center_crop(rgb, self.size)
        return to_lab_tensor(np.ascontiguousarray(rgb))


class ResumableSampler(Sampler[tuple[int, int]]):
    """(epoch, index) keys: a seeded permutation per epoch, started at an offset (exact resume)."""

    def __init__(self, length: int, seed: int, epoch: int = 0, offset: int = 0) -> None:
        self.length, self.seed, self.epoch, self.offset = length, seed, epoch, offset

    def __iter__(self):
        order = np.random.default_rng([self.seed, self.epoch]).permutation(self.length)
        return iter((self.epoch, int(i)) for i in order[self.offset :])

    def __len__(self) -> int:
        return self.length - self.offset
