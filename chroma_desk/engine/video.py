"""A video job: decode -> predict -> smooth -> render -> encode, the stages overlapped on threads.

``VideoJob.run()`` is a plain generator of ``VideoProgress``; the command line wraps it in a
progress bar and the window in a QThread worker. Four threads, joined by bounded queues so
memory stays flat whatever the clip's length:

    decode (PyAV, 8-bit L)  ->  predict (network, ab at T)  ->  smooth + render  ->  encode (x264, audio)

The file is written under a temporary name beside the output and renamed when complete, so a
cancelled or failed job leaves nothing posing as a finished file. ``pause``/``resume``/``cancel``
may be called from any thread. With ``overlapped=False`` the same steps run one after another
on the calling thread (the baseline the bench compares against).
"""

from __future__ import annotations

import math
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.engine.frames import FrameColorizer, FrameInput
from chroma_desk.engine.hints import HintError
from chroma_desk.engine.keyframes import Keyframe, KeyframeTracker, check_keyframes
from chroma_desk.engine.temporal import DEFAULT_STRENGTH
from chroma_desk.media.video import (
    DEFAULT_CRF,
    DEFAULT_PRESET,
    VideoError,
    VideoInfo,
    VideoWriter,
    iter_frames,
    output_format,
    probe,
)
from chroma_desk.models.checkpoint import LoadedModel

_END = object()  # end of stream marker passed down the queues
_POLL = 0.1  # seconds between checks for cancel while a queue is full or empty


class VideoJobError(VideoError):
    """A job that cannot start or cannot finish; the message says why."""


@dataclass
class VideoSettings:
    """How to colourize a clip.

    Args:
        temperature: softmax temperature for classification models (the card's default if None).
        working_size: long side of the network input (min(card, 256) if None).
        smooth: motion-compensated temporal smoothing with scene-cut resets.
        strength: how much history the smoothing keeps (0..1).
        start, end: the part of the clip to colourize, in seconds (the audio is cut to match).
        crf, preset: x264 quality and speed.
        keep_audio: carry the source's audio into the output.
        overlapped: run the stages on threads (True) or one after another (False).
        batch: frames per network call.
        queue_size: frames each queue holds between two stages.
        predict_workers: threads running the network side by side on different frames when
            overlapped (by default 2 on a CPU with 2 or more cores, 1 on a GPU); frames
            in parallel scale better on a CPU than one frame's convolutions split across cores.
        inference_threads: torch threads per network call; by default the cores shared out
            among the predict workers (at least 1) when overlapped, all cores when sequential.
        preview_interval: seconds between progress reports carrying preview frames.
        bf16: the network under bfloat16 autocast (None: when the CPU has native bfloat16
            units); faster, colours within about 1 CIEDE2000 of float32. Off by default.
        keyframes: colour hints on chosen frames, carried through their shots in both
            directions (``chroma_desk.engine.keyframes``); needs a model that takes hints.
        backend: what runs the network when the job loads the model (``auto``, ``torch``,
            ``onnx``; see ``chroma_desk.engine.backends``).
    """

    temperature: float | None = None
    working_size: int | None = None
    smooth: bool = True
    strength: float = DEFAULT_STRENGTH
    start: float | None = None
    end: float | None = None
    crf: int = DEFAULT_CRF
    preset: str = DEFAULT_PRESET
    keep_audio: bool = True
    overlapped: bool = True
    batch: int = 1
    queue_size: int = 6
    predict_workers: int | None = None
    inference_threads: int | None = None
    preview_interval: float = 0.2
    bf16: bool | None = False
    keyframes: tuple[Keyframe, ...] = ()
    backend: str = "auto"


