"""What a file handed to `models import` is, from its first bytes, before anything loads it.

A photo, a text file or a truncated download then gets a message that says so, rather than
torch's unpickler failing on it and the failure reading like a refused code-running pickle; and
a PyTorch zip archive is checked against its own index before ``torch.load`` sees it, so a small
file that unpacks to gigabytes (a zip bomb) is refused without the memory being taken.
"""

from __future__ import annotations

import codecs
import json
import struct
import zipfile
from pathlib import Path

from chroma_desk.models.card import ModelFileError

# PyTorch stores its tensors uncompressed: a real checkpoint unpacks to its own size. Allow a
# generous margin for compressed entries, never the thousandfold a zip bomb declares.
MAX_EXPANSION = 4
EXPANSION_FLOOR = 64 * 1024 * 1024
MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024  # the format's own limit

_PICTURES = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
    b"BM": "BMP",
}


def kind(path: Path) -> str:
    """``safetensors``, ``zip`` (PyTorch's format since 1.6), ``pickle`` (older .pth files),
    or a ModelFileError that says what the file is instead."""
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if not head:
        raise ModelFileError(f"{path}: the file is empty")
    if head[:4] == b"PK\x03\x04":
        return "zip"
    if head[:1] == b"\x80" and 2 <= head[1] <= 5:
        return "pickle"
    if len(head) >= 9 and head[8:9] == b"{":
        return "safetensors"
    for magic, name in _PICTURES.items():
        if head.startswith(magic):
            raise ModelFileError(f"{path}: a {name} picture, not a model file")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        raise ModelFileError(f"{path}: a WebP picture, not a model file")
    if _is_text(head):
        raise ModelFileError(f"{path}: a text file, not a model file")
    raise ModelFileError(
        f"{path}: not a model file (neither a PyTorch checkpoint nor a .safetensors file)"
    )


def check_safetensors(path: Path) -> None:
    """A whole .safetensors file: its header parses and its tensors fit inside the file."""
    size = path.stat().st_size
    with path.open("rb") as f:
        (length,) = struct.unpack("<Q", f.read(8).ljust(8, b"\0"))
        if length > MAX_SAFETENSORS_HEADER or 8 + length > size:
            raise ModelFileError(
                f"{path}: a .safetensors file cut short or damaged (its header needs "
                f"{length:,} bytes, the file holds {size:,})"
            )
        try:
            header = json.loads(f.read(length))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ModelFileError(f"{path}: a .safetensors file with a damaged header") from exc
    ends = [
        entry["data_offsets"][1]
        for name, entry in header.items()
        if name != "__metadata__" and isinstance(entry, dict) and "data_offsets" in entry
    ]
    needed = 8 + length + max(ends, default=0)
    if needed > size:
        raise ModelFileError(
            f"{path}: a .safetensors file cut short (its tensors need {needed:,} bytes, "
            f"the file holds {size:,})"
        )


def check_torch_zip(path: Path) -> None:
    """A PyTorch zip archive whose index is readable, that holds a pickle, and that does not
    unpack to far more than its own size."""
    size = path.stat().st_size
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ModelFileError(
            f"{path}: a damaged or truncated PyTorch checkpoint (its zip index cannot be read)"
        ) from exc
    if not any(e.filename.endswith("data.pkl") for e in entries):
        raise ModelFileError(f"{path}: a zip archive, not a PyTorch checkpoint")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > max(EXPANSION_FLOOR, MAX_EXPANSION * size):
        raise ModelFileError(
            f"{path}: refused: this {size:,}-byte checkpoint would unpack to {unpacked:,} "
            "bytes (a real one holds its tensors uncompressed)"
        )


def _is_text(head: bytes) -> bool:
    try:  # incremental: a character cut at the end of the 4 kB read is not an error
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c in "\r\n\t" for c in text)
