"""The colour chooser that opens beside a hint point: (a) colours the model suggests there,
(b) an ab picker with only the colours displayable at that point's lightness, (c) recently used
colours (remembered in the settings).

It is a child of the photo view (drawn over it, never a separate window) and says what was
chosen through ``colourPicked(rgb, final)``: ``final`` is False while the picker is dragged and
True when a colour is settled (a swatch click, the picker released).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chroma_desk.color.lab import rgb_to_lab
from chroma_desk.engine.hint_colours import (
    AB_EXTENT,
    Suggestion,
    lab_rgb8,
    plane_ab,
    to_displayable,
)
from chroma_desk.ui import settings

RECENT_KEY = "hints/recent"
MAX_RECENT = 8
PICKER_SIZE = 200
SWATCH = 26
RGB = tuple[int, int, int]


def hex_rgb(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def recent_colours() -> list[RGB]:
    """The colours last chosen for hints, newest first."""
    out: list[RGB] = []
    for text in settings.get_list(RECENT_KEY):
        colour = QColor(text)
        if colour.isValid():
            out.append((colour.red(), colour.green(), colour.blue()))
    return out[:MAX_RECENT]


def remember_colour(rgb: RGB) -> None:
    names = [hex_rgb(c) for c in recent_colours() if c != tuple(rgb)]
    settings.set_value(RECENT_KEY, [hex_rgb(rgb), *names][:MAX_RECENT])


class Swatch(QToolButton):
    """A round colour button."""

    def __init__(self, rgb: RGB, tip: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.rgb = rgb
        self.setFixedSize(SWATCH, SWATCH)
        self.setToolTip(f"{tip}\n{hex_rgb(rgb)}")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAutoRaise(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        ring = QColor(255, 255, 255) if self.underMouse() else QColor(0, 0, 0, 90)
        p.setPen(QPen(ring, 2 if self.underMouse() else 1))
        p.setBrush(QColor(*self.rgb))
        p.drawEllipse(rect)
        p.end()


class AbPicker(QWidget):
    """The ab plane at one lightness; colours a screen cannot show there are left out.

    ``picked(a, b, final)`` on a press, drag (final False) and release (final True)."""

    picked = Signal(float, float, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(PICKER_SIZE, PICKER_SIZE)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Colours this place can take at its lightness (a → right, b ↑)")
        self.lightness = 50.0
        self.marker: tuple[float, float] | None = None
        self._image = QImage()
        self._buffer: np.ndarray | None = None

    def set_lightness(self, lightness: float) -> None:
        """A new point: its lightness; the plane follows with ``set_plane`` (made off the GUI
        thread, see ``hint_colours.ab_plane``)."""
        if abs(lightness - self.lightness) > 0.5:
            self._image, self._buffer = QImage(), None
        self.lightness = float(lightness)
        self.update()

    def set_plane(self, rgb: np.ndarray, mask: np.ndarray) -> None:
        """The ab plane at this lightness: colours (size, size, 3) and which are displayable."""
        rgba = np.zeros((*mask.shape, 4), dtype=np.uint8)
        rgba[..., :3] = rgb
        rgba[..., 3] = np.where(mask, 255, 0)
        self._buffer = np.ascontiguousarray(rgba)
        h, w = mask.shape
        self._image = QImage(self._buffer.data, w, h, w * 4, QImage.Format.Format_RGBA8888)
        self.update()

    def set_marker(self, ab: tuple[float, float] | None) -> None:
        self.marker = ab
        self.update()

    def position_of(self, a: float, b: float) -> QPointF:
        """Where (a, b) is drawn in this widget."""
        return QPointF(
            (a + AB_EXTENT) / (2 * AB_EXTENT) * PICKER_SIZE,
            (AB_EXTENT - b) / (2 * AB_EXTENT) * PICKER_SIZE,
        )

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        clip = QPainterPath()
        clip.addRoundedRect(QRectF(self.rect()), 8, 8)
        p.setClipPath(clip)
        p.fillRect(self.rect(), QColor(40, 42, 48))
        if not self._image.isNull():
            p.drawImage(self.rect(), self._image)
        centre = self.position_of(0.0, 0.0)
        p.setPen(QPen(QColor(255, 255, 255, 70), 1, Qt.PenStyle.DotLine))
        p.drawLine(QPointF(centre.x(), 0), QPointF(centre.x(), PICKER_SIZE))
        p.drawLine(QPointF(0, centre.y()), QPointF(PICKER_SIZE, centre.y()))
        if self.marker is not None:
            pos = self.position_of(*self.marker)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(QColor(0, 0, 0, 200), 3))
            p.drawEllipse(pos, 6, 6)
            p.setPen(QPen(QColor(255, 255, 255), 1.6))
            p.drawEllipse(pos, 6, 6)
        p.end()

    def _pick(self, event: QMouseEvent, final: bool) -> None:
        pos = event.position()
        x = min(max(pos.x(), 0.0), PICKER_SIZE - 1.0)
        y = min(max(pos.y(), 0.0), PICKER_SIZE - 1.0)
        a, b = to_displayable(self.lightness, *plane_ab(x, y, PICKER_SIZE))
        self.set_marker((a, b))
        self.picked.emit(a, b, final)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._pick(event, False)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._pick(event, False)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._pick(event, True)


class HintChooser(QFrame):
    """The chooser panel; ``show_at`` fills and places it beside a point of its parent."""

    colourPicked = Signal(object, bool)  # (r, g, b) 0-255, final
    removeRequested = Signal()
    closed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("hintChooser")
        self.setAutoFillBackground(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#hintChooser { background: palette(window); border: 1px solid palette(mid);"
            " border-radius: 10px; }"
        )
        self.lightness = 50.0
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)  # follows its contents
        layout.setContentsMargins(12, 10, 12, 12)
        layout.setSpacing(6)
        top = QHBoxLayout()
        self.title = QLabel("Colour here", self)
        self.title.setMinimumWidth(PICKER_SIZE - 64)
        self.title.setStyleSheet("font-weight: 600;")
        top.addWidget(self.title, 1)
        self.remove_button = QToolButton(self)
        self.remove_button.setText("Remove")
        self.remove_button.setToolTip("Remove this point (Delete, or right-click it)")
        self.remove_button.setAutoRaise(True)
        self.remove_button.clicked.connect(self.removeRequested)
        top.addWidget(self.remove_button)
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip("Close (Esc); the point stays")
        close.setAutoRaise(True)
        close.clicked.connect(self.close_chooser)
        top.addWidget(close)
        layout.addLayout(top)
        self.suggested_label = self._caption("Suggested by the model", layout)
        self.suggested = QGridLayout()
        self.suggested.setSpacing(4)
        self.suggested.setColumnStretch(6, 1)  # swatches from the left
        layout.addLayout(self.suggested)
        self._caption("Any colour at this lightness", layout)
        self.picker = AbPicker(self)
        self.picker.picked.connect(self._picked_ab)
        layout.addWidget(self.picker, 0, Qt.AlignmentFlag.AlignHCenter)
        self.recent_label = self._caption("Recently used", layout)
        self.recent = QGridLayout()
        self.recent.setSpacing(4)
        self.recent.setColumnStretch(6, 1)
        layout.addLayout(self.recent)
        self.swatches: list[Swatch] = []  # suggested, then recent (tests)
        for child in (self, self.remove_button, close, self.picker):
            child.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Delete and Esc stay with the view
        self.hide()

    def _caption(self, text: str, layout: QVBoxLayout) -> QLabel:
        label = QLabel(text, self)
        label.setStyleSheet("color: palette(placeholder-text); font-size: 11px;")
        layout.addWidget(label)
        return label

    # -- filling ------------------------------------------------------------------------------

    def show_at(
        self,
        anchor: QPointF,
        lightness: float,
        suggestions: list[Suggestion],
        current: RGB | None,
    ) -> None:
        """Fill for a point of ``lightness`` and show beside ``anchor`` (parent coordinates)."""
        self.lightness = float(lightness)
        self.title.setText(f"Colour here  ·  L {self.lightness:.0f}")
        self.title.setToolTip("The place's lightness (CIE L, 0-100) stays; only its colour changes")
        self.picker.set_lightness(self.lightness)
        self.set_current(current)
        self.set_suggestions(suggestions)
        self._fill(self.recent, [(c, "Recently used") for c in recent_colours()])
        self.recent_label.setVisible(bool(recent_colours()))
        self.adjustSize()
        self.place(anchor)
        self.show()
        self.raise_()

    def set_colours(
        self, suggestions: list[Suggestion], plane: tuple[np.ndarray, np.ndarray]
    ) -> None:
        """What the worker made for this point: the model's suggestions and the ab plane."""
        self.set_suggestions(suggestions)
        self.picker.set_plane(*plane)

    def set_suggestions(self, suggestions: list[Suggestion]) -> None:
        self._fill(self.suggested, [(s.rgb, s.label) for s in suggestions])
        self.suggested_label.setVisible(bool(suggestions))

    def set_current(self, rgb: RGB | None) -> None:
        """Mark the point's colour on the picker."""
        if rgb is None:
            self.picker.set_marker(None)
            return
        lab = rgb_to_lab(np.asarray(rgb, dtype=np.float32).reshape(1, 1, 3) / 255.0)[0, 0]
        self.picker.set_marker((float(lab[1]), float(lab[2])))

    def _fill(self, grid: QGridLayout, colours: list[tuple[RGB, str]]) -> None:
        while grid.count():
            widget = grid.takeAt(0).widget()
            if widget is not None:
                if widget in self.swatches:
                    self.swatches.remove(widget)
                widget.deleteLater()
        for i, (rgb, tip) in enumerate(colours[:MAX_RECENT]):
            swatch = Swatch(tuple(rgb), tip, self)
            swatch.clicked.connect(lambda _c=False, s=swatch: self._chosen(s.rgb))
            grid.addWidget(swatch, i // 6, i % 6)
            self.swatches.append(swatch)

    def place(self, anchor: QPointF) -> None:
        """Beside ``anchor``: to its right when there is room, else to its left; inside the
        parent."""
        parent = self.parentWidget()
        size = self.sizeHint()
        gap = 18
        x = anchor.x() + gap
        if x + size.width() > parent.width() - 8:
            x = anchor.x() - gap - size.width()
        y = anchor.y() - size.height() / 3
        x = min(max(8.0, x), parent.width() - size.width() - 8.0)
        y = min(max(8.0, y), parent.height() - size.height() - 8.0)
        self.move(int(x), int(y))

    # -- choosing -----------------------------------------------------------------------------

    def _picked_ab(self, a: float, b: float, final: bool) -> None:
        rgb = lab_rgb8(self.lightness, a, b)
        if final:
            remember_colour(rgb)
        self.colourPicked.emit(rgb, final)

    def _chosen(self, rgb: RGB) -> None:
        remember_colour(rgb)
        self.set_current(rgb)
        self.colourPicked.emit(tuple(rgb), True)

    def close_chooser(self) -> None:
        if self.isVisible():
            self.hide()
            self.closed.emit()
