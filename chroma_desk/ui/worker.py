"""One way to run background work in the window: a plain generator on its own QThread.

The work is a generator function with no Qt in it (napari's ``thread_worker`` is the model):
each value it yields reaches the GUI thread as ``yielded``, its return value as ``returned``,
an exception as ``errored``; ``finished`` comes last whatever happened, after the thread has
ended, so a slot may start the next job at once. ``stop()`` (from the GUI thread) calls the
``on_stop`` given (a job's thread-safe cancel) and closes the generator at its next yield.

    worker = GeneratorWorker(job_updates, job, on_stop=job.cancel)
    worker.yielded.connect(self._on_progress)
    worker.returned.connect(self._on_done)
    worker.errored.connect(self._on_error)
    worker.start()
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot


class GeneratorWorker(QObject):
    """Runs ``function(*args, **kwargs)`` (a generator function) in a QThread of its own."""

    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)  # the exception
    finished = Signal()

    def __init__(
        self,
        function: Callable[..., Generator[Any, Any, Any]],
        *args: Any,
        on_stop: Callable[[], None] | None = None,
        name: str = "chroma-worker",
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self._call = lambda: function(*args, **kwargs)
        self._on_stop = on_stop
        self._stop_requested = False
        self._thread = QThread()
        self._thread.setObjectName(name)
        self.moveToThread(self._thread)
        self._thread.started.connect(self._run)
        self._thread.finished.connect(self.finished)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    def stop(self) -> None:
        """Thread-safe: ask the work to end (``on_stop``), and end the loop at the next yield."""
        self._stop_requested = True
        if self._on_stop is not None:
            self._on_stop()

    def wait(self, msecs: int = -1) -> bool:
        """Block until the thread has ended (the window closing); True when it has."""
        return self._thread.wait() if msecs < 0 else self._thread.wait(msecs)

    @Slot()
    def _run(self) -> None:
        try:
            generator = self._call()
            while True:
                if self._stop_requested:
                    generator.close()
                    break
                try:
                    value = next(generator)
                except StopIteration as end:
                    self.returned.emit(end.value)
                    break
                self.yielded.emit(value)
        except Exception as exc:  # noqa: BLE001 - handed to the window, never a crash
            self.errored.emit(exc)
        finally:
            self._thread.quit()
