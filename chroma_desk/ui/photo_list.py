"""The Photos tab's list: a Qt model over the ``PhotoQueue``, the delegate that draws a row
(thumbnail, name, and the size, progress or error), and the thumbnails' background work."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.ui import jobs
from chroma_desk.ui.aio import Worker, spawn
from chroma_desk.ui.photo_queue import (
    DONE,
    ERROR,
    QUEUED,
    STATUS_TEXT,
    STOPPED,
    WAITING,
    WORKING,
    PhotoItem,
    PhotoQueue,
)


class PhotoListModel(QAbstractListModel):
    """The view's window on a ``PhotoQueue``: list changes go through here so views follow."""

    ItemRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, queue: PhotoQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue = queue
        queue.on_change.append(self.changed)

    @property
    def items(self) -> list[PhotoItem]:
        return self.queue.items

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.items)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or index.row() >= len(self.items):
            return None
        item = self.items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.name
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [str(item.path)]
            if item.size:
                lines.append(f"{item.size[0]} × {item.size[1]}")
            lines.append(item.status_text())
            lines.extend(item.notes)
            if item.settings.saved_to:
                lines.append(f"Saved as {item.settings.saved_to}")
            if item.settings.hints:
                lines.append(hint_count(item))
            return "\n".join(line for line in lines if line)
        if role == self.ItemRole:
            return item
        return None

    def insert(self, items: list[PhotoItem], row: int | None = None) -> None:
        if not items:
            return
        start = len(self.items) if row is None else max(0, min(row, len(self.items)))
        self.beginInsertRows(QModelIndex(), start, start + len(items) - 1)
        self.queue.insert(items, start)
        self.endInsertRows()

    def remove(self, item: PhotoItem) -> int:
        row = self.queue.row_of(item)
        if row >= 0:
            self.beginRemoveRows(QModelIndex(), row, row)
            self.queue.remove(item)
            self.endRemoveRows()
        return row

    def clear(self) -> list[PhotoItem]:
        self.beginResetModel()
        removed = self.queue.clear()
        self.endResetModel()
        return removed

    def changed(self, item: PhotoItem) -> None:
        row = self.queue.row_of(item)
        if row >= 0:
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def row_of(self, item: PhotoItem) -> int:
        return self.queue.row_of(item)


class PhotoDelegate(QStyledItemDelegate):
    """A row: rounded thumbnail, file name, and a status line (size, progress or the error)."""

    HEIGHT = 68
    THUMB = 52

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        return QSize(220, self.HEIGHT)

    def paint(self, p: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        item: PhotoItem = index.data(PhotoListModel.ItemRole)
        if item is None:
            return
        pal = option.palette
        rect = QRectF(option.rect).adjusted(6, 3, -6, -3)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected:
            bg = QColor(pal.color(QPalette.ColorRole.Highlight))
            bg.setAlpha(60)
            path = QPainterPath()
            path.addRoundedRect(rect, 8, 8)
            p.fillPath(path, bg)
            p.setPen(pal.color(QPalette.ColorRole.Highlight))
            p.drawPath(path)
        elif hovered:
            bg = QColor(pal.color(QPalette.ColorRole.Text))
            bg.setAlpha(14)
            path = QPainterPath()
            path.addRoundedRect(rect, 8, 8)
            p.fillPath(path, bg)
        box = QRectF(rect.left() + 8, rect.center().y() - self.THUMB / 2, self.THUMB, self.THUMB)
        clip = QPainterPath()
        clip.addRoundedRect(box, 6, 6)
        image = item.colour_thumbnail or item.thumbnail
        if image is not None and not image.isNull():
            p.save()
            p.setClipPath(clip)
            # cover: fill the square, crop the longer side
            iw, ih = image.width(), image.height()
            side = min(iw, ih)
            src = QRectF((iw - side) / 2, (ih - side) / 2, side, side)
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(box, image, src)
            p.restore()
        else:
            placeholder = QColor(pal.color(QPalette.ColorRole.Text))
            placeholder.setAlpha(24)
            p.fillPath(clip, placeholder)
            if item.status == ERROR:
                icon_rect = box.adjusted(14, 14, -14, -14).toRect()
                style = option.widget.style() if option.widget else None
                if style is not None:
                    style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).paint(
                        p, icon_rect
                    )
        if item.settings.hints:
            self._paint_hint_badge(p, box, item)
        text_left = box.right() + 12
        text_width = rect.right() - text_left - 8
        font = QFont(option.font)
        font.setWeight(QFont.Weight.DemiBold)
        metrics = QFontMetrics(font)
        name = metrics.elidedText(item.name, Qt.TextElideMode.ElideMiddle, int(text_width))
        p.setFont(font)
        p.setPen(pal.color(QPalette.ColorRole.Text))
        line_h = metrics.height()
        top = rect.center().y() - line_h - 1
        p.drawText(QRectF(text_left, top, text_width, line_h), Qt.AlignmentFlag.AlignLeft, name)
        small = QFont(option.font)
        small.setPointSizeF(option.font.pointSizeF() * 0.9)
        p.setFont(small)
        if item.status == ERROR:
            colour = QColor("#e5484d")
            status = item.short_error() or "Could not be read"
        else:
            colour = pal.color(QPalette.ColorRole.PlaceholderText)
            status = STATUS_TEXT.get(item.status, "")
            if item.status == WORKING:
                colour = pal.color(QPalette.ColorRole.Highlight)
                if pal.color(QPalette.ColorRole.Window).lightness() < 128:
                    colour = colour.lighter(130)
            if item.size and item.status in (DONE, QUEUED, STOPPED, WAITING):
                status = f"{item.size[0]} × {item.size[1]}  ·  {status}"
            if item.settings.hints:
                status += f"  ·  {hint_count(item)}"
            if item.settings.saved_to and item.status == DONE:
                status += f"  ·  saved as {Path(item.settings.saved_to).name}"
        status = QFontMetrics(small).elidedText(
            status, Qt.TextElideMode.ElideRight, int(text_width)
        )
        p.setPen(colour)
        p.drawText(
            QRectF(text_left, rect.center().y() + 2, text_width, line_h),
            Qt.AlignmentFlag.AlignLeft,
            status,
        )
        p.restore()

    @staticmethod
    def _paint_hint_badge(p: QPainter, box: QRectF, item: PhotoItem) -> None:
        """A hinted photo: a small dot in the colour of its first point, on the thumbnail."""
        rgb = item.settings.hints[0].get("rgb", [255, 255, 255])
        try:
            colour = QColor(*[int(c) for c in rgb[:3]])
        except (TypeError, ValueError):
            colour = QColor(255, 255, 255)
        centre = box.bottomRight() - QPointF(8, 8)
        p.setPen(QPen(QColor(255, 255, 255), 1.8))
        p.setBrush(colour)
        p.drawEllipse(centre, 5.5, 5.5)


