"""Render the main window (split view on real photos) to docs/screenshot-main-{dark,light}.png.

    .venv/bin/python scripts/screenshots.py [--model NAME|PATH] [--show NAME] [--out-dir docs]
        [--size 1400x860] [--name main] [--themes dark light]

The window sizes of docs/screenshot-photos-*.png (a small laptop and a large screen), in a real
window under Xvfb:

    QT_QPA_PLATFORM=xcb xvfb-run -s "-screen 0 1920x1200x24" .venv/bin/python \
        scripts/screenshots.py --size 1024x700 --name photos-1024x700 --themes light

Hint mode with the colour chooser open (docs/screenshot-hints-dark.png), the same way with
``--show riders --hints docs/screenshot-hints.json --size 1600x1000 --name hints``.

Offscreen, with settings and the user's models folder in a temporary folder, so nothing of the
person running it shows up. Photos: a few from ../shared/datasets/val when it is there, and
skimage.data's, all turned gray first (the cameraman is gray to begin with). The model is the
bundled default unless given; with no model at all, a small untrained one is built (its colours
are then meaningless, and the script says so).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

from chroma_desk.color.bins import PAPER_TEMPERATURE

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED_VAL = REPO.parent / "shared" / "datasets" / "val"
SKIMAGE_PHOTOS = ("camera", "astronaut", "chelsea", "coffee")
# a few ../shared/datasets/val photos (BSDS500), named for what they show
VAL_PHOTOS = {
    "228076.jpg": "lighthouse",
    "223060.jpg": "glass-pyramid",
    "220003.jpg": "riders",
    "28083.jpg": "mountain-valley",
    "207038.jpg": "country-house",
    "253016.jpg": "elephants",
}


def gray_photos(folder: Path, val_names: dict[str, str]) -> list[Path]:
    import cv2
    from skimage import data

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, label in val_names.items():
        src = SHARED_VAL / name
        if src.is_file():
            gray = cv2.imread(str(src), cv2.IMREAD_GRAYSCALE)
            path = folder / f"{label}.jpg"
            cv2.imwrite(str(path), gray, [cv2.IMWRITE_JPEG_QUALITY, 95])
            paths.append(path)
    for name in SKIMAGE_PHOTOS:
        rgb = getattr(data, name)()
        gray = rgb if rgb.ndim == 2 else cv2.cvtColor(rgb[..., :3], cv2.COLOR_RGB2GRAY)
        path = folder / f"{name}.png"
        cv2.imwrite(str(path), gray)
        paths.append(path)
    return paths


def fallback_model(folder: Path) -> Path:
    from chroma_desk.color.bins import gamut_bins
    from chroma_desk.models.checkpoint import make_card, save_model
    from chroma_desk.models.registry import build

    bins = gamut_bins()
    args = {"kind": "classification", "bins": len(bins)}
    card = make_card("untrained-demo", "lite-unet", args, "classification", 256, 32, bins=bins)
    return save_model(folder / "untrained-demo.safetensors", build("lite-unet", **args), card)


async def show_hints(tab, path: Path) -> None:
    """Hint mode with the points of ``path``, their colours shown, the chooser on the last."""
    from chroma_desk.engine.hints import load_hints
    from chroma_desk.ui.hint_chooser import remember_colour

    editor = tab.hint_mode.editor
    while not editor.ready:
        await asyncio.sleep(0.05)
    tab.hint_mode.act_toggle.trigger()
    for hint in load_hints(path):
        editor.add(hint.x, hint.y, hint.rgb)
        editor.resize(len(editor.hints) - 1, hint.size)
        remember_colour(hint.rgb)  # as if chosen: the chooser lists them as recently used
    runs = editor.runs
    while editor.runs == runs:
        await asyncio.sleep(0.05)
    editor.open_chooser(len(editor.hints) - 1)
    await asyncio.sleep(1.5)  # the suggestions and the full render


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model name or file (default: the bundled default)")
    parser.add_argument("--show", default="lighthouse", help="the photo to show (file stem)")
    parser.add_argument("--out-dir", default=str(REPO / "docs"))
    parser.add_argument("--size", default="1400x860")
    parser.add_argument("--split", type=float, default=0.5, help="divider position, 0..1")
    parser.add_argument("--themes", nargs="*", default=["dark", "light"])
    parser.add_argument("--name", default="main", help="docs/screenshot-NAME-THEME.png")
    parser.add_argument(
        "--hints",
        metavar="FILE.json",
        help="hint mode on the shown photo with these points (the hint file format), the "
        "colour chooser open on the last one",
    )
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))

    tmp = Path(tempfile.mkdtemp(prefix="chroma-shots-"))
    os.environ["CHROMA_DESK_MODELS"] = str(tmp / "models")
    os.environ["CHROMA_DESK_SETTINGS_DIR"] = str(tmp / "settings")

    import qasync
    from PySide6.QtCore import QCoreApplication

    from chroma_desk.models import library
    from chroma_desk.models.checkpoint import ModelFileError, read_card
    from chroma_desk.ui import main_window
    from chroma_desk.ui.app import create_application
    from chroma_desk.ui.state import AppState
    from chroma_desk.ui.theme import apply_theme

    try:
        model = library.resolve_model(args.model)
    except ModelFileError as exc:
        if args.model:
            raise
        print(f"{exc}: using an untrained demo model (colours will be meaningless)")
        model = fallback_model(tmp / "models")
    card = read_card(model)
    print(f"model: {model} ({card.get('kind')})")
    photos = gray_photos(tmp / "photos", VAL_PHOTOS)

    app = create_application([sys.argv[0]])
    QCoreApplication.setApplicationName("Chroma Desk")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    state = AppState(model, float(card.get("default_temperature", PAPER_TEMPERATURE)))
    window = main_window.MainWindow(state)
    window.resize(width, height)
    window.show()
    window.open_paths([str(p) for p in photos])
    tab = window.photos
    show = next((i for i in tab.items if i.path.stem == args.show), None)

    async def shoot() -> None:
        while not all(i.status in ("done", "error") for i in tab.items):
            await asyncio.sleep(0.1)
        if show is not None:
            tab.select(show)
        while tab.opened is None or tab.view.after is None or tab.rendered_temperature is None:
            await asyncio.sleep(0.05)
        tab.view.set_split(args.split)
        tab.list.setFocus()
        if args.hints:
            await show_hints(tab, Path(args.hints))
        await asyncio.sleep(0.3)
        out_dir = Path(args.out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        for theme in args.themes:
            apply_theme(app, theme)
            await asyncio.sleep(0.3)
            window.statusBar().clearMessage()
            path = out_dir / f"screenshot-{args.name}-{theme}.png"
            window.grab().save(str(path))
            print(f"wrote {path}")
        window.close()

    with loop:
        loop.run_until_complete(shoot())
    return 0


if __name__ == "__main__":
    sys.exit(main())
