"""The Photos tab's list of photos, without Qt: the order, each photo's status and settings,
which photos still wait for the network, the model generation, and the memory budget of the
raw network outputs kept for re-rendering.

The tab owns the widgets and the worker threads; it asks this object what to colourize next and
tells it what came back. Everything here is plain Python, so it is tested without a window.
Listeners in ``on_change`` hear about every photo whose status or result changed.
"""

from __future__ import annotations

import json
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from chroma_desk.media.images import find_images

QUEUED, WORKING, DONE, ERROR, WAITING, STOPPED = (
    "queued",
    "working",
    "done",
    "error",
    "waiting",
    "stopped",
)
STATUS_TEXT = {
    QUEUED: "Queued",
    WORKING: "Colourizing…",
    DONE: "Colourized",
    WAITING: "Waiting for a model",
    STOPPED: "Not colourized (stopped)",
}
PREDICTION_BUDGET = 768 * 2**20  # raw network outputs kept in memory (least recently used go)
LIST_FORMAT = 1  # version of the saved list (``to_json``)


@dataclass
class PhotoSettings:
    """What the user chose for one photo; saved with the list. New per-photo settings (colour
    hints, a temperature of its own...) are added here as fields with a default."""

    hints: list[dict[str, Any]] = field(default_factory=list)  # colour points, see the engine
    saved_to: str | None = None  # the last file this photo's result was saved as

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> PhotoSettings:
        """Settings from a saved list; unknown keys (from a newer version) are ignored."""
        if not isinstance(data, dict):
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(eq=False)
class PhotoItem:
    """One photo in the list. ``thumbnail``/``colour_thumbnail`` are whatever image type the
    view draws (QImage in the window); this module never looks inside them."""

    path: Path
    root: Path
    status: str = QUEUED
    error: str | None = None
    size: tuple[int, int] | None = None
    prediction: Any = None  # engine Prediction: raw output, lightness reduced to thumbnail size
    predicted_by: int = -1  # model generation that made ``prediction``
    thumbnail: Any = None
    colour_thumbnail: Any = None
    notes: list[str] = field(default_factory=list)
    settings: PhotoSettings = field(default_factory=PhotoSettings)

    @property
    def name(self) -> str:
        return self.path.name

    def short_error(self) -> str:
        text = self.error or ""
        prefix = f"{self.path}: "
        return text[len(prefix) :] if text.startswith(prefix) else text

    def status_text(self) -> str:
        return self.error or "" if self.status == ERROR else STATUS_TEXT.get(self.status, "")


