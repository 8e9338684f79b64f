"""The Photos tab's queue without a window: order, status, model generations, the memory
budget of raw outputs, undoable removal and the list saved between runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data

from chroma_desk.engine.colorizer import Prediction
from chroma_desk.ui.photo_queue import (
    DONE,
    ERROR,
    QUEUED,
    STOPPED,
    WAITING,
    WORKING,
    PhotoQueue,
    PhotoSettings,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def folder(tmp_path) -> Path:
    """Four real gray photos (two in a subfolder) and a hidden file that is not listed."""
    root = tmp_path / "scans"
    (root / "sub").mkdir(parents=True)
    for name, rel in (
        ("camera", "a.png"),
        ("coins", "b.png"),
        ("moon", "sub/c.png"),
        ("page", "sub/d.png"),
    ):
        Image.fromarray(getattr(data, name)()).save(root / rel)
    Image.fromarray(data.camera()).save(root / ".hidden.png")
    return root


def prediction(nbytes_per_value: int = 1000) -> Prediction:
    """A real engine Prediction holding ``4 * nbytes_per_value`` bytes of raw output."""
    return Prediction(
        raw=torch.zeros(1, 1, nbytes_per_value),
        padded=(32, 32),
        valid=(32, 32),
        lightness=np.zeros((32, 32), np.float32),
    )


def test_photos_are_found_once_and_wait_without_a_model(folder):
    queue = PhotoQueue()
    new = queue.new_items([folder])
    assert [i.path.name for i in new] == ["a.png", "b.png", "c.png", "d.png"]
    assert all(i.root == folder for i in new)
    queue.insert(new)
    assert [i.status for i in queue.items] == [WAITING] * 4
    assert queue.next_pending() is None
    # the same folder again, and one file of it: nothing new
    assert queue.new_items([folder, folder / "a.png"]) == []


def test_queue_order_current_first_and_stale_results_dropped(folder):
    queue = PhotoQueue()
    queue.insert(queue.new_items([folder]))
    a, b, c, d = queue.items
    queue.select(c)
    gen = queue.model_changed()
    assert [i.status for i in queue.items] == [QUEUED] * 4
    first = queue.next_pending()
    assert first is c and c.status == WORKING
    assert queue.progress() == (0, 4)
    assert queue.finished(c, prediction(), gen)
    assert c.status == DONE and c.prediction is not None and c.predicted_by == gen
    assert queue.progress() == (1, 4)
    assert queue.next_pending() is a
    # the model changes while a is being colourized: its late result is dropped
    new_gen = queue.model_changed()
    assert new_gen == gen + 1
    assert not queue.finished(a, prediction(), gen)
    assert a.prediction is None and c.prediction is None
    assert [queue.next_pending() for _ in range(4)] == [c, a, b, d]
    assert queue.next_pending() is None


def test_failure_stop_and_select_again(folder):
    queue = PhotoQueue()
    queue.insert(queue.new_items([folder]))
    a, b, c, d = queue.items
    gen = queue.model_changed()
    item = queue.next_pending()
    queue.failed(item, f"{item.path}: cannot identify image file")
    assert a.status == ERROR and a.short_error() == "cannot identify image file"
    assert queue.error_count() == 1
    queue.stop()
    assert [i.status for i in (b, c, d)] == [STOPPED] * 3
    assert queue.next_pending() is None and queue.pending_count() == 0
    queue.select(d)  # a stopped photo that is looked at is colourized, alone
    assert d.status == QUEUED and queue.next_pending() is d
    assert queue.finished(d, prediction(), gen)
    assert queue.next_pending() is None
    queue.requeue(a)  # "Colourize Again" after the error
    assert a.status == QUEUED and a.error is None and queue.next_pending() is a


def test_old_outputs_are_let_go_within_the_budget_never_the_current(folder):
    queue = PhotoQueue(budget=9000)  # room for two outputs of 4000 bytes
    queue.insert(queue.new_items([folder]))
    a, b, c, d = queue.items
    gen = queue.model_changed()
    queue.select(a)
    for item in (a, b, c):
        assert queue.next_pending() is item
        queue.finished(item, prediction(), gen)
    # a is current, so b (the oldest other) gave its output up
    assert a.prediction is not None and b.prediction is None and c.prediction is not None
    assert queue.kept_bytes() == 8000
    queue.select(b)  # b again: predicted anew, first in line
    assert b.status == QUEUED and queue.next_pending() is b
    queue.finished(b, prediction(), gen)
    assert b.prediction is not None and c.prediction is not None and a.prediction is None
    assert queue.kept_bytes() <= queue.budget


def test_removed_photo_comes_back_in_place_with_its_result(folder):
    queue = PhotoQueue()
    queue.insert(queue.new_items([folder]))
    a, b, c, d = queue.items
    gen = queue.model_changed()
    queue.next_pending()
    queue.finished(a, prediction(), gen)
    queue.select(b)
    assert queue.remove(b) == 1 and queue.current is None
    assert queue.remove(b) == -1
    assert queue.next_pending() is c  # b is no longer colourized
    row = queue.remove(a)
    queue.insert([a], row)  # undo: same place, same result, nothing to redo
    queue.insert([b], 1)
    assert queue.items == [a, b, c, d]
    assert a.status == DONE and a.prediction is not None
    assert b.status == QUEUED
    queue.model_changed()
    row = queue.remove(a)
    queue.model_changed()  # another model meanwhile: a comes back queued
    queue.insert([a], row)
    assert a.status == QUEUED and a.prediction is None


def test_list_round_trips_with_each_photos_settings(folder, tmp_path):
    queue = PhotoQueue()
    queue.insert(queue.new_items([folder]))
    a, b, c, d = queue.items
    c.settings.hints.append({"x": 0.25, "y": 0.5, "ab": [10.0, -20.0]})
    b.settings.saved_to = str(tmp_path / "b_color.png")
    queue.select(c)
    text = queue.to_json()
    (folder / "b.png").unlink()  # gone since: left out
    items, current = PhotoQueue.items_from_json(text)
    assert [i.path for i in items] == [a.path, c.path, d.path]
    assert items[current].path == c.path
    assert items[1].settings.hints == [{"x": 0.25, "y": 0.5, "ab": [10.0, -20.0]}]
    assert items[1].root == folder
    assert items[0].settings == PhotoSettings()


def test_a_damaged_or_newer_saved_list_never_raises():
    assert PhotoQueue.items_from_json("{not json") == ([], -1)
    assert PhotoQueue.items_from_json('{"photos": 3}') == ([], -1)
    assert PhotoQueue.items_from_json("[]") == ([], -1)
    settings = PhotoSettings.from_json({"hints": [], "from_a_newer_version": 1})
    assert settings == PhotoSettings()


def test_the_queue_imports_without_qt():
    code = (
        "import sys, chroma_desk.ui.photo_queue; "
        "sys.exit(any(m.startswith('PySide6') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
