"""Screenshot of the Video tab mid-job: docs/screenshot-video.png; with ``--preview S``, the
frame at S seconds scrubbed to and shown before/after (docs/screenshot-video-preview.png).

    .venv/bin/python scripts/screenshot_video.py [--model NAME|PATH] [--out docs/screenshot-video.png]
    .venv/bin/python scripts/screenshot_video.py --preview 5.2 --out docs/screenshot-video-preview.png

Builds a short clip from real photos (slow pans and zooms over ../shared/datasets/val, or
skimage's photos), opens the main window on its Video tab (the tab alone if the main window is
not available), starts colourizing, and grabs the window once the job is well under way.
Runs offscreen when there is no display; settings go to a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model name or file (default: bundled)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot-video.png")
    parser.add_argument("--size", default="1280x800", help="window size WxH")
    parser.add_argument("--at", type=float, default=0.45, help="fraction done when grabbed")
    parser.add_argument("--theme", default="dark", choices=["light", "dark", "system"])
    parser.add_argument("--preview", type=float, default=None, metavar="S", help="scrub to S s")
    args = parser.parse_args()
    from shotkit import app_state, clip_photos, start_app, until

    app, loop, tmp = start_app(args.theme)

    from chroma_desk.media import clips

    model, state = app_state(args.model)
    film = tmp / "safari-1958.mp4"
    frames = list(clips.shots(clip_photos(), (960, 540), 60))
    clips.write_clip(film, frames, 25, gray=True)
    width, height = (int(v) for v in args.size.split("x"))
    try:
        from chroma_desk.ui.main_window import MainWindow

        window = MainWindow(state)
        tab = window.extra_tabs["Video"]
        window.tabs.setCurrentWidget(tab)
    except Exception as exc:  # noqa: BLE001 - the tab alone still makes the picture
        print(f"main window unavailable ({exc}); using the Video tab alone", file=sys.stderr)
        from chroma_desk.ui.video_tab import VideoTab

        window = tab = VideoTab(state)
    window.resize(width, height)
    window.show()
    assert tab.open_clip(film)
    (tmp / "Videos").mkdir()
    tab.output_edit.setText(str(tmp / "Videos" / "safari-1958_color.mp4"))
    total = len(frames)

    async def drive() -> None:
        photos = getattr(window, "photos", None)
        if photos is not None:  # let the window load the model too (its status bar names it)
            await until(lambda: getattr(photos, "colorizer", None) is not None, 120)
        if args.preview is not None:
            tab.scrub.setValue(round(args.preview * 25))
            ok = await until(lambda: tab.previewed is not None and tab._preview_worker is None, 300)
            await asyncio.sleep(0.3)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(args.out))
            print(f"wrote {args.out} (frame at {args.preview} s, shown: {ok}) with {model.name}")
            window.close()
            return
        tab.start(confirm_overwrite=False)
        ok = await until(
            lambda: (
                tab.last_progress is not None
                and tab.last_progress.frames_done >= args.at * total
                and tab.view.after is not None
            ),
            900,
        )
        if not ok:
            print("the job did not get far enough in time", file=sys.stderr)
        await asyncio.sleep(0.1)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(args.out))
        done = tab.last_progress.frames_done if tab.last_progress else 0
        print(f"wrote {args.out} at {done}/{total} frames with {model.name}")
        tab.cancel()
        await until(lambda: not tab.running, 60)
        window.close()

    with loop:
        loop.run_until_complete(drive())
    return 0


if __name__ == "__main__":
    sys.exit(main())
