"""Reading and writing photos: odd but valid inputs, and broken ones (one clear line each,
naming the file)."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import color, data

from chroma_desk.color.lab import rgb_to_lab
from chroma_desk.media.images import (
    ImageReadError,
    ImageWriteError,
    read_image,
    write_image,
)


@pytest.fixture(scope="module")
def astro8() -> np.ndarray:
    """A real photo, uint8 RGB, 256x256."""
    return np.ascontiguousarray(data.astronaut()[::2, ::2])


def gray_of(rgb8: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb8, cv2.COLOR_RGB2GRAY)


def one_line_naming(exc: BaseException, path: Path) -> str:
    message = str(exc)
    assert str(path) in message, message
    assert "\n" not in message.strip(), message
    return message


def l_of_gray(values: np.ndarray, peak: float) -> np.ndarray:
    rgb = np.repeat((values.astype(np.float64) / peak)[..., None], 3, axis=2)
    return color.rgb2lab(rgb)[..., 0]


# -- odd but valid inputs -----------------------------------------------------------------


def test_16bit_grayscale_png(tmp_path: Path, astro8: np.ndarray) -> None:
    gray16 = gray_of(astro8).astype(np.uint16) * 257 + np.arange(256, dtype=np.uint16)[None, :] % 7
    path = tmp_path / "deep.png"
    assert cv2.imwrite(str(path), gray16)
    photo = read_image(path)
    assert photo.bit_depth == 16 and photo.is_gray and photo.size == (256, 256)
    assert photo.gray.dtype == np.uint16 and np.array_equal(photo.gray, gray16)
    assert np.abs(photo.lightness() - l_of_gray(gray16, 65535.0)).max() < 1e-3
    assert np.allclose(photo.rgb[..., 1], gray16 / 65535.0, atol=1e-6)
    # written back as 16-bit colour
    out = write_image(tmp_path / "deep_color.png", photo.rgb, bits=photo.bit_depth)
    back = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert back.dtype == np.uint16 and back.shape == (256, 256, 3)
    assert np.abs(back[..., 0].astype(int) - gray16).max() <= 1


def test_16bit_grayscale_tiff(tmp_path: Path, astro8: np.ndarray) -> None:
    gray16 = gray_of(astro8).astype(np.uint16) * 257
    path = tmp_path / "scan.tiff"
    Image.fromarray(gray16).save(path)  # mode I;16
    photo = read_image(path)
    assert photo.bit_depth == 16 and photo.is_gray
    assert np.array_equal(photo.gray, gray16)
    out = write_image(tmp_path / "scan_color.tiff", photo.rgb, bits=16)
    assert cv2.imread(str(out), cv2.IMREAD_UNCHANGED).dtype == np.uint16


def test_16bit_colour_png_keeps_its_depth(tmp_path: Path, astro8: np.ndarray) -> None:
    rgb16 = astro8.astype(np.uint16) * 257 + 3
    path = tmp_path / "colour16.png"
    cv2.imwrite(str(path), cv2.cvtColor(rgb16, cv2.COLOR_RGB2BGR))
    photo = read_image(path)
    assert photo.bit_depth == 16 and not photo.is_gray
    assert np.allclose(photo.rgb, rgb16 / 65535.0, atol=1e-6)


def test_cmyk_jpeg(tmp_path: Path, astro8: np.ndarray) -> None:
    path = tmp_path / "print.jpg"
    Image.fromarray(astro8).convert("CMYK").save(path, quality=95)
    assert Image.open(path).mode == "CMYK"
    photo = read_image(path)
    assert photo.size == (256, 256) and photo.icc_profile is None
    assert np.abs(photo.rgb * 255 - astro8).mean() < 6  # JPEG loss only


def test_palette_png_with_transparency_keeps_alpha(tmp_path: Path, astro8: np.ndarray) -> None:
    pixels = np.maximum(gray_of(astro8), 1)  # index i is gray level i; 0 is reserved
    pixels[:40, :40] = 0  # a transparent corner
    img = Image.fromarray(pixels).convert("L").convert("P")
    img = Image.frombytes("P", img.size, pixels.tobytes())
    img.putpalette([v for i in range(256) for v in (i, i, i)])
    path = tmp_path / "logo.png"
    img.save(path, transparency=0)
    photo = read_image(path)
    assert photo.alpha is not None and photo.alpha.shape == (256, 256)
    assert photo.alpha[:40, :40].max() == 0.0 and photo.alpha[100:, 100:].min() == 1.0
    out = write_image(tmp_path / "logo_color.png", photo.rgb, alpha=photo.alpha)
    back = read_image(out)
    assert back.alpha is not None and np.array_equal(back.alpha, photo.alpha)


def test_gray_with_alpha(tmp_path: Path, astro8: np.ndarray) -> None:
    la = np.dstack([gray_of(astro8), np.full((256, 256), 128, np.uint8)])
    path = tmp_path / "la.png"
    Image.fromarray(la, mode="LA").save(path)
    photo = read_image(path)
    assert photo.is_gray and photo.alpha is not None
    assert np.allclose(photo.alpha, 128 / 255)


def test_animated_gif_uses_the_first_frame_and_says_so(tmp_path: Path, astro8: np.ndarray) -> None:
    frames = [Image.fromarray(np.roll(gray_of(astro8), 40 * i, axis=1)) for i in range(3)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    photo = read_image(path)
    assert any("first frame" in note and "3 frames" in note for note in photo.notes)
    first = np.asarray(Image.open(path).convert("L"), dtype=np.float32) / 255
    assert np.abs(photo.rgb[..., 0] - first).max() < 1e-6


def _with_orientation(rgb8: np.ndarray, orientation: int, path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Test Camera"
    Image.fromarray(rgb8).save(path, exif=exif.tobytes(), quality=95)


def test_exif_rotated_jpeg_is_read_upright_and_written_upright(tmp_path: Path) -> None:
    stored = np.zeros((40, 60, 3), np.uint8)  # 60 wide, 40 high as stored
    stored[:10, :10] = 255  # a white block at the stored top-left
    path = tmp_path / "rotated.jpg"
    _with_orientation(stored, 6, path)  # 6: rotate 90 degrees clockwise to display
    photo = read_image(path)
    assert photo.size == (40, 60)  # upright: 40 wide, 60 high
    upright = np.rot90(stored, k=-1)
    assert photo.rgb[:10, -10:].mean() > 0.9  # the block is now at the top-right
    assert np.abs(photo.rgb[..., 0] * 255 - upright[..., 0]).mean() < 8
    out = write_image(tmp_path / "rotated_color.jpg", photo.rgb, exif=photo.exif)
    written = Image.open(out)
    assert written.size == (40, 60)
    assert written.getexif().get(0x0112) == 1  # pixels already upright
    assert written.getexif().get(0x010F) == "Test Camera"  # the rest of EXIF kept


def test_jpeg_keeps_icc_profile(tmp_path: Path, astro8: np.ndarray) -> None:
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = tmp_path / "tagged.jpg"
    Image.fromarray(astro8).save(path, icc_profile=icc)
    photo = read_image(path)
    assert photo.icc_profile == icc
    out = write_image(tmp_path / "tagged_color.jpg", photo.rgb, icc_profile=photo.icc_profile)
    assert Image.open(out).info.get("icc_profile") == icc
    assert np.abs(read_image(out).rgb - photo.rgb).mean() < 0.01


def test_colour_photo_as_input(tmp_path: Path, astro8: np.ndarray) -> None:
    path = tmp_path / "colour.png"
    Image.fromarray(astro8).save(path)
    photo = read_image(path)
    assert not photo.is_gray and photo.rgb8 is not None
    assert np.array_equal(photo.rgb, astro8.astype(np.float32) / 255)
    expected = rgb_to_lab(astro8.astype(np.float32) / 255)[..., 0]
    assert np.abs(photo.lightness() - expected).max() < 2e-3


def test_rgb_file_holding_a_gray_photo_is_read_as_gray(tmp_path: Path, astro8: np.ndarray) -> None:
    g = gray_of(astro8)
    path = tmp_path / "gray_as_rgb.png"
    Image.fromarray(np.dstack([g, g, g])).save(path)
    photo = read_image(path)
    assert photo.is_gray and np.array_equal(photo.gray, g)
    assert photo.rgb.shape == (256, 256, 3)


def test_unicode_and_spaces_in_paths(tmp_path: Path, astro8: np.ndarray) -> None:
    folder = tmp_path / "Фото бабушки" / "été 1952"
    folder.mkdir(parents=True)
    path = folder / "plage à Nice (1).jpg"
    Image.fromarray(gray_of(astro8)).save(path)
    photo = read_image(path)
    assert photo.size == (256, 256)
    out = write_image(folder / "plage à Nice (1)_color.png", photo.rgb)
    assert out.exists() and read_image(out).size == (256, 256)


def test_written_files_get_the_usual_permissions(tmp_path: Path, astro8: np.ndarray) -> None:
    out = write_image(tmp_path / "perm.png", astro8.astype(np.float32) / 255)
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


# -- broken inputs ------------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(ImageReadError) as err:
        read_image(path)
    assert "empty" in one_line_naming(err.value, path)


def test_truncated_jpeg(tmp_path: Path, astro8: np.ndarray) -> None:
    full = tmp_path / "full.jpg"
    Image.fromarray(astro8).save(full, quality=90)
    path = tmp_path / "cut.jpg"
    path.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(ImageReadError) as err:
        read_image(path)
    assert "truncated" in one_line_naming(err.value, path)


def test_text_file_named_png(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("shopping list: milk, eggs\n")
    with pytest.raises(ImageReadError) as err:
        read_image(path)
    assert "not an image" in one_line_naming(err.value, path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.jpg"
    with pytest.raises(ImageReadError) as err:
        read_image(path)
    assert "no such file" in one_line_naming(err.value, path)


def _png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG that claims ``width`` x ``height`` (8-bit gray) and holds one tiny IDAT."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)


@pytest.mark.parametrize("size", [(30000, 30000), (20000, 12000)])
def test_huge_header_is_refused_before_decoding(tmp_path: Path, size: tuple[int, int]) -> None:
    path = tmp_path / "bomb.png"
    _png_header_only(path, *size)
    assert path.stat().st_size < 200
    with pytest.raises(ImageReadError) as err:
        read_image(path)  # 900 MP of gray would need 10+ GB as float RGB: never allocated
    message = one_line_naming(err.value, path)
    assert "too large" in message and "refused before decoding" in message


def test_read_only_output_folder(tmp_path: Path, astro8: np.ndarray) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as root: a read-only folder is still writable here")
        target = folder / "out.png"
        with pytest.raises(ImageWriteError) as err:
            write_image(target, astro8.astype(np.float32) / 255)
        assert "cannot write" in one_line_naming(err.value, target)
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_output_below_a_file_is_a_clear_error(tmp_path: Path, astro8: np.ndarray) -> None:
    blocker = tmp_path / "results"
    blocker.write_text("a file where a folder should be")
    target = blocker / "out.png"
    with pytest.raises(ImageWriteError) as err:
        write_image(target, astro8.astype(np.float32) / 255)
    one_line_naming(err.value, target)


def test_never_overwrites_an_input(tmp_path: Path, astro8: np.ndarray) -> None:
    path = tmp_path / "original.png"
    Image.fromarray(astro8).save(path)
    before = path.read_bytes()
    with pytest.raises(ImageWriteError) as err:
        write_image(path, np.zeros((4, 4, 3), np.float32), protect=(path,))
    assert "overwrite" in one_line_naming(err.value, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["original.png"]  # no temporary left


def test_unknown_output_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown output format"):
        write_image(tmp_path / "x.xyz", np.zeros((4, 4, 3), np.float32))
