"""Small line icons drawn with QPainter in the current palette's text colour.

Each icon repaints on demand (a QIconEngine), so it follows a switch between light and dark.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QConicalGradient,
    QFont,
    QIcon,
    QIconEngine,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QApplication

Draw = Callable[[QPainter, QColor], None]  # draws in a 24 x 24 box


def _pen(p: QPainter, color: QColor, width: float = 1.7) -> None:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)


def _open(p: QPainter, c: QColor) -> None:
    _pen(p, c)
    path = QPainterPath()
    path.moveTo(3, 19)
    path.lineTo(3, 6)
    path.lineTo(9, 6)
    path.lineTo(11, 8)
    path.lineTo(19, 8)
    path.lineTo(19, 11)
    p.drawPath(path)
    body = QPainterPath()
    body.moveTo(3, 19)
    body.lineTo(6, 11)
    body.lineTo(22, 11)
    body.lineTo(19, 19)
    body.closeSubpath()
    p.drawPath(body)


def _add(p: QPainter, c: QColor) -> None:
    _pen(p, c, 1.9)
    p.drawLine(QPointF(12, 5), QPointF(12, 19))
    p.drawLine(QPointF(5, 12), QPointF(19, 12))


def _remove(p: QPainter, c: QColor) -> None:
    _pen(p, c)
    p.drawLine(QPointF(4, 7), QPointF(20, 7))
    p.drawLine(QPointF(9.5, 7), QPointF(10, 4.5))
    p.drawLine(QPointF(10, 4.5), QPointF(14, 4.5))
    p.drawLine(QPointF(14, 4.5), QPointF(14.5, 7))
    path = QPainterPath()
    path.moveTo(6, 7)
    path.lineTo(7, 20)
    path.lineTo(17, 20)
    path.lineTo(18, 7)
    p.drawPath(path)


def _save(p: QPainter, c: QColor) -> None:
    _pen(p, c)
    p.drawLine(QPointF(12, 3.5), QPointF(12, 14.5))
    p.drawLine(QPointF(7.5, 10), QPointF(12, 14.5))
    p.drawLine(QPointF(16.5, 10), QPointF(12, 14.5))
    path = QPainterPath()
    path.moveTo(4, 14)
    path.lineTo(4, 20)
    path.lineTo(20, 20)
    path.lineTo(20, 14)
    p.drawPath(path)


def _export(p: QPainter, c: QColor) -> None:
    _pen(p, c)
    p.drawRoundedRect(QRectF(3, 8, 12, 12), 2, 2)
    path = QPainterPath()
    path.moveTo(7, 8)
    path.lineTo(7, 4)
    path.lineTo(20, 4)
    path.lineTo(20, 16)
    path.lineTo(15, 16)
    p.drawPath(path)
    p.drawLine(QPointF(9, 14), QPointF(9, 10.5))
    p.drawLine(QPointF(9, 14), QPointF(7, 12))
    p.drawLine(QPointF(9, 14), QPointF(11, 12))


def _split(p: QPainter, c: QColor) -> None:
    _pen(p, c)
    p.drawRoundedRect(QRectF(3, 5, 18, 14), 2, 2)
    fill = QColor(c)
    fill.setAlphaF(0.35)
    p.fillRect(QRectF(4, 6, 8, 12), fill)
    p.drawLine(QPointF(12, 3), QPointF(12, 21))


def _side(p: QPainter, c: QColor) -> None:
    _pen(p, c)
    p.drawRoundedRect(QRectF(2.5, 6, 8.5, 12), 1.5, 1.5)
    p.drawRoundedRect(QRectF(13, 6, 8.5, 12), 1.5, 1.5)
    fill = QColor(c)
    fill.setAlphaF(0.35)
    p.fillRect(QRectF(3.5, 7, 6.5, 10), fill)


def _single(p: QPainter, c: QColor) -> None:
    _pen(p, c)
    p.drawRoundedRect(QRectF(3, 5, 18, 14), 2, 2)
    path = QPainterPath()
    path.moveTo(4, 17)
    path.lineTo(9.5, 11)
    path.lineTo(13, 14.5)
    path.lineTo(15.5, 12)
    path.lineTo(20, 16.5)
    p.drawPath(path)
    p.drawEllipse(QPointF(16, 8.8), 1.3, 1.3)


def _fit(p: QPainter, c: QColor) -> None:
    _pen(p, c)
    for x, y, dx, dy in ((4, 4, 1, 1), (20, 4, -1, 1), (4, 20, 1, -1), (20, 20, -1, -1)):
        p.drawLine(QPointF(x, y + dy * 5), QPointF(x, y))
        p.drawLine(QPointF(x, y), QPointF(x + dx * 5, y))
    p.drawRoundedRect(QRectF(8.5, 9, 7, 6), 1, 1)


def _actual(p: QPainter, c: QColor) -> None:
    p.setPen(c)
    font = QFont(QApplication.font())
    font.setPixelSize(11)
    font.setBold(True)
    p.setFont(font)
    p.drawText(QRectF(0, 0, 24, 24), Qt.AlignmentFlag.AlignCenter, "1:1")


def _info(p: QPainter, c: QColor) -> None:
    _pen(p, c)
    p.drawEllipse(QPointF(12, 12), 8.5, 8.5)
    _pen(p, c, 2.0)
    p.drawLine(QPointF(12, 11), QPointF(12, 16.5))
    p.drawPoint(QPointF(12, 7.6))


def _reset(p: QPainter, c: QColor) -> None:
    _pen(p, c)
    p.drawArc(QRectF(5, 5, 14, 14), 100 * 16, 280 * 16)
    p.drawLine(QPointF(9.3, 3.2), QPointF(11.2, 5.6))
    p.drawLine(QPointF(11.2, 5.6), QPointF(8.4, 7.3))


def _stop(p: QPainter, c: QColor) -> None:
    _pen(p, c)
    p.drawEllipse(QPointF(12, 12), 8, 8)
    p.fillRect(QRectF(9, 9, 6, 6), c)


def _photo(p: QPainter, c: QColor) -> None:
    _pen(p, c, 1.4)
    p.drawRoundedRect(QRectF(2.5, 4.5, 19, 15), 2.5, 2.5)
    path = QPainterPath()
    path.moveTo(3.5, 17.5)
    path.lineTo(9, 11.5)
    path.lineTo(12.5, 15)
    path.lineTo(15, 12.5)
    path.lineTo(20.5, 17.5)
    p.drawPath(path)
    p.drawEllipse(QPointF(16, 8.8), 1.6, 1.6)


def _film(p: QPainter, c: QColor) -> None:
    _pen(p, c)
    p.drawRoundedRect(QRectF(3, 5, 18, 14), 2, 2)
    p.drawLine(QPointF(7, 5), QPointF(7, 19))
    p.drawLine(QPointF(17, 5), QPointF(17, 19))
    for y in (8.5, 12, 15.5):
        p.drawLine(QPointF(3, y), QPointF(7, y))
        p.drawLine(QPointF(17, y), QPointF(21, y))


def _camera(p: QPainter, c: QColor) -> None:
    _pen(p, c)
    p.drawRoundedRect(QRectF(2.5, 7, 13.5, 10), 2, 2)
    path = QPainterPath()
    path.moveTo(16, 10.5)
    path.lineTo(21.5, 7.5)
    path.lineTo(21.5, 16.5)
    path.lineTo(16, 13.5)
    p.drawPath(path)


def _chart(p: QPainter, c: QColor) -> None:
    _pen(p, c)
    p.drawLine(QPointF(3.5, 3.5), QPointF(3.5, 20.5))
    p.drawLine(QPointF(3.5, 20.5), QPointF(20.5, 20.5))
    path = QPainterPath()
    path.moveTo(6, 8)
    path.cubicTo(9, 15, 12, 16, 20, 17)
    p.drawPath(path)


def _hint(p: QPainter, c: QColor) -> None:
    """A colour point: a ring with a dot, and a small drop of colour beside it."""
    _pen(p, c, 1.6)
    p.drawEllipse(QPointF(10, 13), 6.5, 6.5)
    p.setBrush(c)
    p.drawEllipse(QPointF(10, 13), 2.2, 2.2)
    drop = QPainterPath()
    drop.moveTo(18.5, 2.5)
    drop.cubicTo(21.5, 6.5, 22.5, 8.5, 18.5, 10)
    drop.cubicTo(14.5, 8.5, 15.5, 6.5, 18.5, 2.5)
    p.drawPath(drop)


def _model(p: QPainter, c: QColor) -> None:
    _pen(p, c, 1.5)
    nodes = [(5, 7), (5, 17), (12, 5), (12, 12), (12, 19), (19, 9), (19, 15)]
    for a in (0, 1):
        for b in (2, 3, 4):
            p.drawLine(QPointF(*nodes[a]), QPointF(*nodes[b]))
    for a in (2, 3, 4):
        for b in (5, 6):
            p.drawLine(QPointF(*nodes[a]), QPointF(*nodes[b]))
    p.setBrush(c)
    for x, y in nodes:
        p.drawEllipse(QPointF(x, y), 1.8, 1.8)


ICONS: dict[str, Draw] = {
    "open": _open,
    "add": _add,
    "remove": _remove,
    "save": _save,
    "export": _export,
    "split": _split,
    "side": _side,
    "single": _single,
    "fit": _fit,
    "actual": _actual,
    "info": _info,
    "reset": _reset,
    "stop": _stop,
    "photo": _photo,
    "film": _film,
    "camera": _camera,
    "chart": _chart,
    "model": _model,
    "hint": _hint,
}


class _PaintedIconEngine(QIconEngine):
    def __init__(self, draw: Draw, color: QColor | None = None) -> None:
        super().__init__()
        self._draw = draw
        self._color = color

    def _colour(self, mode: QIcon.Mode, state: QIcon.State) -> QColor:
        if self._color is not None:
            return self._color
        palette = QApplication.palette()
        if mode == QIcon.Mode.Disabled:
            return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
        if mode == QIcon.Mode.Selected:
            return palette.color(QPalette.ColorRole.HighlightedText)
        return palette.color(QPalette.ColorRole.WindowText)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.translate(rect.topLeft())
        side = min(rect.width(), rect.height())
        painter.translate((rect.width() - side) / 2, (rect.height() - side) / 2)
        painter.scale(side / 24.0, side / 24.0)
        self._draw(painter, self._colour(mode, state))
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pm = QPixmap(size)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        self.paint(p, QRect(0, 0, size.width(), size.height()), mode, state)
        p.end()
        return pm

    def clone(self) -> QIconEngine:
        return _PaintedIconEngine(self._draw, self._color)


def icon(name: str, color: QColor | None = None) -> QIcon:
    """A named line icon; ``color`` fixes its colour, else it follows the palette."""
    return QIcon(_PaintedIconEngine(ICONS[name], color))


APP_ICON_NAME = "org.chromadesk.ChromaDesk"


def app_icon() -> QIcon:
    """The program's icon from ``resources/icons`` (the packaged PNG sizes), else drawn here."""
    try:
        from chroma_desk.paths import icons_dir

        pngs = sorted((icons_dir() / "hicolor").glob(f"*/apps/{APP_ICON_NAME}.png"))
    except ImportError:
        pngs = []
    if pngs:
        result = QIcon()
        for png in pngs:
            result.addFile(str(png))
        return result
    return drawn_app_icon()


