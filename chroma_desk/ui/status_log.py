"""Warnings of a core logger shown in the window's status bar (ONNX exports, fallbacks to torch).

The core reports through ``logging``; its messages may come from any worker thread, so they
cross to the GUI thread as a queued Qt signal."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

BACKEND_LOGGER = "chroma_desk.engine.backends"
SHOWN_MS = 15000


class StatusLog(QObject):
    """``message(text, ms)`` for every WARNING of ``logger_name`` while attached."""

    message = Signal(str, int)

    def __init__(self, logger_name: str = BACKEND_LOGGER, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._logger = logging.getLogger(logger_name)
        self._handler = _Handler(self)
        self._handler.setLevel(logging.WARNING)
        self._logger.addHandler(self._handler)

    def detach(self) -> None:
        self._logger.removeHandler(self._handler)


class _Handler(logging.Handler):
    def __init__(self, owner: StatusLog) -> None:
        super().__init__()
        self.owner = owner

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.owner.message.emit(record.getMessage(), SHOWN_MS)
        except RuntimeError:  # the window is gone
            pass
