"""Real-looking test clips made from still photos: slow pans and zooms, hard cuts, a sine tone.

Used by the tests, the video bench and the flicker measurement, so every figure comes from a
clip anyone can rebuild from the same photos (``../shared/datasets/val`` or skimage's photos).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np


def skimage_photos() -> list[np.ndarray]:
    """A few real colour photos that ship with scikit-image (no download)."""
    from skimage import data

    return [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]


def load_photos(folder: Path, count: int) -> list[np.ndarray]:
    """The first ``count`` photos of a folder (sorted names) as RGB uint8."""
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    photos = []
    for path in paths[:count]:
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is not None:
            photos.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    return photos


def camera_move(
    photo: np.ndarray,
    size: tuple[int, int],
    frames: int,
    zoom: tuple[float, float] = (1.0, 1.25),
    pan: tuple[float, float] = (0.15, 0.08),
    seed: int = 0,
) -> Iterator[np.ndarray]:
    """A smooth camera move over one photo: ``frames`` RGB uint8 frames of ``size`` (w, h).

    The view starts covering the photo (aspect ratio of ``size``), zooms from ``zoom[0]`` to
    ``zoom[1]`` and drifts by ``pan`` (fractions of the photo's width, height).
    """
    width, height = size
    ph, pw = photo.shape[:2]
    rng = np.random.default_rng(seed)
    direction = rng.choice([-1.0, 1.0], size=2)
    cover = max(width / pw, height / ph)  # scale at which the photo covers the frame
    for i in range(frames):
        s = i / max(1, frames - 1)
        s = s * s * (3 - 2 * s)  # ease in and out, like a camera operator
        scale = cover * (zoom[0] + (zoom[1] - zoom[0]) * s)
        view_w, view_h = width / scale, height / scale
        cx = pw / 2 + direction[0] * pan[0] * pw * (s - 0.5)
        cy = ph / 2 + direction[1] * pan[1] * ph * (s - 0.5)
        cx = float(np.clip(cx, view_w / 2, pw - view_w / 2))
        cy = float(np.clip(cy, view_h / 2, ph - view_h / 2))
        matrix = np.array(
            [[scale, 0.0, width / 2 - scale * cx], [0.0, scale, height / 2 - scale * cy]],
            dtype=np.float64,
        )
        yield cv2.warpAffine(
            photo, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )


def shots(
    photos: Sequence[np.ndarray], size: tuple[int, int], frames_per_shot: int
) -> Iterator[np.ndarray]:
    """One camera move per photo, joined by hard cuts."""
    for k, photo in enumerate(photos):
        yield from camera_move(photo, size, frames_per_shot, seed=k)


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """A black-and-white version (CIE L kept), as a 3-channel RGB uint8 frame."""
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)
    lab[..., 1:] = 128
    return cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)


def sine_tone(
    seconds: float, rate: int = 44100, freq: float = 440.0, channels: int = 2
) -> np.ndarray:
    """(channels, samples) float32 sine wave at -12 dBFS."""
    t = np.arange(round(seconds * rate), dtype=np.float64) / rate
    wave = (0.25 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.repeat(wave[None], channels, axis=0)


def write_clip(
    path: str | Path,
    frames: Sequence[np.ndarray] | Iterator[np.ndarray],
    fps: int | Fraction = 25,
    audio: str | None = "aac",
    audio_rate: int = 44100,
    codec: str = "libx264",
    rotation: int = 0,
    gray: bool = False,
    faststart: bool = False,
) -> Path:
    """Encode frames (and a 440 Hz tone as long as the video) with PyAV; returns the path.

    ``audio``: ``aac``, ``pcm_s16le`` (MKV/MOV), ``mp3``, or None for a silent clip.
    """
    path = Path(path)
    frames = list(frames)
    height, width = frames[0].shape[:2]
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), mode="w", options=options) as container:
        video_options = {"crf": "20", "preset": "veryfast"} if codec == "libx264" else {}
        stream = container.add_stream(codec, rate=fps, options=video_options)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        if rotation:
            stream.set_display_rotation(rotation)
        audio_stream = None
        if audio:
            audio_stream = container.add_stream(audio, rate=audio_rate)
            audio_stream.layout = "stereo"
        for i, rgb in enumerate(frames):
            if gray:
                rgb = to_gray(rgb)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
        if audio_stream is not None:
            tone = sine_tone(len(frames) / float(fps), audio_rate)
            chunk = 1024
            for start in range(0, tone.shape[1], chunk):
                part = np.ascontiguousarray(tone[:, start : start + chunk])
                aframe = av.AudioFrame.from_ndarray(part, format="fltp", layout="stereo")
                aframe.sample_rate = audio_rate
                aframe.pts = start
                aframe.time_base = Fraction(1, audio_rate)
                for packet in audio_stream.encode(aframe):
                    container.mux(packet)
            for packet in audio_stream.encode(None):
                container.mux(packet)
    return path
