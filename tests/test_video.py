"""Video: probe, the colourization job, audio, cancel, damaged files, flicker, the command, webcam.

Clips are made here from real photos (slow pans and zooms, a hard cut, a 440 Hz tone), small
and short so the whole file runs in well under a minute on 2 cores. The model is a small
lite-unet whose BatchNorm statistics are set from real photos, so its colours vary with the
picture and jitter from frame to frame the way an untuned network's do.
"""

from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import torch

from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.engine.video import VideoJob, VideoJobError, VideoSettings, colorize_video
from chroma_desk.media import clips
from chroma_desk.media.video import (
    VideoReadError,
    VideoWriteError,
    VideoWriter,
    count_frames,
    iter_frames,
    probe,
)

SHARED_VAL = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "val"
SIZE = (128, 96)
FPS = 25
PER_SHOT = 12
WORKING = 64  # network input long side: small, so the tests are quick on 2 busy cores


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


@pytest.fixture(scope="module")
def photos() -> list[np.ndarray]:
    """Real colour photos: ../shared/datasets/val when present, else skimage's."""
    if SHARED_VAL.is_dir():
        found = clips.load_photos(SHARED_VAL, 2)
        if len(found) == 2:
            return found
    return clips.skimage_photos()[:2]


def jittery_model(path: Path, gain: float = 3.0) -> Path:
    """A small classification lite-unet, BatchNorm calibrated on real photos (see module doc)."""
    import cv2

    from chroma_desk.models.checkpoint import make_card, save_model
    from chroma_desk.models.unet_lite import LiteUNet

    # ab bins on the grid of 10 inside a disc (the exact sRGB gamut set is not needed here)
    grid = np.arange(-90, 100, 10, dtype=np.float32)
    bins = np.array([(a, b) for a in grid for b in grid if a * a + b * b <= 90 * 90])
    args = {"kind": "classification", "bins": len(bins), "widths": [32, 16, 16]}
    torch.manual_seed(0)
    module = LiteUNet(**args)
    for m in module.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.momentum = None  # a plain average over the calibration batch
            m.reset_running_stats()
    lightness = [
        cv2.resize(cv2.cvtColor(p, cv2.COLOR_RGB2Lab)[..., 0], (128, 96)).astype(np.float32)
        for p in clips.skimage_photos()
    ]
    x = torch.from_numpy((np.stack(lightness)[:, None] * (100 / 255) - 50) / 100)
    module.train()
    with torch.no_grad():
        module(x)
        module.head.weight.mul_(gain)
    module.eval()
    card = make_card("jittery", "lite-unet", args, "classification", 128, 32, bins=bins)
    return save_model(path, module, card)


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> Path:
    return jittery_model(tmp_path_factory.mktemp("models") / "jittery.safetensors")


@pytest.fixture(scope="module")
def colorizer(model_path) -> Colorizer:
    c = Colorizer(model_path, device="cpu")
    torch.set_num_threads(1)
    return c


@pytest.fixture(scope="module")
def frames(photos) -> list[np.ndarray]:
    return list(clips.shots(photos, SIZE, PER_SHOT))


@pytest.fixture(scope="module")
def clip_mp4(tmp_path_factory, frames) -> Path:
    """Gray H.264 + AAC tone in MP4: two shots with a cut between them."""
    return clips.write_clip(tmp_path_factory.mktemp("clips") / "film.mp4", frames, FPS, gray=True)


@pytest.fixture(scope="module")
def clip_mkv(tmp_path_factory, frames) -> Path:
    """PCM audio in Matroska (must be re-encoded for MP4), stored rotated 90 degrees."""
    folder = tmp_path_factory.mktemp("clips")
    return clips.write_clip(folder / "film.mkv", frames, FPS, audio="pcm_s16le", rotation=90)


def audio_seconds(path: Path) -> float | None:
    """Decoded audio length (samples / rate)."""
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return samples / stream.sample_rate


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".part" in p.name)


def settings(**kwargs) -> VideoSettings:
    kwargs.setdefault("working_size", WORKING)
    kwargs.setdefault("preview_interval", 0.05)
    kwargs.setdefault("inference_threads", 1)
    return VideoSettings(**kwargs)


