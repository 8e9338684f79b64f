"""The options of one training run, in one place: ``TrainConfig``.

The command line's arguments and defaults (``add_arguments``), the argv a launcher runs
(``TrainConfig.to_argv``), the window's form defaults (``WINDOW_DEFAULTS``) and the checks made
before a run starts (``TrainConfig.problems`` / ``validate``) all come from the fields below.
No torch, no Qt: the window and the command line import this cheaply.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

KINDS = ("classification", "gan", "regression")
REGRESSION_LOSSES = ("l1", "mse")
MAX_SIZE = 4096  # training crops larger than this do not fit any machine's memory


def _opt(default: Any = None, help: str = "", **cli: Any) -> Any:  # noqa: A002 - argparse's name
    """A field with its command-line help; ``cli`` keys: choices, flag (a negated store_false
    flag such as ``--fp32``), required, repeat (the option may be given several times)."""
    meta = {"help": help, **cli}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class TrainConfig:
    data: str | list[str] = _opt(
        "",
        "folder of colour photos (recursive); repeat for several folders",
        required=True,
        repeat=True,
    )  # one folder, or several (the command line's repeated --data)
    out: str = _opt("", "run folder (default: runs/<name>)")
    arch: str = _opt("lite-unet", "architecture (see `chroma-desk models list --arch`)")
    kind: str = _opt("gan", "what the model learns", choices=KINDS)
    name: str = _opt("", "name of the resulting model")
    val: str | None = _opt(None, "validation folder (default: a held-out 5%% of --data)")
    size: int = _opt(176, "training crop size in pixels")
    batch: int = _opt(16, "photos per step")
    steps: int | None = _opt(None, "stop after this many steps")
    minutes: float | None = _opt(None, "stop after this much training time")
    epochs: int | None = _opt(None, "stop after this many epochs")
    lr: float = _opt(2e-4, "learning rate")
    warmup_steps: int = _opt(1000, "gan: L1-only steps first")
    lambda_l1: float = _opt(100.0, "gan: weight of the L1 term")
    disc_width: int = _opt(
        64,
        "gan: discriminator width (64 as pix2pix; 32 trains the GAN phase about 2x faster on "
        "a CPU, see docs/architectures.md)",
    )
    disc_label_smoothing: float = _opt(
        0.0, "gan: one-sided label smoothing, the discriminator's target for real is 1 - this"
    )
    disc_lr_scale: float = _opt(
        1.0, "gan: the discriminator's learning rate is --lr times this (below 1: slower)"
    )
    hints: bool = _opt(
        False, "train a hint model (lite-unet) with simulated colour hints from the truth"
    )
    hint_lr_scale: float = _opt(
        10.0, "the hint inputs' learning rate is --lr times this (they start at zero)"
    )
    train_only_hints: bool = _opt(
        False,
        "with --hints: only the hint inputs learn; every other weight and statistic stays as "
        "--init gave it, so with no hints the model computes exactly what --init did",
    )
    regression_loss: str = _opt("l1", "loss of a regression run", choices=REGRESSION_LOSSES)
    pretrained: bool = _opt(
        True, "do not start the encoder from ImageNet weights", flag="--no-pretrained"
    )
    download_weights: bool = _opt(
        False,
        "fetch ImageNet encoder weights for architectures that need a download "
        "(resnet18-unet, vgg16-cls); lite-unet's ship with the package",
    )
    init: str | None = _opt(None, "fine-tune from this model file")
    workers: int = _opt(1, "data loading processes")
    seed: int = _opt(0, "random seed")
    device: str = _opt("auto", "auto, cpu, cuda, cuda:1, mps")
    threads: int = _opt(0, "CPU threads (0: all)")
    checkpoint_every: int = _opt(500, "save a checkpoint every this many steps")
    sample_every: int = _opt(250, "write a before/after sample every this many steps")
    eval_every: int = _opt(500, "validate every this many steps")
    log_every: int = _opt(10, "log a step event every this many steps")
    working_size: int = _opt(256, "inference size stored in the card")
    half: bool = _opt(True, "store the model in float32", flag="--fp32")
    arch_args: dict[str, Any] = _opt(
        {}, "architecture arguments as JSON, e.g. '{\"width\": 16}' (recorded in the card)"
    )
    data_note: str = _opt("", "rights/licence note for the model card")

    # -- from and to other forms --------------------------------------------------------------

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> TrainConfig:
        """A config from options named like the fields (``config.json``, a ``start`` event, a
        form); unknown keys are ignored, ``None`` means the default."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in options.items() if k in names and v is not None})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_argv(self) -> list[str]:
        """The command-line options that give this config (defaults and ``None`` left out)."""
        argv: list[str] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value == _default(f):
                continue
            option = "--" + f.name.replace("_", "-")
            if "flag" in f.metadata:  # on by default: only its negation is an option
                argv.append(f.metadata["flag"])
            elif isinstance(value, bool):
                argv.append(option)
            elif isinstance(value, dict):
                argv += [option, json.dumps(value, sort_keys=True)]
            elif isinstance(value, list | tuple):  # a repeated option (several --data folders)
                for item in value:
                    argv += [option, _format_value(item)]
            else:
                argv += [option, _format_value(value)]
        return argv

    # -- checks -------------------------------------------------------------------------------

    def problems(self, stride: int | None = None) -> list[str]:
        """What is wrong with these options, in sentences (empty when they can start a run).

        ``stride``: the architecture's input stride (``training.choices.arch_stride``); the crop
        must be at least that, and a batch of one needs more than one value per channel at the
        network's deepest point (BatchNorm in training mode).
        """
        out = []
        folders = [self.data] if isinstance(self.data, str) else list(self.data)
        if not folders or not all(str(f).strip() for f in folders):
            out.append("choose a folder of colour photos (--data)")
        if self.kind not in KINDS:
            out.append(f"kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.regression_loss not in REGRESSION_LOSSES:
            out.append(f"regression loss {self.regression_loss!r} is not l1 or mse")
        out += _positive(self)
        if self.size >= 1 and self.size > MAX_SIZE:
            out.append(f"image size (--size) {self.size} px is over the limit of {MAX_SIZE} px")
        if stride and 1 <= self.size < stride:
            out.append(
                f"image size (--size) {self.size} px is smaller than {self.arch}'s stride of "
                f"{stride} px: use at least {stride} px"
            )
        elif stride and self.size >= 1 and self.batch >= 1:
            cells = math.ceil(self.size / stride) ** 2
            if cells * self.batch < 2:
                out.append(
                    f"image size {self.size} px with batch size 1 leaves one value per channel "
                    f"at {self.arch}'s deepest layer, which BatchNorm cannot train on: use a "
                    f"batch of 2 or more, or at least {stride + 16} px"
                )
        return out

    def validate(self, stride: int | None = None) -> None:
        """Raise ``ConfigError`` naming every problem (see ``problems``)."""
        found = self.problems(stride)
        if found:
            raise ConfigError("; ".join(found))


class ConfigError(ValueError):
    pass


# (field, the least value, what it is) for every count and interval
_LOWER_BOUNDS = (
    ("size", 1, "image size (--size)"),
    ("batch", 1, "batch size (--batch)"),
    ("steps", 1, "steps (--steps)"),
    ("epochs", 1, "epochs (--epochs)"),
    ("warmup_steps", 0, "warm-up steps (--warmup-steps)"),
    ("disc_width", 1, "discriminator width (--disc-width)"),
    ("workers", 0, "loader processes (--workers)"),
    ("threads", 0, "CPU threads (--threads)"),
    ("checkpoint_every", 1, "checkpoint interval (--checkpoint-every)"),
    ("sample_every", 1, "sample interval (--sample-every)"),
    ("eval_every", 1, "validation interval (--eval-every)"),
    ("log_every", 1, "log interval (--log-every)"),
    ("working_size", 1, "working size (--working-size)"),
)


def _positive(config: TrainConfig) -> list[str]:
    out = []
    for name, least, what in _LOWER_BOUNDS:
        value = getattr(config, name)
        if value is not None and value < least:
            needs = "a positive number" if least == 1 else "0 or more"
            out.append(f"{what} is {value}: it must be {needs}")
    for name, what in (("minutes", "minutes (--minutes)"), ("lr", "learning rate (--lr)")):
        value = getattr(config, name)
        if value is not None and not (math.isfinite(value) and value > 0):
            out.append(f"{what} is {value}: it must be a positive number")
    if not (math.isfinite(config.lambda_l1) and config.lambda_l1 >= 0):
        out.append(f"L1 weight (--lambda-l1) is {config.lambda_l1}: it must be 0 or more")
    return out


def _default(f: Any) -> Any:
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return MISSING


def _format_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


# -- the window's presets ---------------------------------------------------------------------

# A run started from the window: a person watches it, so it checkpoints, samples and validates
# more often, stops after half an hour, and reads photos in up to 4 processes.
WINDOW_DEFAULTS: dict[str, Any] = {
    "checkpoint_every": 250,
    "sample_every": 100,
    "eval_every": 250,
    "minutes": 30.0,
}
# What "Stop after" suggests for each unit.
STOP_DEFAULTS = {"minutes": 30, "steps": 2000, "epochs": 10}
# A run with none of steps, minutes and epochs stops after this many steps.
DEFAULT_STEPS = 1000


def window_defaults(cpu_count: int) -> TrainConfig:
    """The form's starting values (the command line's defaults with ``WINDOW_DEFAULTS``)."""
    workers = min(4, max(1, cpu_count // 2))
    return TrainConfig(**WINDOW_DEFAULTS, workers=workers)


# -- the command line -------------------------------------------------------------------------


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("expected a JSON object, e.g. '{\"width\": 16}'")
    return value


_TYPES = {"int": int, "float": float, "str": str}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Every ``TrainConfig`` field as an option (defaults from the dataclass), and ``--resume``."""
    for f in fields(TrainConfig):
        option = "--" + f.name.replace("_", "-")
        meta = dict(f.metadata)
        default = _default(f)
        help_text = meta.get("help", "")
        if "flag" in meta:
            p.add_argument(meta["flag"], dest=f.name, action="store_false", help=help_text)
        elif isinstance(default, bool):
            p.add_argument(option, action="store_true", help=help_text)
        elif isinstance(default, dict):
            p.add_argument(option, type=_json_object, help=help_text)
        else:
            kind = str(f.type).split(" | ")[0]
            kwargs: dict[str, Any] = {"type": _TYPES.get(kind, str), "help": help_text}
            if meta.get("required"):
                kwargs["required"] = True
            elif default not in (None, ""):
                kwargs["default"] = default
            if meta.get("repeat"):
                kwargs["action"] = "append"
            if "choices" in meta:
                kwargs["choices"] = meta["choices"]
            p.add_argument(option, **kwargs)
    p.add_argument("--resume", action="store_true", help="continue the run in --out")


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    values = dict(vars(args))
    if isinstance(values.get("data"), list) and len(values["data"]) == 1:
        values["data"] = values["data"][0]
    config = TrainConfig.from_mapping(values)
    if not config.out:
        config.out = str(Path("runs") / (config.name or f"{config.kind}-{config.arch}"))
    return config
