"""Settings remembered between runs (QSettings, INI format in the user's config folder).

Tests and the screenshot script point them at a temporary folder with ``use_settings_dir``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths

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


def get_folder(key: str, default: str | Path | None = None) -> str:
    """A remembered folder, or ``default`` (the home folder) when it is unset or gone."""
    folder = get_str(key)
    return folder if folder and Path(folder).is_dir() else str(default or Path.home())


def pictures_dir() -> Path:
    """The user's Pictures folder (it may not exist yet), else the home folder."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return Path(location) if location else Path.home()


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


RESULTS_KEY = "photos/results"  # where each photo's result was saved, newest last
MAX_RESULTS = 500


def _results() -> dict[str, str]:
    try:
        value = json.loads(get_str(RESULTS_KEY, "{}"))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def remember_result(source: Path, output: Path) -> None:
    """Remember that ``source`` was colourized into ``output``."""
    results = _results()
    key = str(Path(source).resolve())
    results.pop(key, None)
    results[key] = str(output)
    set_value(RESULTS_KEY, json.dumps(dict(list(results.items())[-MAX_RESULTS:])))


def saved_result(source: Path) -> str | None:
    """Where ``source`` was last colourized to, when that file is still there."""
    output = _results().get(str(Path(source).resolve()))
    return output if output and Path(output).is_file() else None


def preprocessing_choice(model: str | Path) -> str | None:
    """How the user chose to run this model (its card dialog: ``as-published`` or
    ``keep-aspect``, see ``chroma_desk.models.preprocessing``); None: the model's own way."""
    from chroma_desk.models.preprocessing import MODES

    value = get_str(f"preprocessing/{Path(model).stem}")
    return value if value in MODES else None


def set_preprocessing_choice(model: str | Path, mode: str) -> None:
    set_value(f"preprocessing/{Path(model).stem}", mode)


def model_default_temperature(model: str | Path, card: object) -> float:
    """The temperature a model starts at, in the way the user runs it."""
    from chroma_desk.models.preprocessing import available, default_temperature

    choice = preprocessing_choice(model)
    return default_temperature(card, choice if choice in available(card) else None)
