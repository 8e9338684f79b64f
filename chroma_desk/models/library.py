"""Where model files live: bundled with the app, and the user's own models folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from chroma_desk.models.checkpoint import ModelCard, ModelFileError, read_card
from chroma_desk.paths import resources_dir

MODEL_SUFFIX = ".safetensors"
DEFAULT_MODELS = ("lite-gan", "lite-cls")


def bundled_dir() -> Path:
    """``resources/models`` in a source checkout, or the copy installed as package data
    (``chroma_desk/resources/models`` in a wheel or the PyInstaller bundle)."""
    return resources_dir() / "models"


def user_dir() -> Path:
    """The per-user models folder (``CHROMA_DESK_MODELS`` overrides it, e.g. for tests)."""
    override = os.environ.get("CHROMA_DESK_MODELS")
    path = Path(override) if override else platformdirs.user_config_path("chroma-desk") / "models"
    return path


@dataclass
class ModelEntry:
    name: str
    path: Path
    card: ModelCard
    bundled: bool


def list_models() -> list[ModelEntry]:
    """Every readable model file, bundled first; unreadable files are skipped here (``info`` says why)."""
    entries = []
    for folder, bundled in ((bundled_dir(), True), (user_dir(), False)):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*{MODEL_SUFFIX}")):
            try:
                card = read_card(path)
            except ModelFileError:
                continue
            entries.append(ModelEntry(card.get("name") or path.stem, path, card, bundled))
    return entries


def default_model_name() -> str:
    names = {entry.name for entry in list_models()}
    for name in DEFAULT_MODELS:
        if name in names:
            return name
    raise ModelFileError(f"no bundled model found in {bundled_dir()}")


def resolve_model(name_or_path: str | Path | None) -> Path:
    """A path for a model given by file path or by name (user models shadow bundled ones)."""
    if name_or_path is None:
        name_or_path = default_model_name()
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix == MODEL_SUFFIX or candidate.exists():
        if not candidate.is_file():
            raise ModelFileError(f"{candidate}: no such model file")
        return candidate
    matches = [
        e for e in list_models() if e.name == str(name_or_path) or e.path.stem == str(name_or_path)
    ]
    if not matches:
        known = ", ".join(sorted({e.name for e in list_models()})) or "none"
        raise ModelFileError(f"no model named {name_or_path!r}; known models: {known}")
    user = [e for e in matches if not e.bundled]
    return (user or matches)[0].path
