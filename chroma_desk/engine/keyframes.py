"""Keyframes: colour hints given on one frame, carried through its shot in both directions.

The restorer's workflow: colour one frame, let the rest of the shot follow. A ``Keyframe`` is a
time in the clip and a list of ``Hint`` in that frame's pixels (the hint file format of
``chroma_desk.engine.hints``). ``track_keyframes`` makes one pass over the clip before the job:
each hint point is followed along the optical flow (DIS on the same small gray frames the
smoothing uses) forward to the end of its shot and backward to its start; a point is dropped
where forward and backward flow disagree at it (it went behind something) or it leaves the
picture, and nothing crosses a scene cut (the smoothing's own cut test). The result, the hints
of each frame, goes to the network frame by frame (a model that takes hints).

Backward tracking needs the frames before a keyframe: the small gray frames of the current
shot are kept, at most ``MAX_BACK`` of them (about 2 minutes at 25 fps, 100 MB at 256 px).

Keyframes the window sets are kept per clip in the app's data folder (``KeyframeStore``), keyed
by the clip's path, size and modification time, never beside the user's video.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from chroma_desk.engine.hints import Hint, HintError, check_inside, load_hints, parse_hints
from chroma_desk.engine.temporal import (
    CUT_HISTOGRAM,
    CUT_RESIDUAL,
    RESIDUAL_LEVEL,
    backward_map,
    dis_flow,
    gray_histogram,
    histogram_distance,
    warp,
)

MAX_BACK = 3000  # frames kept for tracking backward from a keyframe
TRACK_TOLERANCE = 1.0  # working pixels a point may miss its way back by
KEYFRAMES_ENV = "CHROMA_DESK_KEYFRAMES"


@dataclass(frozen=True)
class Keyframe:
    time: float  # seconds from the start of the clip
    hints: tuple[Hint, ...]

    def to_json(self) -> dict:
        return {"time": self.time, "hints": [h.to_json() for h in self.hints]}


def parse_keyframe_argument(text: str) -> Keyframe:
    """``SECONDS:HINTS.json`` (the command line's ``--keyframe``) -> a ``Keyframe``."""
    seconds, sep, path = text.partition(":")
    if not sep or not path:
        raise HintError(f"--keyframe {text!r}: expected SECONDS:HINTS.json")
    try:
        time = float(seconds)
    except ValueError:
        raise HintError(f"--keyframe {text!r}: {seconds!r} is not a number of seconds") from None
    if not time >= 0:
        raise HintError(f"--keyframe {text!r}: the time must be 0 or more")
    return Keyframe(time, tuple(load_hints(path)))


def check_keyframes(keyframes: Sequence[Keyframe], size: tuple[int, int], duration: float) -> None:
    """A clear error for a keyframe past the end or a hint outside the (width, height) frame."""
    width, height = size
    for keyframe in keyframes:
        if keyframe.time >= duration:
            raise HintError(
                f"keyframe at {keyframe.time:g} s: past the end of the clip ({duration:.2f} s)"
            )
        try:
            check_inside(keyframe.hints, (height, width))
        except HintError as exc:
            raise HintError(f"keyframe at {keyframe.time:g} s: {exc}") from None


@dataclass
class _Track:
    """Hint points followed along the flow, in small-frame pixels."""

    points: np.ndarray  # (n, 2) float32, x and y
    hints: list[Hint]


def _sample(flow: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The flow (h, w, 2) at sub-pixel points (n, 2), bilinear."""
    mapping = points.reshape(-1, 1, 2).astype(np.float32)
    return cv2.remap(flow, mapping, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)[:, 0]


def _step(track: _Track, ahead: np.ndarray, back: np.ndarray) -> _Track:
    """Move a track by flow ``ahead`` (from its frame to the next) and keep the points whose way
    back by ``back`` (the next frame to this one) returns near where they started."""
    if not len(track.points):
        return track
    moved = track.points + _sample(ahead, track.points)
    returned = moved + _sample(back, moved)
    h, w = ahead.shape[:2]
    keep = np.hypot(*(returned - track.points).T) <= TRACK_TOLERANCE
    keep &= (moved[:, 0] >= 0) & (moved[:, 0] <= w - 1) & (moved[:, 1] >= 0)
    keep &= moved[:, 1] <= h - 1
    return _Track(moved[keep], [hint for hint, k in zip(track.hints, keep, strict=True) if k])


class KeyframeTracker:
    """Feed the small gray frames in order (``feed``), then read ``hints`` (frame -> hints).

    Args:
        keyframes: the keyframes, times in seconds from the first frame fed.
        frame_size: (width, height) of the clip's frames (the hints' pixels).
        small_size: (width, height) of the gray frames fed.
        fps: the clip's frame rate (a keyframe lands on the frame nearest its time).
    """

    def __init__(
        self,
        keyframes: Sequence[Keyframe],
        frame_size: tuple[int, int],
        small_size: tuple[int, int],
        fps: float,
    ) -> None:
        self.pending = sorted(keyframes, key=lambda k: k.time)
        self.half_frame = 0.5 / float(fps)
        self.scale = (small_size[0] / frame_size[0], small_size[1] / frame_size[1])
        self.flow = dis_flow()
        self.hints: dict[int, list[Hint]] = {}
        self.cuts: list[int] = []
        self._shot: list[tuple[int, np.ndarray]] = []  # (index, small gray) since the last cut
        self._forward: list[_Track] = []
        self._hist: np.ndarray | None = None

    def _to_small(self, hints: Sequence[Hint]) -> np.ndarray:
        sx, sy = self.scale
        return np.array(
            [((h.x + 0.5) * sx - 0.5, (h.y + 0.5) * sy - 0.5) for h in hints], np.float32
        )

    def _record(self, index: int, track: _Track) -> None:
        sx, sy = self.scale
        out = self.hints.setdefault(index, [])
        for (x, y), hint in zip(track.points, track.hints, strict=True):
            x0, y0 = (float(x) + 0.5) / sx - 0.5, (float(y) + 0.5) / sy - 0.5
            out.append(Hint(x0, y0, hint.rgb, hint.size))

    def _is_cut(self, gray: np.ndarray, hist: np.ndarray, back: np.ndarray) -> bool:
        """The smoothing's cut test: histograms far apart, or a warp that explains too little."""
        if self._hist is None or histogram_distance(self._hist, hist) > CUT_HISTOGRAM:
            return True
        previous = self._shot[-1][1]
        residual = cv2.absdiff(gray, warp(previous, backward_map(back)))
        return float((residual > RESIDUAL_LEVEL).mean()) > CUT_RESIDUAL

    @property
    def done(self) -> bool:
        """Every keyframe placed and every track ended: later frames get no hints."""
        return not self.pending and not self._forward and self._hist is not None

    def feed(self, index: int, time: float, gray: np.ndarray) -> None:
        if self._hist is None:  # keyframes before the part being colourized are left out
            self.pending = [k for k in self.pending if k.time >= time - self.half_frame]
        hist = gray_histogram(gray)
        cut = True
        if self._shot and self._shot[-1][1].shape == gray.shape:
            previous = self._shot[-1][1]
            back = self.flow.calc(gray, previous, None)  # this frame -> the previous one
            cut = self._is_cut(gray, hist, back)
            if not cut and self._forward:
                ahead = self.flow.calc(previous, gray, None)
                moved = [_step(t, ahead, back) for t in self._forward]
                self._forward = [t for t in moved if len(t.points)]
                for track in self._forward:
                    self._record(index, track)
        if cut:
            if self._shot:
                self.cuts.append(index)
            self._shot, self._forward = [], []
        self._hist = hist
        self._shot.append((index, gray))
        del self._shot[: -MAX_BACK if self.pending else -1]  # only a keyframe to come looks back
        while self.pending and time >= self.pending[0].time - self.half_frame:
            keyframe = self.pending.pop(0)
            track = _Track(self._to_small(keyframe.hints), list(keyframe.hints))
            self._record(index, track)
            self._forward.append(track)
            self._track_back(track)

    def _track_back(self, track: _Track) -> None:
        for (_, gray), (earlier_index, earlier) in zip(
            reversed(self._shot[1:]), reversed(self._shot[:-1]), strict=True
        ):
            if not len(track.points):
                return
            ahead = self.flow.calc(gray, earlier, None)  # this frame -> the one before
            back = self.flow.calc(earlier, gray, None)
            track = _step(track, ahead, back)
            self._record(earlier_index, track)


def track_keyframes(
    keyframes: Sequence[Keyframe],
    small_frames: Iterable[tuple[int, float, np.ndarray]],
    frame_size: tuple[int, int],
    fps: float,
    on_frame: Callable[[int], None] | None = None,
) -> dict[int, list[Hint]]:
    """The hints of every frame, from (index, time, small gray) frames in order."""
    tracker: KeyframeTracker | None = None
    for index, time, gray in small_frames:
        if tracker is None:
            small = (gray.shape[1], gray.shape[0])
            tracker = KeyframeTracker(keyframes, frame_size, small, fps)
        tracker.feed(index, time, gray)
        if on_frame is not None:
            on_frame(index)
    return tracker.hints if tracker else {}


# -- kept per clip for the window ---------------------------------------------------------------


def keyframes_dir() -> Path:
    """``CHROMA_DESK_KEYFRAMES`` or ``keyframes`` in the per-user data folder."""
    override = os.environ.get(KEYFRAMES_ENV)
    if override:
        return Path(override)
    import platformdirs

    return platformdirs.user_data_path("chroma-desk") / "keyframes"


def clip_key(clip: Path) -> str:
    """The clip's resolved path, size and modification time, hashed: an edited or replaced
    file does not get the keyframes of the one it replaced."""
    stat = clip.stat()
    text = f"{clip.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:24]


@dataclass
class KeyframeStore:
    folder: Path = field(default_factory=keyframes_dir)

    def path(self, clip: Path) -> Path:
        return self.folder / f"{clip_key(Path(clip))}.json"

    def load(self, clip: Path) -> list[Keyframe]:
        """The clip's saved keyframes; none when there are none or the file is unreadable."""
        try:
            data = json.loads(self.path(clip).read_text(encoding="utf-8"))
            return [
                Keyframe(float(k["time"]), tuple(parse_hints({"hints": k["hints"]})))
                for k in data["keyframes"]
            ]
        except (OSError, ValueError, KeyError, TypeError):
            return []

    def save(self, clip: Path, keyframes: Sequence[Keyframe]) -> None:
        """Write (atomically) or, with no keyframes, remove the clip's file."""
        path = self.path(clip)
        if not keyframes:
            path.unlink(missing_ok=True)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"clip": str(Path(clip).resolve()), "keyframes": [k.to_json() for k in keyframes]}
        part = path.with_suffix(".json.part")
        part.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(part, path)
