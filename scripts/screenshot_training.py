"""Render the Training tab mid-run to docs/screenshot-training.png, with real curves.

    .venv/bin/python scripts/screenshot_training.py [--run runs/lite-gan] [--out PATH]

The tab is pointed at a temporary runs folder holding links to real run folders (by default
every run under ``runs/``, e.g. the bundled models while they train). It only reads them: a run
whose trainer is alive shows as running, with its live numbers. With no real run at hand, pass
``--demo`` to train a short run first (about a minute on a laptop CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def demo_run(folder: Path) -> Path:
    """A short real run on a few skimage photos (for machines with no run of their own)."""
    import numpy as np
    from PIL import Image
    from skimage import data

    photos = folder / "photos"
    photos.mkdir(parents=True)
    for name in (
        "astronaut",
        "coffee",
        "chelsea",
        "rocket",
        "hubble_deep_field",
        "immunohistochemistry",
    ):
        rgb = np.asarray(getattr(data, name)())[..., :3]
        Image.fromarray(rgb).save(photos / f"{name}.png")
    out = folder / "runs" / "demo-gan"
    subprocess.run(
        [sys.executable, "-m", "training", "--data", str(photos), "--out", str(out),
         "--name", "demo-gan", "--size", "96", "--batch", "4", "--steps", "300",
         "--warmup-steps", "150", "--workers", "0", "--log-every", "2", "--eval-every", "50",
         "--sample-every", "50", "--checkpoint-every", "100"],
        check=True, cwd=REPO, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default=str(REPO / "runs"), help="folder of real runs to show")
    parser.add_argument("--run", help="the run to select (default: the one with most steps)")
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshot-training.png"))
    parser.add_argument("--size", default="1480x920")
    parser.add_argument("--theme", default="light", choices=("light", "dark"))
    parser.add_argument("--log-scale", action="store_true")
    parser.add_argument("--demo", action="store_true", help="train a short demo run first")
    args = parser.parse_args()

    import qasync
    from PySide6.QtWidgets import QApplication

    tmp = Path(tempfile.mkdtemp(prefix="chroma-shot-"))
    os.environ["CHROMA_DESK_MODELS"] = str(tmp / "models")
    try:
        from chroma_desk.ui.settings import use_settings_dir

        use_settings_dir(tmp / "settings")
    except ImportError:
        pass
    shown = tmp / "runs"
    shown.mkdir()
    sources = [demo_run(tmp / "demo")] if args.demo else []
    real = Path(args.runs)
    if real.is_dir():
        sources += [p for p in sorted(real.iterdir()) if (p / "events.jsonl").is_file()]
    if not sources:
        print(f"no runs in {real}; try --demo", file=sys.stderr)
        return 1
    for src in sources:
        (shown / src.name).symlink_to(src.resolve(), target_is_directory=True)

    app = QApplication.instance() or QApplication([])
    app.setApplicationName("Chroma Desk")
    try:
        from chroma_desk.ui.theme import apply_theme

        apply_theme(app, args.theme)
    except ImportError:
        app.setStyle("Fusion")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    from chroma_desk.ui.state import AppState
    from chroma_desk.ui.training_tab import TrainingTab

    tab = TrainingTab(AppState(), runs_dir=shown)
    width, height = (int(v) for v in args.size.split("x"))
    tab.resize(width, height)
    tab.setWindowTitle("Chroma Desk: Training")
    tab.show()

    async def settle() -> None:
        await asyncio.sleep(1.5)  # follow tasks read the events; charts redraw
        if args.run:
            chosen = shown / Path(args.run).name
        else:
            chosen = max(tab.sessions, key=lambda p: tab.sessions[p].history.step)
        tab.select_run(chosen)
        tab.view.log_check.setChecked(args.log_scale)
        await asyncio.sleep(1.0)
        tab.view.redraw()
        tab.view.log_view.verticalScrollBar().setValue(
            tab.view.log_view.verticalScrollBar().maximum()
        )
        await asyncio.sleep(0.3)

    loop.run_until_complete(settle())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    pixmap = tab.grab()
    pixmap.save(str(out))
    session = tab.current_session()
    print(f"{out}: {pixmap.width()}x{pixmap.height()}, run {session.name if session else '?'}")
    tab.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
