"""kill -9 a short real training run at random moments, resume it each time, check the result.

    python scripts/kill_resume_check.py [--kills 20] [--seed 0] [--steps 30]

One uninterrupted reference run records its weights at every checkpoint. Then, for each of
``--kills`` trials: a fresh run of the same settings is started, killed with SIGKILL at a random
moment of its training, and the state it left is checked (the resume point's weights must be the
reference's at the step its counters name; the model file, if any, must be the reference's at its
card's step); then ``--resume`` runs it to the end, and the finished run must have the
reference's step count and final weights, a clean folder (no ``*.part``, ``state.new`` or
``state.old``) and a model file at the last step. A summary line per trial, then the totals;
the exit status is 0 only when every trial passed.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from PIL import Image
from safetensors.torch import load_file

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from chroma_desk.models.checkpoint import read_card  # noqa: E402
from training import state_store  # noqa: E402
from training.cli import add_arguments, config_from_args  # noqa: E402
from training.events import read_events  # noqa: E402
from training.trainer import Trainer  # noqa: E402

PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry", "retina")
STRAY = ("*.part", ".*.part", "state.new", "state.old", "state/*.part")


def settings(steps: int) -> list[str]:
    return [
        "--arch", "plain-unet", "--kind", "regression", "--arch-args", '{"width": 8}',
        "--size", "64", "--batch", "4", "--lr", "1e-3", "--steps", str(steps),
        "--workers", "0", "--threads", "1", "--no-pretrained", "--fp32",
        "--checkpoint-every", "1", "--log-every", "1",
        "--sample-every", "1000", "--eval-every", "1000",
    ]  # fmt: skip


def write_photos(folder: Path) -> None:
    from skimage import data

    folder.mkdir(parents=True)
    for i, name in enumerate(PHOTOS):
        img = Image.fromarray(getattr(data, name)())
        img.thumbnail((96, 96))
        img.save(folder / f"{i:02d}-{name}.jpg", quality=92)


def reference_run(photos: Path, out: Path, steps: int) -> dict[int, dict[str, torch.Tensor]]:
    """The uninterrupted run, in this process: generator weights by checkpoint step."""
    by_step: dict[int, dict[str, torch.Tensor]] = {}
    write = state_store.write

    def recording_write(run_dir, tensors, counters):
        by_step[counters["step"]] = {k: v.clone() for k, v in tensors.items() if k[:2] == "g."}
        return write(run_dir, tensors, counters)

    state_store.write = recording_write
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        parser = argparse.ArgumentParser()
        add_arguments(parser)
        args = parser.parse_args(["--data", str(photos), "--out", str(out), *settings(steps)])
        Trainer(config_from_args(args), echo=False).run()
    finally:
        state_store.write = write
        for sig, handler in handlers.items():  # the trainer's stop handlers are for its loop
            signal.signal(sig, handler)
    return by_step


def same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def check_state(out: Path, reference: dict[int, dict[str, torch.Tensor]]) -> tuple[str, int]:
    """After the kill: is what is on disk consistent? ('' or the problem, resume point's step)."""
    with tempfile.TemporaryDirectory() as tmp:  # what the resume will see, left untouched
        copy = Path(tmp) / "run"
        shutil.copytree(out, copy)
        state_store.recover(copy)
        if not state_store.exists(copy):
            return "", 0
        tensors, counters = state_store.read(copy)
    step = counters["step"]
    weights = {k: v for k, v in tensors.items() if k[:2] == "g."}
    if not same(weights, reference[step]):
        return f"resume point weights are not those of step {step}", step
    model = out / "model.safetensors"
    if model.exists():
        card_step = read_card(model)["training"]["steps"]
        got = {f"g.{k}": v for k, v in load_file(str(model)).items()}
        if card_step not in reference or not same(got, reference[card_step]):
            return f"model file weights are not those of step {card_step}", step
    return "", step


def stray_files(out: Path) -> list[str]:
    return sorted({str(p.relative_to(out)) for pattern in STRAY for p in out.glob(pattern)})


def trial(photos, work, reference, steps, delay, index) -> tuple[bool, str]:
    """``delay``: how far into the run (0..1 of its steps) the kill comes; it lands at a
    random moment of the step after that point (each step ends with a checkpoint)."""
    out = work / f"run-{index:02d}"
    cmd = [sys.executable, "-m", "training", "--data", str(photos), "--out", str(out)]
    proc = subprocess.Popen(
        [*cmd, *settings(steps)], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    events = out / "events.jsonl"
    target = max(1, round(delay * steps))  # the step after which the kill comes
    seen: list[dict] = []
    while proc.poll() is None and not any(
        e["event"] == "step" and e["step"] >= target for e in seen
    ):
        time.sleep(0.005)
        seen = read_events(events) if events.exists() else []
    times = {e["event"]: e["time"] for e in seen if e["event"] in ("start", "step")}
    per_step = (times.get("step", 0) - times.get("start", 0)) / target if times else 0.0
    time.sleep(max(0.0, per_step) * random.Random(index).random())  # somewhere in the next step
    proc.kill()
    proc.wait()
    left = stray_files(out)
    killed_at = max([e["step"] for e in read_events(events) if e["event"] == "step"], default=0)
    problem, saved = check_state(out, reference)
    if problem:
        return False, f"killed at step {killed_at}: {problem}"
    resumed = subprocess.run(
        [*cmd, *settings(steps), "--resume"], cwd=REPO, capture_output=True, text=True
    )
    tail = read_events(events)
    final = state_store.read(out) if state_store.exists(out) else None
    problems = []
    if resumed.returncode != 0:
        problems.append(f"resume failed ({resumed.returncode}): {resumed.stderr[-300:]}")
    elif tail[-1]["event"] != "done" or tail[-1]["step"] != steps:
        problems.append(f"resume did not end with done at step {steps}")
    if final is None or final[1]["step"] != steps:
        problems.append("no resume point at the last step")
    elif not same({k: v for k, v in final[0].items() if k[:2] == "g."}, reference[steps]):
        problems.append("final weights differ from the uninterrupted run's")
    if read_card(out / "model.safetensors")["training"]["steps"] != steps:
        problems.append("model file not at the last step")
    if stray := stray_files(out):
        problems.append(f"stray files after the resume: {stray}")
    note = f"killed after step {killed_at}; resume point step {saved}"
    note += f"; left by the kill: {', '.join(left)}" if left else "; nothing left by the kill"
    return not problems, "; ".join([note, *problems])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    torch.set_num_threads(1)
    work = Path(tempfile.mkdtemp(prefix="kill-resume-"))
    try:
        photos = work / "photos"
        write_photos(photos)
        reference = reference_run(photos, work / "reference", args.steps)
        print(f"reference: {args.steps} steps, checkpoints at {sorted(reference)[:3]}...")
        passed = 0
        for i in range(args.kills):
            ok, note = trial(photos, work, reference, args.steps, rng.uniform(0, 0.97), i)
            passed += ok
            print(f"{i + 1:2d}. {'ok  ' if ok else 'FAIL'} {note}", flush=True)
        print(f"{passed} of {args.kills} resumed with weights and step count consistent")
        return 0 if passed == args.kills else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
