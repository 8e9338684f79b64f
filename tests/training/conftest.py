"""Fixtures for the training tests: tiny photo folders made from skimage.data, small configs.

Everything trains on the CPU with one thread and no DataLoader workers, at 64 px."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import torch
from training_helpers import write_photos


@pytest.fixture(scope="session")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight colour photos, 112 px on the long side."""
    folder = tmp_path_factory.mktemp("tiny-photos")
    write_photos(folder)
    return folder


@pytest.fixture(autouse=True)
def restore_process_state():
    """An in-process Trainer installs SIGINT/SIGTERM handlers and sets torch's thread count;
    put pytest's back afterwards."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    threads = torch.get_num_threads()
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)
    torch.set_num_threads(threads)
