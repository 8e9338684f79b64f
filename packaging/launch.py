"""Entry point of the PyInstaller bundle: ``chroma-desk ARGS`` as from the installed command.

``chroma-desk -m MODULE ARGS`` runs a module as ``python -m MODULE ARGS`` would, so code that
starts ``[sys.executable, "-m", "training", ...]`` (the Training tab) works in the frozen app,
where ``sys.executable`` is this program.
"""

import multiprocessing
import runpy
import sys


def main() -> int:
    multiprocessing.freeze_support()
    if len(sys.argv) >= 3 and sys.argv[1] == "-m":
        module = sys.argv[2]
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from chroma_desk.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
