"""``Colorizer``: runs a model once per photo and renders the cached prediction at any temperature.

Data path (DESIGN.md): full-resolution L -> a copy resized to the working size (aspect kept,
padded to the stride) -> one forward pass -> raw output kept (bin logits or ab) -> render:
annealed mean at T, crop the padding, upsample ab bilinearly to full size, join with the
ORIGINAL L, convert to sRGB. Changing T repeats only the render.

Colour hints (``chroma_desk.engine.hints``), for a model that takes them (card ``takes_hints``):
``predict(rgb, hints=[Hint(...), ...])`` predicts with hints from the start;
``rehint(prediction, hints)`` gives a new ``Prediction`` for the same photo with other hints by
re-running only the network at the working size (the photo is not read or resized again: the
padded working-size L is kept in the ``Prediction``). This is the call for an interactive hint
mode: add, move or remove a point, call ``rehint`` with the whole current list, ``render``.
Hints to a model without hint inputs raise ``HintError``; an empty list is always allowed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from chroma_desk.color.bins import annealed_mean
from chroma_desk.color.lab import (
    B_BOUND_AT_BLACK,
    bound_b,
    gray_lightness,
    lab_to_rgb,
    lightness,
    lightness_to_gray,
    torch_rgb_to_lab,
)
from chroma_desk.engine.backends import Backend, BackendInputError, TorchBackend, log, open_backend
from chroma_desk.engine.hints import Hint, HintError, check_inside, hint_maps
from chroma_desk.models import preprocessing as preprocessing_module
from chroma_desk.models.card import MAX_WORKING_SIZE
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
    network_input: np.ndarray | None = None  # the padded working-size L (kept for rehint)
    hints: tuple[Hint, ...] = ()  # the hints this prediction was made with

    @property
    def full_size(self) -> tuple[int, int]:
        return self.lightness.shape[1], self.lightness.shape[0]


UPSAMPLING = ("bilinear", "guided")
GUIDED_RADIUS = 4.0  # working-size pixels (scaled to the photo's)
GUIDED_EPS = 25.0  # L units squared: edges of more than ~5 L steer the colour

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


def published_input(lightness: np.ndarray, size: int) -> np.ndarray:
    """L of the photo resized to ``size`` x ``size`` as the official demo resizes it: its 8-bit
    sRGB levels, PIL bicubic, aspect not kept (exact for an 8-bit gray photo; a colour photo
    is taken as its own gray, as everywhere in this program)."""
    gray8 = np.rint(lightness_to_gray(lightness) * 255.0).astype(np.uint8)
    small = Image.fromarray(gray8).resize((size, size), Image.Resampling.BICUBIC)
    return gray_lightness(np.asarray(small))


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
        preprocessing: ``as-published`` or ``keep-aspect`` (``chroma_desk.models.
            preprocessing``); the card's own when None.
        backend: what runs the network: ``auto`` (ONNX Runtime on the CPU, torch on CUDA/MPS),
            ``torch`` or ``onnx`` (see ``chroma_desk.engine.backends``).
        upsampling: how ab goes from the working size to the photo's: ``bilinear`` (the
            default) or ``guided`` (a guided filter on the full-resolution L, see
            ``join_lightness``).
    """

    def __init__(
        self,
        model: str | Path | LoadedModel,
        device: str = "auto",
        working_size: int | None = None,
        preprocessing: str | None = None,
        backend: str = "auto",
        upsampling: str = "bilinear",
    ) -> None:
        if upsampling not in UPSAMPLING:
            raise ValueError(f"upsampling is one of {', '.join(UPSAMPLING)}, not {upsampling!r}")
        self.upsampling = upsampling
        self.device = pick_device(device)
        if self.device.type == "cpu":
            _set_cpu_threads()
        self.model = model if isinstance(model, LoadedModel) else load_model(model)
        self.module = self.model.module.to(self.device).eval()
        if self.device.type != "mps":
            self.module = self.module.to(memory_format=torch.channels_last)
        card = self.model.card
        self.kind: str = card.kind
        self.stride: int = card.stride
        if working_size is not None and not card.stride <= working_size <= MAX_WORKING_SIZE:
            raise ValueError(
                f"working size {working_size} is outside {card.stride}..{MAX_WORKING_SIZE} "
                f"for model {self.model.name!r}"
            )
        self.working_size: int = working_size or card.working_size
        self.scaling = card.scaling
        # "rgb": the network predicts sRGB in [0, 1] (rgb-autoencoder); only its ab is used
        self.output_space: str = card.output_space
        self.bins = self.model.bins
        self.takes_hints: bool = card.takes_hints
        self.preprocessing = preprocessing_module.check_mode(card, preprocessing)
        self.default_temperature = preprocessing_module.default_temperature(
            card, self.preprocessing
        )
        self.forward_calls = 0  # counted so tests can prove a re-render skips the network
        self.torch_backend = TorchBackend(self.module, self.device)
        self.backend: Backend = open_backend(backend, self.model, self.torch_backend, self.device)

    @property
    def name(self) -> str:
        return self.model.name

    # -- prediction ---------------------------------------------------------------------------

    def _network_input(
        self, lightness: np.ndarray
    ) -> tuple[np.ndarray, tuple[int, int], tuple[int, int], tuple[int, int]]:
        """(padded network input, its shape, the photo's working shape, the photo's offset)."""
        if self.preprocessing == preprocessing_module.AS_PUBLISHED:
            size = -(-self.working_size // self.stride) * self.stride
            small = self.scaling.l_to_net(published_input(lightness, size))
            return small, (size, size), (size, size), (0, 0)
        height, width = lightness.shape
        h, w, _, _ = working_shape(height, width, self.working_size, self.stride)
        small = cv2.resize(lightness, (w, h), interpolation=cv2.INTER_AREA)
        small = self.scaling.l_to_net(small)
        padded, offset = pad_for_network(small, self.stride)
        return padded, padded.shape[:2], (h, w), offset

    def forward(
        self, batch: np.ndarray, hints: np.ndarray | None = None, backend: Backend | None = None
    ) -> torch.Tensor:
        """The network on a batch of scaled, padded L maps (N, H, W) float32 (and hint maps
        (N, 3, H, W) for a model that takes hints); its raw output (N, C, h, w) float32 on the
        CPU: bin logits, ab / ab_scale, or sRGB. ``backend``: this one instead of the model's."""
        backend = backend or self.backend
        inputs = [np.ascontiguousarray(batch[:, None], dtype=np.float32)]
        if hints is not None:
            inputs.append(np.ascontiguousarray(hints, dtype=np.float32))
        self.forward_calls += 1
        try:
            out = backend.run(inputs)
        except BackendInputError as exc:
            log.warning("%s: running on torch from now on: %s", self.name, exc)
            self.backend = self.torch_backend
            out = self.torch_backend.run(inputs)
        return torch.from_numpy(out)

    def _hint_input(
        self,
        hints: Sequence[Hint],
        photo_hw: tuple[int, int],
        padded: tuple[int, int],
        valid: tuple[int, int],
        offset: tuple[int, int],
    ) -> np.ndarray:
        """(3, padded h, padded w): the hint channels at the working size, zero in the margin."""
        if hints and not self.takes_hints:
            raise HintError(f"model {self.name!r} takes no colour hints")
        check_inside(hints, photo_hw)
        out = np.zeros((3, *padded), dtype=np.float32)
        (h, w), (top, left) = valid, offset
        out[:, top : top + h, left : left + w] = hint_maps(hints, photo_hw, valid).network_input(
            self.scaling.ab_scale
        )
        return out

    def predict_lightness(
        self,
        lightness_maps: list[np.ndarray],
        hints: Sequence[Sequence[Hint] | None] | None = None,
    ) -> list[Prediction]:
        """Predict for full-resolution L maps; maps of one padded shape share a batch.

        ``hints``: one list of hints (or None) per map, for a model that takes hints.
        """
        hint_lists = [tuple(h or ()) for h in (hints or [None] * len(lightness_maps))]
        if any(hint_lists) and not self.takes_hints:
            raise HintError(f"model {self.name!r} takes no colour hints")
        prepared = [self._network_input(lm) for lm in lightness_maps]
        results: list[Prediction | None] = [None] * len(prepared)
        groups: dict[tuple[int, int], list[int]] = {}
        for i, (_, padded, _, _) in enumerate(prepared):
            groups.setdefault(padded, []).append(i)
        for indices in groups.values():
            start = time.perf_counter()
            hint_batch = None
            if self.takes_hints:
                hint_batch = np.stack(
                    [
                        self._hint_input(hint_lists[i], lightness_maps[i].shape, *prepared[i][1:])
                        for i in indices
                    ]
                )
            raw = self.forward(np.stack([prepared[i][0] for i in indices]), hint_batch)
            seconds = (time.perf_counter() - start) / len(indices)
            for j, i in enumerate(indices):
                net_in, padded, valid, offset = prepared[i]
                results[i] = Prediction(
                    raw[j], padded, valid, lightness_maps[i], seconds, offset, net_in, hint_lists[i]
                )
        return [r for r in results if r is not None]

    def predict(self, rgb: np.ndarray, hints: Sequence[Hint] | None = None) -> Prediction:
        """One photo, float32 RGB in [0, 1] (colour input is treated as its own lightness);
        ``hints`` in the photo's own pixels (see ``chroma_desk.engine.hints``)."""
        return self.predict_lightness([lightness(rgb)], [hints])[0]

    def rehint(self, prediction: Prediction, hints: Sequence[Hint]) -> Prediction:
        """The same photo with these hints (the whole current list, replacing the old one):
        only the network runs again, at the working size."""
        hints = tuple(hints)
        if hints and not self.takes_hints:
            raise HintError(f"model {self.name!r} takes no colour hints")
        if prediction.network_input is None:
            raise ValueError("this prediction keeps no network input; predict the photo again")
        start = time.perf_counter()
        hint_batch = None
        if self.takes_hints:
            hint_batch = self._hint_input(
                hints,
                prediction.lightness.shape,
                prediction.padded,
                prediction.valid,
                prediction.offset,
            )[None]
        raw = self.forward(prediction.network_input[None], hint_batch)[0]
        return replace(
            prediction, raw=raw, hints=hints, predict_seconds=time.perf_counter() - start
        )

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
            ab = self.scaling.ab_from_net(raw[:, :2])
        ph, pw = prediction.padded
        if ab.shape[-2:] != (ph, pw):
            ab = F.interpolate(ab, size=(ph, pw), mode="bilinear", align_corners=False)
        (h, w), (top, left) = prediction.valid, prediction.offset
        ab = ab[0, :, top : top + h, left : left + w]
        return np.ascontiguousarray(ab.permute(1, 2, 0).numpy(), dtype=np.float32)

    def render(self, prediction: Prediction, temperature: float | None = None) -> np.ndarray:
        """Full-resolution sRGB float32 (H, W, 3) in [0, 1]."""
        guided = self.upsampling == "guided"
        return join_lightness(prediction.lightness, self.ab(prediction, temperature), guided)

    def colorize(self, rgb: np.ndarray, temperature: float | None = None) -> np.ndarray:
        return self.render(self.predict(rgb), temperature)


def join_lightness(lightness: np.ndarray, ab_small: np.ndarray, guided: bool = False) -> np.ndarray:
    """Upsample ab bilinearly to L's size, join with L, convert to sRGB (OpenCV float32 path).

    The small ab is padded to three channels before the resize, so the full-size Lab image is
    made by one resize plus one channel insert (no full-size merge or strided numpy copy).

    ``guided``: the upsampled ab then goes through a guided filter (He et al., OpenCV-contrib
    ``ximgproc.guidedFilter``) with the full-resolution L as the guide, so colour edges follow
    the photo's own edges; radius ``GUIDED_RADIUS`` working-size pixels, eps ``GUIDED_EPS``.
    On val it lowers CIEDE2000 by under 1% and dulls colour a few percent (README), so it is
    an option, not the default."""
    height, width = lightness.shape
    lum = np.ascontiguousarray(lightness, dtype=np.float32)
    small = np.zeros((*ab_small.shape[:2], 3), dtype=np.float32)
    small[..., 1:] = ab_small
    lab = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    if guided:
        scale = max(height, width) / max(ab_small.shape[:2])
        radius = max(1, round(GUIDED_RADIUS * scale))
        lab = cv2.ximgproc.guidedFilter(lum, lab, radius, GUIDED_EPS)
    cv2.insertChannel(lum, lab, 0)
    if ab_small.size and float(ab_small[..., 1].max()) > B_BOUND_AT_BLACK:  # else none clips
        b = cv2.extractChannel(lab, 2)
        cv2.insertChannel(bound_b(b, lum), lab, 2)
    return lab_to_rgb(lab, b_bounded=True)
