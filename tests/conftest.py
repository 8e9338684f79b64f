"""Shared fixtures: real photos, a temporary models folder, the shared datasets when present."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_VAL = REPO.parent / "shared" / "datasets" / "val"
SHARED_TRAIN = REPO.parent / "shared" / "datasets" / "train"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def shared_val() -> Path:
    """../shared/datasets/val; the test is skipped in a clone with no ../shared beside it."""
    if not SHARED_VAL.is_dir():
        pytest.skip("needs ../shared/datasets/val beside the repository (CI has it)")
    return SHARED_VAL


@pytest.fixture
def astronaut() -> np.ndarray:
    from skimage import data

    return data.astronaut().astype(np.float32) / 255.0


@pytest.fixture(autouse=True)
def user_models_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test gets an empty per-user models folder, never the real one."""
    path = tmp_path_factory.mktemp("user-models")
    monkeypatch.setenv("CHROMA_DESK_MODELS", str(path))
    return path


@pytest.fixture(autouse=True)
def user_runs_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The window's training runs go to a temporary folder, never the user's data folder."""
    path = tmp_path_factory.mktemp("user-runs")
    monkeypatch.setenv("CHROMA_DESK_RUNS", str(path))
    return path


@pytest.fixture(scope="session")
def onnx_cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("user-cache")


@pytest.fixture(autouse=True)
def user_cache_dir(onnx_cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """ONNX exports go to a temporary cache shared by the session (each model file is exported
    once, as for a user), never the user's cache folder."""
    monkeypatch.setenv("CHROMA_DESK_CACHE", str(onnx_cache_root))
    return onnx_cache_root


@pytest.fixture
def one_torch_thread() -> Iterator[None]:
    """Tests share 2 cores with other work: one torch thread avoids OpenMP stalls. Use it with
    ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def user_keyframes_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Video keyframes go to a temporary folder, never the user's data folder."""
    path = tmp_path_factory.mktemp("user-keyframes")
    monkeypatch.setenv("CHROMA_DESK_KEYFRAMES", str(path))
    return path
