"""Colourize many photos: planning where each result goes, and the job itself as a plain
generator of progress, so the command line wraps it in a progress bar and the window in a worker.

Reading the next photos and writing finished ones run on helper threads (decoders and encoders
release the GIL), so the network is not left waiting on the disk. Photos are predicted in small
batches (one forward pass per group of photos with the same working shape). A bad file never
stops the job: it comes back as a failed ``FileResult`` naming the file, and the job goes on.
"""

from __future__ import annotations

import glob
import os
import time
import warnings
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from chroma_desk.engine.colorizer import Colorizer, Prediction
from chroma_desk.engine.hints import Hint, HintError
from chroma_desk.media.folders import unreadable_folder_message, walk_files
from chroma_desk.media.images import (
    FORMATS,
    IMAGE_SUFFIXES,
    ImageReadError,
    ImageWriteError,
    Photo,
    output_suffix,
    read_image,
    write_image,
)
from chroma_desk.models.checkpoint import ModelFileError

DEFAULT_SUFFIX = "_color"
DEFAULT_BATCH = 4
MAX_BATCH_PIXELS = 50_000_000  # photos held at once while their batch is predicted
MAX_PENDING_WRITES = 2  # finished images queued for the writer thread at most


class PlanError(ValueError):
    """The inputs and output given cannot be turned into a plan (e.g. a file as output folder)."""


@dataclass
class Task:
    """One photo to colourize: where it comes from, where its result goes."""

    source: Path
    output: Path
    error: str | None = None  # set when planning already knows this file cannot be done


@dataclass
class FileResult:
    """Progress: one photo finished (done, failed or skipped), ``index`` of ``total``."""

    index: int
    total: int
    task: Task
    ok: bool
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    skipped: bool = False
    seconds: float = 0.0

    @property
    def source(self) -> Path:
        return self.task.source

    @property
    def output(self) -> Path:
        return self.task.output


@dataclass
class Summary:
    """Tally of a finished (or stopped) job."""

    done: int = 0
    failed: list[FileResult] = field(default_factory=list)
    skipped: int = 0
    seconds: float = 0.0

    def add(self, result: FileResult) -> None:
        if result.skipped:
            self.skipped += 1
        elif result.ok:
            self.done += 1
        else:
            self.failed.append(result)

    @property
    def total(self) -> int:
        return self.done + self.skipped + len(self.failed)

    def line(self) -> str:
        parts = [f"{self.done} colourized"]
        if self.skipped:
            parts.append(f"{self.skipped} skipped (result already there)")
        parts.append(f"{len(self.failed)} failed")
        return f"{', '.join(parts)} in {self.seconds:.1f} s"


# -- planning -------------------------------------------------------------------------------


