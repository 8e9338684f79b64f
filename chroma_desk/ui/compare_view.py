"""The before/after view: split with a draggable divider, side by side, or one at a time.

Images arrive as ``ImagePyramid``s built off the GUI thread (full size and halving steps, each a
QImage over a numpy buffer). Painting only picks the right level and lets QPainter scale the
visible part, so zoom, pan and divider drags cost the same at 12 MP as at 0.3 MP.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from chroma_desk.ui.icons import icon

SPLIT, SIDE, SINGLE = "split", "side", "single"
MODES = (SPLIT, SIDE, SINGLE)
MIN_ZOOM, MAX_ZOOM = 0.01, 32.0
DIVIDER_GRAB = 10  # pixels either side of the divider that grab it
SIDE_GAP = 2
FIT_MARGIN = 0


def to_uint8(image: np.ndarray) -> np.ndarray:
    """float in [0, 1], uint16 or uint8 pixels -> uint8 (clipped, rounded)."""
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        return cv2.convertScaleAbs(image, alpha=1 / 257.0)
    return cv2.convertScaleAbs(image, alpha=255.0)


class ImagePyramid:
    """One picture (RGB, or gray as (H, W)) as QImages at full size and halving steps down to
    ``min_side``.

    ``full_size`` is the size of the photo it stands for; a preview may hold fewer pixels, the
    view still maps it onto the photo's full extent. Build it in a worker thread: it copies,
    converts and resizes; painting then does no numpy work at all.
    """

    UPSCALE_BELOW = 1600  # photos smaller than this also get a 2x (bicubic) level for display

    def __init__(
        self,
        rgb: np.ndarray,
        full_size: tuple[int, int] | None = None,
        min_side: int = 384,
    ) -> None:
        height, width = rgb.shape[:2]
        self.full_size = full_size or (width, height)
        code = cv2.COLOR_GRAY2BGRA if rgb.ndim == 2 else cv2.COLOR_RGB2BGRA
        bgra = cv2.cvtColor(to_uint8(rgb), code)  # memory order of Format_RGB32
        self._buffers: list[np.ndarray] = []
        self.levels: list[tuple[float, QImage]] = []
        # a small photo shown larger than 100% looks far better from a bicubic 2x copy than
        # from QPainter's bilinear stretch; pixel peeping (200% and up) still shows real pixels
        self.upscaled: tuple[float, QImage] | None = None
        if max(width, height) < self.UPSCALE_BELOW and (width, height) == self.full_size:
            big = cv2.resize(bgra, (width * 2, height * 2), interpolation=cv2.INTER_CUBIC)
            self._upscaled_buffer = big
            image = QImage(
                big.data, big.shape[1], big.shape[0], big.strides[0], QImage.Format.Format_RGB32
            )
            self.upscaled = (2.0, image)
        while True:
            h, w = bgra.shape[:2]
            image = QImage(bgra.data, w, h, bgra.strides[0], QImage.Format.Format_RGB32)
            self._buffers.append(bgra)
            self.levels.append((w / self.full_size[0], image))
            if max(w, h) <= min_side:
                break
            bgra = cv2.resize(bgra, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)

    @property
    def width(self) -> int:
        return self.full_size[0]

    @property
    def height(self) -> int:
        return self.full_size[1]

    def level_for(self, zoom: float) -> tuple[float, QImage]:
        """The smallest level with at least ``zoom`` pixels per photo pixel (else the largest);
        between 100% and 200% the bicubic 2x copy when there is one."""
        for scale, image in reversed(self.levels):
            if scale >= zoom * 0.999:
                return scale, image
        if self.upscaled is not None and zoom < 2.0:
            return self.upscaled
        return self.levels[0]

    def smallest(self) -> QImage:
        return self.levels[-1][1]

    def pixel_rgb(self, x: int, y: int) -> tuple[int, int, int]:
        """The top level's RGB at (x, y) in its own pixels (tests)."""
        b, g, r, _ = self._buffers[0][y, x]
        return int(r), int(g), int(b)

    def array(self) -> np.ndarray:
        """The top level as (H, W, 3) uint8 RGB (tests)."""
        return cv2.cvtColor(self._buffers[0], cv2.COLOR_BGRA2RGB)


