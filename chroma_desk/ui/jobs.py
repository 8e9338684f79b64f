"""What the Photos tab runs in its worker threads: plain functions, no widgets.

Each returns finished QImages / ``ImagePyramid``s so the GUI thread only swaps them in.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps
from PySide6.QtGui import QImage

from chroma_desk.engine.colorizer import Colorizer, Prediction, join_lightness
from chroma_desk.engine.hints import Hint
from chroma_desk.media.images import ImageWriteError, Photo, read_image, write_image
from chroma_desk.ui.compare_view import ImagePyramid, to_uint8

THUMB = 112  # long side of list thumbnails (drawn at up to 56 px, x2 for HiDPI)
THUMB_L = 160  # long side of the lightness kept with each prediction, for thumbnails
PREVIEW = 1600  # long side of the quick render shown while the temperature slider moves


def _resize_long(array: np.ndarray, long_side: int) -> np.ndarray:
    h, w = array.shape[:2]
    if max(h, w) <= long_side:
        return array
    scale = long_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(array, size, interpolation=cv2.INTER_AREA)


def qimage_rgb(pixels: np.ndarray) -> QImage:
    """A QImage owning a copy of RGB (H, W, 3) or gray (H, W) pixels (uint8, uint16, float)."""
    u8 = np.ascontiguousarray(to_uint8(pixels))
    h, w = u8.shape[:2]
    fmt = QImage.Format.Format_Grayscale8 if u8.ndim == 2 else QImage.Format.Format_RGB888
    return QImage(u8.data, w, h, u8.strides[0], fmt).copy()


@dataclass
class Thumbnail:
    image: QImage
    size: tuple[int, int]  # the photo's full size, upright


def thumbnail_job(path: Path) -> Thumbnail | None:
    """A quick thumbnail (JPEG draft mode decodes at 1/8 scale); None when PIL cannot do it."""
    try:
        with Image.open(path) as img:
            width, height = img.size
            img.draft("RGB", (THUMB * 2, THUMB * 2))
            orientation = img.getexif().get(0x0112, 1)
            img = ImageOps.exif_transpose(img)
            if orientation in (5, 6, 7, 8):
                width, height = height, width
            if img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            img.thumbnail((THUMB, THUMB), Image.Resampling.BILINEAR)
            arr = np.asarray(img.convert("RGB"))
    except Exception:  # the full read reports the real problem
        return None
    return Thumbnail(qimage_rgb(arr), (width, height))


@dataclass
class Predicted:
    prediction: Prediction  # its lightness reduced to THUMB_L (the full one is not kept)
    thumbnail: QImage  # colour
    gray_thumbnail: QImage
    size: tuple[int, int]
    notes: list[str]


def _display_pixels(photo: Photo) -> np.ndarray:
    """What the photo looks like: its gray samples when it is gray (no RGB copy), else RGB."""
    return photo.gray if photo.gray is not None else photo.rgb


def load_colorizer(path: Path, backend: str, preprocessing: str | None = None) -> Colorizer:
    """The model, its network run by ``backend`` (an ONNX export, when needed, happens here)."""
    return Colorizer(path, preprocessing=preprocessing, backend=backend)


def predict_job(
    colorizer: Colorizer, path: Path, temperature: float, hints: Sequence[Hint] = ()
) -> Predicted:
    """Read a photo, run the network once (with the photo's colour points, if any), keep the
    raw output and a colour thumbnail."""
    photo = read_image(path)
    prediction = colorizer.predict_lightness([photo.lightness()], [hints])[0]
    small_l = _resize_long(prediction.lightness, THUMB_L)
    small = replace(prediction, lightness=np.ascontiguousarray(small_l))
    thumb = _render_thumbnail(colorizer, small, temperature)
    gray = qimage_rgb(_resize_long(_display_pixels(photo), THUMB))
    return Predicted(small, thumb, gray, photo.size, photo.notes)


def _render_thumbnail(colorizer: Colorizer, prediction: Prediction, temperature: float) -> QImage:
    rgb = join_lightness(prediction.lightness, colorizer.ab(prediction, temperature))
    return qimage_rgb(_resize_long(rgb, THUMB))


def thumbnails_job(
    colorizer: Colorizer, predictions: list[Prediction], temperature: float
) -> list[QImage]:
    """Colour thumbnails re-rendered at a new temperature (cheap: no network)."""
    return [_render_thumbnail(colorizer, p, temperature) for p in predictions]


@dataclass
class Opened:
    """The current photo, ready to show and to render at full resolution."""

    path: Path
    lightness: np.ndarray  # full-resolution L
    preview_lightness: np.ndarray | None  # L at PREVIEW size for quick renders (None if small)
    before: ImagePyramid
    alpha: np.ndarray | None
    exif: bytes | None
    icc_profile: bytes | None
    bit_depth: int
    notes: list[str]

    @property
    def size(self) -> tuple[int, int]:
        return self.before.full_size


def open_job(path: Path) -> Opened:
    photo = read_image(path)
    lightness = photo.lightness()
    preview = _resize_long(lightness, PREVIEW)
    before = ImagePyramid(_display_pixels(photo))
    return Opened(
        path,
        lightness,
        np.ascontiguousarray(preview) if preview is not lightness else None,
        before,
        photo.alpha,
        photo.exif,
        photo.icc_profile,
        photo.bit_depth,
        photo.notes,
    )


@dataclass
class Rendered:
    pyramid: ImagePyramid
    seconds: float
    temperature: float
    preview: bool


def render_job(
    colorizer: Colorizer,
    prediction: Prediction,
    temperature: float,
    full_size: tuple[int, int],
    preview: bool,
) -> Rendered:
    """Render a cached prediction (no network) into a pyramid the view can draw at once."""
    start = time.perf_counter()
    rgb = colorizer.render(prediction, temperature)
    pyramid = ImagePyramid(rgb, full_size=full_size)
    return Rendered(pyramid, time.perf_counter() - start, temperature, preview)


def full_image_job(colorizer: Colorizer, prediction: Prediction, temperature: float) -> QImage:
    """The result at full resolution as a QImage (for the clipboard)."""
    return qimage_rgb(colorizer.render(prediction, temperature))


def save_job(
    colorizer: Colorizer,
    prediction: Prediction,
    temperature: float,
    opened: Opened,
    target: Path,
    quality: int,
    replace_input: bool,
    hints: Sequence[Hint] = (),
) -> Path:
    """Render at full resolution (16-bit kept for 16-bit inputs) and write atomically; with
    the photo's colour points (the network runs again if the prediction has other points)."""
    if not replace_input and target.exists() and target.resolve() == opened.path.resolve():
        raise ImageWriteError(f"{target}: refusing to overwrite the original photo")
    if tuple(prediction.hints) != tuple(hints):
        prediction = colorizer.rehint(prediction, hints)
    rgb = colorizer.render(prediction, temperature)
    return write_image(
        target,
        rgb,
        opened.alpha,
        quality=quality,
        bits=16 if opened.bit_depth > 8 else 8,
        exif=opened.exif,
        icc_profile=opened.icc_profile,
        protect=() if replace_input else (opened.path,),
    )
