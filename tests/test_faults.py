"""Faults and hostile input outside training (issue 12): variable-frame-rate video, signals
during `video` and `colorize`, impossible video arguments, model files that are not model
files, and `evaluate` on photos and folders that fight back. Each case ends with a clear
message and nothing half-written; none ends in a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from modelkit import make_lite_model
from PIL import Image

from chroma_desk.engine.video import VideoSettings, colorize_video
from chroma_desk.media import clips

REPO = Path(__file__).resolve().parents[1]
VFR_TIMES = [0.0, 0.04, 0.08, 0.12, 0.5, 0.54, 1.0, 1.5, 2.0, 2.04, 2.5, 3.0]
AUDIO_RATE = 44100


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/conftest.py


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    return make_lite_model(tmp_path_factory.mktemp("models"), working_size=64)


def write_vfr_clip(path: Path, times: list[float], audio_seconds: float) -> Path:
    """A gray H.264 clip whose frames sit at ``times`` (ms time base), with a tone."""
    photo = clips.skimage_photos()[0]
    frames = list(clips.shots([photo], (96, 64), len(times)))
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=25, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        audio = container.add_stream("aac", rate=AUDIO_RATE)
        audio.layout = "stereo"
        for t, rgb in zip(times, frames, strict=True):
            frame = av.VideoFrame.from_ndarray(clips.to_gray(rgb), format="rgb24")
            frame.pts = round(t * 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
        tone = clips.sine_tone(audio_seconds, AUDIO_RATE)
        for start in range(0, tone.shape[1], 1024):
            part = np.ascontiguousarray(tone[:, start : start + 1024])
            aframe = av.AudioFrame.from_ndarray(part, format="fltp", layout="stereo")
            aframe.sample_rate, aframe.pts = AUDIO_RATE, start
            aframe.time_base = Fraction(1, AUDIO_RATE)
            for packet in audio.encode(aframe):
                container.mux(packet)
        for packet in audio.encode(None):
            container.mux(packet)
    return path


def frame_times(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
        return [float(f.time) - start for f in container.decode(stream)]


def audio_seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return sum(f.samples for f in container.decode(stream)) / stream.sample_rate


def test_variable_frame_rate_video_keeps_frame_times_and_sync(tmp_path, tiny_model):
    source = write_vfr_clip(tmp_path / "vfr.mp4", VFR_TIMES, audio_seconds=3.1)
    assert frame_times(source) == pytest.approx(VFR_TIMES, abs=1e-3)  # really VFR
    out = tmp_path / "colour.mp4"
    settings = VideoSettings(working_size=64, inference_threads=1, preview_interval=0.05)
    result = colorize_video(source, out, tiny_model, settings)
    assert result.status == "done" and result.frames == len(VFR_TIMES)
    assert frame_times(out) == pytest.approx(VFR_TIMES, abs=1e-3)  # the frame at 3 s stays
    assert audio_seconds(out) == pytest.approx(audio_seconds(source), abs=0.05)
    assert frame_times(out)[-1] == pytest.approx(3.0, abs=1e-3)


# -- signals -----------------------------------------------------------------------------------


def start_command(*args: str, cwd: Path, importtime: bool = False) -> subprocess.Popen:
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.Popen(
        [sys.executable, *flags, "-m", "chroma_desk", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def wait_for_line(proc: subprocess.Popen, needle: str) -> str:
    """stderr up to the first line holding ``needle`` (the command is then at that point)."""
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if needle in line:
            return "".join(seen)
    raise AssertionError(f"the command ended before {needle!r}: {''.join(seen)[-2000:]}")


def finish(proc: subprocess.Popen) -> tuple[int, str]:
    try:
        err = proc.communicate(timeout=300)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory) -> Path:
    """1,200 frames: colourizing it takes far longer than a signal takes to arrive."""
    photo = clips.skimage_photos()[1]
    frames = clips.shots([photo], (96, 64), 1200)
    return clips.write_clip(tmp_path_factory.mktemp("clips") / "long.mp4", frames, 25, gray=True)


def test_sigterm_during_video_leaves_no_part_file_and_no_traceback(tmp_path, long_clip, tiny_model):
    out = tmp_path / "colour.mp4"
    proc = start_command(
        "video", str(long_clip), "-o", str(out), "--model", str(tiny_model), "--size", "64",
        cwd=tmp_path,
    )  # fmt: skip
    while not any(".part" in p.name for p in tmp_path.iterdir()):  # the result is being written
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    code, err = finish(proc)
    assert code == 130
    assert "Traceback" not in err and "no output written" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no result, no hidden .part


def test_sigterm_during_colorize_keeps_finished_photos_only(tmp_path, tiny_model):
    from skimage import data

    album, out = tmp_path / "album", tmp_path / "out"
    album.mkdir()
    gray = (data.camera()[::2, ::2]).astype(np.uint8)
    for i in range(60):
        Image.fromarray(np.roll(gray, i * 7, axis=1)).save(album / f"{i:02d}.png")
    proc = start_command(
        "colorize", str(album), "-o", str(out), "--model", str(tiny_model), "--size", "64",
        cwd=tmp_path,
    )  # fmt: skip
    while not (out.is_dir() and any(out.iterdir())):
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    code, err = finish(proc)
    assert code == 130
    assert "Traceback" not in err and "stopped:" in err
    written = sorted(p.name for p in out.iterdir())
    assert written and all(not name.startswith(".") and ".part" not in name for name in written)
    for name in written:  # each one complete
        with Image.open(out / name) as img:
            img.load()


def test_sigint_during_the_torch_import_is_one_line(tmp_path, long_clip, tiny_model):
    out = tmp_path / "colour.mp4"
    proc = start_command(
        "video", str(long_clip), "-o", str(out), "--model", str(tiny_model),
        cwd=tmp_path, importtime=True,
    )  # fmt: skip
    wait_for_line(proc, "| torch.")  # python -X importtime: torch's modules are loading now
    proc.send_signal(signal.SIGINT)
    code, err = finish(proc)
    # 130 from our handler; -SIGINT when the interrupt landed in C code that marked it
    # unhandled for the interpreter's exit: either way no traceback and nothing written
    assert code in (130, -signal.SIGINT)
    lines = [line for line in err.splitlines() if "import time:" not in line]
    assert "Traceback" not in err and lines == ["chroma-desk: interrupted"]
    assert not any(tmp_path.iterdir())


# -- impossible video arguments ----------------------------------------------------------------


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory) -> Path:
    frames = clips.shots(clips.skimage_photos()[:1], (96, 64), 10)
    return clips.write_clip(tmp_path_factory.mktemp("clips") / "short.mp4", frames, 25)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--start", "nan"], "--start must be a number of seconds, not nan"),
        (["--end", "inf"], "--end must be a number of seconds, not inf"),
        (["--size", "100000"], "--size must be between 32 and 4096 pixels, not 100000"),
    ],
    ids=["start-nan", "end-inf", "size-100000"],
)
def test_video_impossible_arguments_are_refused(
    option, message, tmp_path, short_clip, tiny_model, capsys
):
    from chroma_desk.cli import main

    out = tmp_path / "out.mp4"
    assert (
        main(["video", str(short_clip), "-o", str(out), "--model", str(tiny_model), *option]) == 2
    )
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())


def test_colorize_size_100000_is_refused(tmp_path, tiny_model, capsys):
    from chroma_desk.cli import main

    photo = tmp_path / "photo.png"
    Image.fromarray(np.full((40, 40), 128, np.uint8)).save(photo)
    out = tmp_path / "out.png"
    assert main(["colorize", str(photo), "-o", str(out), "--model", str(tiny_model),
                 "--size", "100000"]) == 2  # fmt: skip
    assert "--size must be between 32 and 4096" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("kind", ["JPEG", "PNG"])
def test_photo_named_mp4_is_called_a_still_picture(kind, tmp_path, tiny_model, capsys):
    from skimage import data

    from chroma_desk.cli import main

    fake = tmp_path / "holiday.mp4"
    Image.fromarray(data.camera()[::4, ::4]).save(fake, format=kind)
    out = tmp_path / "out.mp4"
    assert main(["video", str(fake), "-o", str(out), "--model", str(tiny_model), "-q"]) == 1
    err = capsys.readouterr().err
    assert f"{fake}: a still {kind} picture, not a video" in err
    assert "--start" not in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["holiday.mp4"]


# -- model files that are not model files ------------------------------------------------------


def import_model(path: Path, into: Path, capsys) -> tuple[int, str]:
    from chroma_desk.cli import main

    code = main(["models", "import", str(path), "--into", str(into)])
    return code, capsys.readouterr().err


def test_models_import_truncated_safetensors_says_cut_short(tmp_path, tiny_model, capsys):
    cut = tmp_path / "cut.safetensors"
    data = tiny_model.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    code, err = import_model(cut, tmp_path / "lib", capsys)
    assert code == 1
    assert f"{cut}: a .safetensors file cut short" in err and "Traceback" not in err
    assert not (tmp_path / "lib").exists() or not any((tmp_path / "lib").iterdir())


def test_models_import_of_our_own_model_file_copies_it_in(tmp_path, tiny_model, capsys):
    from chroma_desk.models.checkpoint import load_model

    code, err = import_model(tiny_model, tmp_path / "lib", capsys)
    assert code == 0, err
    assert load_model(tmp_path / "lib" / tiny_model.name).card.name == "tiny-lite"


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("notes.pth", b"weights: lots of them\n", "a text file, not a model file"),
        ("photo.pth", None, "a PNG picture, not a model file"),
        ("empty.pth", b"", "the file is empty"),
        ("photos.pth", "zip", "a zip archive, not a PyTorch checkpoint"),
    ],
    ids=["text-file", "png", "empty", "plain-zip"],
)
def test_models_import_of_a_non_model_file_says_what_it_is(name, content, said, tmp_path, capsys):
    path = tmp_path / name
    if content is None:
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(path, format="PNG")
    elif content == "zip":
        import zipfile

        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("holiday/0001.jpg", b"not really")
    else:
        path.write_bytes(content)
    code, err = import_model(path, tmp_path / "lib", capsys)
    assert code == 1
    assert f"{path}: {said}" in err
    assert "run code" not in err and "Traceback" not in err


def test_models_import_refuses_a_zip_bomb_pth_before_unpacking(tmp_path, capsys):
    """A small .pth whose zip index declares 256 MB: refused from the index alone."""
    import zipfile

    bomb = tmp_path / "bomb.pth"
    torch.save({"w": torch.zeros(4)}, bomb)
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("bomb/data/99", "w", force_zip64=True) as entry:
            chunk = bytes(1 << 20)
            for _ in range(256):
                entry.write(chunk)
    assert bomb.stat().st_size < 2_000_000
    code, err = import_model(bomb, tmp_path / "lib", capsys)
    assert code == 1
    assert f"{bomb}: refused" in err and "would unpack to" in err
    assert "weights_only" not in err and "Traceback" not in err


# -- evaluate and colorize on folders that fight back -----------------------------------------


@pytest.fixture
def album(tmp_path) -> Path:
    """Three colour photos, and one of 5x4 pixels (smaller than SSIM's 7x7 window)."""
    from skimage import data

    folder = tmp_path / "album"
    folder.mkdir()
    for name in ("astronaut", "coffee", "chelsea"):
        Image.fromarray(getattr(data, name)()[::6, ::6]).save(folder / f"{name}.png")
    Image.fromarray(data.astronaut()[200:204, 200:205]).save(folder / "tiny.png")
    return folder


def test_evaluate_photo_smaller_than_the_ssim_window_leaves_the_table_whole(album, tiny_model):
    from training.evaluate import evaluate

    result = evaluate([tiny_model], album, workers=1)
    assert result["photos"] == 4 and not result["skipped"]
    for row in result["rows"]:
        assert np.isfinite(row["ssim"]) and 0 < row["ssim"] <= 1  # from the three big photos
        assert np.isfinite(row["psnr"]) and np.isfinite(row["ciede2000"])
    big = evaluate([tiny_model], album, workers=1, limit=3)  # sorted: the tiny one is last
    assert [r["ssim"] for r in big["rows"]] == pytest.approx([r["ssim"] for r in result["rows"]])


def unreadable(folder: Path, monkeypatch) -> None:
    """``folder`` cannot be listed (a chmod 000 folder has no effect on root, who runs CI)."""
    real = os.scandir

    def scandir(path="."):
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_evaluate_reports_an_unreadable_subfolder(album, tiny_model, monkeypatch, capsys):
    from chroma_desk.cli import main

    locked = album / "locked"
    locked.mkdir()
    Image.fromarray(np.full((32, 32, 3), 90, np.uint8)).save(locked / "hidden-from-us.png")
    unreadable(locked, monkeypatch)
    assert main(["evaluate", "--model", str(tiny_model), "--data", str(album),
                 "--workers", "1"]) == 0  # fmt: skip
    err = capsys.readouterr().err
    assert f"{locked}: cannot read this folder (permission denied)" in err


def test_colorize_reports_an_unreadable_subfolder(album, tiny_model, monkeypatch, capsys):
    from chroma_desk.cli import main

    locked = album / "locked"
    locked.mkdir()
    unreadable(locked, monkeypatch)
    out = album.parent / "out"
    assert main(["colorize", str(album), "-o", str(out), "--model", str(tiny_model), "-q"]) == 1
    err = capsys.readouterr().err
    assert f"{locked}: cannot read this folder (permission denied)" in err
    assert len(list(out.iterdir())) == 4  # the readable photos were all done


def test_permission_error_is_reported_as_such_not_as_a_damaged_image(album, monkeypatch):
    from chroma_desk.media import images
    from chroma_desk.media.images import ImageReadError, read_image

    real_open = images.Image.open
    locked = album / "coffee.png"

    def no_permission(fp, *args, **kwargs):
        if Path(fp) == locked:
            raise PermissionError(13, "Permission denied", str(fp))
        return real_open(fp, *args, **kwargs)

    monkeypatch.setattr(images.Image, "open", no_permission)
    with pytest.raises(ImageReadError, match="permission denied") as caught:
        read_image(locked)
    assert str(locked) in str(caught.value) and "damaged" not in str(caught.value)


@pytest.mark.parametrize("suffix", ["../../escape", "/abs", "sub/dir"])
def test_colorize_suffix_cannot_leave_the_output_folder(suffix, album, tiny_model, capsys):
    from chroma_desk.cli import main

    out = album.parent / "out"
    code = main(["colorize", str(album), "-o", str(out), "--model", str(tiny_model),
                 "--suffix", suffix, "-q"])  # fmt: skip
    assert code == 2
    assert "cannot name a folder" in capsys.readouterr().err
    assert sorted(p.name for p in album.parent.iterdir()) == ["album"]