def _is_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _result_suffix(source: Path, fmt: str | None) -> str:
    if fmt:
        return output_suffix(fmt)
    return FORMATS.get(source.suffix.lower().lstrip("."), ".png")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def plan(
    inputs: Sequence[str | Path],
    output: str | Path | None = None,
    suffix: str = DEFAULT_SUFFIX,
    fmt: str | None = None,
) -> list[Task]:
    """Where each photo's result goes.

    One input file: ``output`` is the result file (or a folder to put it in, when it is one or
    ends with a slash); without it the result goes beside the input as ``<name><suffix>.<ext>``.
    Several inputs, a folder or a glob: ``output`` is a folder and each result keeps its
    input's name plus ``suffix`` and its subfolder below the folder given; with several
    folders, each gets its own subfolder. Without ``output``, results of a folder go to a
    sibling folder ``<folder><suffix>``, results of files beside them. ``fmt`` (png, jpg,
    tiff) defaults to the input's own kind, PNG for anything else.

    Inputs that do not exist, or globs that match nothing, come back as tasks with ``error``
    set. A result that would land on any input is refused the same way.
    """
    if fmt is not None:
        output_suffix(fmt)  # unknown formats fail here, before any work
    if any(sep and sep in suffix for sep in (os.sep, os.altsep, "/")) or "\0" in suffix:
        raise PlanError(
            f"--suffix {suffix!r}: a suffix is added to file names and cannot name a folder; "
            "results stay inside the output folder"
        )
    items = [str(item) for item in inputs]
    if not items:
        raise PlanError("no input photos given")
    out = Path(output).expanduser() if output is not None else None
    out_is_dir_hint = output is not None and str(output).endswith((os.sep, "/"))
    folders = [Path(i) for i in items if Path(i).is_dir()]
    single = len(items) == 1 and not folders and not _is_glob(items[0])

    tasks: list[Task] = []
    if single:
        source = Path(items[0])
        ext = _result_suffix(source, fmt)
        if out is None:
            target = source.with_name(f"{source.stem}{suffix}{ext}")
        elif out.is_dir() or out_is_dir_hint:
            target = out / f"{source.stem}{suffix}{ext}"
        else:
            known = out.suffix.lower().lstrip(".") in FORMATS
            if known and fmt and output_suffix(out.suffix.lstrip(".")) != output_suffix(fmt):
                raise PlanError(f"{out}: the name says {out.suffix} but --format says {fmt}")
            target = out if known else out.with_name(out.name + ext)
        error = None if source.is_file() else f"{source}: no such file"
        tasks.append(Task(source, target, error))
    else:
        if out is not None and out.exists() and not out.is_dir():
            raise PlanError(f"{out}: with several inputs or a folder, the output must be a folder")
        for item in items:
            path = Path(item)
            if path.is_dir():
                base = out if out is not None else path.parent / f"{path.name}{suffix}"
                if out is not None and len(folders) > 1:
                    base = out / path.name
                unreadable: list[OSError] = []
                for p in walk_files(path, IMAGE_SUFFIXES, unreadable):
                    rel = p.relative_to(path)
                    name = f"{p.stem}{suffix}{_result_suffix(p, fmt)}"
                    tasks.append(Task(p, base / rel.parent / name))
                for error in unreadable:  # listed among the failures, never passed over
                    folder = Path(error.filename)
                    tasks.append(Task(folder, folder, unreadable_folder_message(error)))
            elif path.is_file() or (not _is_glob(item)):
                base = out if out is not None else path.parent
                name = f"{path.stem}{suffix}{_result_suffix(path, fmt)}"
                error = None if path.is_file() else f"{path}: no such file"
                tasks.append(Task(path, base / name, error))
            else:
                matches = [Path(m) for m in sorted(glob.glob(item, recursive=True))]
                matches = [m for m in matches if m.is_file()]
                if not matches:
                    tasks.append(Task(path, path, f"{item}: no files match this pattern"))
                for m in matches:
                    base = out if out is not None else m.parent
                    tasks.append(Task(m, base / f"{m.stem}{suffix}{_result_suffix(m, fmt)}"))
    return _check_plan(_dedupe(tasks))


def numbered(path: Path, n: int) -> Path:
    """The n-th name for a result whose name is taken: ``name (2).ext``, as file managers do.
    The one naming rule for the command line and the window."""
    return path.with_name(f"{path.stem} ({n}){path.suffix}")


def _dedupe(tasks: list[Task]) -> list[Task]:
    """Drop a file given twice; give distinct names to results that would collide."""
    seen_sources: set[Path] = set()
    used: dict[Path, int] = {}
    kept = []
    for task in tasks:
        if task.error is None:
            key = task.source.resolve()
            if key in seen_sources:
                continue
            seen_sources.add(key)
        target = task.output
        key = target.resolve() if task.error is None else target
        if task.error is None and key in used:
            used[key] += 1
            target = numbered(target, used[key])
        used.setdefault(key, 1)
        kept.append(Task(task.source, target, task.error))
    return kept


