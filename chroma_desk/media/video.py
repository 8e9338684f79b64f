"""Video clips in and out with PyAV (FFmpeg in-process): probe, decode, encode, carry the sound.

- ``probe`` reads the facts of a clip (codec, size, fps, frame count, duration, rotation, audio)
  and checks it can be decoded; a damaged, truncated or audio-only file gives ``VideoReadError``
  with a message that names the file and says why.
- ``iter_frames`` decodes RGB uint8 frames, optionally between ``start`` and ``end`` seconds.
- ``VideoWriter`` encodes H.264 (libx264, yuv420p, CRF) into MP4/MOV or MKV under a temporary
  name, interleaving the source's audio (copied when the container takes its codec and the clip
  is not trimmed, re-encoded to AAC otherwise), and renames the file into place on ``close``.
  ``abort`` removes the temporary file, so a failed or cancelled job never leaves a half file.

Frames are processed as stored (PyAV does not auto-rotate); the source's rotation is written
back as the same display matrix, so players show the result the way they showed the input.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import av.error
import numpy as np

from chroma_desk.durations import format_duration
from chroma_desk.paths import NEW_FILE_MODE

VIDEO_SUFFIXES = {
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".mts", ".m2ts",
    ".wmv", ".flv", ".ogv", ".3gp", ".dv", ".mxf",
}  # fmt: skip
OUTPUT_FORMATS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}
# Audio codecs copied as they are into an MP4/MOV; anything else is re-encoded to AAC.
MP4_AUDIO_COPY = {"aac", "mp3", "ac3", "eac3", "alac", "opus", "flac"}
CODEC_NAMES = {
    "h264": "H.264", "hevc": "H.265 / HEVC", "mpeg4": "MPEG-4 Part 2", "vp8": "VP8",
    "vp9": "VP9", "av1": "AV1", "prores": "ProRes", "mjpeg": "Motion JPEG",
    "mpeg2video": "MPEG-2", "mpeg1video": "MPEG-1", "theora": "Theora", "dvvideo": "DV",
    "rawvideo": "uncompressed", "ffv1": "FFV1", "aac": "AAC", "mp3": "MP3", "opus": "Opus",
    "vorbis": "Vorbis", "flac": "FLAC", "ac3": "AC-3", "pcm_s16le": "PCM 16-bit",
}  # fmt: skip
CONTAINER_NAMES = {
    ".mp4": "MP4", ".m4v": "MP4", ".mov": "QuickTime", ".mkv": "Matroska", ".webm": "WebM",
    ".avi": "AVI", ".ts": "MPEG-TS", ".mts": "MPEG-TS", ".m2ts": "MPEG-TS",
}  # fmt: skip
DEFAULT_CRF = 18
DEFAULT_PRESET = "veryfast"
AAC_BITRATE = 192_000

# AVColorSpace values (libavutil/pixfmt.h) and the matching swscale matrices.
_SPC_BT709, _SPC_SMPTE170M, _SPC_BT470BG = 1, 6, 5
_RANGE_MPEG = 1
# AAC needs a named channel layout; a source with only a channel count gets the usual one.
_DEFAULT_LAYOUTS = {
    1: "mono",
    2: "stereo",
    3: "3.0",
    4: "quad",
    5: "5.0",
    6: "5.1",
    7: "6.1",
    8: "7.1",
}


def default_output(source: Path) -> Path:
    """Where a colourized video goes unless told: ``<name>_color.mp4`` beside the source."""
    return source.with_name(f"{source.stem}_color.mp4")


class VideoError(Exception):
    """Base of the clip errors below."""


class VideoReadError(VideoError):
    """A clip that cannot be read; the message names the file and says why."""


class VideoWriteError(VideoError):
    """A result that cannot be written; the message names the file and says why."""


@dataclass(frozen=True)
class AudioInfo:
    codec: str
    sample_rate: int
    channels: int
    layout: str
    duration: float | None


@dataclass
class VideoInfo:
    """The facts of a clip, as stored (size before rotation)."""

    path: Path
    container: str
    codec: str
    width: int
    height: int
    fps: Fraction
    frame_count: int
    frame_count_exact: bool  # every packet counted
    duration: float
    rotation: int = 0  # degrees counter-clockwise, as PyAV reports it
    pix_fmt: str | None = None
    bit_rate: int | None = None
    start_time: float = 0.0
    audio: AudioInfo | None = None
    colorspace: int = 0
    color_range: int = 0
    color_primaries: int = 2
    color_trc: int = 2
    sample_aspect_ratio: Fraction | None = None
    time_base: Fraction | None = None  # the video stream's unit of frame times
    frame_count_estimated: bool = False  # from duration x fps (the header holds no count)
    notes: list[str] = field(default_factory=list)

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) as a player shows it, rotation applied."""
        if self.rotation % 180:
            return self.height, self.width
        return self.width, self.height

    def facts(self) -> list[tuple[str, str]]:
        """Label/value pairs for a window or a terminal."""
        length = format_duration(self.duration, clock=True, decimals=1)
        size = f"{self.width} x {self.height}"
        if self.rotation:
            size += f" (shown rotated {self.rotation}\N{DEGREE SIGN})"
        rows = [
            ("File", self.path.name),
            ("Container", self.container),
            ("Video", f"{self.codec}" + (f", {self.pix_fmt}" if self.pix_fmt else "")),
            ("Size", size),
            ("Frame rate", f"{float(self.fps):.3f}".rstrip("0").rstrip(".") + " fps"),
            (
                "Frames",
                f"{self.frame_count:,}" + (" (estimated)" if self.frame_count_estimated else ""),
            ),
            ("Length", length),
        ]
        if self.audio:
            a = self.audio
            rows.append(("Audio", f"{a.codec}, {a.sample_rate} Hz, {a.layout or a.channels}"))
        else:
            rows.append(("Audio", "none"))
        return rows