# -- media -------------------------------------------------------------------------------------


def test_probe_reads_the_facts(clip_mp4, clip_mkv):
    info = probe(clip_mp4, count=True)
    assert (info.width, info.height) == SIZE
    assert info.fps == Fraction(FPS)
    assert info.frame_count == 2 * PER_SHOT and info.frame_count_exact
    assert info.duration == pytest.approx(2 * PER_SHOT / FPS, abs=0.05)
    assert info.audio is not None and info.audio.sample_rate == 44100
    assert info.rotation == 0
    facts = dict(info.facts())
    assert facts["Video"].startswith("H.264") and facts["Audio"].startswith("AAC")

    mkv = probe(clip_mkv)
    assert mkv.rotation == 90 and mkv.display_size == (SIZE[1], SIZE[0])
    assert mkv.frame_count_estimated  # Matroska stores no frame count
    assert "rotated 90" in dict(mkv.facts())["Size"]


def test_decoded_frames_match_the_source(clip_mp4, frames):
    decoded = list(iter_frames(clip_mp4))
    assert len(decoded) == len(frames)
    assert decoded[0].rgb.shape == (SIZE[1], SIZE[0], 3) and decoded[0].rgb.dtype == np.uint8
    gray = clips.to_gray(frames[5]).astype(np.float32)
    assert np.abs(decoded[5].rgb.astype(np.float32) - gray).mean() < 4.0  # H.264 at CRF 20
    part = list(iter_frames(clip_mp4, start=0.4, end=0.8))
    assert len(part) == round(0.4 * FPS)
    assert part[0].time == pytest.approx(0.4, abs=1e-6)


