"""What the screenshot scripts share: an app with throw-away settings, and waiting on its loop.

from shotkit import start_app, until
app, loop, tmp = start_app("dark")  # offscreen when there is no display
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from chroma_desk.color.bins import PAPER_TEMPERATURE

VAL = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "val"
# val photos that make a nature-film clip (a pond, an elephant by the water, zebras on grass)
CLIP_PHOTOS = ["145079.jpg", "107045.jpg", "16068.jpg"]


def start_app(theme: str):
    """(QApplication, qasync loop set as the asyncio loop, a temporary folder for the shot)."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="chroma-shot-"))
    os.environ["CHROMA_DESK_SETTINGS_DIR"] = str(tmp / "settings")

    import qasync

    from chroma_desk.ui import settings
    from chroma_desk.ui.app import create_application
    from chroma_desk.ui.theme import apply_theme

    app = create_application(["chroma-desk"])
    settings.set_value("view/theme", theme)
    apply_theme(app, theme)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    return app, loop, tmp


async def until(condition: Callable[[], bool], seconds: float) -> bool:
    """Wait (letting the window run) until ``condition()`` or ``seconds`` pass; its last value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        await asyncio.sleep(0.05)
    return condition()


def app_state(model: str | None):
    """(model file, AppState on it at the model's default temperature); bundled default if None."""
    from chroma_desk.models.checkpoint import read_card
    from chroma_desk.models.library import resolve_model
    from chroma_desk.ui.state import AppState

    path = resolve_model(model)
    return path, AppState(
        path, float(read_card(path).get("default_temperature", PAPER_TEMPERATURE))
    )


def clip_photos():
    """Three RGB photos for a demo clip: CLIP_PHOTOS from ../shared/datasets/val, else skimage's."""
    import cv2

    from chroma_desk.media import clips

    if VAL.is_dir():
        photos = []
        for name in CLIP_PHOTOS:
            bgr = cv2.imread(str(VAL / name))
            if bgr is not None:
                photos.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        if len(photos) >= 2:
            return photos[:3]
        found = clips.load_photos(VAL, 3)
        if found:
            return found
    return clips.skimage_photos()[:3]