def _check_plan(tasks: list[Task]) -> list[Task]:
    sources = [t.source for t in tasks if t.error is None]
    source_keys = {s.resolve() for s in sources}
    for task in tasks:
        if task.error is None and (
            task.output.resolve() in source_keys or _same_file(task.output, task.source)
        ):
            task.error = (
                f"{task.source}: its result {task.output} would overwrite an input; skipped"
            )
    return tasks


# -- the job --------------------------------------------------------------------------------


def _read(task: Task) -> Photo:
    photo = read_image(task.source)
    photo.lightness()  # decode what the network needs here, on the helper thread (cached)
    return photo


def _write(
    task: Task, photo: Photo, rgb: np.ndarray, quality: int, protect: tuple[Path, ...]
) -> Path:
    return write_image(
        task.output,
        rgb,
        alpha=photo.alpha,
        quality=quality,
        bits=16 if photo.bit_depth > 8 else 8,
        exif=photo.exif,
        icc_profile=photo.icc_profile,
        protect=protect,
    )


def _message(task: Task, exc: BaseException) -> str:
    """One line naming the input file."""
    text = (str(exc).strip() or type(exc).__name__).splitlines()[0]
    if isinstance(exc, ImageReadError | ImageWriteError | ModelFileError | HintError):
        return text if text.startswith(str(task.source)) else f"{task.source}: {text}"
    if isinstance(exc, MemoryError):
        return f"{task.source}: not enough memory for this photo"
    return f"{task.source}: {type(exc).__name__}: {text}"


