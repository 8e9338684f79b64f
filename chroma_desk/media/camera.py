"""Live frame sources: a webcam through OpenCV, or a clip or a list of frames played as a camera.

Every source gives RGB uint8 frames through ``read()`` at its own pace. ``LatestFrame`` reads a
source on a thread of its own and keeps only the newest frame, so a consumer that is slower
than the camera always gets the latest picture: the frames in between are dropped (and
counted) rather than queued, and the picture never lags behind the scene.
"""

from __future__ import annotations

import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np


class CameraError(Exception):
    """A source that cannot be opened or stopped sending frames; the message says why."""


class NoCameraError(CameraError):
    """No camera where one was asked for."""


NO_CAMERA_HELP = (
    "No camera found. Connect a webcam (and allow this program to use it), then try again."
)


@dataclass(frozen=True)
class CameraInfo:
    index: int
    name: str
    path: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.path})" if self.path else f"{self.name} (#{self.index})"


def list_cameras(probe_indices: int = 4) -> list[CameraInfo]:
    """The cameras on this machine.

    On Linux the video4linux nodes are listed from /sys without opening them (only capture
    nodes, not a device's extra metadata nodes); elsewhere indices 0..probe_indices-1 are tried.
    """
    sysfs = Path("/sys/class/video4linux")
    if sys.platform.startswith("linux"):
        cameras = []
        if sysfs.is_dir():
            for node in sorted(sysfs.glob("video*"), key=lambda p: int(p.name[5:] or 0)):
                try:
                    if (node / "index").read_text().strip() not in ("0", ""):
                        continue  # a second node of the same device (metadata)
                    name = (node / "name").read_text().strip() or node.name
                except OSError:
                    name = node.name
                cameras.append(CameraInfo(int(node.name[5:]), name, f"/dev/{node.name}"))
        return cameras
    found = []
    for index in range(probe_indices):
        capture = _quiet_capture(index)
        try:
            if capture.isOpened():
                found.append(CameraInfo(index, f"Camera {index + 1}"))
        finally:
            capture.release()
    return found


def _quiet_capture(index: int) -> cv2.VideoCapture:
    """``cv2.VideoCapture(index)`` without OpenCV's warnings on stderr when nothing is there."""
    logging = cv2.utils.logging
    level = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_SILENT)
    try:
        return cv2.VideoCapture(index)
    finally:
        logging.setLogLevel(level)


class FrameSource(ABC):
    """A stream of RGB uint8 frames. ``read`` blocks until the next frame is due."""

    name: str = "source"
    fps: float = 30.0  # the nominal rate

    @abstractmethod
    def read(self) -> np.ndarray | None:
        """The next frame (H, W, 3) uint8 RGB, or None when the source has ended."""

    def close(self) -> None:  # noqa: B027 - optional for sources with nothing to release
        """Release the device or file."""

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class OpenCVCamera(FrameSource):
    """A webcam through ``cv2.VideoCapture``.

    Args:
        index: the camera number (0 is the first).
        size: a (width, height) to ask for; the camera may choose another.
        fps: a frame rate to ask for.
    """

    def __init__(
        self, index: int = 0, size: tuple[int, int] | None = None, fps: float | None = None
    ) -> None:
        self.index = index
        self.name = f"Camera {index + 1}"
        self.capture = _quiet_capture(index)
        if not self.capture.isOpened():
            self.capture.release()
            raise NoCameraError(f"{NO_CAMERA_HELP} (nothing at camera #{index})")
        if size:
            self.capture.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
            self.capture.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
        if fps:
            self.capture.set(cv2.CAP_PROP_FPS, fps)
        reported = self.capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(reported) if reported and 1 <= reported <= 240 else 30.0
        self._first = self._grab()
        if self._first is None:
            self.capture.release()
            raise NoCameraError(
                f"Camera #{index} opened but sends no picture (in use by another program?)"
            )

    def _grab(self) -> np.ndarray | None:
        ok, bgr = self.capture.read()
        if not ok or bgr is None:
            return None
        if bgr.ndim == 2:
            return cv2.cvtColor(bgr, cv2.COLOR_GRAY2RGB)
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def read(self) -> np.ndarray | None:
        if self._first is not None:
            frame, self._first = self._first, None
            return frame
        frame = self._grab()
        if frame is None:
            raise CameraError(f"{self.name} stopped sending frames (unplugged?)")
        return frame

    def close(self) -> None:
        self.capture.release()


