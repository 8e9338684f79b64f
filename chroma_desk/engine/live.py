"""Live colourization of a camera (or any ``FrameSource``): always the newest frame, never a queue.

``LiveSession.frames()`` is a plain generator of ``LiveFrame`` (before, after, fps, latency,
dropped frames); the Live tab wraps it in a QThread worker. The temperature may change between
frames; a snapshot saves the latest result; a recording writes each colourized frame stamped
with its capture time, so the file plays at the real pace even when frames were dropped.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.engine.frames import FrameColorizer
from chroma_desk.media.camera import FrameSource, LatestFrame
from chroma_desk.media.video import VideoWriter


@dataclass
class LiveFrame:
    before: np.ndarray  # RGB uint8, as captured
    after: np.ndarray  # RGB uint8, colourized
    seq: int  # capture number
    latency: float  # seconds from capture to colourized frame
    process: float  # seconds spent colourizing this frame
    fps: float  # colourized frames per second, over the last second or so
    captured: int
    dropped: int
    recording: bool


class LiveSession:
    """Colourize the newest frame of ``source`` again and again until ``stop``.

    Args:
        source: the camera or a stand-in.
        colorizer: the loaded model.
        working_size: network input long side (video default: min(card, 256)).
        temperature: initial softmax temperature; change it any time with ``temperature``.
        smooth: temporal smoothing (motion-compensated; resets at cuts).
        inference_threads: torch threads while running; all cores but one by default, so the
            capture thread keeps a core (and torch's thread pool never waits on a busy one).
    """

    def __init__(
        self,
        source: FrameSource,
        colorizer: Colorizer,
        working_size: int | None = None,
        temperature: float | None = None,
        smooth: bool = True,
        inference_threads: int | None = None,
    ) -> None:
        self.source = source
        self.inference_threads = inference_threads or max(1, (os.cpu_count() or 1) - 1)
        # bfloat16 where the CPU has it: latency matters more here than the last 1 CIEDE2000
        self.frames_path = FrameColorizer(colorizer, working_size, temperature, smooth, bf16=None)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._writer: VideoWriter | None = None
        self._record_t0 = 0.0
        self.latest: LiveFrame | None = None

    @property
    def temperature(self) -> float | None:
        return self.frames_path.temperature

    @temperature.setter
    def temperature(self, value: float | None) -> None:
        self.frames_path.temperature = value

    def stop(self) -> None:
        self._stop.set()

    # -- recording -----------------------------------------------------------------------------

    @property
    def recording(self) -> bool:
        return self._writer is not None

    def start_recording(self, path: str | Path, crf: int = 20) -> None:
        """Begin writing colourized frames to ``path`` (.mp4/.mkv); the size is the camera's."""
        latest = self.latest
        if latest is None:
            raise RuntimeError("no frame yet: start the session before recording")
        height, width = latest.after.shape[:2]
        writer = VideoWriter(
            path, width, height, self.source.fps, crf=crf, preset="ultrafast", variable_rate=True
        )
        with self._lock:
            if self._writer is not None:
                writer.abort()
                raise RuntimeError("already recording")
            self._writer = writer
            self._record_t0 = time.perf_counter()

    def stop_recording(self) -> Path | None:
        """Finish the file and return its path (None when not recording)."""
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is None:
            return None
        if writer.frames == 0:
            writer.abort()
            return None
        return writer.close()

    def _record(self, frame: LiveFrame, captured_at: float) -> None:
        with self._lock:
            writer = self._writer
            if writer is None:
                return
            height, width = frame.after.shape[:2]
            if (width, height) != (writer.width, writer.height):
                return  # the camera changed size mid-recording: keep the file consistent
            writer.write(frame.after, time=max(0.0, captured_at - self._record_t0))

    # -- the loop ------------------------------------------------------------------------------

    def frames(self, max_frames: int | None = None) -> Iterator[LiveFrame]:
        """Colourized frames until ``stop``, the source's end, or ``max_frames``."""
        done = 0
        times: deque[float] = deque(maxlen=30)
        threads_before = torch.get_num_threads()
        torch.set_num_threads(self.inference_threads)
        grabber = LatestFrame(self.source).start()
        try:
            while not self._stop.is_set() and (max_frames is None or done < max_frames):
                captured = grabber.get(timeout=0.5)
                if captured is None:
                    if grabber.ended:
                        break
                    continue
                start = time.perf_counter()
                after = self.frames_path(captured.rgb, captured.seq)
                now = time.perf_counter()
                times.append(now)
                span = times[-1] - times[0]
                fps = (len(times) - 1) / span if span > 0 else 0.0
                frame = LiveFrame(
                    before=captured.rgb,
                    after=after,
                    seq=captured.seq,
                    latency=now - captured.time,
                    process=now - start,
                    fps=fps,
                    captured=grabber.captured,
                    dropped=grabber.dropped,
                    recording=self.recording,
                )
                self.latest = frame
                self._record(frame, captured.time)
                done += 1
                yield frame
        finally:
            grabber.stop()
            self.stop_recording()
            torch.set_num_threads(threads_before)
