"""training.config.TrainConfig: one source for the command line's options and defaults, the
argv a launcher runs, the window's defaults, and the checks made before a run starts."""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

import pytest

from training import choices, cli
from training.config import (
    TrainConfig,
    add_arguments,
    config_from_args,
    window_defaults,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser


def test_argparse_defaults_are_the_dataclass_defaults() -> None:
    args = _parser().parse_args(["--data", "d", "--out", "o"])
    assert config_from_args(args) == TrainConfig(data="d", out="o")
    assert args.size == TrainConfig.size and args.checkpoint_every == TrainConfig.checkpoint_every
    assert not args.resume


def test_every_field_is_an_option_and_round_trips() -> None:
    config = TrainConfig(data="d", out="o", pretrained=False, half=False, arch_args={"width": 8})
    config.download_weights, config.minutes, config.val = True, 2.5, "v"
    config.data, config.hints, config.disc_lr_scale = ["a", "b"], True, 0.5
    argv = config.to_argv()
    assert "--no-pretrained" in argv and "--fp32" in argv and "--download-weights" in argv
    assert config_from_args(_parser().parse_args(argv)) == config
    options = {a.dest for a in _parser()._actions}
    assert {f.name for f in fields(TrainConfig)} <= options


def test_window_defaults_come_from_the_config() -> None:
    defaults = window_defaults(cpu_count=8)
    assert defaults.size == TrainConfig.size and defaults.batch == TrainConfig.batch
    assert defaults.workers == 4 and window_defaults(cpu_count=2).workers == 1
    assert defaults.checkpoint_every < TrainConfig.checkpoint_every  # watched: more often


# issue 12: each of these used to hang, train a useless model or fail with a traceback
REFUSED = {
    "size_0_hangs": (["--size", "0"], "image size (--size) is 0"),
    "size_3_trains": (["--size", "3"], "smaller than lite-unet's stride of 32 px"),
    "threads_minus_3": (["--threads", "-3"], "CPU threads (--threads) is -3"),
    "checkpoint_every_0": (["--checkpoint-every", "0"], "checkpoint interval"),
    "log_every_0": (["--log-every", "0"], "log interval (--log-every) is 0"),
    "size_32_batch_1_batchnorm": (["--size", "32", "--batch", "1"], "BatchNorm"),
    "negative_steps": (["--steps", "-1"], "steps (--steps) is -1"),
    "zero_minutes": (["--minutes", "0"], "minutes (--minutes) is 0.0"),
    "unknown_architecture": (["--arch", "nope"], "unknown architecture 'nope'"),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_bad_training_arguments_are_refused_before_starting(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra, message = REFUSED[case]
    out = tmp_path / "run"
    assert cli.main(["--data", str(tmp_path), "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chroma-desk train: ") and message in err
    assert not out.exists()  # nothing started, nothing written


def test_stride_rules_per_architecture() -> None:
    assert choices.arch_stride("lite-unet") == 32 and choices.arch_stride("plain-unet") == 16
    ok = TrainConfig(data="d", arch="plain-unet", size=32, batch=1)
    assert choices.check_config(ok) == []
    assert choices.check_config(TrainConfig(data="d", size=48, batch=1)) == []
    assert TrainConfig(data="d", size=8).problems() == []  # no stride known: counts only
    with pytest.raises(ValueError, match="stride"):
        TrainConfig(data="d", size=8).validate(stride=32)
