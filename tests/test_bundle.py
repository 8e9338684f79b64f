"""The PyInstaller bundle builds and colourizes a photo with no Python environment around it.

Slow (several minutes of PyInstaller): run by ``make package-test``, which first makes the build
venv ``.venv-package`` (CPU torch, packaging/requirements-bundle.txt); never by ``make test``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from chroma_desk import __version__

REPO = Path(__file__).resolve().parents[1]
BUILD_VENV = Path(os.environ.get("CHROMA_DESK_BUNDLE_VENV", REPO / ".venv-package"))

pytestmark = [pytest.mark.slow, pytest.mark.timeout(5400)]


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pyinstaller = BUILD_VENV / "bin" / "pyinstaller"
    if not pyinstaller.exists():
        pytest.skip(f"needs the build venv {BUILD_VENV} (`make package-test` makes it)")
    work = tmp_path_factory.mktemp("pyinstaller")
    run(
        [str(pyinstaller), "--noconfirm", "--log-level", "WARN"]
        + ["--distpath", str(work / "dist"), "--workpath", str(work / "build")]
        + [str(REPO / "packaging" / "chroma-desk.spec")],
        cwd=work,
    )
    exe = work / "dist" / "chroma-desk" / "chroma-desk"
    assert exe.is_file()
    return exe


def bare_env(home: Path) -> dict[str, str]:
    """No venv, no PYTHONPATH, no Python on purpose: only what a desktop session would have."""
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
        "CHROMA_DESK_MODELS": str(home / "models"),
    }


def test_bundle_is_small_and_leaves_out_what_it_should(bundle: Path) -> None:
    folder = bundle.parent
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    size_mb = sum(p.stat().st_size for p in files) / 1e6
    print(f"bundle: {size_mb:.0f} MB in {len(files)} files")
    names = {p.name for p in files}
    assert not any(
        n.startswith(("libcudnn", "libcublas", "libnccl", "libQt6WebEngine")) for n in names
    )
    assert not any("torchvision" in p.parts for p in files)
    assert any(n.startswith("libtorch_cpu") for n in names)
    assert any("onnxruntime" in p.parts for p in files)  # the default CPU backend
    assert size_mb < 1300  # 1176 MB when first built (torch 496 MB of it)


def test_bundle_colourizes_a_photo_with_no_python_around(bundle: Path, tmp_path: Path) -> None:
    import cv2
    from skimage import data

    from chroma_desk.models.checkpoint import make_card, save_model
    from chroma_desk.models.registry import build

    env = bare_env(tmp_path / "home")
    assert run([str(bundle), "--version"], cwd=tmp_path, env=env).stdout.strip() == (
        f"chroma-desk {__version__}"
    )
    listing = run([str(bundle), "models", "list"], cwd=tmp_path, env=env).stdout
    assert str(bundle.parent / "_internal" / "chroma_desk" / "resources" / "models") in listing

    gray = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2GRAY)
    photo = tmp_path / "old photo.png"
    cv2.imwrite(str(photo), gray)
    out = tmp_path / "colour.png"
    command = [str(bundle), "colorize", str(photo), "-o", str(out), "-q"]
    bundled = list((REPO / "resources" / "models").glob("*.safetensors"))
    if not bundled:  # until the trained models land, a small model of our own stands in
        arguments = {"depth": 3, "width": 8}
        card = make_card("tiny", "pix2pix-unet", arguments, "regression", 64, 8)
        model = save_model(tmp_path / "tiny.safetensors", build("pix2pix-unet", **arguments), card)
        command += ["--model", str(model)]
    run(command, cwd=tmp_path, env=env)
    # the network ran on ONNX Runtime (the CPU default), exported once into the user cache
    assert list((tmp_path / "home" / ".cache" / "chroma-desk" / "onnx").glob("*.onnx"))

    result = cv2.imread(str(out), cv2.IMREAD_COLOR)
    assert result is not None and result.shape[:2] == gray.shape
    lab = cv2.cvtColor(result, cv2.COLOR_BGR2LAB).astype(np.float32)
    reference = cv2.cvtColor(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), cv2.COLOR_BGR2LAB)
    # the photo's own lightness is kept (8-bit rounding and the gamut clip aside)
    assert np.abs(lab[..., 0] - reference[..., 0]).mean() < 3.0


def test_bundle_runs_modules_like_python_for_the_training_tab(bundle: Path, tmp_path: Path) -> None:
    env = bare_env(tmp_path / "home")
    usage = run([str(bundle), "-m", "training", "--help"], cwd=tmp_path, env=env).stdout
    assert "--data" in usage
