"""The model card: what a model file says about itself, typed, versioned and checked.

A card is a JSON object in the ``.safetensors`` header (``checkpoint.py`` reads and writes the
file). ``ModelCard.from_dict`` is the one place a card is parsed: every field the program acts on
is checked for type, range and finiteness there, so a broken card is refused with a message
naming the file and the problem instead of rendering white pictures. ``to_dict`` is the one
place it is written. Cards without ``format_version`` (the first files) read as version 1.

Descriptive fields (title, training, metrics, licence...) are kept as they are in ``extra``.
For code that reads cards as dicts, a card is also a read-only mapping of its JSON form.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from chroma_desk.color.bins import PAPER_TEMPERATURE
from chroma_desk.color.scaling import STANDARD, LabScaling
from chroma_desk.models.preprocessing import KEEP_ASPECT, MODES

FORMAT_VERSION = 1
KINDS = ("classification", "regression")
OUTPUT_SPACES = ("ab", "rgb")
DTYPES = ("float16", "bfloat16", "float32")
MAX_STRIDE = 1024
MAX_WORKING_SIZE = 4096  # 16 MP of network input: more is a typo, not a setting
MAX_BINS = 4096
MAX_AB = 200.0  # |a|, |b| of any real colour stays under 130
MAX_TEMPERATURE = 100.0
CORE_FIELDS = (
    "format_version",
    "name",
    "architecture",
    "arguments",
    "kind",
    "working_size",
    "stride",
    "input",
    "output",
    "bins",
    "default_temperature",
    "dtype",
    "takes_hints",
    "preprocessing",
)


class ModelFileError(Exception):
    """A model file that cannot be used; the message says why, naming the file."""


class CardError(ValueError):
    """A card field that is missing, of the wrong type or out of range (no file named)."""


@dataclass(frozen=True, eq=False)
class ModelCard(Mapping[str, Any]):
    name: str
    architecture: str
    arguments: dict[str, Any]
    kind: str
    working_size: int
    stride: int
    scaling: LabScaling = STANDARD
    output_space: str = "ab"
    bins: tuple[tuple[float, float], ...] | None = None
    default_temperature: float = PAPER_TEMPERATURE
    dtype: str | None = None
    takes_hints: bool = False
    preprocessing: str = KEEP_ASPECT
    format_version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    # -- reading ------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, raw: Any) -> ModelCard:
        """A checked card from its JSON form; ``CardError`` says what is wrong."""
        if not isinstance(raw, Mapping):
            raise CardError(f"the model card is not a JSON object (it is {_json_type(raw)})")
        version = raw.get("format_version", 1)
        if not _is_int(version) or version < 1:
            raise CardError(
                f"format_version must be a positive whole number, not {version!r}"[:200]
            )
        if version > FORMAT_VERSION:
            raise CardError(
                f"the model card is format {version}, made by a newer Chroma Desk "
                f"(this one reads up to format {FORMAT_VERSION})"
            )
        name = raw.get("name", "")
        if not isinstance(name, str):
            raise CardError(f"name must be text, not {_json_type(name)}")
        architecture = _required(raw, "architecture")
        if not isinstance(architecture, str) or not architecture:
            raise CardError(f"architecture must be a non-empty text, not {architecture!r}"[:200])
        arguments = _arguments(raw.get("arguments", {}))
        kind = _required(raw, "kind")
        if kind not in KINDS:
            raise CardError(
                f"unknown kind {kind!r}; a card's kind is one of {', '.join(KINDS)}"[:200]
            )
        stride = _whole(_required(raw, "stride"), "stride", 1, MAX_STRIDE)
        working_size = _whole(
            _required(raw, "working_size"), "working_size", stride, MAX_WORKING_SIZE
        )
        scaling, output_space = _scaling(_required(raw, "input"), raw.get("output", {}))
        bins, temperature = None, PAPER_TEMPERATURE
        if kind == "classification":
            bins = _bins(raw.get("bins"), arguments)
            temperature = _number(
                raw.get("default_temperature", PAPER_TEMPERATURE), "default_temperature"
            )
            if not 0 < temperature <= MAX_TEMPERATURE:
                raise CardError(
                    f"default_temperature must be in (0, {MAX_TEMPERATURE:g}], not {temperature}"
                )
        if kind == "classification" and output_space != "ab":
            raise CardError("a classification model predicts ab bins; output.space must be 'ab'")
        dtype = raw.get("dtype")
        if dtype is not None and dtype not in DTYPES:
            raise CardError(f"dtype must be one of {', '.join(DTYPES)}, not {dtype!r}"[:200])
        takes_hints = raw.get("takes_hints", False)
        if not isinstance(takes_hints, bool):
            raise CardError(f"takes_hints must be true or false, not {takes_hints!r}"[:200])
        preprocessing = raw.get("preprocessing", KEEP_ASPECT)
        if preprocessing not in MODES:
            raise CardError(f"preprocessing must be one of {', '.join(MODES)}"[:200])
        extra = {k: v for k, v in raw.items() if k not in CORE_FIELDS}
        return cls(
            name=name,
            architecture=architecture,
            arguments=arguments,
            kind=kind,
            working_size=working_size,
            stride=stride,
            scaling=scaling,
            output_space=output_space,
            bins=bins,
            default_temperature=temperature,
            dtype=dtype,
            takes_hints=takes_hints,
            preprocessing=preprocessing,
            format_version=int(version),
            extra=extra,
        )

    # -- writing ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The card's JSON form (what ``from_dict`` reads back to an equal card), a copy."""
        return copy.deepcopy(self._json)

    def updated(self, **changes: Any) -> ModelCard:
        """A copy with some fields (core or extra, by their JSON names) changed, checked again."""
        return ModelCard.from_dict({**self._json, **changes})

    @cached_property
    def _json(self) -> dict[str, Any]:
        card: dict[str, Any] = {
            "format_version": self.format_version,
            "name": self.name,
            "architecture": self.architecture,
            "arguments": self.arguments,
            "kind": self.kind,
            "working_size": self.working_size,
            "stride": self.stride,
            "input": {"l_center": self.scaling.l_center, "l_scale": self.scaling.l_scale},
            "output": {"ab_scale": self.scaling.ab_scale},
        }
        if self.output_space == "rgb":
            card["output"] = {"space": "rgb", "rgb_range": [0.0, 1.0], **card["output"]}
        if self.bins is not None:
            card["bins"] = [list(pair) for pair in self.bins]
            card["default_temperature"] = self.default_temperature
        if self.takes_hints:
            card["takes_hints"] = True
        if self.preprocessing != KEEP_ASPECT:
            card["preprocessing"] = self.preprocessing
        card.update(self.extra)
        if self.dtype is not None:
            card["dtype"] = self.dtype
        return card

    # -- read-only mapping of the JSON form ---------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        return self._json[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._json)

    def __len__(self) -> int:
        return len(self._json)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelCard) and self._json == other._json

    __hash__ = None  # type: ignore[assignment]