def _ffmpeg_message(exc: BaseException) -> str:
    if isinstance(exc, av.error.FFmpegError):
        return exc.strerror or str(exc)
    return str(exc)


def _open_input(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise VideoReadError(f"{path}: no such file")
    if path.is_dir():
        raise VideoReadError(f"{path}: is a folder, not a video file")
    if path.stat().st_size == 0:
        raise VideoReadError(f"{path}: the file is empty")
    try:
        return av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        text = _ffmpeg_message(exc)
        if _looks_like_mp4(path):
            raise VideoReadError(
                f"{path}: damaged or truncated MP4/MOV ({text}); a file cut short loses the "
                "index written at its end, so nothing in it can be read"
            ) from exc
        raise VideoReadError(f"{path}: not a video file FFmpeg can read ({text})") from exc


def _looks_like_mp4(path: Path) -> bool:
    """An ISO media file (MP4, MOV, 3GP) starts with an ``ftyp`` (or ``moov``/``mdat``) box."""
    try:
        with path.open("rb") as f:
            head = f.read(12)
    except OSError:
        return False
    return head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free")


def _tag_seconds(value: str | None) -> float | None:
    """Matroska's per-track ``DURATION`` tag, ``HH:MM:SS.nnnnnnnnn``."""
    if not value:
        return None
    try:
        hours, minutes, seconds = value.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None


def _video_stream(
    container: av.container.InputContainer, path: Path
) -> av.video.stream.VideoStream:
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams}) or ["no streams at all"]
        raise VideoReadError(f"{path}: no video stream in this file (it holds: {', '.join(kinds)})")
    return container.streams.video[0]


def _refuse_still_image(container: av.container.InputContainer, path: Path) -> None:
    """FFmpeg opens a photo as a one-frame 'video' (image2, jpeg_pipe, png_pipe...), whatever
    its name says; say what it is rather than fail later on a clip that lasts no time."""
    name = container.format.name or ""
    if name == "image2" or name.endswith("_pipe"):
        kind = name.removesuffix("_pipe").upper() if name.endswith("_pipe") else "image"
        raise VideoReadError(
            f"{path}: a still {kind} picture, not a video; "
            "photos are colourized with `chroma-desk colorize` or the Photos tab"
        )


