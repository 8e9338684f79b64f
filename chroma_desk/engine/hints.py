"""Colour hints: "this place is this colour", and the maps a hint-taking network reads.

The one representation every part shares (engine, command line, window, video keyframes):

- ``Hint(x, y, rgb, size)``: a point in ORIGINAL photo pixels (origin top left, x right, y down),
  the wanted sRGB colour (0-255; only its chroma is used, the lightness stays the photo's) and
  the side of a square patch in original pixels (default 1; at least one working pixel).
- ``hint_maps(hints, photo_hw, working_hw)`` -> ``HintMaps``: ab (2, h, w) in Lab units and a
  0/1 mask (1, h, w) at the working resolution, zero where there is no hint (later hints win
  where patches overlap).
- ``HintMaps.network_input(ab_scale)`` -> (3, h, w) float32: a/ab_scale, b/ab_scale, mask: the
  extra channels of a hint model (lite-unet with ``hints=True``; imported SIGGRAPH17 uses the
  same convention through its own ab + mask inputs). No hints is all zeros.

A hint file (``chroma-desk colorize PHOTO --hints FILE.json``)::

    {"hints": [{"x": 120, "y": 80, "rgb": [200, 30, 40], "size": 9}, ...]}

``parse_hints`` checks it and names the bad entry in its error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chroma_desk.color.lab import rgb_to_lab


class HintError(ValueError):
    """A hint or hint file that cannot be used; the message names the entry and the problem."""


@dataclass(frozen=True)
class Hint:
    x: float  # original pixels, origin top left
    y: float
    rgb: tuple[int, int, int]  # sRGB 0-255; only its chroma is used
    size: float = 1.0  # side of the square patch in original pixels

    def ab(self) -> tuple[float, float]:
        """The hint's chroma: a and b of its colour in CIE Lab."""
        rgb = np.asarray(self.rgb, dtype=np.float32).reshape(1, 1, 3) / 255.0
        lab = rgb_to_lab(rgb)[0, 0]
        return float(lab[1]), float(lab[2])

    def to_json(self) -> dict:
        return {"x": self.x, "y": self.y, "rgb": list(self.rgb), "size": self.size}


@dataclass
class HintMaps:
    ab: np.ndarray  # (2, h, w) float32, Lab units, 0 where no hint
    mask: np.ndarray  # (1, h, w) float32, 1 at hinted pixels

    @property
    def count(self) -> int:
        return int(self.mask.sum())

    def network_input(self, ab_scale: float = 110.0) -> np.ndarray:
        """(3, h, w) float32: a / ab_scale, b / ab_scale, mask."""
        return np.concatenate([self.ab / ab_scale, self.mask]).astype(np.float32)


def hint_maps(
    hints: Sequence[Hint], photo_hw: tuple[int, int], working_hw: tuple[int, int]
) -> HintMaps:
    """Hints in original pixels -> ab and mask maps at the working resolution."""
    height, width = photo_hw
    h, w = working_hw
    ab = np.zeros((2, h, w), dtype=np.float32)
    mask = np.zeros((1, h, w), dtype=np.float32)
    sy, sx = h / height, w / width
    for hint in hints:
        side = max(1, round(hint.size * (sx + sy) / 2))
        # the patch centre in working pixels (pixel centres at +0.5 in both systems)
        cx, cy = (hint.x + 0.5) * sx - 0.5, (hint.y + 0.5) * sy - 0.5
        x0 = math.floor(cx - (side - 1) / 2 + 0.5)
        y0 = math.floor(cy - (side - 1) / 2 + 0.5)
        # the patch is centred on the point; where it crosses the border it is cut there
        x0, x1 = min(max(0, x0), w - 1), min(max(1, x0 + side), w)
        y0, y1 = min(max(0, y0), h - 1), min(max(1, y0 + side), h)
        a, b = hint.ab()
        ab[0, y0:y1, x0:x1] = a
        ab[1, y0:y1, x0:x1] = b
        mask[0, y0:y1, x0:x1] = 1.0
    return HintMaps(ab, mask)


def parse_hints(data: object, photo_hw: tuple[int, int] | None = None) -> list[Hint]:
    """Hints from the JSON form (a dict with a "hints" list); checks every entry.

    ``photo_hw`` (height, width): points outside the photo are an error too.
    """
    if not isinstance(data, dict) or not isinstance(data.get("hints"), list):
        raise HintError('expected a JSON object {"hints": [{"x": .., "y": .., "rgb": [r, g, b]}]}')
    return [_parse_entry(i, entry, photo_hw) for i, entry in enumerate(data["hints"])]


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _parse_entry(i: int, entry: object, photo_hw: tuple[int, int] | None) -> Hint:
    where = f"hint {i} ({json.dumps(entry)[:80]})"
    if not isinstance(entry, dict):
        raise HintError(f"{where}: not an object with x, y and rgb")
    unknown = set(entry) - {"x", "y", "rgb", "size"}
    if unknown:
        raise HintError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for key in ("x", "y"):
        if not _number(entry.get(key)):
            raise HintError(f"{where}: {key!r} must be a number of pixels")
    rgb = entry.get("rgb")
    if (
        not isinstance(rgb, list)
        or len(rgb) != 3
        or not all(_number(c) and 0 <= c <= 255 for c in rgb)
    ):
        raise HintError(f"{where}: 'rgb' must be three numbers 0-255")
    size = entry.get("size", 1)
    if not _number(size) or size <= 0:
        raise HintError(f"{where}: 'size' must be a positive number of pixels")
    hint = Hint(float(entry["x"]), float(entry["y"]), tuple(round(c) for c in rgb), float(size))
    if photo_hw is not None:
        check_inside([hint], photo_hw, first_index=i)
    return hint


def check_inside(hints: Sequence[Hint], photo_hw: tuple[int, int], first_index: int = 0) -> None:
    """A clear error for the first hint whose point is outside the photo (height, width)."""
    height, width = photo_hw
    for i, hint in enumerate(hints, start=first_index):
        if not (0 <= hint.x < width and 0 <= hint.y < height):
            raise HintError(
                f"hint {i} ({json.dumps(hint.to_json())}): the point is outside the "
                f"{width}x{height} photo"
            )


def load_hints(path: str | Path, photo_hw: tuple[int, int] | None = None) -> list[Hint]:
    """Read and check a hint file; errors name the file and the entry."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise HintError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HintError(f"{path}: not valid JSON ({exc})") from exc
    try:
        return parse_hints(data, photo_hw)
    except HintError as exc:
        raise HintError(f"{path}: {exc}") from exc
