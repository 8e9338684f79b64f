"""Everything is in pyproject.toml; this file only adds one build step.

The top-level ``resources/`` folder (bundled models, icons) goes into the wheel as the package
data folder ``chroma_desk/resources``, where ``chroma_desk.paths.resources_dir()`` finds it. An
editable install needs no copy: it reads ``resources/`` in the checkout.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithResources(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        source = ROOT / "resources"
        target = Path(self.build_lib) / "chroma_desk" / "resources"
        for path in sorted(source.rglob("*")):
            relative = path.relative_to(source)
            if path.is_dir() or any(part.startswith((".", "__")) for part in relative.parts):
                continue  # hidden files (a model being written is a hidden .part file)
            dest = target / relative
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)


setup(cmdclass={"build_py": BuildPyWithResources})
