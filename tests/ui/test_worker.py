"""The window's one background runner: a plain generator on its own QThread."""

from __future__ import annotations

import threading

from chroma_desk.ui.worker import GeneratorWorker


def collect(qtbot, worker: GeneratorWorker) -> dict:
    seen: dict = {"yielded": [], "returned": [], "errored": [], "on_gui_thread": []}
    for name in ("yielded", "returned", "errored"):
        getattr(worker, name).connect(seen[name].append)
    # a plain lambda runs where the signal is emitted: the GUI thread, never the worker's
    worker.yielded.connect(
        lambda _v: seen["on_gui_thread"].append(
            threading.current_thread() is threading.main_thread()
        )
    )
    with qtbot.waitSignal(worker.finished, timeout=10000):
        worker.start()
    worker.wait()
    return seen


def test_values_return_and_errors_reach_the_gui_thread(no_threads_left, qtbot):
    def count(n):
        for i in range(n):
            yield i, threading.current_thread() is threading.main_thread()
        return "done"

    seen = collect(qtbot, GeneratorWorker(count, 3, name="chroma-test-worker"))
    assert seen["yielded"] == [(0, False), (1, False), (2, False)]  # made off the GUI thread
    assert seen["returned"] == ["done"] and seen["errored"] == []
    assert seen["on_gui_thread"] == [True, True, True]

    def broken():
        yield 1
        raise ValueError("bad frame")

    seen = collect(qtbot, GeneratorWorker(broken, name="chroma-test-worker"))
    assert seen["yielded"] == [1] and seen["returned"] == []
    assert [str(e) for e in seen["errored"]] == ["bad frame"]


def test_stop_cancels_the_work_and_closes_the_generator(no_threads_left, qtbot):
    cancelled = threading.Event()
    closed = []

    def endless():
        try:
            while not cancelled.wait(0.01):
                yield "frame"
        finally:
            closed.append(True)

    worker = GeneratorWorker(endless, on_stop=cancelled.set, name="chroma-test-worker")
    with qtbot.waitSignal(worker.yielded, timeout=10000):
        worker.start()
    with qtbot.waitSignal(worker.finished, timeout=10000):
        worker.stop()
    worker.wait()
    assert cancelled.is_set() and closed == [True]
