"""``Colorizer``: runs a model once per photo and renders the cached prediction at any temperature.

Data path (DESIGN.md): full-resolution L -> a copy resized to the working size (aspect kept,
padded to the stride) -> one forward pass -> raw output kept (bin logits or ab) -> render:
annealed mean at T, crop the padding, upsample ab bilinearly to full size, join with the
ORIGINAL L, convert to sRGB. Changing T repeats only the render.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from chroma_desk.color.bins import annealed_mean
from chroma_desk.color.lab import lab_to_rgb, lightness, torch_rgb_to_lab
from chroma_desk.models.checkpoint import LoadedModel, load_model


def pick_device(preference: str = "auto") -> torch.device:
    """CUDA, then Apple MPS, then CPU (or the device named)."""
    if preference != "auto":
        return torch.device(preference)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _set_cpu_threads() -> None:
    torch.set_num_threads(max(1, os.cpu_count() or 1))


@dataclass
class Prediction:
    """A network's raw output for one photo, enough to render it at any temperature."""

    raw: torch.Tensor  # (C, h, w) float32 on the CPU: bin logits, or ab / 110
    padded: tuple[int, int]  # (height, width) of the padded network input
    valid: tuple[int, int]  # (height, width) of the photo inside it
    lightness: np.ndarray  # (H, W) float32, the photo's full-resolution L
    predict_seconds: float = 0.0
    offset: tuple[int, int] = (0, 0)  # (top, left) of the photo inside the padded input

    @property
    def full_size(self) -> tuple[int, int]:
        return self.lightness.shape[1], self.lightness.shape[0]


BORDER_MARGIN = 16  # pixels of mirrored context around the photo at the working size


