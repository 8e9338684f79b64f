"""Architectures, the architecture registry and the model file format."""

from chroma_desk.models.card import ModelCard
from chroma_desk.models.checkpoint import LoadedModel, ModelFileError, load_model, save_model
from chroma_desk.models.registry import build, register

__all__ = [
    "LoadedModel",
    "ModelCard",
    "ModelFileError",
    "build",
    "load_model",
    "register",
    "save_model",
]
