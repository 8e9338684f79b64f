"""The Training tab's small pieces: its style sheet and colours, cards, form rows, a banner,
number tiles, a picture view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QIcon,
    QImage,
    QPainter,
    QPainterPath,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

STATUS_STYLE = {
    "starting": ("#3b82f6", "Starting"),
    "running": ("#3b82f6", "Running"),
    "stopping": ("#f59e0b", "Stopping"),
    "finished": ("#22a06b", "Finished"),
    "stopped": ("#8b93a1", "Stopped"),
    "failed": ("#e5484d", "Failed"),
    "interrupted": ("#f59e0b", "Interrupted"),
    "new": ("#8b93a1", "New"),
}
SERIES_COLOURS = ("#4f7cff", "#f08c2e", "#23a86b", "#e5484d", "#9b5de5", "#1ba5c4", "#d4a72c")


STYLE = """
QFrame#card { background: palette(base); border: 1px solid palette(midlight);
  border-radius: 8px; }
QLabel#cardTitle { font-weight: 600; }
QLabel#pageTitle { font-size: 17pt; font-weight: 600; }
QLabel#runTitle { font-size: 15pt; font-weight: 600; }
QLabel#tileCaption { color: palette(placeholder-text); font-size: 8pt; }
QLabel#tileValue { font-size: 13pt; font-weight: 600; }
QLabel#muted { color: palette(placeholder-text); }
QFrame#banner { border-radius: 6px; }
QPushButton#primary { background: palette(highlight); color: palette(highlighted-text);
  border: none; border-radius: 5px; padding: 6px 16px; font-weight: 600; }
QPushButton#primary:disabled { background: palette(mid); color: palette(placeholder-text); }
QPushButton#danger { color: #e5484d; }
QProgressBar#thin { border: none; background: palette(midlight); border-radius: 2px;
  max-height: 4px; min-height: 4px; }
QProgressBar#thin::chunk { background: palette(highlight); border-radius: 2px; }
QListWidget#runList { border: none; background: transparent; }
"""


# -- small pieces ------------------------------------------------------------------------------


def muted_colour(widget: QWidget) -> QColor:
    return widget.palette().color(QPalette.ColorRole.PlaceholderText)


def std_icon(widget: QWidget, name: str, fallback: QStyle.StandardPixmap) -> QIcon:
    """The app's painted icon when the icon module is there, else a standard one."""
    try:
        from chroma_desk.ui.icons import ICONS, icon

        if name in ICONS:
            return icon(name)
    except ImportError:
        pass
    return widget.style().standardIcon(fallback)


def qimage(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def make_card(title: str | None = None) -> tuple[QFrame, QVBoxLayout, QHBoxLayout | None]:
    frame = QFrame()
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(14, 10, 14, 12)
    layout.setSpacing(8)
    header = None
    if title is not None:
        header = QHBoxLayout()
        header.setSpacing(8)
        label = QLabel(title)
        label.setObjectName("cardTitle")
        header.addWidget(label)
        header.addStretch(1)
        layout.addLayout(header)
    return frame, layout, header


LABEL_WIDTH = 128
FIELD_WIDTH = 200


def add_row(form: QFormLayout, text: str, field: QWidget | QHBoxLayout) -> None:
    """A form row whose label has the same width in every card, so the fields line up."""
    label = QLabel(text)
    label.setFixedWidth(LABEL_WIDTH)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.addRow(label, field)


def muted_label(text: str = "", wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(wrap)
    return label


def fmt_number(value: float | None) -> str:
    if value is None:
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def home_short(path: Path) -> str:
    try:
        return "~/" + str(Path(path).relative_to(Path.home()))
    except ValueError:
        return str(path)


class ElidedLabel(QLabel):
    """One line of text, elided in the middle when narrow (paths)."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.full_text = text
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._elide()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        self.setText(
            metrics.elidedText(self.full_text, Qt.TextElideMode.ElideMiddle, max(40, self.width()))
        )


class Banner(QFrame):
    """A coloured note above the curves: why a job failed, or what just happened."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text, 1)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.kind = ""
        self.hide()

    def show_message(self, text: str, kind: str = "error") -> None:
        colour = {"error": "#e5484d", "info": "#3b82f6", "ok": "#22a06b"}[kind]
        c = QColor(colour)
        self.setStyleSheet(
            f"QFrame#banner {{ background: rgba({c.red()},{c.green()},{c.blue()},38);"
            f" border: 1px solid rgba({c.red()},{c.green()},{c.blue()},110); }}"
        )
        self.kind = kind
        self.text.setText(text)
        self.show()


class StatTile(QWidget):
    def __init__(self, caption: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 18, 0)
        layout.setSpacing(0)
        cap = QLabel(caption.upper())
        cap.setObjectName("tileCaption")
        self.value = QLabel("–")
        self.value.setObjectName("tileValue")
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(cap)
        layout.addWidget(self.value)

    def set(self, text: str) -> None:
        self.value.setText(text)


class ImageView(QWidget):
    """A picture scaled to fit, with captions over the columns of a sample grid."""

    def __init__(self, captions: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._pixmap: QPixmap | None = None
        self.captions = captions
        self.path: str | None = None
        self.empty_text = "No sample yet"
        self.setMinimumSize(180, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, path: str | None) -> bool:
        if path == self.path and self._pixmap is not None:
            return True
        pm = QPixmap(path) if path else QPixmap()
        self._pixmap = None if pm.isNull() else pm
        self.path = path if self._pixmap is not None else None
        self.update()
        return self._pixmap is not None

    def pixmap(self) -> QPixmap | None:
        return self._pixmap

    def paintEvent(self, event: Any) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        top = 20 if self.captions else 0
        area = QRectF(self.rect()).adjusted(0, top, 0, 0)
        if self._pixmap is None:
            p.setPen(muted_colour(self))
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return
        size = QSize(self._pixmap.size())
        size.scale(area.size().toSize(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRectF(
            area.x() + (area.width() - size.width()) / 2, area.y(), size.width(), size.height()
        )
        clip = QPainterPath()
        clip.addRoundedRect(target, 4, 4)
        p.save()
        p.setClipPath(clip)
        p.drawPixmap(target, self._pixmap, QRectF(self._pixmap.rect()))
        p.restore()
        if self.captions:
            p.setPen(muted_colour(self))
            font = p.font()
            font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
            p.setFont(font)
            n = len(self.captions)
            for i, text in enumerate(self.captions):
                cell = QRectF(target.x() + i * target.width() / n, 0, target.width() / n, top)
                p.drawText(cell, Qt.AlignmentFlag.AlignCenter, text)
