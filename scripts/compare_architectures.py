#!/usr/bin/env python
"""Train each architecture for the same CPU time on the same photos, evaluate them the same way,
and write docs/architectures.md (plus the raw numbers in docs/architectures.json).

    .venv/bin/python scripts/compare_architectures.py --minutes 3 --threads 1

Each architecture trains in this process with ``--threads`` torch threads and no DataLoader
workers, and stops after ``--minutes`` of *CPU time* of this process (data loading included,
set-up and the final evaluation left out), so the budget is the same for every architecture
even on a machine shared with other jobs. Then every trained model is measured on the
validation folder by ``training.evaluate`` (the app's own inference path, full resolution),
and its inference time per 256 px photo is taken with the engine's ``Colorizer``.
CPU training throughput at 224 px, batch 16, comes from scripts/train_throughput.py's JSON.
"""

# ruff: noqa: E402
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import sys
import time
from pathlib import Path

# sleeping OpenMP waiters, as chroma_desk sets them, before torch loads: spinning ones stall
# every parallel region on cores shared with other jobs
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import cv2
import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.media.images import read_image
from training.evaluate import evaluate
from training.trainer import TrainConfig, Trainer

SHARED = REPO.parent / "shared" / "datasets"

# key, architecture, kind, training size, constructor arguments, ImageNet encoder, what it is
ENTRIES = [
    ("lite-unet-cls", "lite-unet", "classification", 176, {}, True,
     "EfficientNet-Lite0 U-Net, ab-bin classifier (as the bundled lite-cls)"),
    ("lite-unet-l1", "lite-unet", "regression", 176, {}, True,
     "EfficientNet-Lite0 U-Net, L1 regressor (lite-gan before its GAN phase)"),
    ("resnet18-unet-l1", "resnet18-unet", "regression", 176, {}, False,
     "ResNet18 U-Net, L1 regressor"),
    ("vgg16-cls", "vgg16-cls", "classification", 224, {}, False,
     "VGG16 trunk (to conv4_3) + bin head"),
    ("plain-unet-l1", "plain-unet", "regression", 176, {}, False,
     "plain U-Net (width 32), ab tanh, L1"),
    ("rgb-autoencoder", "rgb-autoencoder", "regression", 176, {}, False,
     "U-Net autoencoder predicting RGB, L1 on RGB"),
    ("conv-dense-ae", "conv-dense-ae", "regression", 128, {}, False,
     "conv + dense-bottleneck autoencoder at 128x128, L1"),
]  # fmt: skip


class CpuBudgetTrainer(Trainer):
    """Stops after ``cpu_seconds`` of this process's CPU time, counted from the first step."""

    def __init__(self, config: TrainConfig, cpu_seconds: float) -> None:
        super().__init__(config, echo=False)
        self.cpu_seconds = cpu_seconds
        self.cpu_start: float | None = None
        self.cpu_used = 0.0

    def _finished(self) -> bool:
        now = time.process_time()
        if self.cpu_start is None:
            self.cpu_start = now
        self.cpu_used = now - self.cpu_start
        return self.cpu_used >= self.cpu_seconds or self.stop_requested


def train(entry: tuple, args: argparse.Namespace, work: Path) -> dict:
    key, arch, kind, size, arch_args, pretrained, _ = entry
    out = work / key
    shutil.rmtree(out, ignore_errors=True)
    cfg = TrainConfig(
        data=str(args.data),  # held-out 5% for the trainer's own checks (never the val folder)
        out=str(out),
        name=key,
        arch=arch,
        kind=kind,
        size=size,
        batch=args.batch,
        lr=2e-4,
        arch_args=dict(arch_args),
        pretrained=pretrained,
        workers=0,
        threads=args.threads,
        seed=0,
        device="cpu",
        log_every=25,
        checkpoint_every=10**9,  # nothing but training inside the budget
        sample_every=10**9,
        eval_every=10**9,
        working_size=128 if arch == "conv-dense-ae" else 256,
        half=False,
    )
    trainer = CpuBudgetTrainer(cfg, args.minutes * 60)
    wall = time.perf_counter()
    model_path = trainer.run()
    return {
        "model": str(model_path),
        "steps": trainer.step,
        "images_seen": trainer.step * args.batch,
        "cpu_seconds": round(trainer.cpu_used, 1),
        "train_wall_seconds": round(trainer.elapsed, 1),
        "total_wall_seconds": round(time.perf_counter() - wall, 1),
        "params": sum(p.numel() for p in trainer.generator.parameters()),
    }


