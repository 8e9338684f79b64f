"""Measure models on a folder of colour photos, through the inference path users get.

Every photo is read as the app reads it, colourized by ``chroma_desk.engine.Colorizer`` (working
size, padding, one forward pass, annealed mean, ab upsampled and joined with the full-resolution
L) and compared with the original at full resolution: PSNR and SSIM on sRGB, mean CIEDE2000,
colourfulness (Hasler and Suesstrunk) and its ratio to the truth's, and for classification
models the top-1 bin accuracy. The gray baseline (a = b = 0) is always the first row; a
classification model gets a row per temperature.

Photos are spread over worker processes (one thread each); each worker loads every model once.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from chroma_desk.color.bins import PAPER_TEMPERATURE, nearest_bins
from chroma_desk.color.lab import lab_to_rgb, rgb_to_lab
from chroma_desk.engine.colorizer import Colorizer, Prediction
from chroma_desk.media.folders import unreadable_folder_message, walk_files
from chroma_desk.media.images import ImageReadError, read_image
from chroma_desk.models.checkpoint import read_card
from training.data import PHOTO_SUFFIXES
from training.hint_sim import photo_rng, sample_photo_hints
from training.metrics import colourfulness, photo_metrics

DEFAULT_TEMPERATURES = (0.2, PAPER_TEMPERATURE, 0.6, 1.0)
GRAY = "gray (a = b = 0)"
MEANS = ("psnr", "ssim", "ciede2000", "colourfulness", "top1_accuracy", "ms_per_photo")


@dataclass(frozen=True)
class RowSpec:
    """One row of the table: the gray baseline (model None) or a model at a temperature."""

    model: int | None
    temperature: float | None = None
    default: bool = False
    hints: int | None = None  # simulated hints from the truth (training.hint_sim)


def list_photos(
    folder: str | Path, limit: int | None = None, errors: list[OSError] | None = None
) -> list[Path]:
    """Photo files under ``folder`` (recursive), sorted; the first ``limit`` of them.
    ``errors`` collects the subfolders that cannot be read."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder}: not a folder")
    paths = list(walk_files(folder, PHOTO_SUFFIXES, errors))
    return paths[:limit] if limit is not None else paths


def plan_rows(
    cards: Sequence[dict[str, Any]],
    temperatures: Sequence[float] | None = None,
    hints: Sequence[int] | None = None,
) -> list[RowSpec]:
    """Gray first; then per model one row, or for a classification model one per temperature
    (the requested ones, else its default T followed by 0.2, 0.38, 0.6 and 1.0).

    ``hints``: instead, per model one row per hint count (classification at its default T,
    or the first requested T)."""
    rows = [RowSpec(None)]
    if hints:
        for i, card in enumerate(cards):
            if not card.get("takes_hints"):
                name = card.get("name") or f"model {i + 1}"
                raise ValueError(f"{name!r} takes no colour hints; --hints needs hint models")
            t = None
            if card["kind"] == "classification":
                t = (
                    temperatures[0]
                    if temperatures
                    else float(card.get("default_temperature", PAPER_TEMPERATURE))
                )
            rows += [RowSpec(i, t, t is not None, int(n)) for n in hints]
        return rows
    for i, card in enumerate(cards):
        if card["kind"] != "classification":
            rows.append(RowSpec(i))
            continue
        default_t = float(card.get("default_temperature", PAPER_TEMPERATURE))
        temps = list(temperatures) if temperatures else [default_t, *DEFAULT_TEMPERATURES]
        seen: list[float] = []
        for t in temps:
            if not any(math.isclose(t, s) for s in seen):
                seen.append(float(t))
        rows += [RowSpec(i, t, math.isclose(t, default_t)) for t in seen]
    return rows