def pad_for_network(
    small: np.ndarray, stride: int, margin: int = BORDER_MARGIN
) -> tuple[np.ndarray, tuple[int, int]]:
    """Mirror-pad a working-size map to multiples of ``stride`` with at least ``margin`` pixels
    on every side, the photo centred; returns the padded map and the photo's (top, left).

    The margin keeps the network's own border effects (zero padding inside its convolutions,
    which a GAN generator learns to exploit) off the photo: they land in the cropped margin.
    """
    h, w = small.shape[:2]
    ph = -(-(h + 2 * margin) // stride) * stride
    pw = -(-(w + 2 * margin) // stride) * stride
    top, left = (ph - h) // 2, (pw - w) // 2
    padded = cv2.copyMakeBorder(
        small, top, ph - h - top, left, pw - w - left, cv2.BORDER_REFLECT_101
    )
    return padded, (top, left)


def working_shape(height: int, width: int, size: int, stride: int) -> tuple[int, int, int, int]:
    """(resized h, resized w, padded h, padded w): long side = ``size``, padded to ``stride``."""
    scale = size / max(height, width)
    h = max(1, round(height * scale))
    w = max(1, round(width * scale))
    return h, w, -(-h // stride) * stride, -(-w // stride) * stride


class Colorizer:
    """Colourize photos with one model file.

    Args:
        model: a model file path or an already loaded model.
        device: ``auto`` (CUDA > MPS > CPU) or a torch device name.
        working_size: long side of the network input; the card's value when None.
    """

    def __init__(
        self,
        model: str | Path | LoadedModel,
        device: str = "auto",
        working_size: int | None = None,
    ) -> None:
        self.device = pick_device(device)
        if self.device.type == "cpu":
            _set_cpu_threads()
        self.model = model if isinstance(model, LoadedModel) else load_model(model)
        self.module = self.model.module.to(self.device).eval()
        if self.device.type != "mps":
            self.module = self.module.to(memory_format=torch.channels_last)
        card = self.model.card
        self.kind: str = card["kind"]
        self.stride: int = int(card["stride"])
        self.working_size: int = int(working_size or card["working_size"])
        self.l_center = float(card["input"]["l_center"])
        self.l_scale = float(card["input"]["l_scale"])
        self.ab_scale = float(card["output"].get("ab_scale", 110.0))
        # "rgb": the network predicts sRGB in [0, 1] (rgb-autoencoder); only its ab is used
        self.output_space: str = card["output"].get("space", "ab")
        self.bins = self.model.bins
        self.default_temperature = self.model.default_temperature
        self.forward_calls = 0  # counted so tests can prove a re-render skips the network

    @property
    def name(self) -> str:
        return self.model.name

    # -- prediction ---------------------------------------------------------------------------

    def _network_input(
        self, lightness: np.ndarray
    ) -> tuple[np.ndarray, tuple[int, int], tuple[int, int], tuple[int, int]]:
        """(padded network input, its shape, the photo's working shape, the photo's offset)."""
        height, width = lightness.shape
        h, w, _, _ = working_shape(height, width, self.working_size, self.stride)
        small = cv2.resize(lightness, (w, h), interpolation=cv2.INTER_AREA)
        small = (small - self.l_center) / self.l_scale
        padded, offset = pad_for_network(small, self.stride)
        return padded, padded.shape[:2], (h, w), offset

    @torch.inference_mode()
    def _forward(self, batch: np.ndarray) -> torch.Tensor:
        x = torch.from_numpy(batch[:, None]).to(self.device)
        if self.device.type != "mps":
            x = x.contiguous(memory_format=torch.channels_last)
        self.forward_calls += 1
        return self.module(x).float().cpu().contiguous()

    def predict_lightness(self, lightness_maps: list[np.ndarray]) -> list[Prediction]:
        """Predict for full-resolution L maps; maps of one padded shape share a batch."""
        prepared = [self._network_input(lm) for lm in lightness_maps]
        results: list[Prediction | None] = [None] * len(prepared)
        groups: dict[tuple[int, int], list[int]] = {}
        for i, (_, padded, _, _) in enumerate(prepared):
            groups.setdefault(padded, []).append(i)
        for indices in groups.values():
            start = time.perf_counter()
            raw = self._forward(np.stack([prepared[i][0] for i in indices]))
            seconds = (time.perf_counter() - start) / len(indices)
            for j, i in enumerate(indices):
                _, padded, valid, offset = prepared[i]
                results[i] = Prediction(raw[j], padded, valid, lightness_maps[i], seconds, offset)
        return [r for r in results if r is not None]

    def predict(self, rgb: np.ndarray) -> Prediction:
        """One photo, float32 RGB in [0, 1] (colour input is treated as its own lightness)."""
        return self.predict_batch([rgb])[0]

    def predict_batch(self, images: list[np.ndarray]) -> list[Prediction]:
        return self.predict_lightness([lightness(img) for img in images])

    # -- rendering ----------------------------------------------------------------------------

    def ab(self, prediction: Prediction, temperature: float | None = None) -> np.ndarray:
        """ab (h, w, 2) float32 at the working resolution, padding cropped off."""
        raw = prediction.raw[None]
        if self.kind == "classification":
            t = self.default_temperature if temperature is None else float(temperature)
            ab = annealed_mean(raw, self.bins, t)
        elif self.output_space == "rgb":
            ab = torch_rgb_to_lab(raw[:, :3])[:, 1:]
        else:
            ab = raw[:, :2] * self.ab_scale
        ph, pw = prediction.padded
        if ab.shape[-2:] != (ph, pw):
            ab = F.interpolate(ab, size=(ph, pw), mode="bilinear", align_corners=False)
        (h, w), (top, left) = prediction.valid, prediction.offset
        ab = ab[0, :, top : top + h, left : left + w]
        return np.ascontiguousarray(ab.permute(1, 2, 0).numpy(), dtype=np.float32)

    def render(self, prediction: Prediction, temperature: float | None = None) -> np.ndarray:
        """Full-resolution sRGB float32 (H, W, 3) in [0, 1]."""
        return join_lightness(prediction.lightness, self.ab(prediction, temperature))

    def colorize(self, rgb: np.ndarray, temperature: float | None = None) -> np.ndarray:
        return self.render(self.predict(rgb), temperature)


def join_lightness(lightness: np.ndarray, ab_small: np.ndarray) -> np.ndarray:
    """Upsample ab bilinearly to L's size, join with L, convert to sRGB (OpenCV float32 path).

    The small ab is padded to three channels before the resize, so the full-size Lab image is
    made by one resize plus one channel insert (no full-size merge or strided numpy copy)."""
    height, width = lightness.shape
    small = np.zeros((*ab_small.shape[:2], 3), dtype=np.float32)
    small[..., 1:] = ab_small
    lab = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    cv2.insertChannel(np.ascontiguousarray(lightness, dtype=np.float32), lab, 0)
    return lab_to_rgb(lab)
