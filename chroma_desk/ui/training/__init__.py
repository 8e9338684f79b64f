"""The Training tab: a new-run form, a dashboard per run, and the tab that holds them, over the
Qt-free ``training.supervisor``."""

from chroma_desk.ui.training.tab import TrainingTab

__all__ = ["TrainingTab"]