def top1_accuracy(colorizer: Colorizer, prediction: Prediction, ab_true: np.ndarray) -> float:
    """Share of the network's output cells over the photo (its mirrored margin left out) whose
    most likely bin is the bin nearest to the truth's ab averaged over that cell."""
    raw = prediction.raw
    (ph, pw), (h, w), (top, left) = prediction.padded, prediction.valid, prediction.offset
    sy, sx = raw.shape[-2] / ph, raw.shape[-1] / pw
    y0, x0 = round(top * sy), round(left * sx)
    y1, x1 = max(y0 + 1, round((top + h) * sy)), max(x0 + 1, round((left + w) * sx))
    predicted = raw[:, y0:y1, x0:x1].argmax(dim=0)
    truth = cv2.resize(ab_true, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    truth_t = torch.from_numpy(np.ascontiguousarray(truth)).permute(2, 0, 1)[None]
    nearest = nearest_bins(truth_t, colorizer.bins)[0]
    return float((predicted == nearest).float().mean())


# -- one photo (runs in a worker process, or in this one) ----------------------------------------

_STATE: dict[str, Any] = {}


def _setup(
    model_paths: Sequence[str],
    size: int | None,
    device: str,
    threads: int,
    backend: str = "auto",
    upsampling: str = "bilinear",
) -> None:
    if threads:
        torch.set_num_threads(threads)
    _STATE["colorizers"] = [
        Colorizer(p, device=device, working_size=size, backend=backend, upsampling=upsampling)
        for p in model_paths
    ]
    if threads:  # the Colorizer asks for every core; a worker keeps to its share
        torch.set_num_threads(threads)
    cv2.setNumThreads(max(threads, 1))


def _measure(path: Path, rows: Sequence[RowSpec]) -> tuple[str, list[dict[str, float]] | str]:
    """Metrics of every row for one photo, or the reason it was skipped."""
    try:
        photo = read_image(path)
    except ImageReadError as exc:
        return str(path), str(exc)
    rgb_true = np.ascontiguousarray(photo.rgb, dtype=np.float32)
    lab_true = rgb_to_lab(rgb_true)
    lightness = np.ascontiguousarray(lab_true[..., 0])
    truth_colour = colourfulness(rgb_true)
    colorizers: list[Colorizer] = _STATE["colorizers"]
    predictions: dict[tuple[int, int], Prediction] = {}
    accuracy: dict[tuple[int, int], float] = {}
    results = []
    for row in rows:
        if row.model is None:
            gray = np.zeros_like(lab_true)
            gray[..., 0] = lightness
            rgb_pred = lab_to_rgb(gray)
            extra: dict[str, float] = {}
        else:
            colorizer = colorizers[row.model]
            key = (row.model, row.hints or 0)
            if key not in predictions:
                hints = None
                if row.hints:
                    rng = photo_rng(path)
                    hints = sample_photo_hints(lab_true, row.hints, rng, colorizer.working_size)
                predictions[key] = colorizer.predict_lightness([lightness], [hints])[0]
                if colorizer.kind == "classification":
                    ab_true = np.ascontiguousarray(lab_true[..., 1:])
                    accuracy[key] = top1_accuracy(colorizer, predictions[key], ab_true)
            prediction = predictions[key]
            rgb_pred = colorizer.render(prediction, row.temperature)
            extra = {"ms_per_photo": prediction.predict_seconds * 1000.0}
            if key in accuracy:
                extra["top1_accuracy"] = accuracy[key]
        metrics = photo_metrics(rgb_pred, rgb_true, lab_true)
        results.append({**metrics, **extra, "colourfulness_truth": truth_colour})
    return str(path), results


def _measure_in_worker(args: tuple[Path, Sequence[RowSpec]]):
    return _measure(*args)


# -- the whole folder ------------------------------------------------------------------------------


def evaluate(
    models: Sequence[str | Path],
    data: str | Path,
    temperatures: Sequence[float] | None = None,
    limit: int | None = None,
    size: int | None = None,
    workers: int | None = None,
    device: str = "cpu",
    progress: Callable[[int, int], None] | None = None,
    hints: Sequence[int] | None = None,
    backend: str = "auto",
    upsampling: str = "bilinear",
) -> dict[str, Any]:
    """Measure ``models`` (model file paths) on the photos under ``data``.

    Args:
        temperatures: the temperatures of classification models (default: each model's own
            default T, then 0.2, 0.38, 0.6 and 1.0).
        limit: use only the first ``limit`` photos (sorted by path).
        size: working size (long side of the network input); each model's own by default.
        workers: processes, one thread each (default: one per CPU core; 1 runs here).
        device: ``cpu``, or ``auto``/``cuda``/``mps`` (then everything runs in this process).
        progress: called with (photos done, photos in all) after each photo.
        hints: hint counts (e.g. 0, 1, 2, 5, 10, 20, 50): one row per count and model (hint
            models only), hints simulated from the truth at random places, the same for the
            same photo on every run (``training.hint_sim.sample_photo_hints``).
        backend: what runs the networks (``chroma_desk.engine.backends``).
        upsampling: ``bilinear`` or ``guided`` (``Colorizer``'s render option).

    Returns a dict with ``rows`` (a list of dicts, the gray baseline first), ``photos`` (the
    number measured), ``skipped`` ({path: reason}) and ``seconds``.
    """
    start = time.perf_counter()
    unreadable: list[OSError] = []
    paths = list_photos(data, limit, unreadable)
    skipped: dict[str, str] = {str(e.filename): unreadable_folder_message(e) for e in unreadable}
    if not paths:
        reasons = "".join(f"; {message}" for message in skipped.values())
        raise FileNotFoundError(f"{data}: no photos found{reasons}")
    model_paths = [str(p) for p in models]
    cards = [read_card(p) for p in model_paths]
    rows = plan_rows(cards, temperatures, hints)
    if workers is None:
        workers = os.cpu_count() or 1
    workers = max(1, min(workers, len(paths)))
    if device != "cpu":
        workers = 1
    per_photo: list[list[dict[str, float]]] = []
    done = 0

    def collect(item: tuple[str, list[dict[str, float]] | str]) -> None:
        nonlocal done
        path, result = item
        if isinstance(result, str):
            skipped[path] = result
        else:
            per_photo.append(result)
        done += 1
        if progress is not None:
            progress(done, len(paths))

    if workers == 1:
        saved = dict(_STATE)
        threads = torch.get_num_threads()
        try:
            _setup(model_paths, size, device, 0, backend, upsampling)
            for path in paths:
                collect(_measure(path, rows))
        finally:
            _STATE.clear()
            _STATE.update(saved)
            torch.set_num_threads(threads)
    else:
        for p in model_paths:  # any ONNX export happens once, here, not in every worker
            Colorizer(p, device=device, working_size=size, backend=backend)
        context = multiprocessing.get_context("spawn")  # no fork after torch has started threads
        with ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_setup,
            initargs=(model_paths, size, device, 1, backend, upsampling),
        ) as pool:
            jobs = ((path, rows) for path in paths)
            for item in pool.map(_measure_in_worker, jobs, chunksize=2):
                collect(item)
    if not per_photo:
        raise FileNotFoundError(f"{data}: none of the {len(paths)} photos could be read")
    table = [
        _summarise(spec, cards, model_paths, [p[i] for p in per_photo])
        for i, spec in enumerate(rows)
    ]
    return {
        "data": str(data),
        "photos": len(per_photo),
        "skipped": skipped,
        "size": size,
        "upsampling": upsampling,
        "rows": table,
        "seconds": round(time.perf_counter() - start, 1),
    }


