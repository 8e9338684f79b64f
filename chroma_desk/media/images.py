"""Photos in and out.

``read_image`` turns any common file (8/16-bit, L, LA, RGB, RGBA, P, CMYK, I;16, animated) into
float32 RGB in [0, 1] with the alpha to restore, honouring EXIF orientation. ``write_image``
never overwrites its input and writes through a temporary file renamed when complete.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from chroma_desk.color.lab import gray_lightness, lightness
from chroma_desk.media.folders import walk_files
from chroma_desk.paths import NEW_FILE_MODE

MAX_PIXELS = 200_000_000  # refuse larger images before decoding them
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # PIL's own guard at the same limit (it warns above it)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"}
FORMATS = {"png": ".png", "jpg": ".jpg", "jpeg": ".jpg", "tiff": ".tiff", "tif": ".tiff"}


class ImageReadError(Exception):
    """A photo that cannot be read; the message names the file and says why."""


class ImageWriteError(Exception):
    """A result that cannot be written; the message names the file and says why."""


class Photo:
    """A decoded photo: float32 RGB in [0, 1] plus the alpha to restore.

    A one-channel source (L, LA, I;16, or RGB whose three channels are equal) is kept as
    ``gray``, its own samples (uint8, uint16 or float32), and an 8-bit colour source as
    ``rgb8``; ``rgb`` is then made from them on first use, and ``lightness()`` reads L straight
    from the samples through exact tables, which is what makes a large scan fast: no float RGB
    copy, no full Lab conversion. ``rgb`` may be given as uint8 samples too.
    """

    def __init__(
        self,
        rgb: np.ndarray | None = None,
        alpha: np.ndarray | None = None,
        path: Path | None = None,
        notes: list[str] | None = None,
        exif: bytes | None = None,
        icc_profile: bytes | None = None,
        bit_depth: int = 8,
        gray: np.ndarray | None = None,
    ) -> None:
        if rgb is None and gray is None:
            raise ValueError("a Photo needs rgb or gray pixels")
        self.rgb8: np.ndarray | None = None  # (H, W, 3) uint8 samples of an 8-bit colour photo
        if rgb is not None and rgb.dtype == np.uint8:
            self.rgb8, rgb = rgb, None
        self._rgb = rgb  # (H, W, 3) float32 in [0, 1], made on first use from the samples
        self.gray = gray  # (H, W) source samples of a one-channel photo, else None
        self.alpha = alpha  # (H, W) float32 in [0, 1]
        self.path = path
        self.notes = notes if notes is not None else []
        self.exif = exif
        self.icc_profile = icc_profile
        self.bit_depth = bit_depth
        self._lightness: np.ndarray | None = None

    @property
    def rgb(self) -> np.ndarray:
        if self._rgb is None:
            if self.rgb8 is not None:
                self._rgb = cv2.LUT(self.rgb8, _U8_TO_FLOAT)
            else:
                self._rgb = cv2.cvtColor(gray_to_float(self.gray), cv2.COLOR_GRAY2RGB)
        return self._rgb

    @rgb.setter
    def rgb(self, value: np.ndarray) -> None:
        self._rgb = value
        self.gray = self.rgb8 = None
        self._lightness = None

    @property
    def size(self) -> tuple[int, int]:
        shape = next(a.shape for a in (self.gray, self.rgb8, self._rgb) if a is not None)
        return shape[1], shape[0]

    @property
    def is_gray(self) -> bool:
        return self.gray is not None

    def lightness(self) -> np.ndarray:
        """CIE L (H, W) float32, 0..100, contiguous (computed once, then kept)."""
        if self._lightness is None:
            if self.gray is not None:
                self._lightness = gray_lightness(self.gray)
            else:
                self._lightness = lightness(self.rgb8 if self.rgb8 is not None else self._rgb)
        return self._lightness

    def __repr__(self) -> str:
        width, height = self.size
        kind = "gray" if self.is_gray else "rgb"
        alpha = "alpha" if self.alpha is not None else "no alpha"
        return f"Photo({self.path}, {width}x{height} {kind} {self.bit_depth}-bit, {alpha})"


def gray_to_float(gray: np.ndarray) -> np.ndarray:
    """One-channel samples (uint8, uint16 or float) -> float32 in [0, 1]."""
    if gray.dtype == np.uint8:
        return cv2.LUT(gray, _U8_TO_FLOAT)
    if gray.dtype == np.uint16:
        return gray.astype(np.float32) * np.float32(1.0 / 65535.0)
    return np.clip(gray.astype(np.float32, copy=False), 0.0, 1.0)


_U8_TO_FLOAT = (np.arange(256, dtype=np.float32) / 255.0).reshape(1, 256)


def _channels_equal(arr: np.ndarray) -> bool:
    """True when an 8-bit RGB array is gray (R == G == B); a sparse sample rejects colour fast."""
    for part in (arr[::31, ::29], arr):
        r, g, b = part[..., 0], part[..., 1], part[..., 2]
        if not (np.array_equal(r, g) and np.array_equal(g, b)):
            return False
    return True


Decoded = tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None, int]


def _decode(img: Image.Image) -> Decoded:
    """Any PIL mode -> (gray samples or None, rgb or None, alpha or None, bit depth).

    One-channel sources come back as ``gray`` and 8-bit colour as uint8 ``rgb`` (their own
    samples, no float copy); other colour as float32 ``rgb``."""
    mode = img.mode
    if mode.startswith("I;16"):
        return np.asarray(img.convert("I;16") if mode != "I;16" else img).copy(), None, None, 16
    if mode == "I":
        arr = np.asarray(img).astype(np.float32)
        peak = 65535.0 if arr.max() > 255 else 255.0
        return np.clip(arr / peak, 0, 1), None, None, 16
    if mode == "F":
        return np.clip(np.asarray(img, dtype=np.float32), 0, 1), None, None, 32
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
        alpha = cv2.LUT(np.asarray(img.getchannel("A")), _U8_TO_FLOAT)
        img = img.convert("L" if img.mode == "LA" else "RGB")
    arr = np.asarray(img)
    if arr.ndim == 2:
        return np.ascontiguousarray(arr), None, alpha, 8
    if arr.dtype == np.uint8 and _channels_equal(arr):
        return cv2.extractChannel(arr, 0), None, alpha, 8
    return None, np.ascontiguousarray(arr), alpha, 8  # uint8: Photo makes floats on demand


def _is_16bit_colour(img: Image.Image, path: Path) -> bool:
    """Whether a PNG/TIFF that PIL opened as 8-bit RGB holds 16 bits per sample (its header)."""
    if img.format == "PNG":
        with path.open("rb") as f:
            header = f.read(26)
        return len(header) >= 26 and header[24] == 16
    if img.format == "TIFF":
        bits = getattr(img, "tag_v2", {}).get(258, (8,))
        bits = bits if isinstance(bits, tuple) else (bits,)
        return any(b == 16 for b in bits)
    return False


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
        source_img = img
        img = ImageOps.exif_transpose(img)
        img.load()
    except ImageReadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageReadError(
            f"{path}: too large: over the {MAX_PIXELS / 1e6:.0f} MP limit; refused before "
            f"decoding ({exc})"
        ) from exc
    except UnidentifiedImageError as exc:
        raise ImageReadError(f"{path}: not an image this program can read ({exc})") from exc
    except PermissionError as exc:
        raise ImageReadError(f"{path}: permission denied (this user may not read it)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageReadError(f"{path}: damaged or truncated image ({exc})") from exc
    try:
        gray, rgb, alpha, depth = _decode(img)
    except (OSError, ValueError) as exc:
        raise ImageReadError(f"{path}: damaged or truncated image ({exc})") from exc
    if depth == 8 and img.mode in ("RGB", "RGBA") and _is_16bit_colour(source_img, path):
        deep = _read_16bit_with_cv2(path)
        if deep is not None and deep.shape[:2] == (gray if gray is not None else rgb).shape[:2]:
            gray, rgb, depth = None, deep, 16
    if source_img.mode == "CMYK":
        icc = None  # the profile describes CMYK, not the RGB we write
    return Photo(rgb, alpha, path, notes, exif, icc, depth, gray=gray)


def output_suffix(fmt: str) -> str:
    try:
        return FORMATS[fmt.lower()]
    except KeyError as exc:
        raise ValueError(f"unknown output format {fmt!r}; choose png, jpg or tiff") from exc


def _png_params() -> list[int]:
    """Fast PNG: zlib level 1 with the Up filter and run-length matching, about twice as fast as
    the default at about the same size on photos (filter options need OpenCV 4.10+)."""
    params = [cv2.IMWRITE_PNG_COMPRESSION, 1]
    if hasattr(cv2, "IMWRITE_PNG_FILTER"):
        params += [cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP]
    params += [cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]
    return params


def _to_samples(channel_or_rgb: np.ndarray, dtype: type) -> np.ndarray:
    """Float in [0, 1] -> rounded uint8 or uint16 samples (saturating)."""
    if dtype is np.uint8:
        return cv2.convertScaleAbs(channel_or_rgb, alpha=255.0)
    return (np.clip(channel_or_rgb, 0.0, 1.0) * 65535.0 + 0.5).astype(np.uint16)


def _encode(
    rgb: np.ndarray, alpha: np.ndarray | None, suffix: str, quality: int, bits: int
) -> bytes:
    """Encode with OpenCV (fast PNG/JPEG/TIFF); BGR channel order on the way in."""
    keep_alpha = alpha is not None and suffix != ".jpg"
    dtype = np.uint16 if bits == 16 and suffix in (".png", ".tiff") else np.uint8
    if rgb.ndim == 2 or rgb.shape[2] == 1:
        pixels = _to_samples(rgb.reshape(rgb.shape[:2]), dtype)
        if keep_alpha:
            pixels = cv2.merge([pixels, pixels, pixels, _to_samples(alpha, dtype)])
    else:
        pixels = cv2.cvtColor(_to_samples(rgb, dtype), cv2.COLOR_RGB2BGR)
        if keep_alpha:
            pixels = cv2.merge([*cv2.split(pixels), _to_samples(alpha, dtype)])
    params: list[int] = []
    if suffix == ".jpg":
        params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    elif suffix == ".png":
        params = _png_params()
    ok, buf = cv2.imencode(suffix, pixels, params)
    if not ok:
        raise ImageWriteError(f"could not encode {suffix}")
    return buf.tobytes()


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def _with_metadata(data: bytes, suffix: str, exif: bytes | None, icc: bytes | None) -> bytes:
    """Put EXIF (orientation reset to 1) and ICC into a JPEG as APP1/APP2 segments, without
    decoding or re-encoding the pixels; other formats as they are."""
    if suffix != ".jpg" or not (exif or icc) or data[:2] != b"\xff\xd8":
        return data
    segments = []
    if exif:
        try:
            exif_obj = Image.Exif()
            exif_obj.load(exif)
            exif_obj[0x0112] = 1  # pixels are already upright
            payload = exif_obj.tobytes()
            if not payload.startswith(b"Exif\x00\x00"):
                payload = b"Exif\x00\x00" + payload
            if len(payload) <= 65533:
                segments.append(_jpeg_segment(0xE1, payload))
        except Exception:  # noqa: BLE001 - damaged EXIF is dropped, never fatal
            pass
    if icc:
        chunk = 65519
        parts = [icc[i : i + chunk] for i in range(0, len(icc), chunk)]
        if len(parts) <= 255:
            for i, part in enumerate(parts, 1):
                payload = b"ICC_PROFILE\x00" + bytes([i, len(parts)]) + part
                segments.append(_jpeg_segment(0xE2, payload))
    # after SOI and the JFIF APP0 segment OpenCV writes, if present
    pos = 2
    if data[2:4] == b"\xff\xe0":
        pos = 4 + int.from_bytes(data[4:6], "big")
    return data[:pos] + b"".join(segments) + data[pos:]


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
        os.chmod(tmp, NEW_FILE_MODE)  # mkstemp makes 0600; a photo gets the usual permissions
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
            found += [(p, item_path) for p in walk_files(item_path, IMAGE_SUFFIXES)]
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
