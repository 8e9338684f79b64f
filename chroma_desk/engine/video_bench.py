"""Video figures for ``chroma-desk bench``: end-to-end fps, overlapped vs sequential, webcam latency.

For each model and each backend (torch; ONNX Runtime on the CPU), on a 640x480 and a 1280x720 clip (gray H.264 with an AAC tone, made from real
photos: slow pans and zooms with cuts), the whole job is timed: decode, predict, smooth,
render, encode, audio carried over. The overlapped pipeline (stages on threads) is compared
with the same steps run one after another in the same run; the sequential run is timed with
torch on every core and on one, and the faster of the two is the baseline. At 640x480 the
overlapped job is also timed with the network in bfloat16 (an option: faster on CPUs with
bfloat16 units, colours within about 1 CIEDE2000). The webcam path (newest frame from a
30 fps source -> colourized; on torch in bfloat16 where the CPU has it, on ONNX Runtime in
float32) reports per-frame latency.

The load average at the start is recorded: on a shared machine it explains slow figures.
"""

from __future__ import annotations

import itertools
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

TARGET_FPS_640 = 25.0
TARGET_RATIO = 1.5
SIZES = [("640x480", 640, 480), ("1280x720", 1280, 720)]
SHARED_VAL = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "val"


def _photos() -> list[np.ndarray]:
    from chroma_desk.media import clips

    if SHARED_VAL.is_dir():
        photos = clips.load_photos(SHARED_VAL, 3)
        if len(photos) == 3:
            return photos
    return clips.skimage_photos()[:3]


