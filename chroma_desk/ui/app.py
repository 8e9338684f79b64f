"""Start the window: ``chroma-desk`` or ``chroma-desk PHOTO...`` (called by chroma_desk.cli).

Qt and asyncio share one loop (qasync), so background jobs are awaited without freezing it.
"""

from __future__ import annotations

import asyncio
import sys

import qasync
from PySide6.QtWidgets import QApplication

from chroma_desk.ui import settings
from chroma_desk.ui.icons import APP_ICON_NAME, app_icon
from chroma_desk.ui.theme import THEMES, apply_theme


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with our names (for QSettings), icon and theme."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv[:1])
    settings.init_settings()
    app.setWindowIcon(app_icon())
    app.setDesktopFileName(APP_ICON_NAME)  # matches packaging/*.desktop
    theme = settings.get_str("view/theme", "system")
    apply_theme(app, theme if theme in THEMES else "system")
    return app


def main(paths: list[str]) -> int:
    """Open the main window (with ``paths`` loaded) and run until it is closed."""
    app = create_application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    from chroma_desk.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    if paths:
        window.open_paths(list(paths))
    with loop:
        loop.run_forever()
    return 0