class PhotoQueue:
    """The photos, in list order, and the queue of those still to colourize.

    ``has_model`` says whether a model is loaded or loading (photos added without one wait).
    ``generation`` goes up with every model change; a result made by an older generation is
    dropped. ``current`` is the photo on screen: it goes first and keeps its raw output.
    """

    def __init__(self, budget: int = PREDICTION_BUDGET) -> None:
        self.items: list[PhotoItem] = []
        self.budget = budget
        self.generation = 0
        self.has_model = False
        self.current: PhotoItem | None = None
        self.on_change: list[Callable[[PhotoItem], None]] = []
        self._pending: deque[PhotoItem] = deque()
        self._recent: OrderedDict[int, PhotoItem] = OrderedDict()  # predictions, oldest first

    # -- the list -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item: object) -> bool:
        return any(i is item for i in self.items)

    def row_of(self, item: PhotoItem) -> int:
        for row, i in enumerate(self.items):
            if i is item:
                return row
        return -1

    def changed(self, item: PhotoItem) -> None:
        for listener in list(self.on_change):
            listener(item)

    def new_items(self, paths: Iterable[str | Path]) -> list[PhotoItem]:
        """Photos found in ``paths`` (files, folders walked recursively, globs) that are not in
        the list yet, in order, not added."""
        known = {item.path.resolve() for item in self.items}
        new: list[PhotoItem] = []
        for path, root in find_images([Path(p) for p in paths]):
            key = path.resolve()
            if key not in known:
                known.add(key)
                new.append(PhotoItem(path, root))
        return new

    def insert(self, items: list[PhotoItem], row: int | None = None) -> None:
        """Put ``items`` in the list at ``row`` (the end by default) and queue them. An item
        coming back (undo of a removal) keeps its result when the model is the same."""
        row = len(self.items) if row is None else max(0, min(row, len(self.items)))
        self.items[row:row] = items
        for item in items:
            if item.prediction is not None and item.predicted_by == self.generation:
                self.remember(item)
                continue
            item.prediction = None
            if item.status == ERROR:
                continue
            item.status = QUEUED if self.has_model else WAITING
            if self.has_model:
                self._pending.append(item)

    def remove(self, item: PhotoItem) -> int:
        """Take ``item`` out of the list; returns the row it had (-1 when absent)."""
        row = self.row_of(item)
        if row >= 0:
            del self.items[row]
            self._forget(item)
            if item is self.current:
                self.current = None
        return row

    def clear(self) -> list[PhotoItem]:
        removed, self.items = self.items, []
        self._pending.clear()
        self._recent.clear()
        self.current = None
        return removed

    def _forget(self, item: PhotoItem) -> None:
        self._recent.pop(id(item), None)
        if item in self._pending:
            self._pending.remove(item)

    # -- the model ----------------------------------------------------------------------------

    def model_changed(self) -> int:
        """A new model is loading: every result is dropped and every photo queued again, the
        current one first. Returns the new generation."""
        self.generation += 1
        self.has_model = True
        self._pending.clear()
        self._recent.clear()
        for item in self.items:
            item.prediction = None
            if item.status != ERROR:
                item.status = QUEUED
            self.changed(item)
        ordered = [i for i in self.items if i is not self.current]
        if self.current in self:
            ordered.insert(0, self.current)
        self._pending.extend(i for i in ordered if i.status == QUEUED)
        return self.generation

    def model_missing(self) -> None:
        """No model (none found, or it failed to load): queued photos wait for one."""
        self.has_model = False
        self._pending.clear()
        for item in self.items:
            if item.status in (QUEUED, WORKING):
                item.status = WAITING
                self.changed(item)

    # -- the work -----------------------------------------------------------------------------

    def has_pending(self) -> bool:
        return bool(self._pending)

    def next_pending(self) -> PhotoItem | None:
        """The next photo to colourize, marked working; None when the queue is empty."""
        while self._pending:
            item = self._pending.popleft()
            if item.status == QUEUED and item in self:
                item.status = WORKING
                self.changed(item)
                return item
        return None

    def finished(self, item: PhotoItem, prediction: Any, generation: int) -> bool:
        """The network's output for ``item``; False (and dropped) when it is out of date."""
        if generation != self.generation or item not in self:
            return False
        item.prediction = prediction
        item.predicted_by = generation
        item.status = DONE
        item.error = None
        self.remember(item)
        self.changed(item)
        return True

    def failed(self, item: PhotoItem, message: str) -> None:
        item.status = ERROR
        item.error = message
        item.prediction = None
        self._forget(item)
        self.changed(item)

    def prioritise(self, item: PhotoItem) -> bool:
        """Colourize ``item`` next if it waits (or was stopped); True when it was queued."""
        if item in self._pending:
            self._pending.remove(item)
        if item.status in (QUEUED, STOPPED) and self.has_model:
            item.status = QUEUED
            self._pending.appendleft(item)
            self.changed(item)
            return True
        return False

    def requeue(self, item: PhotoItem) -> None:
        """Colourize ``item`` again (after an error, or on request), next."""
        item.prediction = None
        item.error = None
        item.status = QUEUED if self.has_model else WAITING
        self._forget(item)
        self.changed(item)
        self.prioritise(item)

    def stop(self) -> None:
        """Photos still waiting are marked stopped; the one being colourized finishes."""
        for item in self._pending:
            if item.status == QUEUED:
                item.status = STOPPED
                self.changed(item)
        self._pending.clear()

    def select(self, item: PhotoItem | None) -> None:
        """``item`` is now on screen: it goes first, and its output is the last to go."""
        self.current = item
        if item is None:
            return
        if item.status == DONE and item.prediction is None:  # its output was let go
            item.status = QUEUED
        if item.status in (STOPPED, QUEUED):
            self.prioritise(item)
        elif item.prediction is not None:
            self.remember(item)

    # -- counts -------------------------------------------------------------------------------

    def pending_count(self) -> int:
        return sum(1 for i in self.items if i.status in (QUEUED, WORKING))

    def error_count(self) -> int:
        return sum(1 for i in self.items if i.status == ERROR)

    def progress(self) -> tuple[int, int]:
        """(settled, settled + still to do) for "Colourizing n of m"."""
        waiting = self.pending_count()
        settled = sum(1 for i in self.items if i.status in (DONE, ERROR))
        return settled, settled + waiting

    def current_predictions(self) -> list[PhotoItem]:
        """Photos with an output of the current model (for re-rendering thumbnails)."""
        return [
            i for i in self.items if i.prediction is not None and i.predicted_by == self.generation
        ]

    # -- the memory budget --------------------------------------------------------------------

    def remember(self, item: PhotoItem) -> None:
        """Keep raw outputs within ``budget`` bytes: the least recently used photos (never the
        current one, never ``item``) give theirs up and are predicted again when selected."""
        self._recent.pop(id(item), None)
        self._recent[id(item)] = item
        total = self.kept_bytes()
        for key in list(self._recent):
            if total <= self.budget:
                break
            old = self._recent[key]
            if old is self.current or old is item:
                continue
            if old.prediction is not None:
                total -= old.prediction.raw.nbytes
                old.prediction = None
                self.changed(old)
            del self._recent[key]

    def kept_bytes(self) -> int:
        return sum(
            i.prediction.raw.nbytes for i in self._recent.values() if i.prediction is not None
        )

    # -- saved between runs -------------------------------------------------------------------

    def to_json(self) -> str:
        """The list as JSON: each photo's path, root and settings, and which one is current."""
        current = self.row_of(self.current) if self.current is not None else -1
        photos = [
            {"path": str(i.path), "root": str(i.root), "settings": i.settings.to_json()}
            for i in self.items
        ]
        return json.dumps({"format": LIST_FORMAT, "current": current, "photos": photos})

    @staticmethod
    def items_from_json(text: str) -> tuple[list[PhotoItem], int]:
        """Photos of a saved list that still exist, and the row of the current one (-1 if
        none or gone). Anything unreadable gives an empty list, never an exception."""
        try:
            data = json.loads(text)
            photos = data["photos"]
            current = int(data.get("current", -1))
        except (ValueError, KeyError, TypeError, AttributeError):
            return [], -1
        items: list[PhotoItem] = []
        current_row = -1
        for row, entry in enumerate(photos if isinstance(photos, list) else []):
            try:
                path, root = Path(entry["path"]), Path(entry["root"])
            except (KeyError, TypeError):
                continue
            if not path.is_file():
                continue
            if row == current:
                current_row = len(items)
            items.append(
                PhotoItem(path, root, settings=PhotoSettings.from_json(entry.get("settings")))
            )
        return items, current_row