# -- field checks -----------------------------------------------------------------------------


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    names = {dict: "an object", list: "a list", str: "text"}
    return names.get(type(value), type(value).__name__)


def _required(raw: Mapping[str, Any], key: str) -> Any:
    if key not in raw:
        raise CardError(f"the model card has no {key!r}")
    return raw[key]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CardError(f"{what} must be a number, not {_json_type(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise CardError(
            f"{what} must be a finite number, not a {len(str(value))}-digit one"
        ) from None
    if not math.isfinite(number):
        raise CardError(f"{what} must be a finite number, not {value}")
    return number


def _whole(value: Any, what: str, low: int, high: int) -> int:
    number = _number(value, what)
    if not number.is_integer():
        raise CardError(f"{what} must be a whole number, not {value}")
    if not low <= number <= high:
        raise CardError(f"{what} must be between {low} and {high}, not {int(number)}")
    return int(number)


def _arguments(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise CardError(f"arguments must be a JSON object, not {_json_type(value)}")
    if value.get("pretrained"):
        raise CardError("arguments ask for pretrained weights: a model file carries its own")
    return {str(k): v for k, v in value.items()}


def _scaling(inp: Any, out: Any) -> tuple[LabScaling, str]:
    if not isinstance(inp, Mapping):
        raise CardError(f"input must be a JSON object, not {_json_type(inp)}")
    if not isinstance(out, Mapping):
        raise CardError(f"output must be a JSON object, not {_json_type(out)}")
    l_center = _number(_required_in(inp, "l_center", "input"), "input.l_center")
    l_scale = _number(_required_in(inp, "l_scale", "input"), "input.l_scale")
    ab_scale = _number(out.get("ab_scale", STANDARD.ab_scale), "output.ab_scale")
    if not 0 < l_scale <= 1000 or abs(l_center) > 1000:
        raise CardError(
            f"input must scale L sensibly (l_scale in (0, 1000], |l_center| <= 1000), "
            f"not l_center {l_center}, l_scale {l_scale}"
        )
    if not 0 < ab_scale <= 1000:
        raise CardError(f"output.ab_scale must be in (0, 1000], not {ab_scale}")
    space = out.get("space", "ab")
    if space not in OUTPUT_SPACES:
        raise CardError(f"output.space must be one of {', '.join(OUTPUT_SPACES)}, not {space!r}")
    return LabScaling(l_center, l_scale, ab_scale), space


def _required_in(raw: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in raw:
        raise CardError(f"the model card's {where} has no {key!r}")
    return raw[key]


def _bins(value: Any, arguments: Mapping[str, Any]) -> tuple[tuple[float, float], ...]:
    if value is None:
        raise CardError("a classification model card needs its ab bin centres ('bins')")
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_BINS:
        raise CardError(f"bins must be a list of 1 to {MAX_BINS} [a, b] pairs")
    pairs = []
    for i, pair in enumerate(value):
        if not isinstance(pair, list) or len(pair) != 2:
            raise CardError(f"bins[{i}] must be an [a, b] pair, not {pair!r}"[:200])
        a, b = (_number(x, f"bins[{i}]") for x in pair)
        if abs(a) > MAX_AB or abs(b) > MAX_AB:
            raise CardError(f"bins[{i}] = {pair} is outside the ab range (|a|, |b| <= {MAX_AB:g})")
        pairs.append((a, b))
    wanted = arguments.get("bins")
    if wanted is not None and wanted != len(pairs):
        raise CardError(
            f"the card lists {len(pairs)} bins but the network is built with bins={wanted!r}"
        )
    return tuple(pairs)
