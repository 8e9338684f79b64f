"""Light and dark palettes (Fusion), following the system's colour scheme unless told otherwise."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")

_DARK = {
    "window": "#202227",
    "base": "#18191d",
    "alt": "#25272d",
    "button": "#2c2f36",
    "text": "#e7e8eb",
    "muted": "#9097a3",
    "disabled": "#676c76",
    "highlight": "#6f7dff",
    "highlighted_text": "#ffffff",
    "light": "#3a3d45",
    "midlight": "#32353c",
    "mid": "#2a2c32",
    "dark": "#141518",
    "shadow": "#0b0b0d",
    "link": "#94a3ff",
    "tooltip": "#2c2f36",
}
_LIGHT = {
    "window": "#f2f3f5",
    "base": "#ffffff",
    "alt": "#f6f7f9",
    "button": "#fbfbfc",
    "text": "#1d1f24",
    "muted": "#6b7280",
    "disabled": "#a3a8b1",
    "highlight": "#4f5bd5",
    "highlighted_text": "#ffffff",
    "light": "#ffffff",
    "midlight": "#e9eaee",
    "mid": "#c9ccd3",
    "dark": "#a9adb6",
    "shadow": "#7d818a",
    "link": "#3f4bc4",
    "tooltip": "#ffffff",
}

# Small touches on top of Fusion; colours come from the palette so both themes share it
# ({accent} is the highlight colour made translucent: a checked tool button keeps its icon).
STYLE_SHEET = """
QToolBar { border: none; spacing: 4px; padding: 4px 8px; }
QToolBar QToolButton { padding: 4px 6px; border-radius: 5px; border: 1px solid transparent; }
QToolBar QToolButton:checked { background: {accent}; border: 1px solid palette(highlight); }
QToolBar QLabel { padding: 0 2px 0 6px; }
QStatusBar { border-top: 1px solid palette(mid); }
QStatusBar QLabel { padding: 0 8px; }
QStatusBar::item { border: none; }
QTabWidget::pane { border: none; border-top: 1px solid palette(mid); }
QTabBar::tab { padding: 6px 16px; }
QListView#photoList { border: none; background: palette(base); }
QLabel#sectionTitle { font-weight: 600; padding: 8px 10px 6px 10px; }
"""


def _palette(colours: dict[str, str]) -> QPalette:
    c = {k: QColor(v) for k, v in colours.items()}
    p = QPalette()
    role = QPalette.ColorRole
    for r, key in (
        (role.Window, "window"),
        (role.WindowText, "text"),
        (role.Base, "base"),
        (role.AlternateBase, "alt"),
        (role.ToolTipBase, "tooltip"),
        (role.ToolTipText, "text"),
        (role.PlaceholderText, "muted"),
        (role.Text, "text"),
        (role.Button, "button"),
        (role.ButtonText, "text"),
        (role.BrightText, "highlighted_text"),
        (role.Light, "light"),
        (role.Midlight, "midlight"),
        (role.Mid, "mid"),
        (role.Dark, "dark"),
        (role.Shadow, "shadow"),
        (role.Highlight, "highlight"),
        (role.HighlightedText, "highlighted_text"),
        (role.Link, "link"),
        (role.LinkVisited, "link"),
        (role.Accent, "highlight"),
    ):
        p.setColor(r, c[key])
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.WindowText, role.Text, role.ButtonText, role.HighlightedText):
        p.setColor(disabled, r, c["disabled"])
    p.setColor(disabled, role.Highlight, c["mid"])
    inactive = QPalette.ColorGroup.Inactive
    p.setColor(inactive, role.Highlight, c["highlight"])
    return p


def dark_palette() -> QPalette:
    return _palette(_DARK)


def light_palette() -> QPalette:
    return _palette(_LIGHT)


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark


def is_dark(theme: str) -> bool:
    return theme == "dark" or (theme == "system" and system_is_dark())


def apply_theme(app: QApplication, theme: str = "system") -> bool:
    """Fusion with our light or dark palette; returns whether it is dark."""
    dark = is_dark(theme if theme in THEMES else "system")
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    palette = dark_palette() if dark else light_palette()
    app.setPalette(palette)
    accent = palette.color(QPalette.ColorRole.Highlight)
    rgba = f"rgba({accent.red()}, {accent.green()}, {accent.blue()}, {70 if dark else 45})"
    app.setStyleSheet(STYLE_SHEET.replace("{accent}", rgba))
    return dark


def muted(palette: QPalette) -> QColor:
    return palette.color(QPalette.ColorRole.PlaceholderText)
