"""Photos in and out.

``read_image`` turns any common file (8/16-bit, L, LA, RGB, RGBA, P, CMYK, I;16, animated) into
float32 RGB in [0, 1] with the alpha to restore, honouring EXIF orientation. ``write_image``
never overwrites its input and writes through a temporary file renamed when complete.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 200_000_000  # refuse larger images before decoding them
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"}
FORMATS = {"png": ".png", "jpg": ".jpg", "jpeg": ".jpg", "tiff": ".tiff", "tif": ".tiff"}


class ImageReadError(Exception):
    """A photo that cannot be read; the message names the file and says why."""


class ImageWriteError(Exception):
    """A result that cannot be written; the message names the file and says why."""


@dataclass
class Photo:
    rgb: np.ndarray  # (H, W, 3) float32 in [0, 1]
    alpha: np.ndarray | None = None  # (H, W) float32 in [0, 1]
    path: Path | None = None
    notes: list[str] = field(default_factory=list)
    exif: bytes | None = None
    icc_profile: bytes | None = None
    bit_depth: int = 8

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]


def _to_float(img: Image.Image) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Any PIL mode -> (rgb float32, alpha or None, bit depth)."""
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(img).astype(np.float32)
        peak = 65535.0 if mode.startswith("I;16") or arr.max() > 255 else 255.0
        gray = np.clip(arr / peak, 0, 1)
        return np.repeat(gray[..., None], 3, axis=2), None, 16
    if mode == "F":
        gray = np.clip(np.asarray(img, dtype=np.float32), 0, 1)
        return np.repeat(gray[..., None], 3, axis=2), None, 32
    if mode == "1":
        img = img.convert("L")
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        img = img.convert("RGB")
    elif mode == "PA":
        img = img.convert("RGBA")
    alpha = None
    if img.mode in ("LA", "RGBA"):
        alpha = np.asarray(img.getchannel("A"), dtype=np.float32) / 255.0
        img = img.convert("L" if img.mode == "LA" else "RGB")
    arr = np.asarray(img, dtype=np.float32) / 255.0
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    return np.ascontiguousarray(arr), alpha, 8


def _read_16bit_with_cv2(path: Path) -> np.ndarray | None:
    """16-bit RGB PNG/TIFF, which PIL reduces to 8 bits; None when not 16-bit colour."""
    data = np.fromfile(str(path), dtype=np.uint8)
    arr = cv2.imdecode(data, cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH)
    if arr is None or arr.dtype != np.uint16 or arr.ndim != 3:
        return None
    arr = cv2.cvtColor(arr[..., :3], cv2.COLOR_BGR2RGB)
    return arr.astype(np.float32) / 65535.0