def _pixels(path: Path) -> int:
    """Pixel count from the file header alone (0 when unreadable: reading will say why)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as img:
                return img.size[0] * img.size[1]
    except Exception:  # noqa: BLE001
        return 0


def _groups(tasks: Sequence[Task], batch_size: int, skip_existing: bool) -> list[Task | list[Task]]:
    """Input order kept: a Task alone is known before any work (an error or a skip); a list is
    a batch of photos to predict together (at most ``batch_size`` photos and about
    ``MAX_BATCH_PIXELS`` pixels, counted from the file headers)."""
    groups: list[Task | list[Task]] = []
    current: list[Task] = []
    weight = 0
    for task in tasks:
        if task.error is not None or (skip_existing and task.output.exists()):
            if current:
                groups.append(current)
                current, weight = [], 0
            groups.append(task)
            continue
        size = _pixels(task.source)
        if current and (len(current) >= max(1, batch_size) or weight + size > MAX_BATCH_PIXELS):
            groups.append(current)
            current, weight = [], 0
        current.append(task)
        weight += size
    if current:
        groups.append(current)
    return groups


@dataclass
class _Pending:
    task: Task
    start: float
    future: Future | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    skipped: bool = False


def colorize_files(
    colorizer: Colorizer,
    tasks: Sequence[Task],
    temperature: float | None = None,
    quality: int = 92,
    batch_size: int = DEFAULT_BATCH,
    skip_existing: bool = False,
    hints: Mapping[Path, Sequence[Hint]] | None = None,
) -> Iterator[FileResult]:
    """Colourize ``tasks`` with ``colorizer``; yields one ``FileResult`` per photo, in order.

    ``hints``: colour hints per source photo (a model that takes hints); a hint outside its
    photo fails that photo, with the entry named, before anything is written for it.

    To stop early, close the generator (or drop it): results already written stay, a write in
    progress is finished, and nothing half-written is ever left (writes are atomic).
    """
    total = len(tasks)
    protect = tuple(t.source for t in tasks)
    groups = _groups(tasks, batch_size, skip_existing)
    batch_at = [i for i, g in enumerate(groups) if isinstance(g, list)]
    pending: deque[_Pending] = deque()
    index = 0

    def finished(block: bool) -> Iterator[FileResult]:
        nonlocal index
        while pending:
            item = pending[0]
            if item.future is not None and not item.future.done() and not block:
                return
            pending.popleft()
            error = item.error
            if item.future is not None:
                try:
                    item.future.result()
                except Exception as exc:  # noqa: BLE001 - one bad file never stops the job
                    error = _message(item.task, exc)
            index += 1
            seconds = time.perf_counter() - item.start
            yield FileResult(
                index, total, item.task, error is None, error, item.notes, item.skipped, seconds
            )

    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chroma-read")
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chroma-write")
    reads: list[Future] = []
    try:
        if batch_at:
            reads = [reader.submit(_read, t) for t in groups[batch_at[0]]]
        next_batch = 1
        for group in groups:
            now = time.perf_counter()
            if isinstance(group, Task):
                if group.error is not None:
                    pending.append(_Pending(group, now, error=group.error))
                else:
                    pending.append(_Pending(group, now, skipped=True))
                yield from finished(block=False)
                continue
            photos: list[Photo | None] = []
            items = [_Pending(task, now) for task in group]
            for item, future in zip(items, reads, strict=True):
                try:
                    photos.append(future.result())
                except Exception as exc:  # noqa: BLE001
                    photos.append(None)
                    item.error = _message(item.task, exc)
            if next_batch < len(batch_at):  # read ahead while this batch is predicted
                reads = [reader.submit(_read, t) for t in groups[batch_at[next_batch]]]
                next_batch += 1
            hint_lists = [(hints or {}).get(task.source) for task in group]
            predictions = _predict(colorizer, photos, hint_lists)
            for i, item in enumerate(items):
                photo, prediction = photos[i], predictions[i]
                if photo is not None:
                    item.notes = list(photo.notes)
                if isinstance(prediction, Exception):
                    item.error = _message(item.task, prediction)
                elif prediction is not None and photo is not None:
                    _wait_for_writes(pending, MAX_PENDING_WRITES - 1)
                    yield from finished(block=False)
                    try:
                        rgb = colorizer.render(prediction, temperature)
                        if photo.alpha is not None and item.task.output.suffix == ".jpg":
                            item.notes.append("transparency dropped: JPEG has no alpha")
                        item.future = writer.submit(_write, item.task, photo, rgb, quality, protect)
                    except Exception as exc:  # noqa: BLE001
                        item.error = _message(item.task, exc)
                photos[i] = predictions[i] = None  # full-size arrays go once written
                pending.append(item)
                yield from finished(block=False)
        yield from finished(block=True)
    finally:
        for future in reads:
            future.cancel()
        reader.shutdown(wait=True, cancel_futures=True)
        writer.shutdown(wait=True)


def _wait_for_writes(pending: deque[_Pending], at_most: int) -> None:
    """Block until no more than ``at_most`` writes are still running (full-size images wait
    in memory while they are queued: a slow disk must not make them pile up)."""
    while True:
        running = [p.future for p in pending if p.future is not None and not p.future.done()]
        if len(running) <= at_most:
            return
        wait(running, return_when=FIRST_COMPLETED)


def _predict(
    colorizer: Colorizer,
    photos: list[Photo | None],
    hint_lists: list[Sequence[Hint] | None] | None = None,
) -> list[Prediction | Exception | None]:
    """Predictions for the photos that were read (None for the others): one forward pass per
    working shape; when that fails, each photo alone, so only the photo at fault fails."""
    good = [i for i, p in enumerate(photos) if p is not None]
    hint_lists = hint_lists or [None] * len(photos)
    out: list[Prediction | Exception | None] = [None] * len(photos)
    if not good:
        return out
    try:
        for i, prediction in zip(
            good,
            colorizer.predict_lightness(
                [photos[i].lightness() for i in good], [hint_lists[i] for i in good]
            ),
            strict=True,
        ):
            out[i] = prediction
        return out
    except Exception:  # noqa: BLE001
        pass
    for i in good:
        try:
            out[i] = colorizer.predict_lightness([photos[i].lightness()], [hint_lists[i]])[0]
        except Exception as exc:  # noqa: BLE001
            out[i] = exc
    return out
