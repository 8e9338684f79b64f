"""The Training tab with real trainer processes (tiny photos, a few steps, CPU), offscreen.

Each test drives the tab from a coroutine on a qasync loop, as the app does; the trainer is a
real ``python -m training`` process.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("PySide6.QtCharts")
qasync = pytest.importorskip("qasync")

from chroma_desk.models import library  # noqa: E402
from chroma_desk.ui.state import AppState  # noqa: E402
from chroma_desk.ui.training import TrainingTab  # noqa: E402

TIMEOUT = 400.0  # a trainer start imports torch: slow on a busy 2-core machine


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    """Four small real colour photos."""
    from skimage import data

    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        rgb = np.asarray(getattr(data, name)())[..., :3]
        Image.fromarray(rgb).resize((rgb.shape[1] // 4, rgb.shape[0] // 4)).save(
            folder / f"{name}.jpg"
        )
    (folder / "notes.txt").write_text("not a photo")
    return folder


@pytest.fixture
def make_tab(qtbot, tmp_path: Path):
    tabs: list[TrainingTab] = []

    def make(state: AppState | None = None) -> TrainingTab:
        tab = TrainingTab(state or AppState(), runs_dir=tmp_path / "runs")
        qtbot.addWidget(tab)
        tab.resize(1200, 800)
        tabs.append(tab)
        return tab

    yield make
    for tab in tabs:  # never leave a trainer behind, even when a test fails
        for session in tab.sessions.values():
            if session.process is not None and session.process.poll() is None:
                session.process.kill()
                session.process.wait()
        tab.shutdown()


def run(loop, scenario: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return loop.run_until_complete(asyncio.wait_for(scenario(), TIMEOUT))


async def until(condition: Callable[[], bool], what: Callable[[], str] | str = "") -> None:
    while not condition():
        await asyncio.sleep(0.05)


def configure(tab: TrainingTab, steps: int, every: int = 3) -> None:
    """A tiny CPU run: 64 px, batch 2, no loader processes, one thread, from scratch."""
    form = tab.form
    form.kind_combo.setCurrentIndex(form.kind_combo.findData("gan"))
    form.arch_combo.setCurrentIndex(form.arch_combo.findData("lite-unet"))
    form.set_init_file(None)
    form.size_spin.setValue(64)
    form.batch_spin.setValue(2)
    form.unit_combo.setCurrentIndex(form.unit_combo.findData("steps"))
    form.amount_spin.setValue(steps)
    form.device_combo.setCurrentIndex(form.device_combo.findData("cpu"))
    form.workers_spin.setValue(0)
    form.threads_spin.setValue(1)
    form.log_spin.setValue(1)
    for spin in (form.sample_spin, form.eval_spin, form.checkpoint_spin):
        spin.setValue(every)


def test_a_short_run_plots_samples_and_offers_its_model(
    loop, make_tab, photos: Path, user_models_dir: Path
) -> None:
    state = AppState()
    tab = make_tab(state)
    assert tab.stack.currentWidget() is tab.form  # no runs yet: the form first
    added: list[Path] = []
    state.modelAdded.connect(added.append)

    async def scenario() -> None:
        tab.form.set_folder(photos)
        await until(lambda: tab.form.scan is not None)
        assert "<b>4</b> colour photos" in tab.form.photos.scan_label.text()
        assert "1 other file" in tab.form.photos.scan_label.text()
        assert tab.form.photos.thumbs.count() - 1 == 4  # thumbnails (plus the stretch)
        assert tab.form.start_button.isEnabled()
        assert tab.form.name_edit.text() == "photos-gan"
        configure(tab, steps=6)
        tab.form.start_button.click()
        session = tab.current_session()
        assert session is not None and session.path == tab.runs_dir / "photos-gan"
        assert session.status in ("starting", "running")
        await until(lambda: session.status not in ("starting", "running"))
        assert session.status == "finished", session.message or "\n".join(session.log_lines)

        view = tab.view
        assert view.loss_charts["l1"].lines["l1"].count() == 6
        assert view.loss_charts["l1"].points["l1"].count() == 6
        assert view.val_chart.point_count() > 0
        assert view.sample.pixmap() is not None
        assert Path(view.sample.path).parent == session.path / "samples"
        assert "done" in view.log_view.toPlainText()
        assert view.use_button.isEnabled() and view.stop_button.isHidden()
        assert view.tile_step.value.text() == "6 / 6"

        view.use_button.click()
        assert len(added) == 1
        model = added[0]
        assert model.parent == user_models_dir and model.is_file()
        assert state.model_path == model
        assert any(entry.path == model for entry in library.list_models())
        assert not view.banner.isHidden() and view.banner.kind == "ok"
        # the new model is offered as a starting point for the next run too
        tab.form._fill_init()
        items = [tab.form.init_combo.itemText(i) for i in range(tab.form.init_combo.count())]
        assert "Fine-tune photos-gan (yours)" in items

    run(loop, scenario)


def test_stop_saves_a_checkpoint_resume_continues_and_a_killed_job_keeps_it(
    loop, make_tab, photos: Path
) -> None:
    tab = make_tab()

    async def scenario() -> None:
        tab.form.set_folder(photos)
        await until(lambda: tab.form.scan is not None)
        configure(tab, steps=10_000, every=10_000)
        path = tab.start()
        assert path is not None
        session = tab.sessions[path]
        await until(lambda: session.history.step >= 2)
        assert session.status == "running"

        # a second window opened meanwhile sees the job running
        other = make_tab()
        assert other.sessions[path].status == "running"
        assert other.sessions[path].pid == session.pid and not other.sessions[path].external
        other.shutdown()

        tab.view.stop_button.click()
        assert session.status == "stopping"
        await until(lambda: session.status != "stopping")
        assert session.status == "stopped", session.message or "\n".join(session.log_lines)
        stopped_at = session.history.step
        assert session.history.checkpoint_step == stopped_at
        assert (path / "state" / "state.json").is_file() and (path / "model.safetensors").is_file()
        assert not tab.view.resume_button.isHidden()
        assert tab.view.resume_button.text() == "Resume"

        tab.view.resume_button.click()
        await until(lambda: session.history.sessions == 2 and session.history.step > stopped_at)
        steps = session.history.losses["l1"].steps
        assert steps == sorted(set(steps)) and steps[-1] > stopped_at
        assert json.loads((path / "state" / "state.json").read_text())["step"] == stopped_at

        # a trainer that dies (here: killed) says so, and its checkpoint stays usable
        os.kill(session.pid, signal.SIGKILL)
        await until(lambda: not session.running)
        assert session.status == "failed"
        assert not tab.view.banner.isHidden()
        assert "SIGKILL" in session.message and f"step {stopped_at}" in session.message
        assert tab.view.use_button.isEnabled()
        assert tab.use_model() is not None

    run(loop, scenario)


def test_a_trainer_that_fails_shows_why(loop, make_tab, photos: Path, tmp_path: Path) -> None:
    tab = make_tab()
    empty = tmp_path / "empty"
    empty.mkdir()
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"this is not a model file")

    async def scenario() -> None:
        tab.form.set_folder(empty)
        await until(lambda: tab.form.scan is not None)
        assert not tab.form.start_button.isEnabled()
        assert "<b>0</b> colour photos" in tab.form.photos.scan_label.text()

        tab.form.set_folder(photos)
        await until(lambda: tab.form.scan is not None)
        configure(tab, steps=6)
        tab.form.set_init_file(broken)
        assert tab.form.init == str(broken)
        path = tab.start()
        session = tab.sessions[path]
        await until(lambda: not session.running)
        assert session.status == "failed"
        assert "broken.safetensors" in session.message
        assert not tab.view.banner.isHidden()
        assert "broken.safetensors" in tab.view.banner.text.text()
        assert "ERROR" in tab.view.log_view.toPlainText()
        assert not tab.view.use_button.isEnabled()  # no checkpoint: nothing to use

    run(loop, scenario)


def _write_run(folder: Path, steps: int, done: bool) -> None:
    folder.mkdir(parents=True)
    config = {"kind": "classification", "arch": "lite-unet", "name": folder.name, "steps": steps}
    events = [{"event": "start", "time": 1.0, "config": config, "step": 0, "device": "cpu"}]
    for step in range(1, steps + 1):
        loss = {"ce": 5.0 / step}
        events.append({"event": "step", "time": 1.0 + step, "step": step, "losses": loss})
    events.append({"event": "eval", "time": 99.0, "step": steps, "metrics": {"ab_l1@T0.38": 9.0}})
    if done:
        events.append({"event": "done", "time": 100.0, "step": steps, "stopped": False})
    (folder / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))


def test_reopened_tab_shows_old_runs_and_asks_before_closing(
    loop, make_tab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_run(tmp_path / "runs" / "old-finished", 40, done=True)
    _write_run(tmp_path / "runs" / "old-crashed", 25, done=False)
    tab = make_tab()
    statuses = {s.path.name: s.status for s in tab.sessions.values()}
    assert statuses == {"old-finished": "finished", "old-crashed": "interrupted"}
    assert tab.run_list.count() == 2 and tab.stack.currentWidget() is tab.view
    session = tab.select_run(tab.runs_dir / "old-finished")
    assert tab.view.loss_charts["ce"].lines["ce"].count() == 40
    assert tab.view.metric_combo.currentData() == "ab_l1"
    assert tab.view.val_chart.point_count() == 1
    assert tab.view.resume_button.text() == "Train more"
    tab.view.log_check.setChecked(True)  # log scale
    assert tab.view.loss_charts["ce"].log_y and tab.view.loss_charts["ce"].lines["ce"].count() == 40
    crashed = tab.select_run(tab.runs_dir / "old-crashed")
    assert "without finishing" in (crashed.message or "")

    assert tab.close_requested()  # nothing running: no question
    # a job this window started (a stand-in process): cancel, keep, stop
    dummy = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        session.process, session.pid, session.status = dummy, dummy.pid, "running"
        answers: list[str] = []
        monkeypatch.setattr(tab, "_ask_on_close", lambda jobs: answers.pop(0))
        answers[:] = ["cancel", "keep", "stop"]
        assert tab.confirm_close() is False
        assert tab.confirm_close() is True and dummy.poll() is None
        assert tab.confirm_close() is True
        assert dummy.wait(timeout=10) == -signal.SIGTERM
    finally:
        dummy.kill()
        dummy.wait()


# discriminator loss every 100 steps of the bundled lite-gan's stage 2 (runs/lite-gan-2): a
# fresh discriminator that won by step 400 and kept winning
STAGE2_D = [0.64, 0.38, 0.49, 0.062, 0.012, 0.0041, 0.044, 0.0034, 0.0035, 0.0014, 0.0011, 0.0008]


def _write_gan_run(folder: Path, d_every_100: list[float]) -> None:
    folder.mkdir(parents=True)
    config = {"kind": "gan", "arch": "lite-unet", "name": folder.name, "steps": 1200}
    events = [{"event": "start", "time": 1.0, "config": config, "step": 0, "device": "cpu"}]
    for step in range(10, 100 * len(d_every_100) + 1, 10):
        d = float(np.interp(step, np.arange(1, len(d_every_100) + 1) * 100, d_every_100))
        losses = {"l1": 0.07, "d": d, "g_gan": -np.log(max(d, 1e-4))}
        events.append({"event": "step", "time": 1.0 + step, "step": step, "losses": losses})
    (folder / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))


def test_a_winning_discriminator_is_pointed_out(loop, make_tab, tmp_path: Path) -> None:
    _write_gan_run(tmp_path / "runs" / "won", STAGE2_D)
    _write_gan_run(tmp_path / "runs" / "balanced", [0.64, 0.38, 0.49, 0.52, 0.45, 0.6] * 2)
    tab = make_tab()
    tab.select_run(tab.runs_dir / "won")
    tab.view.redraw()
    title = tab.view.loss_charts["d"].title
    assert "winning" in title.text() and "mostly from L1" in title.toolTip()
    tab.select_run(tab.runs_dir / "balanced")
    tab.view.redraw()
    title = tab.view.loss_charts["d"].title
    assert title.text() == "Discriminator" and "winning" not in title.toolTip()