def hint_count(item: PhotoItem) -> str:
    n = len(item.settings.hints)
    return f"{n} colour point{'s' if n != 1 else ''}"


class Thumbnails(QObject):
    """The list's thumbnails, made on ``worker``: a quick gray one for each new photo, and the
    colour ones re-rendered at a new temperature (no network). ``made(item)`` after each
    gray one; the queue's listeners hear of every change."""

    made = Signal(object)  # PhotoItem

    def __init__(
        self, worker: Worker, queue: PhotoQueue, on_error: Callable[[BaseException], None]
    ) -> None:
        super().__init__()
        self.worker, self.queue, self.on_error = worker, queue, on_error
        self._todo: deque[PhotoItem] = deque()
        self._task: asyncio.Task | None = None
        self._recolour_task: asyncio.Task | None = None
        self._stopped = False

    def add(self, items: list[PhotoItem]) -> None:
        self._todo.extend(items)
        if not self._stopped and (self._task is None or self._task.done()):
            self._task = spawn(self._gray(), self.on_error)

    def forget(self, item: PhotoItem) -> None:
        if item in self._todo:
            self._todo.remove(item)

    async def _gray(self) -> None:
        while self._todo and not self._stopped:
            item = self._todo.popleft()
            if item.thumbnail is not None or item.status == ERROR:
                continue
            thumb = await self.worker.run(jobs.thumbnail_job, item.path)
            if thumb is not None and item.thumbnail is None:
                item.thumbnail = thumb.image
                item.size = item.size or thumb.size
                self.queue.changed(item)
                self.made.emit(item)

    def recolour(self, colorizer: Colorizer, items: list[PhotoItem], temperature: float) -> None:
        """Colour thumbnails of ``items`` at ``temperature``; a newer call replaces this one."""
        if self._recolour_task is not None and not self._recolour_task.done():
            self._recolour_task.cancel()
        self._recolour_task = spawn(
            self._recolour(colorizer, items, temperature, self.queue.generation), self.on_error
        )

    async def _recolour(
        self, colorizer: Colorizer, items: list[PhotoItem], temperature: float, gen: int
    ) -> None:
        for start in range(0, len(items), 8):
            chunk = items[start : start + 8]
            images = await self.worker.run(
                jobs.thumbnails_job, colorizer, [i.prediction for i in chunk], temperature
            )
            if gen != self.queue.generation or self._stopped:
                return
            for item, image in zip(chunk, images, strict=True):
                item.colour_thumbnail = image
                self.queue.changed(item)

    def stop(self) -> None:
        self._stopped = True
        self._todo.clear()
        for task in (self._task, self._recolour_task):
            if task is not None and not task.done():
                task.cancel()