def test_truncated_files_give_clear_errors(tmp_path, clip_mp4, frames):
    data = clip_mp4.read_bytes()
    cut = tmp_path / "cut.mp4"  # index (moov) written last: lost
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoReadError, match="truncated"):
        probe(cut)

    fast = clips.write_clip(tmp_path / "fast.mp4", frames, FPS, audio=None, faststart=True)
    cut_fast = tmp_path / "cut-fast.mp4"  # index first: the frames run out early
    cut_fast.write_bytes(fast.read_bytes()[: fast.stat().st_size // 2])
    assert probe(cut_fast).frame_count == len(frames)  # the header still promises them all
    with pytest.raises(VideoReadError, match=rf"truncated: .* promises {2 * PER_SHOT} frames"):
        probe(cut_fast, count=True)

    mkv = clips.write_clip(tmp_path / "whole.mkv", frames, FPS, audio=None)
    cut_mkv = tmp_path / "cut.mkv"
    cut_mkv.write_bytes(mkv.read_bytes()[: mkv.stat().st_size // 2])
    with pytest.raises(VideoReadError, match="truncated"):
        probe(cut_mkv, count=True)


def test_files_without_video_give_clear_errors(tmp_path):
    tone = tmp_path / "tone.m4a"
    with av.open(str(tone), "w") as container:
        stream = container.add_stream("aac", rate=44100)
        stream.layout = "stereo"
        frame = av.AudioFrame.from_ndarray(clips.sine_tone(0.5), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = 44100, 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    with pytest.raises(VideoReadError, match="no video stream.*audio"):
        probe(tone)
    text = tmp_path / "notes.mp4"
    text.write_text("not a film")
    with pytest.raises(VideoReadError, match="not a video file"):
        probe(text)
    empty = tmp_path / "empty.mkv"
    empty.write_bytes(b"")
    with pytest.raises(VideoReadError, match="empty"):
        probe(empty)
    with pytest.raises(VideoReadError, match="no such file"):
        count_frames(tmp_path / "missing.mp4")


def test_writer_is_atomic_and_checks_its_input(tmp_path):
    target = tmp_path / "out.mp4"
    writer = VideoWriter(target, 64, 48, 25)
    writer.write(np.zeros((48, 64, 3), np.uint8))
    assert not target.exists() and leftovers(tmp_path)  # still a temporary file
    with pytest.raises(VideoWriteError, match="expected uint8 64x48"):
        writer.write(np.zeros((10, 10, 3), np.uint8))
    writer.abort()
    assert not target.exists() and not leftovers(tmp_path)
    with pytest.raises(VideoWriteError, match="unsupported output type"):
        VideoWriter(tmp_path / "out.avi", 64, 48, 25)
    with VideoWriter(tmp_path / "odd.mkv", 63, 47, 25) as odd:
        odd.write(np.full((47, 63, 3), 128, np.uint8))
    assert "padded" in odd.notes[0] and probe(tmp_path / "odd.mkv").size == (64, 48)


# -- the job -----------------------------------------------------------------------------------


def test_job_keeps_frames_fps_size_and_sound(tmp_path, clip_mp4, colorizer):
    out = tmp_path / "colour.mp4"
    reports = []
    result = colorize_video(clip_mp4, out, colorizer, settings(), on_progress=reports.append)
    assert result.status == "done" and result.output == out
    src, dst = probe(clip_mp4, count=True), probe(out, count=True)
    assert dst.frame_count == src.frame_count == result.frames
    assert dst.fps == src.fps and dst.size == src.size
    assert result.audio == "copy"
    assert audio_seconds(out) == pytest.approx(audio_seconds(clip_mp4), abs=1e-3)
    assert dst.duration == pytest.approx(src.duration, abs=0.05)
    assert result.scene_cuts == 1  # the cut between the two photos, and nothing else
    assert not leftovers(tmp_path)
    # progress: frames counted up to the total, with fps, ETA and preview frames
    assert reports[-1].state == "done" and reports[-1].frames_done == src.frame_count
    assert any(r.before is not None and r.after is not None for r in reports)
    assert all(r.total == src.frame_count for r in reports)
    mid = [r for r in reports if r.state == "running" and 0 < r.frames_done < r.total]
    assert mid and all(r.fps > 0 and r.eta is not None for r in mid)
    # the output has colour where the input had none
    frame = next(iter_frames(out)).rgb.astype(np.int16)
    assert np.abs(frame[..., 0] - frame[..., 2]).mean() > 2


def test_matroska_pcm_to_mp4_reencodes_aac_and_keeps_rotation(tmp_path, clip_mkv, colorizer):
    out = tmp_path / "colour.mp4"
    result = colorize_video(clip_mkv, out, colorizer, settings())
    assert result.audio == "aac"
    dst = probe(out, count=True)
    assert dst.rotation == 90 and dst.frame_count == 2 * PER_SHOT and dst.fps == FPS
    assert dst.audio is not None and dst.audio.codec == "AAC"
    # AAC codes whole 1024-sample frames: within one frame of the source's length
    assert audio_seconds(out) == pytest.approx(audio_seconds(clip_mkv), abs=1024 / 44100 + 1e-3)
    same = colorize_video(clip_mkv, tmp_path / "colour.mkv", colorizer, settings())
    assert same.audio == "copy"  # Matroska takes PCM as it is


def test_start_end_trims_video_and_audio(tmp_path, clip_mp4, colorizer):
    out = tmp_path / "part.mkv"
    result = colorize_video(clip_mp4, out, colorizer, settings(start=0.4, end=0.8))
    assert result.frames == probe(out, count=True).frame_count == round(0.4 * FPS)
    assert result.audio == "aac"  # a cut is sample-accurate only when re-encoded
    assert audio_seconds(out) == pytest.approx(0.4, abs=1024 / 44100 + 1e-3)


def test_overlapped_and_sequential_give_the_same_frames(tmp_path, clip_mp4, colorizer):
    a, b = tmp_path / "overlapped.mkv", tmp_path / "sequential.mkv"
    colorize_video(clip_mp4, a, colorizer, settings(overlapped=True, keep_audio=False))
    colorize_video(clip_mp4, b, colorizer, settings(overlapped=False, keep_audio=False))
    for fa, fb in zip(iter_frames(a), iter_frames(b), strict=True):
        assert np.abs(fa.rgb.astype(np.int16) - fb.rgb).mean() < 0.5


def test_cancel_leaves_no_output(tmp_path, clip_mp4, colorizer):
    out = tmp_path / "cancelled.mp4"
    job = VideoJob(clip_mp4, out, colorizer, settings(queue_size=2))
    states = []
    for report in job.run():
        states.append(report.state)
        if report.frames_done >= 3 and not job.cancelled:
            job.cancel()
    assert job.result.status == "cancelled" and job.result.output is None
    assert states[-1] == "cancelled" and job.result.frames < 2 * PER_SHOT
    assert not out.exists() and not leftovers(tmp_path)
    assert not [t for t in threading.enumerate() if t.name.startswith("chroma-video")]


def test_closing_the_generator_cancels(tmp_path, clip_mp4, colorizer):
    out = tmp_path / "closed.mp4"
    progress = VideoJob(clip_mp4, out, colorizer, settings()).run()
    next(progress)
    progress.close()
    assert not out.exists() and not leftovers(tmp_path)


def test_failure_mid_job_leaves_no_output(tmp_path, clip_mp4, colorizer, monkeypatch):
    from chroma_desk.engine.frames import FrameColorizer

    calls = {"n": 0}
    real = FrameColorizer.render

    def broken(self, item, ab):
        calls["n"] += 1
        if calls["n"] > 5:
            raise MemoryError("out of memory (simulated)")
        return real(self, item, ab)

    monkeypatch.setattr(FrameColorizer, "render", broken)
    out = tmp_path / "failed.mp4"
    with pytest.raises(MemoryError, match="simulated"):
        colorize_video(clip_mp4, out, colorizer, settings())
    assert not out.exists() and not leftovers(tmp_path)


def test_pause_and_resume(tmp_path, clip_mp4, colorizer):
    out = tmp_path / "paused.mp4"
    job = VideoJob(clip_mp4, out, colorizer, settings(queue_size=2, preview_interval=0.02))
    states, still, last, paused_once, resumed = [], 0, -1, False, False
    for report in job.run():
        if not paused_once and report.frames_done >= 2:
            job.pause()
            paused_once = True
        elif job.paused:
            # frames already in the queues drain; then nothing moves until resumed
            states.append(report.state)
            still = still + 1 if report.frames_done == last else 0
            last = report.frames_done
            if still >= 15:
                job.resume()
                resumed = True
            assert len(states) < 5000, "the job kept moving while paused"
    assert resumed and "paused" in states
    assert job.result.status == "done" and out.exists()
    assert job.result.frames == 2 * PER_SHOT


def test_job_errors_are_clear(tmp_path, clip_mp4, colorizer):
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip_mp4.read_bytes()[:4000])
    with pytest.raises(VideoReadError, match="truncated"):
        colorize_video(cut, tmp_path / "out.mp4", colorizer, settings())
    with pytest.raises(VideoJobError, match="overwrite the input"):
        colorize_video(clip_mp4, clip_mp4, colorizer, settings())
    with pytest.raises(VideoJobError, match="past the end"):
        colorize_video(clip_mp4, tmp_path / "late.mp4", colorizer, settings(start=60))
    assert not leftovers(tmp_path)


# -- flicker -----------------------------------------------------------------------------------


def test_smoothing_lowers_flicker_on_a_real_clip(shared_val, colorizer):
    from chroma_desk.engine.flicker import measure_flicker

    photos = clips.load_photos(shared_val, 2)
    report = measure_flicker(colorizer, photos, SIZE, PER_SHOT, FPS, working_size=WORKING)
    raw, smoothed = report["raw"], report["smoothed"]
    assert smoothed["warping_error"] < 0.8 * raw["warping_error"]
    assert smoothed["still_flicker"] < 0.8 * raw["still_flicker"]
    # not bought by washing the colour out: quality and colourfulness about the same
    assert abs(smoothed["ciede2000"] - raw["ciede2000"]) < 1.0
    assert smoothed["colourfulness"] > 0.8 * raw["colourfulness"]
    assert smoothed["scene_cuts_found"] == 1


def test_flicker_measures_on_known_motion():
    from chroma_desk.engine.flicker import flow_pairs, still_flicker, warping_error

    photo = clips.skimage_photos()[0]
    frames = list(clips.camera_move(photo, (128, 96), 6, zoom=(1.1, 1.1), pan=(0.05, 0.0)))
    import cv2

    grays = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
    pairs = flow_pairs(grays)
    assert np.mean([p.mask.mean() for p in pairs[1:]]) > 0.8
    # colour that moves with the picture: warping explains it, up to interpolation
    ab = [cv2.GaussianBlur(np.dstack([g, g]).astype(np.float32), (0, 0), 2) * 0.2 for g in grays]
    steady = warping_error(ab, pairs)
    noise = np.random.default_rng(0).normal(0, 5, size=(6, 96, 128, 2)).astype(np.float32)
    noisy = [a + n for a, n in zip(ab, noise, strict=True)]
    assert steady < 1.0 and warping_error(noisy, pairs) > 5 * steady
    assert still_flicker(noisy, grays)[0] > still_flicker(ab, grays)[0]


# -- the command -------------------------------------------------------------------------------


def test_video_command(tmp_path, clip_mp4, model_path, capsys):
    from chroma_desk.cli import main

    out = tmp_path / "cli.mp4"
    code = main(["video", str(clip_mp4), "-o", str(out), "--model", str(model_path)]
                + ["--size", str(WORKING), "--start", "0.2", "--crf", "23", "-q"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert probe(out, count=True).frame_count == 2 * PER_SHOT - round(0.2 * FPS)
    assert "audio re-encoded to AAC" in capsys.readouterr().out

    assert main(["video", str(clip_mp4), "-o", str(out), "--model", str(model_path)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["video", str(clip_mp4), "-o", str(tmp_path / "x.avi")]) == 2
    assert ".mp4" in capsys.readouterr().err
    args = ["-o", str(tmp_path / "y.mp4"), "--model", str(model_path), "-q"]
    assert main(["video", str(clip_mp4), "--end", "0", *args]) == 2
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip_mp4.read_bytes()[:3000])
    assert main(["video", str(cut), *args]) == 1
    err = capsys.readouterr().err
    assert "truncated" in err
    assert main(["video", str(tmp_path / "none.mp4"), *args]) == 2
    assert "no such file" in capsys.readouterr().err
    assert not (tmp_path / "y.mp4").exists() and not leftovers(tmp_path)


# -- webcam ------------------------------------------------------------------------------------


def test_no_camera_is_a_clear_message():
    from chroma_desk.media.camera import NoCameraError, OpenCVCamera

    with pytest.raises(NoCameraError, match="No camera found"):
        OpenCVCamera(97)


def test_newest_frame_grabber_drops_rather_than_lags(frames):
    import time

    from chroma_desk.media.camera import LatestFrame, SyntheticSource

    with LatestFrame(SyntheticSource(frames, fps=200)) as grabber:
        seqs = []
        for _ in range(5):
            got = grabber.get(timeout=5)
            seqs.append(got.seq)
            time.sleep(0.05)  # a slow consumer: ~10 frames arrive meanwhile
        assert all(b > a for a, b in zip(seqs, seqs[1:], strict=False))
        assert max(b - a for a, b in zip(seqs, seqs[1:], strict=False)) > 1
        assert grabber.dropped > 0
        assert grabber.captured - grabber.delivered - grabber.dropped in (0, 1)


def test_live_session_from_a_file(tmp_path, clip_mp4, colorizer):
    from chroma_desk.engine.live import LiveSession
    from chroma_desk.media.camera import FileSource

    session = LiveSession(FileSource(clip_mp4, fps=50), colorizer, working_size=WORKING)
    seen = []
    for frame in session.frames(max_frames=8):
        seen.append(frame)
        if len(seen) == 2:
            session.start_recording(tmp_path / "live.mp4")
        if len(seen) == 4:
            session.temperature = 0.1  # changes take effect on the next frame
    assert len(seen) == 8
    assert seen[-1].after.shape == seen[-1].before.shape == (SIZE[1], SIZE[0], 3)
    assert all(f.latency >= f.process > 0 for f in seen)
    recorded = probe(tmp_path / "live.mp4", count=True)
    assert recorded.frame_count == 6 and recorded.size == SIZE
    assert not session.recording and not leftovers(tmp_path)
