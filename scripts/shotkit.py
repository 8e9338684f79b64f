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
