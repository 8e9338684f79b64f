"""Fixtures for window tests: a qasync loop inside pytest-qt, settings in a temporary folder,
tiny model files, real gray photos, and a check that no worker thread outlives its test."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")
qasync = pytest.importorskip("qasync")


@pytest.fixture(scope="session")
def _qasync_loop(qapp):
    """One qasync loop for the session, marked running only while a test uses it."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.events._set_running_loop(None)
    yield loop


@pytest.fixture
def qloop(_qasync_loop):
    """asyncio on the Qt loop: tasks and executors run while qtbot waits."""
    asyncio.set_event_loop(_qasync_loop)
    asyncio.events._set_running_loop(_qasync_loop)
    yield _qasync_loop
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


@pytest.fixture(autouse=True)
def ui_settings(tmp_path_factory):
    """QSettings of this test in an empty temporary folder."""
    from chroma_desk.ui.settings import use_settings_dir

    folder = tmp_path_factory.mktemp("settings")
    use_settings_dir(folder)
    return folder


@pytest.fixture
def no_threads_left(qapp):
    """Fail a test that leaves a worker thread (``chroma-*``) or a pooled QThread running."""
    from PySide6.QtCore import QThreadPool

    yield
    deadline = 50
    while deadline:
        ours = [t for t in threading.enumerate() if t.name.startswith("chroma-") and t.is_alive()]
        if not ours and QThreadPool.globalInstance().activeThreadCount() == 0:
            return
        qapp.processEvents()
        threading.Event().wait(0.05)
        deadline -= 1
    names = [t.name for t in threading.enumerate() if t.name.startswith("chroma-")]
    raise AssertionError(f"threads still running after the test: {names}")


def _save_tiny_model(path: Path, kind: str) -> Path:
    from chroma_desk.color.bins import gamut_bins
    from chroma_desk.models.checkpoint import make_card, save_model
    from chroma_desk.models.registry import build

    bins = gamut_bins() if kind == "classification" else None
    args = {"kind": kind, "bins": len(bins)} if bins is not None else {"kind": kind}
    module = build("lite-unet", **args)
    if kind == "classification":  # sharper random logits, so the temperature visibly matters
        import torch

        with torch.no_grad():
            for param in module.head.parameters():
                param.mul_(8.0)
    card = make_card(
        f"tiny-{kind[:3]}", "lite-unet", args, kind, 128, 32, bins=bins,
        title=f"Tiny {kind} (tests)", trained_on="nothing (random weights)",
        metrics={"ciede2000": 99.0},
    )  # fmt: skip
    return save_model(path, module, card)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """An untrained classification lite-unet at working size 128 (fast on a CPU)."""
    return _save_tiny_model(
        tmp_path_factory.mktemp("models") / "tiny-cls.safetensors", "classification"
    )


@pytest.fixture(scope="session")
def tiny_regression_model(tmp_path_factory) -> Path:
    return _save_tiny_model(
        tmp_path_factory.mktemp("models") / "tiny-reg.safetensors", "regression"
    )


def gray_photo(path: Path, size: tuple[int, int], name: str = "astronaut") -> Path:
    """A real photo from skimage.data, gray, resized to ``size`` (width, height)."""
    import cv2
    from skimage import data

    rgb = getattr(data, name)()
    gray = rgb if rgb.ndim == 2 else cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    gray = cv2.resize(
        gray, size, interpolation=cv2.INTER_AREA if size[0] < rgb.shape[1] else cv2.INTER_CUBIC
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(path.suffix, gray)
    assert ok
    path.write_bytes(buf.tobytes())
    return path


@pytest.fixture
def make_photo():
    """``make_photo(path, (width, height), skimage_name)``: a real gray photo file."""
    return gray_photo


@pytest.fixture
def photos(tmp_path) -> list[Path]:
    """Three small real gray photos of different sizes."""
    folder = tmp_path / "in"
    return [
        gray_photo(folder / "astronaut.png", (400, 300), "astronaut"),
        gray_photo(folder / "coffee.jpg", (360, 240), "coffee"),
        gray_photo(folder / "chelsea.png", (300, 200), "chelsea"),
    ]


@pytest.fixture
def photos_only(monkeypatch):
    """The window without the tabs after Photos (their own tests cover them)."""
    from chroma_desk.ui import main_window

    monkeypatch.setattr(main_window, "EXTRA_TABS", ())


@pytest.fixture
def make_window(no_threads_left, qtbot, qloop, tiny_model, photos_only):
    """``make_window(state=None)``: a shown MainWindow, closed (workers joined) at the end."""
    from chroma_desk.ui.main_window import MainWindow
    from chroma_desk.ui.state import AppState

    windows = []

    def make(state: AppState | None = None, model: Path | None = tiny_model):
        window = MainWindow(state if state is not None else AppState(model, 0.38))
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        if window.isVisible():
            window.close()
        else:
            window.photos.shutdown()


@pytest.fixture
def loop(qapp):
    """A qasync event loop shared by Qt and asyncio (the Training tab's subprocess reading)."""
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    if not loop.is_closed():
        loop.close()
    asyncio.set_event_loop(None)
