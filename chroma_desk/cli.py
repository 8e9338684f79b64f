"""``chroma-desk``: with no command (or only photo paths) it opens the window; otherwise one of
the subcommands below, each in its own module under ``chroma_desk/commands/``."""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from pathlib import Path

from chroma_desk import __version__

# subcommand -> module in chroma_desk.commands; each module has add_arguments(parser), run(args)
COMMANDS = {
    "colorize": ("colorize", "colourize photos, files, folders or globs"),
    "video": ("video", "colourize a video clip, keeping its sound"),
    "train": ("train", "train a model on a folder of colour photos"),
    "evaluate": ("evaluate", "measure models on a folder of colour photos"),
    "models": ("models", "list, inspect and import model files"),
    "bench": ("bench", "measure speed on this machine"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chroma-desk",
        description="Colourize black-and-white photos and video. "
        "Run with no command to open the window.",
    )
    parser.add_argument("--version", action="version", version=f"chroma-desk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        qualified = f"chroma_desk.commands.{module_name}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:
                raise
            continue  # a command not written yet (or left out of a build): the others still work
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command_parser)
        command_parser.set_defaults(run=module.run)
    return parser


def open_window(paths: list[str]) -> int:
    from chroma_desk.ui.app import main as ui_main

    return ui_main(paths)


EXIT_INTERRUPTED = 130


_signalled = False  # set by the first Ctrl+C or SIGTERM, even one a library's `except:` swallows


def _interrupt(signum: int, frame: object) -> None:
    global _signalled
    _signalled = True
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (
        argv[0] not in COMMANDS and not argv[0].startswith("-") and Path(argv[0]).exists()
    ):
        return open_window(argv)
    # SIGTERM (a service stop, `kill`) ends a command the way Ctrl+C does: each command's own
    # KeyboardInterrupt handling removes its temporary files and says what was kept
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        parser = build_parser()  # imports torch: a Ctrl+C may land in it
        if _signalled:  # an interrupt some import caught and dropped: still stop here
            raise KeyboardInterrupt
        args = parser.parse_args(argv)
        if args.command is not None:
            return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("chroma-desk: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return open_window([])


if __name__ == "__main__":
    sys.exit(main())
