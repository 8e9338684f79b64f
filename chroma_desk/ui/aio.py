"""Background work for the window, on the qasync loop.

``Worker`` is one plain thread (not a QThread) fed through ``loop.run_in_executor``: coroutines
``await worker.run(fn, *args)`` and the event loop keeps turning meanwhile. ``spawn`` starts a
coroutine as a task, keeps a reference so it is not collected half way, and reports failures.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

_tasks: set[asyncio.Task] = set()


class Worker:
    """A single background thread; jobs run one after another in submission order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._pool: ThreadPoolExecutor | None = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"chroma-{name}"
        )

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            raise RuntimeError(f"worker {self.name} is shut down")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, fn, *args)

    def shutdown(self, wait: bool = True) -> None:
        """Drop queued jobs; wait for the running one (it cannot be interrupted)."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None


def spawn(
    coro: Coroutine[Any, Any, Any], on_error: Callable[[BaseException], None] | None = None
) -> asyncio.Task:
    """Run ``coro`` as a task on the current event loop; failures go to ``on_error`` or the log."""
    task = asyncio.get_event_loop().create_task(coro)
    _tasks.add(task)

    def done(t: asyncio.Task) -> None:
        _tasks.discard(t)
        if t.cancelled():
            return
        exc = t.exception()
        if exc is None:
            return
        if on_error is not None:
            on_error(exc)
        else:
            log.error("background task failed:\n%s", "".join(traceback.format_exception(exc)))

    task.add_done_callback(done)
    return task
