#!/usr/bin/env python
"""CPU training throughput per architecture: images/s of the trainer's own training step
(forward, loss, backward, optimiser; the GAN's discriminator step too) at 224 px, batch 16,
with 1 and 2 threads. Data loading is left out (it runs in DataLoader workers beside the step).

    .venv/bin/python scripts/train_throughput.py --json docs/train_throughput.json

Prints one line per measurement and writes JSON: wall-clock images/s (lower than on an idle
machine when other jobs share the cores; the load average is recorded) and images per second
of this process's CPU time (with one thread, close to what an idle core gives).
"""

# ruff: noqa: E402
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

# sleeping OpenMP waiters, as chroma_desk sets them, before torch loads: spinning ones stall
# every parallel region on cores shared with other jobs
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from training.data import center_crop, load_rgb, to_lab_tensor
from training.trainer import TrainConfig, Trainer

# name, architecture, kind, constructor arguments: the designs docs/architectures.md compares
CONFIGS = [
    ("lite-unet classification", "lite-unet", "classification", {}),
    ("lite-unet gan (adversarial phase)", "lite-unet", "gan", {}),
    ("lite-unet gan, --disc-width 32", "lite-unet", "gan", {}),
    ("lite-unet regression", "lite-unet", "regression", {}),
    ("resnet18-unet regression", "resnet18-unet", "regression", {}),
    ("vgg16-cls classification", "vgg16-cls", "classification", {}),
    ("plain-unet regression", "plain-unet", "regression", {}),
    ("rgb-autoencoder regression", "rgb-autoencoder", "regression", {}),
    ("conv-dense-ae regression", "conv-dense-ae", "regression", {}),
]
SHARED_TRAIN = REPO.parent / "shared" / "datasets" / "train"


class FixedPhotos:
    """The measured batch posing as the training set (the classifier measures its prior)."""

    def __init__(self, batch: torch.Tensor) -> None:
        self.batch = batch

    def __len__(self) -> int:
        return len(self.batch)

    def __getitem__(self, key):
        index = key[1] if isinstance(key, tuple) else key
        return self.batch[index]


def photo_batch(folder: Path | None, size: int, batch: int) -> torch.Tensor:
    if folder is not None and folder.is_dir():
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".png"))
        if len(paths) >= batch:
            return torch.stack(
                [to_lab_tensor(center_crop(load_rgb(p, 2 * size), size)) for p in paths[:batch]]
            )
    lab = torch.rand(batch, 3, size, size)
    return lab * torch.tensor([100.0, 160.0, 160.0]).view(1, 3, 1, 1) - torch.tensor(
        [0.0, 80.0, 80.0]
    ).view(1, 3, 1, 1)


def measure(
    name: str,
    arch: str,
    kind: str,
    arch_args: dict,
    lab: torch.Tensor,
    threads: int,
    steps: int,
    warmup: int,
    run_dir: Path,
) -> dict:
    torch.set_num_threads(threads)
    cfg = TrainConfig(
        data=str(run_dir),
        out=str(run_dir),
        arch=arch,
        kind=kind,
        size=lab.shape[-1],
        batch=lab.shape[0],
        arch_args=dict(arch_args),
        pretrained=False,  # same compute; nothing to download
        warmup_steps=0,  # gan: measure the adversarial phase (L1 + discriminator)
        disc_width=32 if "disc-width 32" in name else 64,
        threads=threads,
        device="cpu",
    )
    trainer = Trainer(cfg, echo=False)
    trainer.train_set = FixedPhotos(lab)
    trainer._build_models()
    trainer.generator.train()
    for _ in range(warmup):
        trainer.train_step(lab)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        trainer.train_step(lab)
        trainer.step += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    trainer.log.close()
    params = sum(p.numel() for p in trainer.generator.parameters())
    return {
        "threads": threads,
        "images_per_s": round(lab.shape[0] * steps / wall, 2),
        "seconds_per_step": round(wall / steps, 3),
        "cpu_seconds_per_step": round(cpu / steps, 3),
        # images per second of this process's CPU time: with one thread, about what an idle
        # core would give; with more, a lower bound of the idle figure's parallel speed-up
        "images_per_cpu_s": round(lab.shape[0] * steps / cpu, 2),
        "params": params,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--steps", type=int, default=3, help="timed steps per measurement")
    p.add_argument("--warmup", type=int, default=1, help="untimed steps first")
    p.add_argument("--only", nargs="+", help="architectures to measure (default: all)")
    p.add_argument("--data", default=str(SHARED_TRAIN), help="photos for the batch")
    p.add_argument("--json", help="write the results here")
    args = p.parse_args(argv)

    lab = photo_batch(Path(args.data) if args.data else None, args.size, args.batch)
    results = []
    started = time.time()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="throughput-") as tmp:
        for name, arch, kind, arch_args in CONFIGS:
            if args.only and arch not in args.only and name not in args.only:
                continue
            for threads in args.threads:
                run_dir = Path(tmp) / f"{arch}-{kind}-{threads}"
                row = {"name": name, "architecture": arch, "kind": kind}
                row |= measure(
                    name, arch, kind, arch_args, lab, threads, args.steps, args.warmup, run_dir
                )
                row["load_average_1min"] = round(os.getloadavg()[0], 2)
                results.append(row)
                print(
                    f"{name:36s} {threads} thread(s): {row['images_per_s']:7.2f} images/s "
                    f"({row['images_per_cpu_s']:.2f} per CPU-s, {row['seconds_per_step']:.2f} "
                    f"s/step, {row['params'] / 1e6:.1f}M params, "
                    f"load {row['load_average_1min']})",
                    flush=True,
                )
    report = {
        "size": args.size,
        "batch": args.batch,
        "steps": args.steps,
        "warmup": args.warmup,
        "cpu_count": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(time.time() - started, 1),
        "command": " ".join(["scripts/train_throughput.py", *(argv or sys.argv[1:])]),
        "results": results,
    }
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