def _stream_fps(stream: av.video.stream.VideoStream) -> Fraction | None:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and 0 < float(rate) < 1000:
            return Fraction(rate)
    return None


def _stream_seconds(stream: av.stream.Stream, value: int | None) -> float | None:
    if value is None or stream.time_base is None:
        return None
    return float(value * stream.time_base)


def count_frames(path: str | Path) -> int:
    """Exact number of video frames, by reading every packet (no decoding)."""
    path = Path(path)
    with _open_input(path) as container:
        stream = _video_stream(container, path)
        return _count_packets(container, stream, path)


def _count_packets(container, stream, path: Path) -> int:
    count = 0
    try:
        for packet in container.demux(stream):
            if packet.size:
                count += 1
    except av.error.FFmpegError as exc:
        raise VideoReadError(
            f"{path}: damaged or truncated after {count} frames ({_ffmpeg_message(exc)})"
        ) from exc
    return count


def probe(path: str | Path, count: bool = False) -> VideoInfo:
    """Read a clip's facts and decode its first frame (rotation, and proof it decodes).

    ``count=True`` also reads every packet for an exact frame count, which finds a file cut short
    before any work starts.
    """
    path = Path(path)
    with _open_input(path) as container:
        stream = _video_stream(container, path)
        ctx = stream.codec_context
        _refuse_still_image(container, path)
        notes: list[str] = []
        fps = _stream_fps(stream)
        if fps is None:
            fps = Fraction(25)
            notes.append("no frame rate stored; 25 fps assumed")
        duration = _stream_seconds(stream, stream.duration)
        track_duration = duration
        if duration is None:
            duration = track_duration = _tag_seconds(stream.metadata.get("DURATION"))
        if duration is None and container.duration:
            duration = container.duration / av.time_base
        header_frames = int(stream.frames or 0)
        estimated = not header_frames
        frame_count = header_frames or round((duration or 0.0) * float(fps))
        start_time = _stream_seconds(stream, stream.start_time) or 0.0
        audio = None
        if container.streams.audio:
            a = container.streams.audio[0]
            actx = a.codec_context
            audio = AudioInfo(
                codec=CODEC_NAMES.get(actx.name, actx.name) if actx else "unknown",
                sample_rate=int(a.sample_rate or 0),
                channels=int(actx.channels if actx else 0),
                layout=(actx.layout.name if actx and actx.layout else ""),
                duration=_stream_seconds(a, a.duration),
            )
        rotation = 0
        try:
            first = next(iter(container.decode(stream)), None)
        except av.error.FFmpegError as exc:
            raise VideoReadError(
                f"{path}: the video cannot be decoded ({_ffmpeg_message(exc)}); damaged or truncated?"
            ) from exc
        if first is None:
            raise VideoReadError(f"{path}: the video stream holds no frames (damaged or truncated)")
        rotation = int(round(first.rotation or 0)) % 360
        info = VideoInfo(
            path=path,
            container=CONTAINER_NAMES.get(path.suffix.lower())
            or container.format.long_name
            or container.format.name,
            codec=CODEC_NAMES.get(ctx.name, ctx.name) if ctx else "unknown",
            width=int(first.width),
            height=int(first.height),
            fps=fps,
            frame_count=frame_count,
            frame_count_exact=False,
            frame_count_estimated=estimated,
            duration=float(duration or frame_count / float(fps)),
            rotation=rotation,
            pix_fmt=first.format.name,
            bit_rate=container.bit_rate or None,
            start_time=start_time,
            audio=audio,
            colorspace=int(first.colorspace or 0),
            color_range=int(first.color_range or 0),
            color_primaries=int(first.color_primaries or 2),
            color_trc=int(first.color_trc or 2),
            sample_aspect_ratio=stream.sample_aspect_ratio or None,
            time_base=Fraction(stream.time_base) if stream.time_base else None,
            notes=notes,
        )
    if count:
        with _open_input(path) as container:
            counted = _count_packets(container, _video_stream(container, path), path)
        if counted == 0:
            raise VideoReadError(f"{path}: the video stream holds no frames (damaged or truncated)")
        promised = header_frames or (round(track_duration * float(fps)) if track_duration else 0)
        if promised and counted < promised - (0 if header_frames else 2):
            raise VideoReadError(
                f"{path}: truncated: its header promises {promised} frames but the file "
                f"holds {counted}"
            )
        info.frame_count, info.frame_count_exact = counted, True
        info.frame_count_estimated = False
    return info


