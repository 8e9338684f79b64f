"""``chroma-desk bench``: how fast this machine colourizes, printed as a table and saved as JSON.

Per model and per backend (torch, and ONNX Runtime on the CPU; ``chroma_desk.engine.backends``),
in the same run so the ratios are fair: the network alone at working size 256, then photo
latency at 0.3, 2 and 12 MP, stage by stage (load = decode the file, predict =
lightness + network, render = annealed mean + upsample + join + sRGB, save as JPEG and as PNG),
medians of a few runs after a warm-up, process start-up excluded; a re-render at a new
temperature at 2 MP (no network: the network calls are counted); a hint click to new colours at
2 MP (``bench_hints``: the network again with one more point, and the render). How far the
backends' photos are apart (mean |onnx - torch| in 1/255). Then the full-resolution join done
the way the reference implementation does it (skimage ``rgb2lab`` for L and ``lab2rgb`` on the
full image) against
ours (``chroma_desk.engine.colorizer``), as a ratio measured in the same run.

The input is a real photo, ``skimage.data.astronaut`` cropped to 4:3 and resized to each size,
made gray (an old black-and-white print) and saved as an 8-bit JPEG, as a scan would be.

Other parts of the program add their own figures through ``SECTIONS``: each entry is
``(name, function(models, quick) -> dict)``, ``models`` being the model file paths measured.
A result dict may carry ``"table": {"title": str, "columns": [...], "rows": [[...]]}``, which
is printed; the whole dict goes into the JSON under ``name``. The video bench plugs in this way
from ``chroma_desk/engine/video_bench.py`` (``bench_video(models, quick)``) when it exists.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import itertools
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

Section = Callable[[list[Path], bool], dict[str, Any]]
SECTIONS: list[tuple[str, Section]] = []  # extra bench sections: (name, function)

SIZES = [("0.3 MP", 640, 480), ("2 MP", 1632, 1224), ("12 MP", 4000, 3000)]
JOIN_SIZE = (1632, 1224)  # the join vs skimage is measured at 2 MP (skimage takes seconds)
TARGETS = {
    "12mp_jpeg_total_s": 1.0,
    "12mp_png_total_s": 2.0,
    "rerender_2mp_ms": 50.0,
    "join_speedup": 10.0,
    "hint_2mp_ms": 150.0,
}
# issue 14, ONNX Runtime against torch on an idle machine
ONNX_TARGETS = {
    "network_256_speedup": 2.0,  # at least
    "video_640x480_fps": 60.0,  # at least, overlapped
    "video_1280x720_fps": 45.0,  # at least, overlapped
    "12mp_jpeg_ms": 170.0,  # at most
    "webcam_median_ms": 15.0,  # at most
    "photo_difference_255": 0.5,  # at most, mean |onnx - torch| over the photo
}
NETWORK_SIZE = 256  # the network alone is timed at this working size, on a 4:3 photo


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", metavar="PATH", default="bench.json", help="where to write the figures"
    )
    parser.add_argument(
        "--models",
        nargs="+",
        metavar="NAME|PATH",
        help="models to measure (default: every bundled model)",
    )
    parser.add_argument("--quick", action="store_true", help="fewer runs (for a quick look)")
    parser.add_argument("--runs", type=int, help="runs per figure (default 5, 2 with --quick)")
    parser.add_argument("--device", default="auto", help="auto (CUDA, MPS, CPU), cpu, cuda, ...")
    parser.add_argument(
        "--backends",
        nargs="+",
        choices=["torch", "onnx"],
        help="what runs the network, each measured in the same run (default: every one "
        "available: torch, and onnx on the CPU)",
    )


# -- helpers --------------------------------------------------------------------------------


def _median_ms(
    fn: Callable[..., Any],
    runs: int,
    warmup: int = 1,
    setup: Callable[[], Any] | None = None,
) -> tuple[float, Any]:
    """Median wall time of ``fn`` in ms over ``runs`` runs after ``warmup`` unmeasured ones;
    ``setup``, when given, runs untimed before each call and its result is ``fn``'s argument."""
    result = None
    times = []
    for i in range(warmup + runs):
        arg = setup() if setup is not None else None
        start = time.perf_counter()
        result = fn(arg) if setup is not None else fn()
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times), result