def drawn_app_icon() -> QIcon:
    """A fallback icon: a rounded square, gray on the left, a colour wheel on the right."""
    result = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        pm = QPixmap(size, size)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = size / 64.0
        p.scale(s, s)
        clip = QPainterPath()
        clip.addRoundedRect(QRectF(2, 2, 60, 60), 14, 14)
        p.setClipPath(clip)
        wheel = QConicalGradient(QPointF(32, 32), 90)
        for i, hue in enumerate((0, 60, 120, 180, 240, 300, 360)):
            wheel.setColorAt(i / 6, QColor.fromHsv(hue % 360, 170, 245))
        p.fillRect(QRectF(0, 0, 64, 64), wheel)
        gray = QLinearGradient(QPointF(0, 0), QPointF(0, 64))
        gray.setColorAt(0, QColor("#e8e8e8"))
        gray.setColorAt(1, QColor("#3a3a3a"))
        p.fillRect(QRectF(0, 0, 32, 64), gray)
        p.setClipping(False)
        p.setPen(QPen(QColor(255, 255, 255, 230), 3))
        p.drawLine(QPointF(32, 2), QPointF(32, 62))
        p.setPen(QPen(QColor(0, 0, 0, 60), 1.5))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(QRectF(2, 2, 60, 60), 14, 14)
        p.end()
        result.addPixmap(pm)
    return result
