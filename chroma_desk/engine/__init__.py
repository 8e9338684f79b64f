"""The engine: photo in, colour photo out, with cached predictions."""

from chroma_desk.engine.colorizer import Colorizer, Prediction, pick_device

__all__ = ["Colorizer", "Prediction", "pick_device"]