class _PacedSource(FrameSource):
    """Frames delivered no faster than ``fps`` (as a camera would), looping when asked."""

    def __init__(self, fps: float, loop: bool, realtime: bool) -> None:
        self.fps = float(fps)
        self.loop = loop
        self.realtime = realtime
        self._next_due: float | None = None

    def _pace(self) -> None:
        if not self.realtime:
            return
        now = time.perf_counter()
        if self._next_due is None:
            self._next_due = now
        delay = self._next_due - now
        if delay > 0:
            time.sleep(delay)
        # a late frame does not make the following ones early
        self._next_due = max(self._next_due, time.perf_counter() - 1.0 / self.fps) + 1.0 / self.fps


class SyntheticSource(_PacedSource):
    """A list of frames (e.g. ``media.clips.shots``) played as a camera at ``fps``."""

    def __init__(
        self,
        frames: Sequence[np.ndarray] | Iterable[np.ndarray],
        fps: float = 30.0,
        loop: bool = True,
        realtime: bool = True,
        name: str = "Test pattern",
    ) -> None:
        super().__init__(fps, loop, realtime)
        self.frames = list(frames)
        if not self.frames:
            raise CameraError("a synthetic source needs at least one frame")
        self.name = name
        self._i = 0

    def read(self) -> np.ndarray | None:
        if self._i >= len(self.frames):
            if not self.loop:
                return None
            self._i = 0
        self._pace()
        frame = self.frames[self._i]
        self._i += 1
        return frame


class FileSource(_PacedSource):
    """A video file played as a camera, at its own frame rate (or ``fps``), looping."""

    def __init__(
        self, path: str | Path, fps: float | None = None, loop: bool = True, realtime: bool = True
    ) -> None:
        from chroma_desk.media.video import VideoError, probe

        self.path = Path(path)
        try:
            self.info = probe(self.path)
        except VideoError as exc:
            raise CameraError(str(exc)) from exc
        super().__init__(fps or float(self.info.fps), loop, realtime)
        self.name = self.path.name
        self._frames = None

    def _open(self):
        from chroma_desk.media.video import iter_frames

        return iter_frames(self.path, info=self.info, threads=False)

    def read(self) -> np.ndarray | None:
        if self._frames is None:
            self._frames = self._open()
        frame = next(self._frames, None)
        if frame is None:
            if not self.loop:
                return None
            self._frames.close()
            self._frames = self._open()
            frame = next(self._frames, None)
            if frame is None:
                return None
        self._pace()
        return frame.rgb

    def close(self) -> None:
        if self._frames is not None:
            self._frames.close()
            self._frames = None


@dataclass
class Captured:
    seq: int  # 1, 2, 3 ... in capture order; gaps between two gets are dropped frames
    time: float  # time.perf_counter() when it arrived
    rgb: np.ndarray


class LatestFrame:
    """Reads ``source`` on a thread of its own, keeping only the newest frame.

    ``get`` returns a frame newer than the one it returned last, waiting for one if needed.
    Frames captured while the consumer was busy are dropped and counted in ``dropped``.
    """

    def __init__(self, source: FrameSource) -> None:
        self.source = source
        self.captured = 0
        self.delivered = 0
        self.error: BaseException | None = None
        self.ended = False
        self._latest: Captured | None = None
        self._last_seq = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def dropped(self) -> int:
        """Frames that arrived and were replaced by a newer one before anybody took them."""
        with self._cond:
            waiting = 1 if self._latest and self._latest.seq > self._last_seq else 0
            return self.captured - self.delivered - waiting

    def start(self) -> LatestFrame:
        self._thread = threading.Thread(target=self._run, name="chroma-camera", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                rgb = self.source.read()
                if rgb is None:
                    break
                with self._cond:
                    self.captured += 1
                    self._latest = Captured(self.captured, time.perf_counter(), rgb)
                    self._cond.notify_all()
        except BaseException as exc:  # noqa: BLE001 - reported to the consumer by get()
            self.error = exc
        finally:
            with self._cond:
                self.ended = True
                self._cond.notify_all()

    def get(self, timeout: float | None = 2.0) -> Captured | None:
        """The newest frame not yet returned; None when the source ended or ``timeout`` passed.

        Raises the source's error (e.g. ``CameraError`` when the camera was unplugged).
        """
        deadline = None if timeout is None else time.perf_counter() + timeout
        with self._cond:
            while True:
                latest = self._latest
                if latest is not None and latest.seq > self._last_seq:
                    self._last_seq = latest.seq
                    self.delivered += 1
                    return latest
                if self.error is not None:
                    raise self.error
                if self.ended or self._stop.is_set():
                    return None
                remaining = None if deadline is None else deadline - time.perf_counter()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self.source.close()

    def __enter__(self) -> LatestFrame:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