def test_photo(width: int, height: int) -> np.ndarray:
    """A real photo (``skimage.data.astronaut``, cropped to the aspect) at ``width`` x
    ``height``, gray, uint8."""
    import cv2
    from skimage import data

    rgb = data.astronaut()
    h, w = rgb.shape[:2]
    if width / height > w / h:
        crop_h = round(w * height / width)
        rgb = rgb[(h - crop_h) // 2 : (h - crop_h) // 2 + crop_h]
    else:
        crop_w = round(h * width / height)
        rgb = rgb[:, (w - crop_w) // 2 : (w - crop_w) // 2 + crop_w]
    gray = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    return cv2.resize(gray, (width, height), interpolation=cv2.INTER_CUBIC)


def _machine(device: str) -> dict[str, Any]:
    import cv2
    import torch

    from chroma_desk import __version__
    from chroma_desk.engine.colorizer import pick_device

    return {
        "chroma_desk": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "opencv": cv2.__version__,
        "device": str(pick_device(device)),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "load_average_at_start": _load_average(),
    }


def _load_average() -> list[float] | None:
    """1, 5 and 15-minute load averages: other work on the machine skews every figure."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _untrained_model(folder: Path) -> Path:
    """A lite-unet with untrained weights: as fast as a trained one, for when none is bundled."""
    import torch

    from chroma_desk.color.bins import gamut_bins
    from chroma_desk.models.checkpoint import make_card, save_model
    from chroma_desk.models.registry import build

    bins = gamut_bins()
    arguments = {"kind": "classification", "bins": int(len(bins))}
    card = make_card(
        "untrained-lite-cls", "lite-unet", arguments, "classification", 256, 32, bins=bins,
        title="untrained lite-unet (no bundled model found; speed only)",
    )  # fmt: skip
    torch.manual_seed(0)  # the same file every run: its ONNX export is cached once, not per run
    return save_model(
        folder / "untrained-lite-cls.safetensors", build("lite-unet", **arguments), card
    )


# -- the sections ---------------------------------------------------------------------------


def bench_model(
    path: Path, workdir: Path, runs: int, device: str, backend: str = "auto"
) -> dict[str, Any]:
    """The network alone at working size 256, photo latency of one model at each size, stage
    by stage, and the 2 MP re-render, with ``backend`` running the network."""
    from chroma_desk.engine.colorizer import Colorizer
    from chroma_desk.media.images import read_image, write_image

    load_model_ms, colorizer = _median_ms(
        lambda: Colorizer(path, device=device, backend=backend), runs=1, warmup=0
    )
    card = colorizer.model.card
    t0 = colorizer.default_temperature
    out: dict[str, Any] = {
        "name": colorizer.name,
        "backend": colorizer.backend.name,
        "network_256_ms": round(network_ms(colorizer, max(runs, 5)), 1),
        "path": str(path),
        "architecture": card.get("architecture"),
        "kind": card.get("kind"),
        "working_size": colorizer.working_size,
        "load_model_ms": round(load_model_ms, 1),
        "photo": [],
    }
    import cv2

    for label, width, height in SIZES:
        src = workdir / f"input-{width}x{height}.jpg"
        cv2.imwrite(str(src), test_photo(width, height), [cv2.IMWRITE_JPEG_QUALITY, 95])
        load, photo = _median_ms(lambda src=src: read_image(src), runs)
        predict, prediction = _median_ms(
            lambda fresh: colorizer.predict_lightness([fresh.lightness()])[0],
            runs,
            setup=lambda src=src: read_image(src),  # untimed: each run computes L afresh
        )
        render, rgb = _median_ms(lambda p=prediction: colorizer.render(p, t0), runs)
        jpg, _ = _median_ms(lambda rgb=rgb: write_image(workdir / "out.jpg", rgb), runs)
        png, _ = _median_ms(lambda rgb=rgb: write_image(workdir / "out.png", rgb), runs)
        row = {
            "size": label,
            "width": width,
            "height": height,
            "megapixels": round(width * height / 1e6, 2),
            "load_ms": round(load, 1),
            "predict_ms": round(predict, 1),
            "render_ms": round(render, 1),
            "save_jpeg_ms": round(jpg, 1),
            "save_png_ms": round(png, 1),
            "total_jpeg_ms": round(load + predict + render + jpg, 1),
            "total_png_ms": round(load + predict + render + png, 1),
            "jpeg_bytes": (workdir / "out.jpg").stat().st_size,
            "png_bytes": (workdir / "out.png").stat().st_size,
        }
        out["photo"].append(row)
        if label == "2 MP":
            temperatures = itertools.cycle([0.2, 0.5, 0.8, 0.3, 0.6, 0.9, 0.25, 0.45, 0.7])
            calls = colorizer.forward_calls
            rerender, _ = _median_ms(
                lambda p=prediction, ts=temperatures: colorizer.render(p, next(ts)), max(runs, 5)
            )
            out["rerender_2mp_ms"] = round(rerender, 1)
            out["rerender_forward_calls"] = colorizer.forward_calls - calls
        del photo, prediction, rgb
    return out


def network_ms(colorizer: Any, runs: int) -> float:
    """Median ms of the network alone on a 4:3 photo at working size ``NETWORK_SIZE``."""
    from chroma_desk.engine.colorizer import pad_for_network, working_shape

    h, w, _, _ = working_shape(3, 4, NETWORK_SIZE, colorizer.stride)
    small = np.random.default_rng(0).uniform(-0.5, 0.5, (h, w)).astype(np.float32)
    batch = pad_for_network(small, colorizer.stride)[0][None]
    ms, _ = _median_ms(lambda: colorizer.forward(batch), runs, warmup=2)
    return ms


def backend_agreement(path: Path, backends: list[str], device: str) -> dict[str, Any]:
    """How far the photos of each backend are from torch's: mean and largest |difference| in
    1/255 over three real photos (skimage's, gray), rendered at the default temperature."""
    from chroma_desk.engine.colorizer import Colorizer
    from chroma_desk.media.clips import skimage_photos

    photos = [np.repeat(test_photo(w, h)[..., None], 3, axis=2) for _, w, h in SIZES[:2]]
    photos += [skimage_photos()[0]]
    colorizers = {b: Colorizer(path, device=device, backend=b) for b in backends}
    outputs = {
        b: [c.colorize(p.astype(np.float32) / 255.0) for p in photos] for b, c in colorizers.items()
    }
    out: dict[str, Any] = {
        "name": colorizers[backends[0]].name,
        "photos": [f"{p.shape[1]}x{p.shape[0]}" for p in photos],
    }
    for b in backends:
        if b == "torch" or "torch" not in outputs:
            continue
        diffs = [np.abs(x - y) * 255.0 for x, y in zip(outputs[b], outputs["torch"], strict=True)]
        out[f"{b}_vs_torch_mean_255"] = float(f"{np.mean([d.mean() for d in diffs]):.3g}")
        out[f"{b}_vs_torch_max_255"] = round(float(max(d.max() for d in diffs)), 3)
    return out


def bench_join(runs: int) -> dict[str, Any]:
    """The full-resolution join at 2 MP: reference (skimage on the full image) vs ours.

    Both start from the same decoded 8-bit photo (RGB, as a scan usually is) and the same
    working-size ab (the real colours of the photo, at 256 x 192): L from the full image, ab
    upsampled bilinearly, joined, converted to sRGB. The join alone (L given) is timed too."""
    import cv2
    import torch
    import torch.nn.functional as F
    from skimage import color, data

    from chroma_desk.color.lab import lightness, rgb_to_lab
    from chroma_desk.engine.colorizer import join_lightness

    width, height = JOIN_SIZE
    gray = test_photo(width, height)
    rgb8 = np.ascontiguousarray(np.repeat(gray[..., None], 3, axis=2))
    small = cv2.resize(data.astronaut()[64:448], (256, 192), interpolation=cv2.INTER_AREA)
    ab_small = np.ascontiguousarray(rgb_to_lab(small)[..., 1:])

    def reference_join(l_full: np.ndarray) -> np.ndarray:
        # as richzhang/colorization: ab upsampled bilinearly with torch, concatenated with the
        # full-resolution L, lab2rgb of the full image
        ab = torch.from_numpy(ab_small).permute(2, 0, 1)[None]
        ab = F.interpolate(ab, size=(height, width), mode="bilinear", align_corners=False)
        lab = np.concatenate([l_full[..., None], ab[0].permute(1, 2, 0).numpy()], axis=2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # out-of-gamut Z clipped: the reference's own way
            return color.lab2rgb(lab)

    def reference() -> np.ndarray:
        return reference_join(color.rgb2lab(rgb8)[:, :, 0])

    def ours() -> np.ndarray:
        return join_lightness(lightness(rgb8), ab_small)

    ref_runs = max(1, runs // 2 + 1)
    ref_ms, ref_rgb = _median_ms(reference, ref_runs, warmup=0)
    ours_ms, ours_rgb = _median_ms(ours, runs)
    l_ref = color.rgb2lab(rgb8)[:, :, 0]
    l_ours = lightness(rgb8)
    ref_join_ms, _ = _median_ms(lambda: reference_join(l_ref), ref_runs, warmup=0)
    ours_join_ms, _ = _median_ms(lambda: join_lightness(l_ours, ab_small), runs)
    return {
        "size": f"{width * height / 1e6:.1f} MP",
        "width": width,
        "height": height,
        "what": "from 8-bit RGB: L of the full image, ab upsampled bilinearly, joined, to sRGB",
        "reference_ms": round(ref_ms, 1),
        "reference": "skimage.color.rgb2lab / lab2rgb on the full image (richzhang/colorization)",
        "ours_ms": round(ours_ms, 1),
        "ours": "chroma_desk.color.lab.lightness + chroma_desk.engine.colorizer.join_lightness",
        "speedup": round(ref_ms / ours_ms, 1),
        "join_only_reference_ms": round(ref_join_ms, 1),
        "join_only_ours_ms": round(ours_join_ms, 1),
        "join_only_speedup": round(ref_join_ms / ours_join_ms, 1),
        "max_abs_difference": round(float(np.abs(ref_rgb - ours_rgb).max()), 4),
        "mean_abs_difference": round(float(np.abs(ref_rgb - ours_rgb).mean()), 5),
    }


def _untrained_hint_model(folder: Path) -> Path:
    """An untrained lite-unet that takes hints: as fast as a trained hint model."""
    import torch

    from chroma_desk.color.bins import gamut_bins
    from chroma_desk.models.checkpoint import make_card, save_model
    from chroma_desk.models.registry import build

    bins = gamut_bins()
    arguments = {"kind": "classification", "bins": int(len(bins)), "hints": True}
    card = make_card(
        "untrained-lite-cls-hints", "lite-unet", arguments, "classification", 256, 32,
        bins=bins, takes_hints=True, title="untrained lite-unet with hint inputs (speed only)",
    )  # fmt: skip
    torch.manual_seed(0)  # the same file every run: its ONNX export is cached once, not per run
    return save_model(folder / f"{card['name']}.safetensors", build("lite-unet", **arguments), card)


def bench_hints(paths: list[Path], workdir: Path, runs: int, device: str) -> list[dict[str, Any]]:
    """Hint click to new colours at 2 MP, per model that takes hints (an untrained hint model
    when none does): ``Colorizer.rehint`` with one more point (the network again at the working
    size, the photo not read again) plus the full-resolution render, as the window does it."""
    from chroma_desk.color.lab import lightness
    from chroma_desk.engine.colorizer import Colorizer
    from chroma_desk.engine.hints import Hint

    _label, width, height = SIZES[1]
    lum = lightness(np.repeat(test_photo(width, height)[..., None], 3, axis=2))
    colorizers = [c for c in (Colorizer(p, device=device) for p in paths) if c.takes_hints]
    if not colorizers:
        colorizers = [Colorizer(_untrained_hint_model(workdir), device=device)]
    rows = []
    for colorizer in colorizers:
        base = colorizer.predict_lightness([lum])[0]
        rng = np.random.default_rng(0)
        hints: list[Hint] = []

        def click(base=base, hints=hints, rng=rng, colorizer=colorizer) -> tuple[float, float]:
            x, y = rng.uniform(0, width), rng.uniform(0, height)
            hints.append(Hint(float(x), float(y), tuple(rng.integers(0, 256, 3).tolist()), 20))
            start = time.perf_counter()
            prediction = colorizer.rehint(base, hints)
            middle = time.perf_counter()
            colorizer.render(prediction)
            return (middle - start) * 1000, (time.perf_counter() - middle) * 1000

        click()  # warm-up
        parts = [click() for _ in range(max(runs, 5))]
        rows.append(
            {
                "name": colorizer.name,
                "size": f"{width}x{height}",
                "rehint_ms": round(statistics.median(p[0] for p in parts), 1),
                "render_ms": round(statistics.median(p[1] for p in parts), 1),
                "total_ms": round(statistics.median(p[0] + p[1] for p in parts), 1),
                "target_ms": TARGETS["hint_2mp_ms"],
            }
        )
    return rows


def _video_section() -> Section | None:
    try:
        module = importlib.import_module("chroma_desk.engine.video_bench")
    except ModuleNotFoundError as exc:
        if exc.name == "chroma_desk.engine.video_bench":
            return None
        raise
    return getattr(module, "bench_video", None)


# -- printing -------------------------------------------------------------------------------


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(c) for c in columns]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = [title]
    for i, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.ljust(w) if j == 0 else c.rjust(w)
                for j, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.0f}" if value >= 100 else f"{value:.1f}"
    return str(value)


def _model_table(result: dict[str, Any], runs: int) -> str:
    columns = ["size", "pixels", "load", "predict", "render", "save JPEG", "save PNG",
               "= JPEG", "= PNG"]  # fmt: skip
    rows = [
        [r["size"], f"{r['width']}x{r['height']}", r["load_ms"], r["predict_ms"],
         r["render_ms"], r["save_jpeg_ms"], r["save_png_ms"], r["total_jpeg_ms"],
         r["total_png_ms"]]
        for r in result["photo"]
    ]  # fmt: skip
    title = (
        f"{result['name']} on {result['backend']}: {result['architecture']} "
        f"{result['kind']}, working size {result['working_size']}; ms, median of {runs} runs "
        f"(model load {result['load_model_ms']:.0f} ms, once; the network alone at 256: "
        f"{result['network_256_ms']:.1f} ms)"
    )
    text = _table(title, columns, rows)
    text += f"\nre-render at a new temperature, 2 MP: {result['rerender_2mp_ms']:.1f} ms"
    return text


def _targets(results: list[dict[str, Any]], join: dict[str, Any]) -> dict[str, Any]:
    """Each model against the README targets (12 MP JPEG < 1 s, PNG < 2 s, re-render < 50 ms)."""
    out: dict[str, Any] = {"join_speedup": join["speedup"]}
    out["join_ok"] = join["speedup"] >= TARGETS["join_speedup"]
    for r in results:
        twelve = next(p for p in r["photo"] if p["size"] == "12 MP")
        out[f"{r['name']} ({r['backend']})"] = {
            "12mp_jpeg_s": round(twelve["total_jpeg_ms"] / 1000, 2),
            "12mp_jpeg_ok": twelve["total_jpeg_ms"] / 1000 < TARGETS["12mp_jpeg_total_s"],
            "12mp_png_s": round(twelve["total_png_ms"] / 1000, 2),
            "12mp_png_ok": twelve["total_png_ms"] / 1000 < TARGETS["12mp_png_total_s"],
            "rerender_2mp_ms": r["rerender_2mp_ms"],
            "rerender_ok": r["rerender_2mp_ms"] < TARGETS["rerender_2mp_ms"],
        }
    return out


def backend_ratios(report: dict[str, Any]) -> dict[str, Any]:
    """Per model: each backend's figures side by side, torch over onnx, and the onnx targets."""
    video = (
        report.get("video", {}).get("models", {}) if isinstance(report.get("video"), dict) else {}
    )
    out: dict[str, Any] = {}
    for r in report["models"]:
        entry = out.setdefault(r["name"], {})
        twelve = next(p for p in r["photo"] if p["size"] == "12 MP")
        v = video.get(f"{r['name']} ({r['backend']})", {})
        entry[r["backend"]] = {
            "network_256_ms": r["network_256_ms"],
            "12mp_jpeg_ms": twelve["total_jpeg_ms"],
            "video_640x480_fps": v.get("640x480", {}).get("overlapped", {}).get("fps"),
            "video_1280x720_fps": v.get("1280x720", {}).get("overlapped", {}).get("fps"),
            "webcam_median_ms": v.get("webcam", {}).get("latency_ms_median"),
        }
    for name, entry in out.items():
        torch_, onnx = entry.get("torch"), entry.get("onnx")
        if not torch_ or not onnx:
            continue
        # how many times faster ONNX Runtime is: torch / onnx for times, onnx / torch for fps
        entry["onnx_speedup"] = {
            k: (round(torch_[k] / onnx[k] if k.endswith("_ms") else onnx[k] / torch_[k], 2))
            if torch_[k] and onnx[k]
            else None
            for k in torch_
        }
        agree = report.get("agreement", {}).get(name, {}).get("onnx_vs_torch_mean_255")
        entry["photo_difference_255"] = agree
        checks = {
            "network_256_speedup": (entry["onnx_speedup"]["network_256_ms"], ">="),
            "video_640x480_fps": (onnx["video_640x480_fps"], ">="),
            "video_1280x720_fps": (onnx["video_1280x720_fps"], ">="),
            "12mp_jpeg_ms": (onnx["12mp_jpeg_ms"], "<="),
            "webcam_median_ms": (onnx["webcam_median_ms"], "<="),
            "photo_difference_255": (agree, "<="),
        }
        entry["targets"] = {k: _check(v, op, ONNX_TARGETS[k]) for k, (v, op) in checks.items()}
    return out


def _check(value: float | None, op: str, target: float) -> dict[str, Any]:
    ok = None if value is None else (value >= target if op == ">=" else value <= target)
    return {"value": value, "target": f"{op} {target}", "ok": ok}


def _ratio_text(ratios: dict[str, Any]) -> str:
    labels = {
        "network_256_ms": "network at 256, ms",
        "12mp_jpeg_ms": "12 MP to JPEG, ms",
        "video_640x480_fps": "video 640x480, fps",
        "video_1280x720_fps": "video 1280x720, fps",
        "webcam_median_ms": "webcam median, ms",
    }
    parts = []
    for name, entry in ratios.items():
        if "onnx_speedup" not in entry:
            continue
        rows = [
            [label, entry["torch"][k] or "-", entry["onnx"][k] or "-",
             entry["onnx_speedup"][k] or "-"]
            for k, label in labels.items()
        ]  # fmt: skip
        title = f"{name}: torch against ONNX Runtime, same run"
        text = _table(title, ["figure", "torch", "onnx", "onnx speed-up"], rows)
        targets = ", ".join(
            f"{k} {v['value']} ({'-' if v['ok'] is None else 'ok' if v['ok'] else 'MISSED'} "
            f"{v['target']})"
            for k, v in entry["targets"].items()
        )
        parts.append(f"{text}\nonnx targets: {targets}")
    return "\n\n".join(parts)


# -- the command ----------------------------------------------------------------------------


def _model_paths(names: list[str] | None, workdir: Path) -> list[Path]:
    from chroma_desk.models.library import list_models, resolve_model

    if names:
        return [resolve_model(n) for n in names]
    bundled = [e.path for e in list_models() if e.bundled]
    if bundled:
        return bundled
    print("no bundled model found: measuring an untrained lite-unet (same speed)", file=sys.stderr)
    return [_untrained_model(workdir)]


def _backends(names: list[str] | None, device: str) -> list[str]:
    from chroma_desk.engine.backends import available_backends
    from chroma_desk.engine.colorizer import pick_device

    available = available_backends(pick_device(device))
    if not names:
        return available
    missing = [n for n in names if n not in available]
    if missing:
        raise ValueError(
            f"backend {', '.join(missing)} not available here ({', '.join(available)})"
        )
    return list(dict.fromkeys(names))


def run(args: argparse.Namespace) -> int:
    from chroma_desk.models.checkpoint import ModelFileError

    runs = args.runs or (2 if args.quick else 5)
    try:
        backends = _backends(args.backends, args.device)
    except ValueError as exc:
        print(f"chroma-desk bench: {exc}", file=sys.stderr)
        return 2
    report: dict[str, Any] = {
        "machine": _machine(args.device),
        "settings": {
            "runs": runs,
            "quick": args.quick,
            "statistic": "median",
            "unit": "ms",
            "backends": backends,
        },
        "input": "skimage.data.astronaut cropped to 4:3, resized, gray, 8-bit JPEG q95",
    }
    with tempfile.TemporaryDirectory(prefix="chroma-bench-") as tmp:
        workdir = Path(tmp)
        try:
            paths = _model_paths(args.models, workdir)
        except ModelFileError as exc:
            print(f"chroma-desk bench: {exc}", file=sys.stderr)
            return 2
        m = report["machine"]
        print(
            f"Chroma Desk bench: {m['device']}, {m['cpu_count']} CPUs, torch "
            f"{m['torch']} ({m['torch_threads']} threads), OpenCV {m['opencv']}, "
            f"load average {m['load_average_at_start']}\n"
        )
        results = []
        for path in paths:
            for backend in backends:
                result = bench_model(path, workdir, runs, args.device, backend)
                results.append(result)
                print(_model_table(result, runs) + "\n", flush=True)
        report["models"] = results
        if len(backends) > 1:
            report["agreement"] = {}
            for path in paths:
                agreement = backend_agreement(path, backends, args.device)
                report["agreement"][agreement.pop("name")] = agreement

        join = bench_join(runs)
        report["join"] = join
        print(
            f"full-resolution join at {join['size']} ({join['width']}x{join['height']}): "
            f"skimage reference {join['reference_ms']:.0f} ms, ours {join['ours_ms']:.1f} ms: "
            f"{join['speedup']:.1f}x faster; the join alone (L given) "
            f"{join['join_only_reference_ms']:.0f} vs {join['join_only_ours_ms']:.1f} ms: "
            f"{join['join_only_speedup']:.1f}x (mean difference {join['mean_abs_difference']})\n",
            flush=True,
        )
        report["hints"] = bench_hints(paths, workdir, runs, args.device)
        for row in report["hints"]:
            ok = "ok" if row["total_ms"] < row["target_ms"] else "MISSED"
            print(
                f"hint click to new colours at 2 MP, {row['name']}: {row['total_ms']:.0f} ms "
                f"(rehint {row['rehint_ms']:.0f} + render {row['render_ms']:.0f}; {ok} < "
                f"{row['target_ms']:.0f} ms)\n",
                flush=True,
            )
        sections = list(SECTIONS)
        video = _video_section()
        if video is not None and all(name != "video" for name, _ in sections):
            sections.append(("video", functools.partial(video, backends=backends)))
        for name, section in sections:
            try:
                extra = section(paths, args.quick)
            except Exception as exc:  # noqa: BLE001 - a broken section must not lose the rest
                extra = {"error": f"{type(exc).__name__}: {exc}"}
                print(f"{name}: failed: {extra['error']}\n", file=sys.stderr)
            report[name] = extra
            table = extra.get("table") if isinstance(extra, dict) else None
            if table:
                print(_table(table["title"], table["columns"], table["rows"]) + "\n", flush=True)

    report["machine"]["load_average_at_end"] = _load_average()
    report["targets"] = _targets(results, join)
    for name, t in report["targets"].items():
        if isinstance(t, dict):
            print(
                f"targets, {name}: 12 MP JPEG {t['12mp_jpeg_s']:.2f} s "
                f"({'ok' if t['12mp_jpeg_ok'] else 'MISSED'} < 1 s), 12 MP PNG "
                f"{t['12mp_png_s']:.2f} s ({'ok' if t['12mp_png_ok'] else 'MISSED'} < 2 s), "
                f"re-render {t['rerender_2mp_ms']:.1f} ms "
                f"({'ok' if t['rerender_ok'] else 'MISSED'} < 50 ms)"
            )
    print(
        f"targets, join: {join['speedup']:.1f}x "
        f"({'ok' if report['targets']['join_ok'] else 'MISSED'} >= 10x)"
    )
    if len(backends) > 1:
        report["backend_ratios"] = backend_ratios(report)
        print("\n" + _ratio_text(report["backend_ratios"]))
    print(f"load average at the end: {report['machine']['load_average_at_end']}")
    json_path = Path(args.json)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {json_path}")
    return 0
