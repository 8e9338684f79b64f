"""What the Video tab runs on its worker thread: plain generators, no widgets.

``video_updates`` follows a ``VideoJob`` and turns each report's preview frames into
``ImagePyramid``s; ``frame_preview`` colourizes the one frame the user scrubbed to. Both run
on the window's ``GeneratorWorker``, so the GUI thread only swaps pictures in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.engine.frames import FrameColorizer
from chroma_desk.engine.hints import Hint
from chroma_desk.engine.video import VideoJob, VideoProgress
from chroma_desk.media.video import VideoError, VideoInfo
from chroma_desk.ui.compare_view import ImagePyramid

if TYPE_CHECKING:
    from chroma_desk.ui.video_tab import VideoTab

PREVIEW_LONG_SIDE = 960  # preview frames are reduced to this before they reach the window


def _upright(rgb: np.ndarray, rotation: int) -> np.ndarray:
    """The frame as a player shows it (rotation: degrees counter-clockwise)."""
    turns = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(rgb, turns)) if turns else rgb


def preview_pyramid(rgb: np.ndarray, rotation: int = 0) -> ImagePyramid:
    """An ``ImagePyramid`` of a frame, reduced to PREVIEW_LONG_SIDE (call off the GUI thread)."""
    rgb = _upright(rgb, rotation)
    h, w = rgb.shape[:2]
    scale = PREVIEW_LONG_SIDE / max(h, w)
    small = rgb
    if scale < 1:
        small = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return ImagePyramid(small, full_size=(w, h))


@dataclass
class VideoUpdate:
    """One progress report with its preview frames ready to paint."""

    progress: VideoProgress
    before: ImagePyramid | None
    after: ImagePyramid | None


def video_updates(job: VideoJob, rotation: int = 0) -> Iterator[VideoUpdate]:
    """The job's progress with its preview frames made into pyramids (in the worker thread);
    returns the job's result."""
    last_index = -2
    for report in job.run():
        before = after = None
        if report.after is not None and report.frame_index != last_index:
            last_index = report.frame_index
            before = preview_pyramid(report.before, rotation)
            after = preview_pyramid(report.after, rotation)
        yield VideoUpdate(report, before, after)
    return job.result


@dataclass
class FramePreview:
    """One frame of the clip, colourized at the tab's settings (the scrub preview)."""

    time: float
    rgb: np.ndarray  # the frame as decoded (not turned upright), RGB uint8
    colour: np.ndarray  # ... and colourized
    before: ImagePyramid
    after: ImagePyramid


def frame_preview(
    path: Path,
    info: VideoInfo,
    time: float,
    colorizer: Colorizer,
    temperature: float | None,
    hints: tuple[Hint, ...] = (),
) -> Iterator[FramePreview]:
    """Decode the frame at ``time`` and colourize it alone (no smoothing: one frame), with the
    keyframe's hints when it is one."""
    from chroma_desk.media.video import iter_frames

    frames = iter_frames(path, start=time, info=info, threads=False)
    try:
        frame = next(frames)
    finally:
        frames.close()
    painter = FrameColorizer(colorizer, temperature=temperature, smooth=False)
    item = painter.prepare(frame.rgb, 0, frame.time, frame.gray)
    item.hints = hints
    after = painter.render(item, painter.predict([item])[0])
    yield FramePreview(
        frame.time,
        frame.rgb,
        after,
        preview_pyramid(frame.rgb, info.rotation),
        preview_pyramid(after, info.rotation),
    )


# what the window calls to hint the previewed frame: (tab, time, frame RGB, its current hints);
# ``keyframe_dialog.open_keyframe_dialog`` by default; it calls ``tab.set_keyframe`` on OK
HintEditor = Callable[["VideoTab", float, np.ndarray, tuple[Hint, ...]], None]


def error_text(exc: BaseException) -> str:
    """What the tab says about a failure: the message alone for a video error."""
    return str(exc) if isinstance(exc, VideoError) else f"{type(exc).__name__}: {exc}"