@dataclass
class DecodedFrame:
    index: int  # 0-based, counted from ``start``
    time: float  # seconds from the start of the clip
    rgb: np.ndarray  # (H, W, 3) uint8
    gray: bool = False  # stored without colour (chroma planes flat): R = G = B


_YUV_FORMATS = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p"}


def is_gray_frame(frame: av.VideoFrame) -> bool:
    """True when a decoded frame carries no colour: a gray format, or flat chroma planes.

    Reads only the two small chroma planes, so it costs next to nothing.
    """
    name = frame.format.name
    if name in ("gray", "gray8", "ya8"):
        return True
    if name not in _YUV_FORMATS:
        return False
    for plane in frame.planes[1:3]:
        chroma = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        chroma = chroma[:, : plane.width]
        if chroma.min() != 128 or chroma.max() != 128:
            return False
    return True


def iter_frames(
    path: str | Path,
    start: float | None = None,
    end: float | None = None,
    info: VideoInfo | None = None,
    threads: bool = True,
) -> Iterator[DecodedFrame]:
    """Decode RGB frames in presentation order, those with ``start <= time < end``.

    Raises ``VideoReadError`` when the file turns out damaged, or ends well before its header
    said (only checked for an untrimmed read).
    """
    path = Path(path)
    info = info or probe(path)
    start = max(0.0, start or 0.0)
    container = _open_input(path)
    try:
        stream = _video_stream(container, path)
        if threads:
            stream.thread_type = "AUTO"
        t0 = info.start_time
        if start > 0:
            target = int((start + t0) / stream.time_base)
            container.seek(max(0, target), stream=stream, backward=True, any_frame=False)
        index = 0
        half_frame = 0.5 / float(info.fps)
        try:
            for frame in container.decode(stream):
                t = (float(frame.time) - t0) if frame.time is not None else index / float(info.fps)
                if t < start - half_frame:
                    continue
                if end is not None and t >= end - half_frame:
                    break
                rgb = frame.to_ndarray(format="rgb24")
                yield DecodedFrame(index, t, rgb, is_gray_frame(frame))
                index += 1
        except av.error.FFmpegError as exc:
            raise VideoReadError(
                f"{path}: damaged or truncated after frame {index} ({_ffmpeg_message(exc)})"
            ) from exc
        untrimmed = start == 0 and end is None
        if untrimmed and info.frame_count_exact and index < info.frame_count:
            raise VideoReadError(
                f"{path}: truncated: {info.frame_count} frames expected, only {index} decoded"
            )
        if index == 0:
            raise VideoReadError(f"{path}: no frames between {start:.3f} s and {end} s")
    finally:
        container.close()


def temporary_path(path: Path) -> Path:
    """A unique hidden name beside ``path`` with the same suffix (same folder: atomic rename)."""
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=f".part{path.suffix}", dir=path.parent
    )
    os.close(fd)
    return Path(tmp)


def output_format(path: Path) -> str:
    try:
        return OUTPUT_FORMATS[path.suffix.lower()]
    except KeyError:
        raise VideoWriteError(
            f"{path}: unsupported output type {path.suffix or '(none)'!r}; use .mp4, .mov or .mkv"
        ) from None


