"""Screenshot of the Live tab running: docs/screenshot-live.png.

    .venv/bin/python scripts/screenshot_live.py [--model NAME|PATH] [--out docs/screenshot-live.png]

There is no camera here, so the Live tab plays a clip made from real photos (the same nature
clip as scripts/screenshot_video.py) through its "video file as a camera" source, which goes
down the same path as a webcam (newest frame only, frames dropped rather than queued). The
window is grabbed once it has shown a few dozen frames. Runs offscreen when there is no display.
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
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot-live.png")
    parser.add_argument("--size", default="1280x720", help="window size WxH")
    parser.add_argument("--frames", type=int, default=40, help="frames shown before the grab")
    parser.add_argument("--theme", default="dark", choices=["light", "dark", "system"])
    args = parser.parse_args()
    from shotkit import app_state, clip_photos, start_app, until

    app, loop, tmp = start_app(args.theme)

    from chroma_desk.media import clips
    from chroma_desk.ui.main_window import MainWindow

    model, state = app_state(args.model)
    film = tmp / "camera.mp4"
    clips.write_clip(film, list(clips.shots(clip_photos(), (640, 480), 90)), 30, gray=True)
    window = MainWindow(state)
    tab = window.extra_tabs["Live"]
    window.tabs.setCurrentWidget(tab)
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.show()
    tab.output_folder = tmp / "Live"
    tab._show_folder()
    tab.use_file_source(film)

    async def drive() -> None:
        photos = window.photos
        await until(lambda: getattr(photos, "colorizer", None) is not None, 120)
        tab.start()
        if not await until(lambda: tab.frames_shown >= args.frames, 300):
            print("the live view did not show enough frames in time", file=sys.stderr)
        await asyncio.sleep(0.1)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(args.out))
        print(f"wrote {args.out} after {tab.frames_shown} frames with {model.name}")
        tab.stop()
        window.close()

    with loop:
        loop.run_until_complete(drive())
    return 0


if __name__ == "__main__":
    sys.exit(main())