def _summarise(
    spec: RowSpec,
    cards: Sequence[dict[str, Any]],
    model_paths: Sequence[str],
    values: list[dict[str, float]],
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "model": GRAY,
        "path": None,
        "architecture": None,
        "kind": "gray",
        "temperature": spec.temperature,
        "default_temperature": spec.default,
        "hints": spec.hints,
    }
    if spec.model is not None:
        card = cards[spec.model]
        row |= {
            "model": card.get("name") or Path(model_paths[spec.model]).stem,
            "path": model_paths[spec.model],
            "architecture": card["architecture"],
            "kind": card["kind"],
        }
    for key in MEANS:
        present = [v[key] for v in values if key in v]
        row[key] = float(np.mean(present)) if present else None
    truth = float(np.mean([v["colourfulness_truth"] for v in values]))
    row["colourfulness_truth"] = truth
    row["colourfulness_ratio"] = row["colourfulness"] / truth if truth > 0 else None
    row["photos"] = len(values)
    return row


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """A plain-text table of ``evaluate``'s rows."""
    header = ("model", "T", "PSNR", "SSIM", "CIEDE2000", "colourf.", "ratio", "top-1", "ms")
    lines = []
    for row in rows:
        t = row["temperature"]
        hints = row.get("hints")
        lines.append(
            (
                row["model"] + ("" if hints is None else f" + {hints} hints"),
                "" if t is None else f"{t:g}" + (" *" if row["default_temperature"] else ""),
                _fmt(row["psnr"], ".2f"),
                _fmt(row["ssim"], ".4f"),
                _fmt(row["ciede2000"], ".2f"),
                _fmt(row["colourfulness"], ".1f"),
                _fmt(row["colourfulness_ratio"], ".2f"),
                _fmt(row["top1_accuracy"], ".3f"),
                _fmt(row["ms_per_photo"], ".0f"),
            )
        )
    widths = [max(len(str(c)) for c in col) for col in zip(header, *lines, strict=True)]
    out = []
    for i, line in enumerate([header, *lines]):
        out.append(
            "  ".join(
                str(c).ljust(w) if j < 2 else str(c).rjust(w)
                for j, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)
