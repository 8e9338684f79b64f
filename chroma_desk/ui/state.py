"""What the tabs share: the chosen model file and temperature, with change signals."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from chroma_desk.color.bins import PAPER_TEMPERATURE


class AppState(QObject):
    """The current model and softmax temperature, shared by the Photos, Video, Live and Training tabs.

    ``modelChanged`` carries the model file path; ``temperatureChanged`` the new T.
    ``modelAdded`` is emitted when a new model file appears (imported, trained) so pickers refresh.
    ``backendChanged`` carries what runs the networks: ``auto``, ``torch`` or ``onnx``.
    """

    modelChanged = Signal(Path)
    temperatureChanged = Signal(float)
    modelAdded = Signal(Path)
    preprocessingChanged = Signal(Path)  # a model's card dialog switched how it is run
    backendChanged = Signal(str)

    def __init__(
        self, model_path: Path | None = None, temperature: float = PAPER_TEMPERATURE
    ) -> None:
        super().__init__()
        self._model_path = model_path
        self._temperature = temperature
        self._backend = "auto"

    @property
    def model_path(self) -> Path | None:
        return self._model_path

    def set_model_path(self, path: Path) -> None:
        if path != self._model_path:
            self._model_path = path
            self.modelChanged.emit(path)

    @property
    def temperature(self) -> float:
        return self._temperature

    def set_temperature(self, value: float) -> None:
        if value != self._temperature:
            self._temperature = value
            self.temperatureChanged.emit(value)

    @property
    def backend(self) -> str:
        return self._backend

    def set_backend(self, value: str) -> None:
        if value != self._backend:
            self._backend = value
            self.backendChanged.emit(value)