def inference_ms(model: Path, photo: np.ndarray, repeats: int = 5) -> float:
    """Median ms to predict and render one photo (long side 256) with the engine, all cores."""
    colorizer = Colorizer(model, device="cpu", working_size=256)
    for _ in range(2):
        colorizer.render(colorizer.predict(photo))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        colorizer.render(colorizer.predict(photo))
        times.append(time.perf_counter() - start)
    return round(1000 * statistics.median(times), 1)


def photo_256(folder: Path) -> np.ndarray:
    path = sorted(folder.glob("*.jpg"))[0]
    rgb = read_image(path).rgb
    h, w = rgb.shape[:2]
    scale = 256 / max(h, w)
    return cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=3.0, help="CPU minutes per architecture")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--data", type=Path, default=SHARED / "train")
    p.add_argument("--val", type=Path, default=SHARED / "val")
    p.add_argument("--limit", type=int, help="evaluate on the first N validation photos only")
    p.add_argument("--only", nargs="+", help="keys of ENTRIES to run (default: all)")
    p.add_argument("--work", type=Path, default=Path("/tmp/chroma-desk-compare"))
    p.add_argument("--throughput", type=Path, default=REPO / "docs" / "train_throughput.json")
    p.add_argument("--json", type=Path, default=REPO / "docs" / "architectures.json")
    p.add_argument("--markdown", type=Path, default=REPO / "docs" / "architectures.md")
    p.add_argument(
        "--skip-training", action="store_true", help="reuse the models already in --work"
    )
    p.add_argument("--conditions", default="", help="how the machine was shared, for the page")
    p.add_argument(
        "--reading", type=Path, help="a Markdown file: what the table says, placed under it"
    )
    p.add_argument(
        "--train-command",
        action="append",
        default=[],
        help="with --skip-training: the command that trained (repeatable), for the page",
    )
    p.add_argument(
        "--train-only",
        action="store_true",
        help="train (into --work) and stop; run again with --skip-training to evaluate all. "
        "Lets two processes of one thread each train different --only sets side by side",
    )
    p.add_argument(
        "--render-only",
        action="store_true",
        help="only rewrite --markdown from --json (and the current --throughput file)",
    )
    args = p.parse_args(argv)
    if args.render_only:
        report = json.loads(args.json.read_text())
        if args.reading:
            report["reading"] = args.reading.read_text()
        if args.conditions:
            report["conditions"] = args.conditions
        if args.throughput.exists():
            report["throughput"] = json.loads(args.throughput.read_text())
            args.json.write_text(json.dumps(report, indent=2) + "\n")
        args.markdown.write_text(markdown(report))
        print(f"written {args.markdown}")
        return 0
    command = _command_line(argv if argv is not None else sys.argv[1:])

    entries = [e for e in ENTRIES if not args.only or e[0] in args.only]
    args.work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    trained: dict[str, dict] = {}
    for entry in entries:
        key = entry[0]
        record = args.work / key / "compare.json"
        if args.skip_training and record.exists():
            trained[key] = json.loads(record.read_text())
            continue
        print(f"training {key} for {args.minutes} CPU minutes ...", flush=True)
        trained[key] = train(entry, args, args.work)
        record.write_text(json.dumps(trained[key], indent=2))
        print(f"  {trained[key]}", flush=True)
    if args.train_only:
        return 0

    print("evaluating ...", flush=True)
    models = [trained[e[0]]["model"] for e in entries]
    torch.set_num_threads(os.cpu_count() or 1)
    result = evaluate(models, args.val, limit=args.limit, workers=os.cpu_count())
    photo = photo_256(args.val)
    for entry in entries:
        trained[entry[0]]["inference_ms_256"] = inference_ms(
            Path(trained[entry[0]]["model"]), photo
        )

    throughput = json.loads(args.throughput.read_text()) if args.throughput.exists() else None
    report = {
        "command": command,
        "train_commands": args.train_command,
        "conditions": args.conditions,
        "reading": args.reading.read_text() if args.reading else "",
        "minutes_cpu": args.minutes,
        "threads": args.threads,
        "batch": args.batch,
        "data": str(args.data),
        "val": str(args.val),
        "val_photos": result["photos"],
        "cpu_count": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "entries": [
            {
                "key": e[0],
                "architecture": e[1],
                "kind": e[2],
                "size": e[3],
                "arguments": e[4],
                "imagenet_encoder": e[5],
                "description": e[6],
                **trained[e[0]],
            }
            for e in entries
        ],
        "evaluation": result,
        "throughput": throughput,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    args.markdown.write_text(markdown(report))
    print(f"written {args.json} and {args.markdown}")
    return 0


def _throughput(report: dict, arch: str, kind: str, threads: int, key: str) -> str:
    data = report.get("throughput") or {}
    for row in data.get("results", []):
        if row["architecture"] == arch and row["kind"] == kind and row["threads"] == threads:
            return f"{row[key]:.1f}"
    return "-"


def _command_line(argv: list[str]) -> str:
    """The command that ran, for the page: shell-quoted, without the page's own text options."""
    shown, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--conditions", "--reading", "--train-command"):
            skip = True
        else:
            shown.append(arg)
    return shlex.join(["scripts/compare_architectures.py", *shown])


def _throughput_named(report: dict, name: str, threads: int) -> str:
    for row in (report.get("throughput") or {}).get("results", []):
        if row["name"] == name and row["threads"] == threads:
            return f"{row['images_per_s']:.1f}"
    return "-"


def _speedups(thr: dict) -> str:
    """'1.2x to 1.9x': the range of 2-thread over 1-thread images/s across the measurements."""
    by = {(r["name"], r["threads"]): r["images_per_s"] for r in thr.get("results", [])}
    ratios = [by[n, 2] / by[n, 1] for (n, t) in by if t == 1 and (n, 2) in by and by[n, 1]]
    return f"{min(ratios):.1f}x to {max(ratios):.1f}x" if ratios else "(not measured)"


def _f(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def markdown(report: dict) -> str:
    rows = report["evaluation"]["rows"]
    gray = rows[0]
    by_model: dict[str, list[dict]] = {}
    for row in rows[1:]:
        by_model.setdefault(row["model"], []).append(row)
    lines = [
        "# Choosing an architecture",
        "",
        "Every design that hobbyist write-ups compare is trainable here (`chroma-desk train "
        "--arch NAME`). This page trains each one for **the same CPU time on the same photos** "
        "and measures it **the same way** as the bundled models: `chroma-desk evaluate` on "
        f"`../shared/datasets/val` ({report['val_photos']} photos at full resolution, through "
        "the app's own inference path).",
        "",
        f"Budget: {report['minutes_cpu']:g} CPU minutes per architecture, "
        f"{report['threads']} thread, batch {report['batch']}, on `../shared/datasets/train`. "
        "These are minutes, not hours: the table ranks how quickly each design starts to "
        "colour, not how good it can become (the bundled `lite-cls` and `lite-gan` trained for "
        "hours).",
        "",
        "| architecture | kind | ImageNet encoder | params | train px | steps (images) in budget "
        "| train img/s @224 px, b16 (1 / 2 threads) | inference ms / 256 px photo "
        "| CIEDE2000 (lower is better) | colourfulness vs truth | PSNR | SSIM | top-1 bin |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| gray baseline (a = b = 0) | - | - | - | - | - | - | - | {gray['ciede2000']:.2f} "
        f"| {gray['colourfulness_ratio']:.2f} | {gray['psnr']:.2f} | {gray['ssim']:.4f} | - |",
    ]
    for e in report["entries"]:
        model_rows = by_model.get(e["key"], [])
        row = next((r for r in model_rows if r["default_temperature"]), None) or model_rows[0]
        kind = e["kind"]
        if row["temperature"] is not None:
            kind += f" (T = {row['temperature']:g})"
        thr = (
            f"{_throughput(report, e['architecture'], e['kind'], 1, 'images_per_s')} / "
            f"{_throughput(report, e['architecture'], e['kind'], 2, 'images_per_s')}"
        )
        lines.append(
            f"| `{e['architecture']}` | {kind} | {'yes' if e['imagenet_encoder'] else 'no'} "
            f"| {e['params'] / 1e6:.1f}M | {e['size']} | {e['steps']} ({e['images_seen']}) "
            f"| {thr} | {e['inference_ms_256']:.0f} | {row['ciede2000']:.2f} "
            f"| {row['colourfulness_ratio']:.2f} | {row['psnr']:.2f} | {row['ssim']:.4f} "
            f"| {_f(row['top1_accuracy'], '.3f')} |"
        )
    if report.get("reading"):
        lines += ["", report["reading"].strip()]
    lines += ["", "What the rows are:", ""]
    lines += [f"- `{e['key']}`: {e['description']}." for e in report["entries"]]
    cls = [e for e in report["entries"] if e["kind"] == "classification"]
    if cls:
        lines += [
            "",
            "Classifiers at other temperatures (T is chosen at render time, no retraining):",
            "",
            "| model | T | CIEDE2000 | colourfulness vs truth | PSNR | SSIM |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for e in cls:
            for r in by_model.get(e["key"], []):
                mark = " (default)" if r["default_temperature"] else ""
                lines.append(
                    f"| `{e['key']}` | {r['temperature']:g}{mark} | {r['ciede2000']:.2f} "
                    f"| {r['colourfulness_ratio']:.2f} | {r['psnr']:.2f} | {r['ssim']:.4f} |"
                )
    thr = report.get("throughput") or {}
    lines += [
        "",
        "## How these were measured",
        "",
        f"- Machine: {report['cpu_count']} CPU cores ({report['processor']}), torch "
        f"{report['torch']}, CPU only. {report.get('conditions', '')} The budget counts each "
        "process's own CPU time, so every architecture got the same compute.",
        "- Training: the trainer of `chroma-desk train` with its defaults (Adam, lr 2e-4; "
        "classification: soft-encoded, rebalanced targets and a temperature calibrated on "
        "held-out photos), DataLoader workers 0 so data loading counts in the budget. "
        "`lite-unet` starts from the ImageNet EfficientNet-Lite0 weights that ship with the "
        "package; `resnet18-unet` and `vgg16-cls` start from scratch here, because their "
        "ImageNet weights are a download (`--download-weights` fetches them on a machine with "
        "a network) — with them they would do better than these rows.",
        "- Quality: `chroma-desk evaluate` on every photo of `../shared/datasets/val`, full "
        "resolution, working size 256 (the conv-dense autoencoder works at 128x128 inside). "
        "Colourfulness is Hasler and Suesstrunk's, as a ratio to the truth's; CIEDE2000 is the "
        "mean per-pixel colour difference to the original; top-1 is the share of output cells "
        "whose most likely ab bin is the truth's.",
        "- Inference: median ms to predict and render one photo with a 256 px long side, "
        "engine `Colorizer`, all cores, after two warm-up runs.",
    ]
    if thr:
        gan = _throughput(report, "lite-unet", "gan", 1, "images_per_s")
        gan32 = _throughput_named(report, "lite-unet gan, --disc-width 32", 1)
        lines.append(
            f"- Training throughput: `scripts/train_throughput.py` (the trainer's own step: "
            f"forward, loss, backward, Adam; the GAN adds its discriminator step) at "
            f"{thr['size']} px, batch {thr['batch']}, mean of {thr['steps']} steps after "
            f"{thr['warmup']} warm-up; data loading left out; on an idle machine (load average "
            f"{thr['load_average_before'][0]:.1f} before). A second thread gives "
            f"{_speedups(thr)} the images per second of one: small convolutions and "
            "depthwise layers split poorly across cores. "
            f"`lite-unet` as a GAN (adversarial phase) trains at {gan} img/s on one thread, "
            f"{gan32} with `--disc-width 32`. Full numbers: `docs/train_throughput.json`."
        )
    lines += [
        "",
        "Reproduce:",
        "",
        "```",
        "python scripts/train_throughput.py --json docs/train_throughput.json",
        *[f"python {c}" for c in report.get("train_commands", [])],
        f"python {report['command']}",
        "```",
        "",
        "Raw numbers (every temperature, steps, CPU and wall seconds): `docs/architectures.json`.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
