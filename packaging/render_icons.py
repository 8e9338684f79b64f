"""Render the application icon's PNG sizes from its SVG sources, with Qt's own SVG renderer.

    .venv/bin/python packaging/render_icons.py          # writes resources/icons/hicolor/
    .venv/bin/python packaging/render_icons.py --check  # exit 1 if the committed PNGs are stale

Sources (resources/icons/): ``chroma-desk.svg`` for 48 px and up, ``chroma-desk-32.svg`` (no
handle, divider and frame on whole pixels) for 24 and 32 px, ``chroma-desk-16.svg`` for 16 px.
The output is a freedesktop ``hicolor`` tree named by the application id, so an installer can
copy it as it is into ``~/.local/share/icons/hicolor``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

APP_ID = "org.chromadesk.ChromaDesk"
ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def source_for(size: int) -> Path:
    if size <= 16:
        return ICONS / "chroma-desk-16.svg"
    if size <= 32:
        return ICONS / "chroma-desk-32.svg"
    return ICONS / "chroma-desk.svg"


def target_for(size: int, root: Path = ICONS) -> Path:
    return root / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def scalable_target(root: Path = ICONS) -> Path:
    return root / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"


def render(svg: Path, size: int):
    """The SVG drawn into a transparent size x size QImage (needs a QGuiApplication)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def max_difference(a, b) -> int:
    """The largest difference of any channel of any pixel of two same-sized QImages."""
    import numpy as np

    def pixels(image):
        image = image.convertToFormat(image.Format.Format_RGBA8888)
        data = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
        return data.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4]

    if a.size() != b.size():
        return 255
    return int(np.abs(pixels(a).astype(int) - pixels(b).astype(int)).max())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication, QImage

    _app = QGuiApplication.instance() or QGuiApplication([])
    stale = []
    for size in SIZES:
        image = render(source_for(size), size)
        target = target_for(size)
        if args.check:
            if not target.is_file() or max_difference(image, QImage(str(target))) > 2:
                stale.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target), "PNG"):
            raise SystemExit(f"could not write {target}")
        print(f"{target.relative_to(ROOT)}  ({target.stat().st_size} bytes)")
    svg = source_for(SIZES[-1]).read_bytes()
    scalable = scalable_target()
    if args.check:
        if not scalable.is_file() or scalable.read_bytes() != svg:
            stale.append(scalable)
    else:
        scalable.parent.mkdir(parents=True, exist_ok=True)
        scalable.write_bytes(svg)
        print(scalable.relative_to(ROOT))
    for path in stale:
        print(f"stale: {path.relative_to(ROOT)} (run packaging/render_icons.py)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