def read_image(path: str | Path) -> Photo:
    path = Path(path)
    if not path.is_file():
        raise ImageReadError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ImageReadError(f"{path}: the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
        width, height = img.size
        if width * height > MAX_PIXELS:
            raise ImageReadError(
                f"{path}: {width}x{height} is {width * height / 1e6:.0f} MP, over the "
                f"{MAX_PIXELS / 1e6:.0f} MP limit; refused before decoding"
            )
        notes = []
        if getattr(img, "n_frames", 1) > 1:
            notes.append(f"animated ({img.n_frames} frames): the first frame was used")
            img.seek(0)
        exif = img.info.get("exif")
        icc = img.info.get("icc_profile")
        img = ImageOps.exif_transpose(img)
        img.load()
    except ImageReadError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageReadError(f"{path}: not an image this program can read ({exc})") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageReadError(f"{path}: damaged or truncated image ({exc})") from exc
    rgb, alpha, depth = _to_float(img)
    if depth == 8 and img.mode == "RGB" and path.suffix.lower() in (".png", ".tif", ".tiff"):
        deep = _read_16bit_with_cv2(path)
        if deep is not None and deep.shape == rgb.shape:
            rgb, depth = deep, 16
    if img.mode == "CMYK":
        icc = None  # the profile describes CMYK, not the RGB we write
    return Photo(rgb, alpha, path, notes, exif, icc, depth)


def output_suffix(fmt: str) -> str:
    try:
        return FORMATS[fmt.lower()]
    except KeyError as exc:
        raise ValueError(f"unknown output format {fmt!r}; choose png, jpg or tiff") from exc


def _encode(rgb: np.ndarray, alpha: np.ndarray | None, suffix: str, quality: int, bits: int) -> bytes:
    """Encode with OpenCV (fast PNG/JPEG/TIFF); BGR channel order on the way in."""
    keep_alpha = alpha is not None and suffix != ".jpg"
    if bits == 16 and suffix in (".png", ".tiff"):
        scale, dtype = 65535.0, np.uint16
    else:
        scale, dtype = 255.0, np.uint8
    pixels = (rgb * scale + 0.5).astype(dtype)
    pixels = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    if keep_alpha:
        a = (alpha * scale + 0.5).astype(dtype)
        pixels = np.dstack([pixels, a])
    params: list[int] = []
    if suffix == ".jpg":
        params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    elif suffix == ".png":
        params = [cv2.IMWRITE_PNG_COMPRESSION, 1]
    ok, buf = cv2.imencode(suffix, pixels, params)
    if not ok:
        raise ImageWriteError(f"could not encode {suffix}")
    return buf.tobytes()


def _with_metadata(data: bytes, suffix: str, exif: bytes | None, icc: bytes | None) -> bytes:
    """Put EXIF (orientation reset to 1) and ICC back into a JPEG via PIL; other formats as is."""
    if suffix != ".jpg" or not (exif or icc):
        return data
    import io

    img = Image.open(io.BytesIO(data))
    kwargs: dict = {"quality": "keep"}
    if exif:
        exif_obj = Image.Exif()
        exif_obj.load(exif)
        exif_obj[0x0112] = 1  # pixels are already upright
        kwargs["exif"] = exif_obj.tobytes()
    if icc:
        kwargs["icc_profile"] = icc
    out = io.BytesIO()
    img.save(out, format="JPEG", **kwargs)
    return out.getvalue()


def write_image(
    path: str | Path,
    rgb: np.ndarray,
    alpha: np.ndarray | None = None,
    quality: int = 92,
    bits: int = 8,
    exif: bytes | None = None,
    icc_profile: bytes | None = None,
    protect: tuple[Path, ...] = (),
) -> Path:
    """Write atomically; refuse to replace any path in ``protect`` (the inputs)."""
    path = Path(path)
    suffix = output_suffix(path.suffix.lstrip(".") or "png")
    for p in protect:
        if p is not None and path.exists() and p.exists() and path.samefile(p):
            raise ImageWriteError(f"{path}: refusing to overwrite an input photo")
    data = _with_metadata(_encode(rgb, alpha, suffix, quality, bits), suffix, exif, icc_profile)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise ImageWriteError(f"{path}: cannot write here ({exc.strerror or exc})") from exc
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ImageWriteError(f"{path}: write failed ({exc.strerror or exc})") from exc
    return path


def find_images(inputs: list[str | Path]) -> list[tuple[Path, Path]]:
    """Expand files, folders (recursive) and globs into (file, root) pairs, root being the
    folder the file's relative output path is computed from."""
    import glob

    found: list[tuple[Path, Path]] = []
    for item in inputs:
        item_path = Path(item)
        if item_path.is_dir():
            for p in sorted(item_path.rglob("*")):
                if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."):
                    found.append((p, item_path))
        elif item_path.exists():
            found.append((item_path, item_path.parent))
        elif any(ch in str(item) for ch in "*?["):
            for match in sorted(glob.glob(str(item), recursive=True)):
                p = Path(match)
                if p.is_file():
                    found.append((p, p.parent))
        else:
            found.append((item_path, item_path.parent))  # reported as missing later
    return found
