"""One way to run background work in the window: a plain generator on its own QThread.

The work is a generator function with no Qt in it (napari's ``thread_worker`` is the model):
each value it yields reaches the GUI thread as ``yielded``, its return value as ``returned``,
an exception as ``errored``; ``finished`` comes last whatever happened, when the thread
ends, so a slot may start the next job at once. All four are emitted on the GUI thread. ``stop()`` (from the GUI thread) calls the
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


class _Runner(QObject):
    """Lives in the worker thread and steps the generator there."""

    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)

    def __init__(self, call: Callable[[], Generator[Any, Any, Any]]) -> None:
        super().__init__()
        self._call = call
        self.stop_requested = False

    @Slot()
    def run(self) -> None:
        try:
            generator = self._call()
            while True:
                if self.stop_requested:
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
            thread = self.thread()
            if thread is not None:
                thread.quit()


class GeneratorWorker(QObject):
    """Runs ``function(*args, **kwargs)`` (a generator function) in a QThread of its own.

    The worker itself stays in the thread that made it (the GUI thread): its signals are
    emitted there, so any slot or lambda connected to them runs on the GUI thread.
    """

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
        self._on_stop = on_stop
        self._runner = _Runner(lambda: function(*args, **kwargs))
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._runner.moveToThread(self._thread)
        self._thread.started.connect(self._runner.run)
        self._runner.yielded.connect(self._relay_yielded)
        self._runner.returned.connect(self._relay_returned)
        self._runner.errored.connect(self._relay_errored)
        self._thread.finished.connect(self._relay_finished)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    def stop(self) -> None:
        """Ask the work to end (``on_stop``), and end the loop at the next yield."""
        self._runner.stop_requested = True
        if self._on_stop is not None:
            self._on_stop()

    def wait(self, msecs: int = -1) -> bool:
        """Block until the thread has ended (the window closing); True when it has."""
        return self._thread.wait() if msecs < 0 else self._thread.wait(msecs)

    @Slot(object)
    def _relay_yielded(self, value: object) -> None:
        self.yielded.emit(value)

    @Slot(object)
    def _relay_returned(self, value: object) -> None:
        self.returned.emit(value)

    @Slot(object)
    def _relay_errored(self, exc: object) -> None:
        self.errored.emit(exc)

    @Slot()
    def _relay_finished(self) -> None:
        self.finished.emit()