class _AudioCarrier:
    """Feeds the source's audio into the output, packet by packet, in time order.

    Copy mode passes packets through unchanged; re-encode mode decodes, cuts to
    [start, end) sample-accurately and encodes AAC.
    """

    def __init__(
        self,
        source: Path,
        output: av.container.OutputContainer,
        start: float,
        end: float | None,
        video_start: float,
    ) -> None:
        self.source = source
        self.input = _open_input(source)
        self.in_stream = self.input.streams.audio[0]
        self.start, self.end, self.t0 = start, end, video_start
        trimmed = start > 0 or end is not None
        self.mode = "aac"
        self.stream = None
        codec = self.in_stream.codec_context.name
        copy_ok = not trimmed and (output.format.name != "mp4" or codec in MP4_AUDIO_COPY)
        if copy_ok:
            try:
                self.stream = output.add_stream_from_template(self.in_stream)
                self.mode = "copy"
            except (ValueError, av.error.FFmpegError):
                self.stream = None
        if self.stream is None:
            rate = int(self.in_stream.sample_rate or 48000)
            self.stream = output.add_stream("aac", rate=rate)
            channels = self.in_stream.codec_context.layout.nb_channels or 2
            self.stream.layout = _DEFAULT_LAYOUTS.get(channels, "stereo")
            self.stream.bit_rate = AAC_BITRATE
        self._packets = self._copy() if self.mode == "copy" else self._encode()
        self._pending = None
        self._done = False

    def _copy(self) -> Iterator[tuple[float, av.Packet]]:
        offset = round(self.t0 / self.in_stream.time_base) if self.t0 else 0
        for packet in self.input.demux(self.in_stream):
            if packet.dts is None and packet.pts is None:
                continue  # the demuxer's final empty packet
            if offset:
                if packet.pts is not None:
                    packet.pts -= offset
                if packet.dts is not None:
                    packet.dts -= offset
            packet.stream = self.stream
            t = float(
                (packet.pts if packet.pts is not None else packet.dts) * self.in_stream.time_base
            )
            yield t, packet

    def _encode(self) -> Iterator[tuple[float, av.Packet]]:
        rate = self.stream.codec_context.sample_rate
        tb = Fraction(1, rate)
        written = 0
        if self.start > 0:
            # container-level seek (AV_TIME_BASE units) to just before the cut; frames are
            # then trimmed sample-accurately below
            self.input.seek(max(0, int((self.start + self.t0 - 0.5) * av.time_base)))

        def encoded(frame):
            for packet in self.stream.encode(frame):
                pts = packet.pts if packet.pts is not None else 0
                yield float(pts * (packet.time_base or tb)), packet

        for frame in self.input.decode(self.in_stream):
            if frame.pts is None or frame.time is None:
                continue
            t = float(frame.time) - self.t0
            n = frame.samples
            first = max(0, math.ceil((self.start - t) * frame.sample_rate - 1e-6))
            last = n
            if self.end is not None:
                last = min(n, math.floor((self.end - t) * frame.sample_rate + 1e-6))
            if first >= n:
                continue
            if last <= 0 or last <= first:
                if self.end is not None and t >= self.end:
                    break
                continue
            if first or last != n:
                data = frame.to_ndarray()
                planar = frame.format.is_planar
                k = 1 if planar else len(frame.layout.channels)
                part = np.ascontiguousarray(data[:, first * k : last * k])
                new = av.AudioFrame.from_ndarray(
                    part, format=frame.format.name, layout=frame.layout.name
                )
                new.sample_rate = frame.sample_rate
                frame = new
            frame.pts = written
            frame.time_base = tb
            written += frame.samples
            yield from encoded(frame)
        yield from encoded(None)

    def pump(self, until: float) -> None:
        """Mux every audio packet that starts before ``until`` seconds."""
        while not self._done:
            if self._pending is None:
                try:
                    self._pending = next(self._packets)
                except StopIteration:
                    self._done = True
                    break
                except av.error.FFmpegError as exc:
                    raise VideoReadError(
                        f"{self.source}: the audio cannot be read ({_ffmpeg_message(exc)})"
                    ) from exc
            t, packet = self._pending
            if t >= until:
                break
            self.stream.container.mux(packet)
            self._pending = None

    def close(self) -> None:
        self.input.close()