@dataclass
class VideoProgress:
    """One report from a running job."""

    frames_done: int
    total: int  # estimated until the job ends
    fps: float  # frames per second over the last few seconds
    eta: float | None  # seconds left
    elapsed: float  # seconds of work (pauses excluded)
    state: str  # "running", "paused", "finishing", "done", "cancelled"
    before: np.ndarray | None = None  # the latest written frame's input, RGB uint8
    after: np.ndarray | None = None  # ... and its colourized output
    frame_index: int = -1

    @property
    def fraction(self) -> float:
        return min(1.0, self.frames_done / self.total) if self.total else 0.0


@dataclass
class VideoResult:
    status: str  # "done" or "cancelled"
    output: Path | None
    frames: int
    seconds: float
    fps: float
    audio: str  # "copy", "aac" or "none"
    info: VideoInfo
    scene_cuts: int = 0
    busy: dict[str, float] = field(default_factory=dict)  # seconds each stage was working
    notes: list[str] = field(default_factory=list)
    predict_workers: int = 1
    inference_threads: int = 1


class _Stop(Exception):
    """Raised inside a stage when the job is cancelled or another stage failed."""


class VideoJob:
    """Colourize ``input`` into ``output`` with a model (a path, a loaded model or a Colorizer)."""

    def __init__(
        self,
        input: str | Path,
        output: str | Path,
        model: str | Path | LoadedModel | Colorizer,
        settings: VideoSettings | None = None,
        device: str = "auto",
    ) -> None:
        self.input = Path(input)
        self.output = Path(output)
        self.settings = settings or VideoSettings()
        self._model = model
        self._device = device
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._cancelled = False
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self.result: VideoResult | None = None
        self.info: VideoInfo | None = None

    # -- control, from any thread --------------------------------------------------------------

    def cancel(self) -> None:
        self._cancelled = True
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    # -- the job -------------------------------------------------------------------------------

    def _check_paths(self) -> None:
        if self.output.resolve() == self.input.resolve():
            raise VideoJobError(f"{self.output}: the output would overwrite the input")
        output_format(self.output)
        if not self.output.parent.is_dir():
            raise VideoJobError(f"{self.output}: the folder {self.output.parent} does not exist")
        s = self.settings
        for name, value in (("start", s.start), ("end", s.end)):
            if value is not None and not math.isfinite(value):
                raise VideoJobError(f"--{name} must be a number of seconds (got {value})")
        if s.start is not None and s.start < 0:
            raise VideoJobError(f"--start must be 0 or more (got {s.start})")
        if s.end is not None and s.start is not None and s.end <= s.start:
            raise VideoJobError(f"--end ({s.end}) must be after --start ({s.start})")

    def _colorizer(self) -> Colorizer:
        if isinstance(self._model, Colorizer):
            return self._model
        return Colorizer(self._model, device=self._device, backend=self.settings.backend)

    def run(self) -> Iterator[VideoProgress]:
        """Run the job, yielding progress; ``self.result`` holds the outcome when it ends.

        Closing the generator early (or an exception in the consumer) cancels the job.
        """
        self._check_paths()
        info = probe(self.input, count=True)
        self.info = info
        s = self.settings
        start = s.start or 0.0
        if start >= info.duration:
            if s.start is None:
                raise VideoJobError(f"{self.input}: the clip lasts no time at all (a still image?)")
            raise VideoJobError(
                f"{self.input}: --start {start:g} s is past the end of the clip ({info.duration:.2f} s)"
            )
        end = s.end if s.end is not None and s.end < info.duration else None
        span = (end if end is not None else info.duration) - start
        total = max(1, round(span * float(info.fps))) if (start or end) else info.frame_count
        colorizer = self._colorizer()
        if s.keyframes:
            if not colorizer.takes_hints:
                raise VideoJobError(
                    f"model {colorizer.name!r} takes no colour hints; keyframes need one that does"
                )
            try:
                check_keyframes(s.keyframes, (info.width, info.height), info.duration)
            except HintError as exc:
                raise VideoJobError(f"{self.input}: {exc}") from None
        frames = FrameColorizer(
            colorizer, s.working_size, s.temperature, s.smooth, s.strength, bf16=s.bf16
        )
        cores = os.cpu_count() or 1
        on_cpu = colorizer.device.type == "cpu"
        workers = s.predict_workers or (2 if on_cpu and cores >= 2 else 1)
        if not s.overlapped:
            workers = 1
        threads = s.inference_threads or (max(1, cores // workers) if s.overlapped else cores)
        previous_threads = torch.get_num_threads()
        writer: VideoWriter | None = None
        try:
            torch.set_num_threads(threads)
            writer = VideoWriter(
                self.output,
                info.width,
                info.height,
                info.fps,
                crf=s.crf,
                preset=s.preset,
                rotation=info.rotation,
                audio_from=self.input if (s.keep_audio and info.audio) else None,
                audio_start=start,
                audio_end=end,
                like=info,
                variable_rate=True,  # each frame keeps its own time: a VFR clip stays in sync
                time_base=info.time_base,
            )
            stages = _Stages(self, info, frames, writer, start, end, total)
            if s.keyframes:
                stages.hints = yield from stages.track_keyframes(s.keyframes)
            stages.predict_workers = workers
            if s.overlapped:
                yield from stages.run_overlapped()
            else:
                yield from stages.run_sequential()
            if self._error is not None:
                raise self._error
            if self._cancelled:
                writer.abort()
                status, output = "cancelled", None
            else:
                yield stages.report("finishing", force=True)
                writer.close()
                status, output = "done", self.output
            self.result = VideoResult(
                status=status,
                output=output,
                frames=stages.done,
                seconds=stages.elapsed(),
                fps=stages.done / max(stages.elapsed(), 1e-9),
                audio=writer.audio_mode,
                info=info,
                scene_cuts=frames.scene_cuts,
                busy=dict(stages.busy),
                notes=list(info.notes) + list(writer.notes),
                predict_workers=workers,
                inference_threads=threads,
            )
            yield stages.report(status, force=True)
        except BaseException:
            self._stop.set()
            if writer is not None:
                writer.abort()
            raise
        finally:
            torch.set_num_threads(previous_threads)


class _Stages:
    """The pipeline's moving parts for one run of a ``VideoJob``."""

    def __init__(
        self,
        job: VideoJob,
        info: VideoInfo,
        frames: FrameColorizer,
        writer: VideoWriter,
        start: float,
        end: float | None,
        total: int,
    ) -> None:
        self.job, self.info, self.frames, self.writer = job, info, frames, writer
        self.start, self.end, self.total = start, end, total
        self.done = 0
        self.predict_workers = 1
        self.hints: dict[int, list] = {}  # frame index -> its hints (from keyframes)
        self.busy: dict[str, float] = {"decode": 0.0, "predict": 0.0, "render": 0.0, "encode": 0.0}
        self.latest: tuple[np.ndarray, np.ndarray, int] | None = None
        self._t0 = time.perf_counter()
        self._paused_total = 0.0
        self._paused_since: float | None = None
        self._recent: deque[tuple[float, int]] = deque(maxlen=64)
        self._last_report = 0.0
        self._latest_lock = threading.Lock()

    # -- timing --------------------------------------------------------------------------------

    def elapsed(self) -> float:
        now = time.perf_counter()
        paused = self._paused_total + ((now - self._paused_since) if self._paused_since else 0.0)
        return now - self._t0 - paused

    def _track_pause(self) -> None:
        paused = self.job.paused
        if paused and self._paused_since is None:
            self._paused_since = time.perf_counter()
        elif not paused and self._paused_since is not None:
            self._paused_total += time.perf_counter() - self._paused_since
            self._paused_since = None

    def report(self, state: str | None = None, force: bool = False) -> VideoProgress | None:
        self._track_pause()
        wall = time.perf_counter()  # throttle on the clock: elapsed() stands still while paused
        if not force and wall - self._last_report < self.job.settings.preview_interval:
            return None
        self._last_report = wall
        now = self.elapsed()
        done = self.done
        self._recent.append((now, done))
        t_old, n_old = self._recent[0]
        if now - t_old > 0.5 and done > n_old:
            fps = (done - n_old) / (now - t_old)
        else:
            fps = done / now if now > 0 else 0.0
        # keep a window of a few seconds for the rate
        while len(self._recent) > 2 and now - self._recent[0][0] > 5.0:
            self._recent.popleft()
        total = max(self.total, done)
        eta = (total - done) / fps if fps > 0 else None
        with self._latest_lock:
            latest = self.latest
        before, after, index = latest if latest else (None, None, -1)
        state = state or ("paused" if self.job.paused else "running")
        return VideoProgress(done, total, fps, eta, now, state, before, after, index)

    # -- the steps -----------------------------------------------------------------------------

    def _decoded(self) -> Iterator[FrameInput]:
        it = iter_frames(self.job.input, self.start or None, self.end, info=self.info)
        try:
            while True:
                self._wait_if_paused()
                t = time.perf_counter()
                try:
                    frame = next(it)
                except StopIteration:
                    return
                item = self.frames.prepare(frame.rgb, frame.index, frame.time, frame.gray)
                item.hints = tuple(self.hints.get(frame.index, ()))
                self.busy["decode"] += time.perf_counter() - t
                yield item
        finally:
            it.close()

    def track_keyframes(self, keyframes) -> Iterator[VideoProgress]:
        """A pass over the part being colourized that follows the keyframes' hints through
        their shots (progress reports say 0 frames done); returns frame index -> hints."""
        tracker: KeyframeTracker | None = None
        size = (self.info.width, self.info.height)
        try:
            for item in self._decoded():
                if tracker is None:
                    small = (item.gray.shape[1], item.gray.shape[0])
                    tracker = KeyframeTracker(keyframes, size, small, float(self.info.fps))
                tracker.feed(item.index, item.time, item.gray)
                if tracker.done:  # the rest of the clip gets no hints: no need to read it
                    break
                progress = self.report()
                if progress is not None:
                    yield progress
        except _Stop:  # cancelled: the stages that follow stop at once
            return {}
        return tracker.hints if tracker else {}

    def _predict(self, items: list[FrameInput]) -> list[np.ndarray]:
        t = time.perf_counter()
        out = self.frames.predict(items)
        with self._latest_lock:  # several predict threads add to it
            self.busy["predict"] += time.perf_counter() - t
        return out

    def _render(self, item: FrameInput, ab: np.ndarray) -> np.ndarray:
        t = time.perf_counter()
        ab, _ = self.frames.smooth(item, ab)
        rgb = self.frames.render(item, ab)
        self.busy["render"] += time.perf_counter() - t
        return rgb

    def _encode(self, item: FrameInput, rgb: np.ndarray) -> None:
        t = time.perf_counter()
        self.writer.write(rgb, item.time - self.start)
        self.busy["encode"] += time.perf_counter() - t
        with self._latest_lock:
            self.latest = (item.rgb, rgb, item.index)
        self.done += 1

    def _wait_if_paused(self) -> None:
        while not self.job._running.wait(_POLL):
            if self.job._stop.is_set():
                raise _Stop
        if self.job._stop.is_set():
            raise _Stop

    # -- sequential ----------------------------------------------------------------------------

    def run_sequential(self) -> Iterator[VideoProgress]:
        batch = max(1, self.job.settings.batch)
        pending: list[FrameInput] = []

        def flush() -> Iterator[VideoProgress]:
            for item, ab in zip(pending, self._predict(pending), strict=True):
                self._encode(item, self._render(item, ab))
                progress = self.report()
                if progress is not None:
                    yield progress
            pending.clear()

        try:
            for item in self._decoded():
                pending.append(item)
                if len(pending) >= batch:
                    yield from flush()
            yield from flush()
        except _Stop:
            pass
        except BaseException as exc:  # surfaced by VideoJob.run after cleanup
            if not isinstance(exc, GeneratorExit):
                self.job._error = exc
            raise

    # -- overlapped ----------------------------------------------------------------------------

    def _put(self, q: queue.Queue, value: object) -> None:
        while True:
            if self.job._stop.is_set():
                raise _Stop
            try:
                q.put(value, timeout=_POLL)
                return
            except queue.Full:
                continue

    def _get(self, q: queue.Queue) -> object:
        while True:
            if self.job._stop.is_set():
                raise _Stop
            try:
                return q.get(timeout=_POLL)
            except queue.Empty:
                continue

    def _thread(self, name: str, body: Callable[[], None]) -> threading.Thread:
        def guarded() -> None:
            try:
                body()
            except _Stop:
                pass
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer
                with self.job._lock:
                    if self.job._error is None:
                        self.job._error = exc
                self.job._stop.set()

        thread = threading.Thread(target=guarded, name=f"chroma-video-{name}", daemon=True)
        thread.start()
        return thread

    def run_overlapped(self) -> Iterator[VideoProgress]:
        size = max(2, self.job.settings.queue_size)
        batch = max(1, self.job.settings.batch)
        workers = self.predict_workers
        decoded: queue.Queue = queue.Queue(size)
        predicted: queue.Queue = queue.Queue(size + workers)
        rendered: queue.Queue = queue.Queue(size)
        finished = threading.Event()

        def decode() -> None:
            for item in self._decoded():
                self._put(decoded, item)
            for _ in range(workers):
                self._put(decoded, _END)

        def predict() -> None:
            # several of these may run at once (one torch thread each): frames leave out of
            # order and the render stage puts them back in order
            while True:
                item = self._get(decoded)
                if item is _END:
                    break
                items = [item]
                while len(items) < batch:
                    try:
                        more = decoded.get_nowait()
                    except queue.Empty:
                        break
                    if more is _END:
                        decoded.put(_END)
                        break
                    items.append(more)
                for one, ab in zip(items, self._predict(items), strict=True):
                    self._put(predicted, (one, ab))
            self._put(predicted, _END)

        def render() -> None:
            waiting: dict[int, tuple[FrameInput, np.ndarray]] = {}
            next_index, ended = 0, 0
            while ended < workers or waiting:
                if next_index in waiting:
                    item, ab = waiting.pop(next_index)
                    self._put(rendered, (item, self._render(item, ab)))
                    next_index += 1
                    continue
                if ended == workers:  # a gap can only mean a frame was lost: a bug
                    raise RuntimeError(f"frame {next_index} never came out of prediction")
                got = self._get(predicted)
                if got is _END:
                    ended += 1
                else:
                    waiting[got[0].index] = got
            self._put(rendered, _END)

        def encode() -> None:
            while True:
                got = self._get(rendered)
                if got is _END:
                    break
                self._encode(*got)
            finished.set()

        threads = [
            self._thread("decode", decode),
            *(self._thread(f"predict-{i}", predict) for i in range(workers)),
            self._thread("render", render),
            self._thread("encode", encode),
        ]
        try:
            while not finished.is_set() and not self.job._stop.is_set():
                finished.wait(min(_POLL, max(0.02, self.job.settings.preview_interval)))
                progress = self.report()
                if progress is not None:
                    yield progress
        finally:
            if not finished.is_set():
                self.job._stop.set()
            for thread in threads:
                thread.join()


def colorize_video(
    input: str | Path,
    output: str | Path,
    model: str | Path | LoadedModel | Colorizer,
    settings: VideoSettings | None = None,
    on_progress: Callable[[VideoProgress], None] | None = None,
    device: str = "auto",
) -> VideoResult:
    """Run a ``VideoJob`` to the end, calling ``on_progress`` with each report."""
    job = VideoJob(input, output, model, settings, device)
    for progress in job.run():
        if on_progress is not None:
            on_progress(progress)
    assert job.result is not None
    return job.result
