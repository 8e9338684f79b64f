"""Settings remembered between runs (QSettings, INI format in the user's config folder).

Tests and the screenshot script point them at a temporary folder with ``use_settings_dir``.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings

ORGANIZATION = "chroma-desk"
APPLICATION = "Chroma Desk"
SETTINGS_DIR_ENV = "CHROMA_DESK_SETTINGS_DIR"
MAX_RECENT = 10


def use_settings_dir(folder: str | Path) -> None:
    """Keep every QSettings of this process in ``folder`` (tests, screenshots)."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))


def init_settings() -> None:
    """Name the application for QSettings; honour ``CHROMA_DESK_SETTINGS_DIR``."""
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    folder = os.environ.get(SETTINGS_DIR_ENV)
    if folder:
        use_settings_dir(folder)


def settings() -> QSettings:
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def get_str(key: str, default: str = "") -> str:
    value = settings().value(key, default)
    return str(value) if value is not None else default


def get_float(key: str, default: float) -> float:
    try:
        return float(settings().value(key, default))
    except (TypeError, ValueError):
        return default


def get_int(key: str, default: int) -> int:
    try:
        return int(settings().value(key, default))
    except (TypeError, ValueError):
        return default


def get_list(key: str) -> list[str]:
    value = settings().value(key, [])
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def set_value(key: str, value: object) -> None:
    settings().setValue(key, value)


def get_folder(key: str) -> str:
    """A remembered folder, or the home folder when it is unset or gone."""
    folder = get_str(key)
    return folder if folder and Path(folder).is_dir() else str(Path.home())


def recent_files() -> list[str]:
    return [p for p in get_list("recent/files") if Path(p).exists()]


def add_recent(paths: list[str | Path]) -> None:
    recent = get_list("recent/files")
    for path in reversed([str(p) for p in paths]):
        if path in recent:
            recent.remove(path)
        recent.insert(0, path)
    set_value("recent/files", recent[:MAX_RECENT])


def clear_recent() -> None:
    set_value("recent/files", [])
