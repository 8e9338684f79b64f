"""Render the Training tab mid-run to docs/screenshot-training.png, with real curves.

    .venv/bin/python scripts/screenshot_training.py                  # the bundled lite-gan run
    .venv/bin/python scripts/screenshot_training.py --replay runs/lite-cls --at-step 2000
    .venv/bin/python scripts/screenshot_training.py --live           # runs training right now

The tab is pointed at a temporary runs folder; the real run folders are only read.

``--replay RUN --at-step N`` (the default: runs/lite-gan at step 1,950, in its adversarial phase)
shows the run as it was at step N: its real events up to N (times shifted so that step N happened
a few seconds ago), its samples up to N, its config, and its model file standing in for the
checkpoint of that moment. The tab then shows it as a job in progress. Every other run under
``--runs`` is linked in as it is (finished ones show as finished).

``--live`` shows the runs under ``--runs`` as they are: a run whose trainer is alive right now
shows as running, found through /proc, exactly as the app would.

``--window`` grabs the whole main window (menus, tabs, status bar) with the Training tab open,
at ``--size``, instead of the tab alone:

    .venv/bin/python scripts/screenshot_training.py --live --runs /tmp/shotruns --window \
        --size 1024x700 --out docs/screenshot-training-1024x700.png
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def replay(source: Path, dest: Path, at_step: int) -> int:
    """Copy ``source``'s events up to ``at_step`` (no ending), samples and config to ``dest``."""
    from training.events import EventReader

    events = []
    for event in EventReader(source / "events.jsonl").read():
        if event["event"] in ("done", "error"):
            continue
        if int(event.get("step", 0) or 0) > at_step:
            break
        events.append(event)
    if not events:
        raise SystemExit(f"{source}: no events up to step {at_step}")
    shift = time.time() - 4.0 - float(events[-1]["time"])
    dest.mkdir(parents=True)
    with (dest / "events.jsonl").open("w") as f:
        for event in events:
            event = {**event, "time": round(float(event["time"]) + shift, 3)}
            if event["event"] == "sample":
                event["path"] = str(dest / "samples" / Path(event["path"]).name)
            f.write(json.dumps(event) + "\n")
    (dest / "samples").mkdir()
    for png in sorted((source / "samples").glob("step_*.png")):
        if int(png.stem.split("_")[1]) <= at_step:
            shutil.copy2(png, dest / "samples" / png.name)
    for name in ("config.json", "model.safetensors"):
        if (source / name).is_file():
            shutil.copy2(source / name, dest / name)
    return int(events[-1].get("step", 0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default=str(REPO / "runs"), help="folder of real runs")
    parser.add_argument("--replay", default=str(REPO / "runs" / "lite-gan"), help="run to replay")
    parser.add_argument("--at-step", type=int, default=1950)
    parser.add_argument("--live", action="store_true", help="show the runs as they are now")
    parser.add_argument("--run", help="the run to select (default: the replayed one)")
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshot-training.png"))
    parser.add_argument("--size", default="1480x920")
    parser.add_argument("--theme", default="light", choices=("light", "dark"))
    parser.add_argument("--log-scale", action="store_true")
    parser.add_argument("--window", action="store_true", help="the whole main window")
    args = parser.parse_args()

    import qasync
    from PySide6.QtWidgets import QApplication

    tmp = Path(tempfile.mkdtemp(prefix="chroma-shot-"))
    os.environ["CHROMA_DESK_MODELS"] = str(tmp / "models")
    shown = tmp / "runs"
    shown.mkdir()
    replayed: Path | None = None
    if not args.live:
        source = Path(args.replay)
        replayed = shown / source.name
        step = replay(source, replayed, args.at_step)
        print(f"replaying {source} at step {step:,}")
    real = Path(args.runs)
    if real.is_dir():
        for src in sorted(real.iterdir()):
            if (src / "events.jsonl").is_file() and not (shown / src.name).exists():
                (shown / src.name).symlink_to(src.resolve(), target_is_directory=True)
    if not any(shown.iterdir()):
        print(f"no runs in {real}", file=sys.stderr)
        return 1

    app = QApplication.instance() or QApplication([])
    app.setApplicationName("Chroma Desk")
    try:
        from chroma_desk.ui.settings import use_settings_dir

        use_settings_dir(tmp / "settings")
    except ImportError:
        pass
    try:
        from chroma_desk.ui.theme import apply_theme

        apply_theme(app, args.theme)
    except ImportError:
        app.setStyle("Fusion")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    from chroma_desk.ui.state import AppState
    from chroma_desk.ui.training import TrainingTab
    from training.rundir import RUNS_ENV

    window = None
    if args.window:
        from chroma_desk.ui.main_window import MainWindow

        os.environ[RUNS_ENV] = str(shown)
        sys.path.insert(0, str(REPO / "scripts"))
        from shotkit import app_state

        window = MainWindow(app_state(None)[1])  # the bundled default model, as a user has
        tab = window.extra_tabs["Training"]
        window.tabs.setCurrentWidget(tab)
    else:
        tab = TrainingTab(AppState(), runs_dir=shown)
    if replayed is not None:
        session = tab.sessions[replayed]
        # a job in progress, as the window showed it at that step (never stopped from here)
        session.status, session.pid, session.external, session.message = "running", -1, False, None
        tab._fill_list()
    width, height = (int(v) for v in args.size.split("x"))
    shot = window or tab
    shot.resize(width, height)
    if window is None:
        tab.setWindowTitle("Chroma Desk: Training")
    shot.show()

    async def settle() -> None:
        await asyncio.sleep(1.0)  # follow tasks read the events
        if args.run:
            chosen = shown / Path(args.run).name
        elif replayed is not None:
            chosen = replayed
        else:
            chosen = max(tab.sessions, key=lambda p: tab.sessions[p].running)
        tab.select_run(chosen)
        tab.view.log_check.setChecked(args.log_scale)
        await asyncio.sleep(0.5)
        tab.view.redraw()
        bar = tab.view.log_view.verticalScrollBar()
        bar.setValue(bar.maximum())
        await asyncio.sleep(0.3)

    loop.run_until_complete(settle())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    pixmap = shot.grab()
    pixmap.save(str(out))
    session = tab.current_session()
    print(f"{out}: {pixmap.width()}x{pixmap.height()}, run {session.name if session else '?'}")
    tab.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