def make_clip(folder: Path, width: int, height: int, frames: int, fps: int = 25) -> Path:
    """A gray clip with sound: three camera moves over real photos, joined by cuts."""
    from chroma_desk.media import clips

    photos = _photos()
    per_shot = -(-frames // len(photos))
    shots = list(clips.shots(photos, (width, height), per_shot))[:frames]
    return clips.write_clip(folder / f"bench-{width}x{height}.mp4", shots, fps, gray=True)


def _run_job(clip: Path, out: Path, colorizer, **settings: Any) -> dict[str, Any]:
    from chroma_desk.engine.video import VideoSettings, colorize_video

    start = time.perf_counter()
    result = colorize_video(clip, out, colorizer, VideoSettings(**settings))
    wall = time.perf_counter() - start
    out.unlink(missing_ok=True)
    per_frame = {k: round(v / max(result.frames, 1) * 1000, 2) for k, v in result.busy.items()}
    return {
        "fps": round(result.frames / wall, 2),
        "frames": result.frames,
        "seconds": round(wall, 2),
        "stage_ms_per_frame": per_frame,
        "audio": result.audio,
        "predict_workers": result.predict_workers,
        "torch_threads": result.inference_threads,
    }


def webcam_latency(colorizer, frames: int, size: tuple[int, int] = (640, 480)) -> dict[str, Any]:
    """Per-frame latency of the live path on a 30 fps synthetic camera (newest frame only)."""
    from chroma_desk.engine.live import LiveSession
    from chroma_desk.media import clips
    from chroma_desk.media.camera import SyntheticSource

    pictures = list(clips.shots(_photos()[:1], size, 60))
    session = LiveSession(SyntheticSource(pictures, fps=30.0), colorizer)
    latencies, process, fps = [], [], 0.0
    captured = dropped = 0
    for i, frame in enumerate(session.frames(max_frames=frames + 3)):
        if i < 3:
            continue  # warm-up
        latencies.append(frame.latency * 1000)
        process.append(frame.process * 1000)
        fps, captured, dropped = frame.fps, frame.captured, frame.dropped
    return {
        "size": f"{size[0]}x{size[1]}",
        "camera_fps": 30,
        "latency_ms_median": round(statistics.median(latencies), 1),
        "latency_ms_p90": round(float(np.percentile(latencies, 90)), 1),
        "process_ms_median": round(statistics.median(process), 1),
        "output_fps": round(fps, 1),
        "dropped_fraction": round(dropped / max(captured, 1), 3),
    }


def bench_video(
    models: list[Path], quick: bool, backends: list[str] | None = None
) -> dict[str, Any]:
    """Video figures for each model and backend (see the module docstring); ``backends``:
    every one available by default; entries are named ``"<model> (<backend>)"``."""
    from chroma_desk.engine.backends import available_backends
    from chroma_desk.engine.colorizer import Colorizer, pick_device
    from chroma_desk.engine.frames import FrameColorizer

    backends = backends or available_backends(pick_device("auto"))

    cores = os.cpu_count() or 1
    frames = 50 if quick else 150
    report: dict[str, Any] = {
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "cpu_count": cores,
        "frames_per_clip": frames,
        "targets": {"fps_640x480": TARGET_FPS_640, "overlapped_over_sequential": TARGET_RATIO},
        "models": {},
    }
    rows = []
    threads_before = torch.get_num_threads()
    with tempfile.TemporaryDirectory(prefix="chroma-video-bench-") as tmp:
        folder = Path(tmp)
        clip_paths = {label: make_clip(folder, w, h, frames) for label, w, h in SIZES}
        for model, backend in itertools.product(models, backends):
            colorizer = Colorizer(model, backend=backend)
            name = f"{colorizer.name} ({colorizer.backend.name})"
            warm = FrameColorizer(colorizer)
            for _ in range(3):
                warm(np.zeros((480, 640, 3), np.uint8))
            entry: dict[str, Any] = {"working_size": warm.working_size}
            for label, _w, _h in SIZES:
                clip = clip_paths[label]
                out = folder / f"out-{label}.mp4"
                overlapped = _run_job(clip, out, colorizer, overlapped=True)
                sequential = {
                    f"{n}_threads": _run_job(
                        clip, out, colorizer, overlapped=False, inference_threads=n
                    )
                    for n in sorted({cores, 1})
                }
                best = max(sequential.values(), key=lambda r: r["fps"])
                ratio = overlapped["fps"] / best["fps"] if best["fps"] else 0.0
                if label == "640x480" and backend == backends[0]:  # bf16 always runs on torch
                    entry["640x480_bf16"] = _run_job(clip, out, colorizer, bf16=True)
                entry[label] = {
                    "overlapped": overlapped,
                    "sequential": sequential,
                    "overlapped_over_sequential": round(ratio, 2),
                }
            entry["webcam"] = webcam_latency(colorizer, 20 if quick else 60)
            fps640 = entry["640x480"]["overlapped"]["fps"]
            entry["meets_fps_target"] = fps640 >= TARGET_FPS_640
            entry["meets_ratio_target"] = (
                entry["640x480"]["overlapped_over_sequential"] >= TARGET_RATIO
            )
            report["models"][name] = entry
            for label, _w, _h in SIZES:
                e = entry[label]
                first = label == "640x480"
                rows.append([
                    name, label, e["overlapped"]["fps"],
                    max(r["fps"] for r in e["sequential"].values()),
                    e["overlapped_over_sequential"],
                    entry["640x480_bf16"]["fps"] if first and "640x480_bf16" in entry else "",
                    entry["webcam"]["latency_ms_median"] if first else "",
                ])  # fmt: skip
    torch.set_num_threads(threads_before)
    report["table"] = {
        "title": (
            f"Video, end to end ({frames} frames, decode -> predict -> smooth -> render -> "
            f"encode H.264 + audio; load average {report['load_average_at_start'][0]})"
        ),
        "columns": [
            "model",
            "clip",
            "overlapped fps",
            "sequential fps",
            "ratio",
            "bf16 fps",
            "webcam ms",
        ],  # fmt: skip
        "rows": rows,
    }
    return report


if __name__ == "__main__":
    import argparse
    import json

    from chroma_desk.models.library import resolve_model

    parser = argparse.ArgumentParser(description="video bench alone (chroma-desk bench runs it)")
    parser.add_argument("--models", nargs="*", default=[None])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    paths = [resolve_model(m) for m in args.models]
    print(json.dumps(bench_video(paths, args.quick), indent=2))
