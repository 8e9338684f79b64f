"""Screenshot of the Video tab's keyframe hint dialog: docs/screenshot-keyframe-hint.png.

    .venv/bin/python scripts/screenshot_keyframe_hint.py [--clip ../shared/datasets/video/asl-book.mkv]
        [--at 1.5] [--point 370,240] [--model NAME|PATH] [--out docs/screenshot-keyframe-hint.png]

Opens the clip on the Video tab (bundled model by default: lite-gan takes hints), scrubs to
``--at`` seconds, opens "Hint this frame...", clicks ``--point`` (frame pixels) so a colour point
is added and the colour chooser opens beside it, and grabs the dialog. Runs offscreen when there
is no display; settings and keyframes go to a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))
CLIP = REPO.parent / "shared" / "datasets" / "video" / "asl-book.mkv"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=CLIP)
    parser.add_argument("--at", type=float, default=1.5, help="the frame's time in seconds")
    parser.add_argument("--point", default="370,240", help="where to click, frame pixels x,y")
    parser.add_argument("--model", default=None, help="model name or file (default: bundled)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot-keyframe-hint.png")
    parser.add_argument("--theme", default="dark", choices=["light", "dark", "system"])
    args = parser.parse_args()
    from shotkit import app_state, start_app, until

    app, loop, tmp = start_app(args.theme)
    os.environ["CHROMA_DESK_KEYFRAMES"] = str(tmp / "keyframes")
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtTest import QTest

    from chroma_desk.ui.keyframe_dialog import KeyframeDialog
    from chroma_desk.ui.video_tab import VideoTab

    model, state = app_state(args.model)
    tab = VideoTab(state)
    tab.resize(1100, 700)
    tab.show()
    assert tab.open_clip(args.clip), f"cannot open {args.clip}"
    x, y = (float(v) for v in args.point.split(","))

    async def drive() -> None:
        tab.scrub.setValue(round(args.at * float(tab.info.fps)))
        await until(lambda: tab.previewed is not None and tab._preview_worker is None, 300)
        tab.edit_hints()
        dialog = tab.findChild(KeyframeDialog)
        assert dialog is not None, "no dialog (does the model take hints?)"
        dialog.resize(1000, 720)
        ok = await until(lambda: dialog.editor.ready, 60)
        await asyncio.sleep(0.3)
        pos = dialog.view.widget_points(QPointF(x, y))[-1].toPoint()
        QTest.mouseClick(dialog.view, Qt.MouseButton.LeftButton, pos=pos)
        if not dialog.editor.hints:  # the click missed (no window system): add it directly
            dialog.editor.open_chooser(dialog.editor.add(x, y))
        chooser = dialog.editor.chooser
        ok = ok and await until(lambda: len(chooser.swatches) >= 2, 60)
        await until(lambda: dialog.editor.runs >= 1, 20)
        await asyncio.sleep(1.0)  # the render of the rehinted frame
        args.out.parent.mkdir(parents=True, exist_ok=True)
        dialog.grab().save(str(args.out))
        print(f"wrote {args.out} ({args.clip.name} at {args.at} s, ready: {ok}) with {model.name}")
        dialog.reject()
        tab.shutdown()

    with loop:
        loop.run_until_complete(drive())
    return 0


if __name__ == "__main__":
    sys.exit(main())