class VideoWriter:
    """H.264 (libx264, yuv420p) into MP4/MOV/MKV, atomically: a temporary name until ``close``.

    Args:
        path: the finished file's name (.mp4, .m4v, .mov or .mkv).
        width, height: frame size (odd sizes are padded by one pixel: 4:2:0 needs even sizes).
        fps: frame rate; frames are stamped ``index / fps`` unless ``write`` is given a time.
        crf: x264 constant rate factor (lower is better; 18 is visually lossless for most).
        preset: x264 speed preset.
        rotation: display rotation to record (degrees counter-clockwise, as read by ``probe``).
        audio_from: a clip whose first audio stream is carried over.
        audio_start, audio_end: the part of that audio to keep (seconds); trimming re-encodes.
        like: a ``VideoInfo`` whose colour tags and pixel aspect are copied.
        variable_rate: stamp frames with the times given to ``write`` (webcam recordings, and
            clips colourized frame for frame, whose frames keep their own times: a
            variable-frame-rate source stays in sync with its sound).
        time_base: the time unit of those stamps (default 1 ms); a clip's own stream time base
            keeps its frame times exact.
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        fps: Fraction | float,
        crf: int = DEFAULT_CRF,
        preset: str = DEFAULT_PRESET,
        rotation: int = 0,
        audio_from: str | Path | None = None,
        audio_start: float = 0.0,
        audio_end: float | None = None,
        like: VideoInfo | None = None,
        variable_rate: bool = False,
        overwrite: bool = True,
        time_base: Fraction | None = None,
    ) -> None:
        self.path = Path(path)
        fmt = output_format(self.path)
        if not 0 <= int(crf) <= 51:
            raise VideoWriteError(f"CRF must be between 0 and 51 (got {crf})")
        if not self.path.parent.is_dir():
            raise VideoWriteError(f"{self.path}: the folder {self.path.parent} does not exist")
        if self.path.exists() and not overwrite:
            raise VideoWriteError(f"{self.path}: exists already")
        self.width, self.height = int(width), int(height)
        self.pad = (self.width % 2, self.height % 2)
        self.fps = (
            Fraction(fps).limit_denominator(1001000) if not isinstance(fps, Fraction) else fps
        )
        self.variable_rate = variable_rate
        self.time_base = Fraction(time_base) if time_base else Fraction(1, 1000)
        self.frames = 0
        self._last_pts = -1
        self.notes: list[str] = []
        if any(self.pad):
            self.notes.append(
                f"size {self.width}x{self.height} padded to even "
                f"{self.width + self.pad[0]}x{self.height + self.pad[1]} for 4:2:0 H.264"
            )
        self._audio: _AudioCarrier | None = None
        self._closed = False
        try:
            self.tmp = temporary_path(self.path)
        except OSError as exc:
            raise VideoWriteError(f"{self.path}: cannot write in this folder ({exc})") from exc
        try:
            self.container = av.open(str(self.tmp), mode="w", format=fmt)
            stream = self.container.add_stream(
                "libx264", rate=self.fps, options={"crf": str(int(crf)), "preset": preset}
            )
            stream.width = self.width + self.pad[0]
            stream.height = self.height + self.pad[1]
            stream.pix_fmt = "yuv420p"
            if variable_rate:
                stream.codec_context.time_base = self.time_base
            self._matrix, self._range = _SPC_SMPTE170M, _RANGE_MPEG
            if like is not None:
                if like.colorspace in (_SPC_BT709, _SPC_SMPTE170M, _SPC_BT470BG):
                    self._matrix = like.colorspace
                if like.sample_aspect_ratio:
                    stream.codec_context.sample_aspect_ratio = like.sample_aspect_ratio
                if like.color_primaries not in (0, 2):
                    stream.codec_context.color_primaries = like.color_primaries
                if like.color_trc not in (0, 2):
                    stream.codec_context.color_trc = like.color_trc
            stream.codec_context.colorspace = self._matrix
            stream.codec_context.color_range = self._range
            if rotation % 360:
                stream.set_display_rotation(rotation % 360)
            self.stream = stream
            if audio_from is not None:
                source = Path(audio_from)
                src_info_start = like.start_time if like is not None else 0.0
                with _open_input(source) as probe_container:
                    has_audio = bool(probe_container.streams.audio)
                if has_audio:
                    self._audio = _AudioCarrier(
                        source, self.container, audio_start, audio_end, src_info_start
                    )
        except VideoError:
            self.abort()
            raise
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            self.abort()
            raise VideoWriteError(
                f"{self.path}: cannot start encoding ({_ffmpeg_message(exc)})"
            ) from exc
        except BaseException:  # Ctrl+C or SIGTERM while starting: the caller has no writer to abort
            self.abort()
            raise

    @property
    def audio_mode(self) -> str:
        """``copy``, ``aac`` or ``none``."""
        return self._audio.mode if self._audio else "none"

    def _sws_matrix(self) -> str:
        return "itu709" if self._matrix == _SPC_BT709 else "itu601"

    def write(self, rgb: np.ndarray, time: float | None = None) -> None:
        """Encode one RGB uint8 frame (H, W, 3); ``time`` in seconds for variable-rate files."""
        if self._closed:
            raise VideoWriteError(f"{self.path}: the writer is closed")
        if rgb.dtype != np.uint8 or rgb.shape[:2] != (self.height, self.width):
            raise VideoWriteError(
                f"frame {self.frames}: expected uint8 {self.width}x{self.height} RGB, "
                f"got {rgb.dtype} {rgb.shape[1]}x{rgb.shape[0]}"
            )
        if any(self.pad):
            rgb = np.pad(rgb, ((0, self.pad[1]), (0, self.pad[0]), (0, 0)), mode="edge")
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame = frame.reformat(
            format="yuv420p", dst_colorspace=self._sws_matrix(), dst_color_range=self._range
        )
        if self.variable_rate and time is not None:
            pts = max(self._last_pts + 1, round(time / self.time_base))
            seconds = float(pts * self.time_base)
        else:
            pts = self.frames
            seconds = self.frames / float(self.fps)
        frame.pts = pts
        self._last_pts = pts
        try:
            for packet in self.stream.encode(frame):
                self.container.mux(packet)
            if self._audio is not None:
                self._audio.pump(seconds + 1.0 / float(self.fps))
        except av.error.FFmpegError as exc:
            raise VideoWriteError(f"{self.path}: encoding failed ({_ffmpeg_message(exc)})") from exc
        self.frames += 1

    def close(self) -> Path:
        """Flush the encoders, finish the file and rename it into place."""
        if self._closed:
            return self.path
        try:
            for packet in self.stream.encode(None):
                self.container.mux(packet)
            if self._audio is not None:
                self._audio.pump(math.inf)
                self._audio.close()
            self.container.close()
            self._closed = True
            os.chmod(self.tmp, NEW_FILE_MODE)  # mkstemp makes 0600; a result gets the usual mode
            os.replace(self.tmp, self.path)
        except (av.error.FFmpegError, OSError) as exc:
            self.abort()
            raise VideoWriteError(
                f"{self.path}: cannot finish the file ({_ffmpeg_message(exc)})"
            ) from exc
        except BaseException:
            self.abort()
            raise
        return self.path

    def abort(self) -> None:
        """Stop and remove the temporary file; the target name is never touched."""
        self._closed = True
        for closer in (getattr(self, "_audio", None), getattr(self, "container", None)):
            if closer is not None:
                try:
                    closer.close()
                except Exception:  # noqa: BLE001 - already failing; removing the file matters more
                    pass
        tmp = getattr(self, "tmp", None)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
