"""The Photos tab's list: a Qt model over the ``PhotoQueue`` and the delegate that draws a row
(thumbnail, name, and the size, progress or error)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

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
