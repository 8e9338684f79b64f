"""Chroma Desk: colourize black-and-white photos and video with deep networks."""

__version__ = "0.1.0"
