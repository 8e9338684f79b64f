"""``pip install .`` gives a working ``chroma-desk`` with the bundled models and the icon as
package data (slow: builds a wheel; run by ``make package-test``, not ``make test``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from chroma_desk import __version__

REPO = Path(__file__).resolve().parents[1]
APP_ID = "org.chromadesk.ChromaDesk"
SOURCE_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
SOURCE_DIRS = ("chroma_desk", "training", "resources")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]  # slow on a busy machine


def tiny_model(path: Path, name: str) -> Path:
    from chroma_desk.models.checkpoint import make_card, save_model
    from chroma_desk.models.registry import build

    arguments = {"depth": 3, "width": 8}
    card = make_card(name, "pix2pix-unet", arguments, "regression", 64, 8, licence="test only")
    return save_model(path, build("pix2pix-unet", **arguments), card)


def copy_source(dest: Path) -> Path:
    """The files a wheel is built from, without build/ leftovers or caches of the shared tree."""
    ignore = shutil.ignore_patterns("__pycache__", ".*", "*.egg-info")
    for name in SOURCE_DIRS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, dest / name, ignore=ignore)
    for name in SOURCE_FILES:
        shutil.copy2(REPO / name, dest / name)
    return dest


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


def test_wheel_installs_a_working_command_with_models_and_icon(tmp_path: Path) -> None:
    source = copy_source(tmp_path / "source")
    models = source / "resources" / "models"
    bundled = sorted(p.stem for p in models.glob("*.safetensors"))
    if not bundled:  # until the trained models land: one small model stands in for them
        tiny_model(models / "wheel-test-tiny.safetensors", "wheel-test-tiny")
        bundled = ["wheel-test-tiny"]

    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(tmp_path / "wheels"), str(source)],
        cwd=tmp_path,
    )
    (wheel,) = (tmp_path / "wheels").glob("chroma_desk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for stem in bundled:
        assert f"chroma_desk/resources/models/{stem}.safetensors" in names
    assert f"chroma_desk/resources/icons/hicolor/256x256/apps/{APP_ID}.png" in names
    assert "chroma_desk/paths.py" in names and "training/trainer.py" in names

    # a fresh venv that reuses the dependencies of the running one (torch is 5.5 GB) through a
    # .pth path line; that line does not run the running venv's editable-install hooks
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    site = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    (site / "zz_reuse_dev_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)])

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    command = str(venv / "bin" / "chroma-desk")
    version = run([command, "--version"], cwd=tmp_path, env=env).stdout
    assert version.strip() == f"chroma-desk {__version__}"

    listing = run([command, "models", "list"], cwd=tmp_path, env=env).stdout
    installed = site / "chroma_desk" / "resources" / "models"
    assert f"bundled: {installed}" in listing
    for stem in bundled:
        assert stem in listing

    where = run(
        [
            str(python),
            "-c",
            "import chroma_desk, chroma_desk.paths as p; "
            "print(chroma_desk.__file__); print(p.icons_dir())",
        ],
        cwd=tmp_path,
        env=env,
    ).stdout.split()
    assert Path(where[0]).is_relative_to(site), "imported the checkout, not the wheel"
    assert Path(where[1]) == site / "chroma_desk" / "resources" / "icons"
