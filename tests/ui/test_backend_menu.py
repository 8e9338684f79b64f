"""Model > Run Networks On: the window's choice of inference backend, remembered."""

from __future__ import annotations

import numpy as np

from chroma_desk.ui.photo_queue import DONE, ERROR

WAIT_MS = 120_000


def _settled(window) -> bool:
    items = window.photos.items
    return bool(items) and all(i.status in (DONE, ERROR) for i in items)


def _after(qtbot, window) -> np.ndarray:
    qtbot.waitUntil(lambda: _settled(window), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.photos.view.after is not None, timeout=WAIT_MS)
    return window.photos.view.after.array().astype(np.float32)


def test_backend_menu_switches_reloads_and_is_remembered(qtbot, make_window, photos):
    from chroma_desk.ui.main_window import MainWindow

    window = make_window()
    tab = window.photos
    qtbot.waitUntil(lambda: tab.colorizer is not None, timeout=WAIT_MS)
    assert window.state.backend == "auto" and tab.colorizer.backend.name == "onnx"  # CPU default
    tab.add_paths([photos[0]])
    on_onnx = _after(qtbot, window)

    menu = next(
        a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Model"
    )
    sub = next(a.menu() for a in menu.actions() if a.text().replace("&", "") == "Run Networks On")
    torch_action = next(
        a for a in sub.actions() if "PyTorch" in a.text() and "Auto" not in a.text()
    )
    torch_action.trigger()
    assert window.state.backend == "torch" and torch_action.isChecked()
    qtbot.waitUntil(
        lambda: tab.colorizer is not None and tab.colorizer.backend.name == "torch",
        timeout=WAIT_MS,
    )
    on_torch = _after(qtbot, window)
    assert on_torch.shape == on_onnx.shape
    assert np.abs(on_torch - on_onnx).mean() < 0.5  # the same photo within 0.5/255
    window.close()

    again = MainWindow()  # no state given: from the settings
    qtbot.addWidget(again)
    try:
        assert again.state.backend == "torch"
    finally:
        again.close()


def test_backend_messages_reach_the_status_bar_from_any_thread(qtbot, make_window):
    import logging
    import threading

    window = make_window()
    said = "tiny: exporting it to ONNX for ONNX Runtime, once per model file"
    worker = threading.Thread(
        target=logging.getLogger("chroma_desk.engine.backends").warning, args=(said,)
    )
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == said, timeout=5000)
    window.close()
    logging.getLogger("chroma_desk.engine.backends").warning("after the window closed")
