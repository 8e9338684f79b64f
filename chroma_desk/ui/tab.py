"""What the main window expects of every tab after Photos (one protocol).

A tab is built as ``Class(state: AppState)``. It answers ``confirm_close()`` before the window
closes (False keeps the window open; a tab asks the user itself when work would be lost) and
``shutdown()`` once when it closes, stopping its work and joining its threads. A tab that runs
background work in the window (``chroma_desk.ui.worker.GeneratorWorker``) also has the signals
``message(str, int)`` (a status bar line and its timeout in ms) and ``busyChanged(bool)``
(True while the work runs), which the window shows in its status bar.
"""

from __future__ import annotations

from typing import Protocol


class Tab(Protocol):
    def confirm_close(self) -> bool: ...

    def shutdown(self) -> None: ...