class CompareView(QWidget):
    """Before/after view with locked zoom and pan on both sides.

    Signals: ``zoomChanged(float)`` (screen pixels per photo pixel), ``modeChanged(str)``.
    """

    zoomChanged = Signal(float)
    modeChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self._before: ImagePyramid | None = None
        self._after: ImagePyramid | None = None
        self._mode = SPLIT
        self._show_before = False  # in SINGLE mode
        self._flipped_from: str | None = None  # the mode Space left, to go back to
        self._split = 0.5
        self._zoom = 1.0
        self._center = QPointF(0, 0)
        self._fit = True
        self._drag: str | None = None  # "divider" | "pan"
        self._last_pos = QPointF()
        self._busy: str | None = None
        self._message: tuple[str, str] | None = None
        self._placeholder = (
            "Drop black-and-white photos here",
            "or a whole folder — or press Ctrl+O to open",
        )
        self._placeholder_icon = "photo"
        self._spin = 0
        self._spinner = QTimer(self)
        self._spinner.setInterval(60)
        self._spinner.timeout.connect(self._tick)
        # drawn over the photo after it (hint points): each is called with the painter
        self.overlays: list[Callable[[QPainter], None]] = []

    # -- content ------------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def zoom(self) -> float:
        return self._zoom

    @property
    def split_fraction(self) -> float:
        return self._split

    @property
    def showing_before(self) -> bool:
        return self._show_before

    @property
    def before(self) -> ImagePyramid | None:
        return self._before

    @property
    def after(self) -> ImagePyramid | None:
        return self._after

    @property
    def is_fit(self) -> bool:
        return self._fit

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(900, 640)

    def set_before(self, pyramid: ImagePyramid | None, reset_view: bool = True) -> None:
        """A new photo: its before image; the after image is cleared until it arrives."""
        self._before = pyramid
        self._after = None
        self._message = None
        if reset_view:
            self._fit = True
        self._apply_fit()
        self.update()

    def set_after(self, pyramid: ImagePyramid | None) -> None:
        """The colourized result for the current photo; the view keeps its zoom and pan."""
        self._after = pyramid
        self.update()

    def clear(self) -> None:
        self._before = self._after = None
        self._message = None
        self.set_busy(None)
        self.update()

    def set_busy(self, text: str | None) -> None:
        """A small animated pill at the bottom ("Colourizing…"); None hides it."""
        self._busy = text
        if text and not self._spinner.isActive():
            self._spinner.start()
        elif not text:
            self._spinner.stop()
        self.update()

    def set_message(self, title: str | None, detail: str = "") -> None:
        """A centred message over the view (errors, no model); None removes it."""
        self._message = (title, detail) if title else None
        self.update()

    def shown_message(self) -> tuple[str, str] | None:
        """The title and detail of what is written over the view (None when only a photo)."""
        if self._message:
            return self._message
        return self._placeholder if self._before is None else None

    def set_placeholder(self, title: str, detail: str, icon_name: str = "photo") -> None:
        self._placeholder = (title, detail)
        self._placeholder_icon = icon_name
        self.update()

    def _tick(self) -> None:
        self._spin = (self._spin + 1) % 12
        self.update()

    # -- modes, zoom and pan ------------------------------------------------------------------

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown view mode {mode!r}")
        self._flipped_from = None
        if mode != self._mode:
            self._mode = mode
            if self._fit:
                self._apply_fit()
            else:
                self._clamp_center()
            self.modeChanged.emit(mode)
            self.update()

    def toggle_before_after(self) -> None:
        """Space: from split or side by side, the original alone, and back again; in the
        one-at-a-time view, between the original and the result."""
        if self._mode != SINGLE:
            back = self._mode
            self._show_before = True
            self.set_mode(SINGLE)
            self._flipped_from = back
        elif self._flipped_from is not None:
            self._show_before = False
            self.set_mode(self._flipped_from)
        else:
            self._show_before = not self._show_before
        self.update()

    def set_split(self, fraction: float) -> None:
        self._split = min(1.0, max(0.0, fraction))
        self.update()

    def _viewports(self) -> list[tuple[QRectF, str]]:
        r = QRectF(self.rect())
        if self._mode == SIDE:
            half = (r.width() - SIDE_GAP) / 2
            return [
                (QRectF(r.left(), r.top(), half, r.height()), "before"),
                (QRectF(r.left() + half + SIDE_GAP, r.top(), half, r.height()), "after"),
            ]
        if self._mode == SINGLE:
            return [(r, "before" if self._show_before else "after")]
        return [(r, "split")]

    def fit_zoom(self) -> float:
        if self._before is None:
            return 1.0
        vp = self._viewports()[0][0]
        w = max(1.0, vp.width() - 2 * FIT_MARGIN)
        h = max(1.0, vp.height() - 2 * FIT_MARGIN)
        return max(MIN_ZOOM, min(w / self._before.width, h / self._before.height))

    def fit(self) -> None:
        self._fit = True
        self._apply_fit()
        self.update()

    def _apply_fit(self) -> None:
        if self._before is None:
            return
        if self._fit:
            self._zoom = self.fit_zoom()
            self._center = QPointF(self._before.width / 2, self._before.height / 2)
            self.zoomChanged.emit(self._zoom)

    def device_zoom(self) -> float:
        """Device pixels per photo pixel (what "100%" refers to on a HiDPI screen too)."""
        return self._zoom * self.devicePixelRatioF()

    def actual_size(self) -> None:
        """100%: one photo pixel per device pixel, keeping the centre."""
        self.set_zoom(1.0 / self.devicePixelRatioF())

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the photo point under ``anchor`` (widget coordinates) in place."""
        if self._before is None:
            return
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        vp = self._viewport_at(anchor) if anchor is not None else self._viewports()[0][0]
        if anchor is None:
            anchor = vp.center()
        offset = anchor - vp.center()
        photo_point = self._center + offset / self._zoom
        self._zoom = zoom
        self._center = photo_point - offset / zoom
        self._fit = False
        self._clamp_center()
        self.zoomChanged.emit(zoom)
        self.update()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.set_zoom(self._zoom * factor, anchor)

    def _viewport_at(self, pos: QPointF) -> QRectF:
        for vp, _ in self._viewports():
            if vp.contains(pos):
                return vp
        return self._viewports()[0][0]

    def _clamp_center(self) -> None:
        """Keep the photo from being dragged out of sight; centred when smaller than the view."""
        if self._before is None:
            return
        vp = self._viewports()[0][0]
        for axis, size, extent in (
            ("x", self._before.width, vp.width()),
            ("y", self._before.height, vp.height()),
        ):
            half = extent / 2 / self._zoom
            value = self._center.x() if axis == "x" else self._center.y()
            if size <= 2 * half:
                value = size / 2
            else:
                value = min(size - half, max(half, value))
            if axis == "x":
                self._center.setX(value)
            else:
                self._center.setY(value)

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the photo by (dx, dy) screen pixels."""
        self._center -= QPointF(dx, dy) / self._zoom
        self._fit = False
        self._clamp_center()
        self.update()

    def photo_rect(self, vp: QRectF) -> QRectF:
        """Where the whole photo lies in widget coordinates inside viewport ``vp``."""
        assert self._before is not None
        w, h = self._before.width * self._zoom, self._before.height * self._zoom
        c = vp.center()
        return QRectF(
            c.x() - self._center.x() * self._zoom,
            c.y() - self._center.y() * self._zoom,
            w,
            h,
        )

    def photo_at(self, pos: QPointF) -> QPointF | None:
        """The photo point (in photo pixels) under widget position ``pos``; None off the photo."""
        if self._before is None:
            return None
        vp = self._viewport_at(pos)
        if not vp.contains(pos):
            return None
        rect = self.photo_rect(vp)
        point = (pos - rect.topLeft()) / self._zoom
        if not (0 <= point.x() < self._before.width and 0 <= point.y() < self._before.height):
            return None
        return point

    def widget_points(self, point: QPointF) -> list[QPointF]:
        """Where photo point ``point`` is drawn: one widget position per viewport showing it."""
        if self._before is None:
            return []
        out = []
        for vp, _which in self._viewports():
            pos = self.photo_rect(vp).topLeft() + point * self._zoom
            if vp.contains(pos):
                out.append(pos)
        return out

    def on_divider(self, pos: QPointF) -> bool:
        """Whether a press at ``pos`` grabs the split view's divider."""
        return self._near_divider(pos)

    def divider_x(self) -> float:
        return self.rect().left() + self._split * self.rect().width()

    # -- painting -----------------------------------------------------------------------------

    def _draw_pyramid(self, p: QPainter, pyramid: ImagePyramid, target: QRectF, clip: QRectF):
        visible = target.intersected(clip)
        if visible.isEmpty():
            return
        scale, image = pyramid.level_for(self.device_zoom())
        s = scale / self._zoom  # level pixels per (logical) screen pixel
        source = QRectF(
            (visible.left() - target.left()) * s,
            (visible.top() - target.top()) * s,
            visible.width() * s,
            visible.height() * s,
        )
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.device_zoom() < 2.0)
        p.drawImage(visible, image, source)

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        pal = self.palette()
        dark = pal.color(QPalette.ColorRole.Window).lightness() < 128
        background = pal.color(QPalette.ColorRole.Window).darker(125 if dark else 106)
        p.fillRect(self.rect(), background)
        if self._before is None:
            self._paint_placeholder(p)
            p.end()
            return
        after = self._after or self._before  # until the colour arrives, show the original
        for vp, which in self._viewports():
            target = self.photo_rect(vp)
            if which == "split":
                x = self.divider_x()
                left = QRectF(vp.left(), vp.top(), x - vp.left(), vp.height())
                right = QRectF(x, vp.top(), vp.right() - x, vp.height())
                self._draw_pyramid(p, self._before, target, left)
                self._draw_pyramid(p, after, target, right)
            else:
                pyramid = self._before if which == "before" else after
                self._draw_pyramid(p, pyramid, target, vp)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        for overlay in self.overlays:
            p.save()
            overlay(p)
            p.restore()
        self._paint_labels(p)
        if self._mode == SPLIT:
            self._paint_divider(p)
        if self._busy:
            self._paint_busy(p)
        if self._message:
            self._paint_message(p, *self._message)
        p.end()

    def _pill(self, p: QPainter, rect: QRectF, text: str, font: QFont) -> None:
        path = QPainterPath()
        path.addRoundedRect(rect, rect.height() / 2, rect.height() / 2)
        p.fillPath(path, QColor(16, 17, 20, 170))
        p.setPen(QColor(255, 255, 255, 235))
        p.setFont(font)
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _label_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(8.0, font.pointSizeF() * 0.92))
        font.setWeight(QFont.Weight.DemiBold)
        return font

    def _paint_labels(self, p: QPainter) -> None:
        font = self._label_font()
        metrics = QFontMetricsF(font)
        height = metrics.height() + 8
        margin = 12.0

        def pill(text: str, left: float | None = None, right: float | None = None) -> None:
            width = metrics.horizontalAdvance(text) + 22
            x = left if left is not None else (right or 0) - width
            self._pill(p, QRectF(x, margin, width, height), text, font)

        after_text = "After" if self._after is not None else "After (pending)"
        if self._mode == SPLIT:
            x = self.divider_x()
            if x - margin > 90:
                pill("Before", left=margin)
            if self.width() - x - margin > 90:
                pill(after_text, right=self.width() - margin)
        elif self._mode == SIDE:
            for vp, which in self._viewports():
                pill("Before" if which == "before" else after_text, left=vp.left() + margin)
        else:
            text = "Before" if self._show_before else after_text
            pill(text + "   ·   Space to flip", left=margin)

    def _paint_divider(self, p: QPainter) -> None:
        x = self.divider_x()
        p.setPen(QPen(QColor(0, 0, 0, 70), 4))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.setPen(QPen(QColor(255, 255, 255, 235), 2))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        cy = self.height() / 2
        radius = 17.0
        p.setPen(QPen(QColor(0, 0, 0, 60), 1))
        p.setBrush(QColor(255, 255, 255, 245))
        p.drawEllipse(QPointF(x, cy), radius, radius)
        pen = QPen(QColor(40, 42, 48), 2)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        for sign in (-1, 1):
            tip = x + sign * 10
            p.drawLine(QPointF(tip, cy), QPointF(tip - sign * 4.5, cy - 5))
            p.drawLine(QPointF(tip, cy), QPointF(tip - sign * 4.5, cy + 5))

    def _paint_busy(self, p: QPainter) -> None:
        font = self._label_font()
        metrics = QFontMetricsF(font)
        text = self._busy or ""
        height = metrics.height() + 12
        width = metrics.horizontalAdvance(text) + 32 + height
        rect = QRectF((self.width() - width) / 2, self.height() - height - 18, width, height)
        path = QPainterPath()
        path.addRoundedRect(rect, height / 2, height / 2)
        p.fillPath(path, QColor(16, 17, 20, 190))
        # spinner: twelve fading ticks
        cx, cy = rect.left() + height / 2 + 6, rect.center().y()
        for i in range(12):
            alpha = int(255 * ((i + 1) / 12) ** 1.6)
            angle = math.radians((i + self._spin) * 30)
            pen = QPen(QColor(255, 255, 255, alpha), 2)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            r1, r2 = height * 0.18, height * 0.34
            p.drawLine(
                QPointF(cx + r1 * math.cos(angle), cy + r1 * math.sin(angle)),
                QPointF(cx + r2 * math.cos(angle), cy + r2 * math.sin(angle)),
            )
        p.setPen(QColor(255, 255, 255, 235))
        p.setFont(font)
        p.drawText(
            rect.adjusted(height + 8, 0, -12, 0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            text,
        )

    def _paint_message(self, p: QPainter, title: str, detail: str) -> None:
        rect = QRectF(self.rect()).adjusted(40, 0, -40, 0)
        box = QRectF(rect.left(), self.height() / 2 - 60, rect.width(), 120)
        width = min(560.0, box.width())
        box = QRectF(self.width() / 2 - width / 2, box.top(), width, box.height())
        path = QPainterPath()
        path.addRoundedRect(box, 12, 12)
        p.fillPath(path, QColor(16, 17, 20, 200))
        title_font = QFont(self.font())
        title_font.setPointSizeF(self.font().pointSizeF() * 1.2)
        title_font.setWeight(QFont.Weight.DemiBold)
        p.setFont(title_font)
        p.setPen(QColor(255, 255, 255))
        inner = box.adjusted(20, 16, -20, -16)
        p.drawText(
            QRectF(inner.left(), inner.top(), inner.width(), 28),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            title,
        )
        p.setFont(self.font())
        p.setPen(QColor(220, 222, 228))
        p.drawText(
            QRectF(inner.left(), inner.top() + 32, inner.width(), inner.height() - 32),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
            detail,
        )

    def _paint_placeholder(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        r = QRectF(self.rect())
        box = QRectF(r.center().x() - 230, r.center().y() - 130, 460, 260)
        pen = QPen(muted, 1.5, Qt.PenStyle.DashLine)
        pen.setDashPattern([5, 4])
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(box, 16, 16)
        icon(self._placeholder_icon, muted).paint(
            p, int(box.center().x() - 32), int(box.top() + 36), 64, 64
        )
        title, detail = self._message or self._placeholder
        font = QFont(self.font())
        font.setPointSizeF(self.font().pointSizeF() * 1.35)
        font.setWeight(QFont.Weight.DemiBold)
        p.setFont(font)
        p.setPen(pal.color(QPalette.ColorRole.WindowText))
        p.drawText(
            QRectF(box.left() + 16, box.top() + 116, box.width() - 32, 34),
            Qt.AlignmentFlag.AlignCenter,
            title,
        )
        p.setFont(self.font())
        p.setPen(muted)
        p.drawText(
            QRectF(box.left() + 24, box.top() + 152, box.width() - 48, 80),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
            detail,
        )

    # -- input --------------------------------------------------------------------------------

    def _near_divider(self, pos: QPointF) -> bool:
        return (
            self._mode == SPLIT
            and self._before is not None
            and abs(pos.x() - self.divider_x()) <= DIVIDER_GRAB
        )

    def _hover_cursor(self, pos: QPointF) -> None:
        if self._near_divider(pos):
            self.setCursor(Qt.CursorShape.SplitHCursor)
        elif self._before is not None:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.unsetCursor()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton or self._before is None:
            return super().mousePressEvent(event)
        pos = event.position()
        self._last_pos = pos
        if self._near_divider(pos):
            self._drag = "divider"
        else:
            self._drag = "pan"
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        if self._drag == "divider":
            self.set_split((pos.x() - self.rect().left()) / max(1, self.width()))
        elif self._drag == "pan":
            delta = pos - self._last_pos
            self.pan_by(delta.x(), delta.y())
        else:
            self._hover_cursor(pos)
        self._last_pos = pos

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._drag = None
        self._hover_cursor(event.position())

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Double click: between fit and 100% at the clicked point."""
        if self._before is None or self._near_divider(event.position()):
            return
        if self._fit or abs(self.device_zoom() - 1.0) > 1e-6:
            self.set_zoom(1.0 / self.devicePixelRatioF(), event.position())
        else:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        if self._before is None:
            return
        delta = event.angleDelta().y() or event.pixelDelta().y()
        if delta:
            self.zoom_by(1.0015**delta, event.position())
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        step = 40
        moves = {
            Qt.Key.Key_Left: (step, 0),
            Qt.Key.Key_Right: (-step, 0),
            Qt.Key.Key_Up: (0, step),
            Qt.Key.Key_Down: (0, -step),
        }
        if event.key() in moves and self._before is not None and not self._fit:
            self.pan_by(*moves[event.key()])
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        if self._fit:
            self._apply_fit()
        else:
            self._clamp_center()
        super().resizeEvent(event)
