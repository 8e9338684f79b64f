"""One training run: classification, gan or regression, on a folder of colour photos.

Runs are folders: ``events.jsonl``, ``config.json``, ``state/`` (resume point: weights and
optimiser moments in safetensors, counters in JSON), ``samples/*.png`` and ``model.safetensors``
(a model file in our format, usable at every checkpoint).
"""

from __future__ import annotations

import json
import math
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import SafetensorError
from torch.utils.data import DataLoader

from chroma_desk.color.bins import (
    PAPER_TEMPERATURE,
    annealed_mean,
    bin_histogram,
    gamut_bins,
    rebalance_weights,
    smoothed_prior,
)
from chroma_desk.color.lab import torch_lab_to_rgb, torch_rgb_to_lab
from chroma_desk.color.scaling import STANDARD
from chroma_desk.engine.colorizer import pick_device
from chroma_desk.models.checkpoint import (
    ModelFileError,
    load_model,
    make_card,
    read_card,
    save_model,
)
from chroma_desk.models.registry import build, spec
from chroma_desk.models.spec import head_of
from chroma_desk.models.unet_lite import load_no_hint_weights
from training import state_store
from training.config import KINDS, TrainConfig
from training.data import (
    FolderScan,
    PhotoDataset,
    PhotoError,
    ResumableSampler,
    scan_folder,
    split_train_val,
)
from training.events import EventLog
from training.hint_sim import simulate_batch
from training.losses import classification_loss, gan_loss, regression_loss, rgb_loss
from training.metrics import colourfulness

EVAL_HINT_SEED = 1234
HINT_INPUT_NOTE = (
    "a second input (N, 3, H, W) at the working size: hint a / 110, b / 110 and a 0/1 mask; "
    "all zero without hints (chroma_desk.engine.hints)"
)
TEMPERATURES = (0.2, 0.3, PAPER_TEMPERATURE, 0.45, 0.6, 0.8, 1.0)
DATA_LICENCE_NOTE = (
    "trained on photos whose rights belong to their owners; see the data folder's terms"
)


class TrainingError(Exception):
    pass


def data_folders(data: str | list[str]) -> list[str]:
    """``TrainConfig.data`` as a list of folders."""
    return [data] if isinstance(data, str) else list(data)


class Trainer:
    def __init__(self, config: TrainConfig, echo: bool = True) -> None:
        if config.kind not in KINDS:
            raise TrainingError(f"unknown kind {config.kind!r}; choose one of {', '.join(KINDS)}")
        self.cfg = config
        self.run_dir = Path(config.out)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log = EventLog(self.run_dir, echo=__import__("sys").stdout if echo else None)
        self.device = pick_device(config.device)
        if config.threads:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        self.stop_requested = False
        self.step = 0
        self.epoch = 0
        self.offset = 0
        self.elapsed = 0.0
        self.saved_step: int | None = None

    # -- setup --------------------------------------------------------------------------------

    def _prepare_data(self) -> None:
        folders = data_folders(self.cfg.data)
        scan = FolderScan()
        for i, folder in enumerate(folders):
            cache = self.run_dir / ("scan-data.json" if i == 0 else f"scan-data-{i}.json")
            one = scan_folder(Path(folder), cache=cache)
            for part in ("usable", "gray", "unreadable", "other"):
                getattr(scan, part).extend(getattr(one, part))
        if self.cfg.val:
            val_scan = scan_folder(Path(self.cfg.val), cache=self.run_dir / "scan-val.json")
            train_paths, val_paths = scan.usable, val_scan.usable
        else:
            train_paths, val_paths = split_train_val(scan.usable)
        if not train_paths:
            names = ", ".join(folders)
            raise TrainingError(f"{names}: no usable colour photos found ({scan.counts()})")
        self.scan = scan
        self.train_set = PhotoDataset(train_paths, self.cfg.size, train=True, seed=self.cfg.seed)
        self.val_set = PhotoDataset(val_paths[:48], self.cfg.size, train=False)
        self.counts = {**scan.counts(), "train": len(train_paths), "val": len(val_paths)}

    def _measure_prior(self, max_images: int = 400) -> np.ndarray:
        """The smoothed ab-bin distribution of the user's own photos."""
        counts = torch.zeros(len(self.centres), dtype=torch.float64)
        step = max(1, len(self.train_set) // max_images)
        for i in range(0, len(self.train_set), step):
            lab = self.train_set[(0, i)][None]
            ab = F.avg_pool2d(lab[:, 1:], 4)
            counts += bin_histogram(ab, self.centres)
        return smoothed_prior(counts.numpy(), self.centres.numpy())

    def _build_models(self) -> None:
        cfg = self.cfg
        try:
            self.spec = spec(cfg.arch)
        except ValueError as exc:
            raise TrainingError(str(exc)) from exc
        if not self.spec.trains(cfg.kind):
            can = ", ".join(self.spec.train_kinds) or "nothing: the trainer cannot build it"
            raise TrainingError(
                f"{cfg.arch} does not train with --kind {cfg.kind} (it trains: {can})"
            )
        head = head_of(cfg.kind)
        self.centres = torch.from_numpy(gamut_bins()) if head == "classification" else None
        self.arch_args = {"kind": head, **cfg.arch_args}
        if cfg.hints:
            self._check_takes_hints()
            self.arch_args["hints"] = True
        if self.centres is not None:
            self.arch_args["bins"] = int(len(self.centres))
        self.prior = None
        if cfg.init:
            loaded = load_model(cfg.init)
            if loaded.card.architecture != cfg.arch or loaded.card.kind != head:
                raise TrainingError(
                    f"--init {cfg.init} is a {loaded.card.architecture} "
                    f"{loaded.card.kind} model, not {cfg.arch} {head}"
                )
            self.generator = loaded.module.train()
            self.arch_args = dict(loaded.card.arguments)
            if cfg.hints and not self.arch_args.get("hints"):
                # a no-hint file: the same weights in a hint model, its hint inputs at zero
                self.arch_args["hints"] = True
                self.generator = build(cfg.arch, **self.arch_args)
                load_no_hint_weights(self.generator, loaded.module.state_dict())
                self.generator.train()
            if self.centres is not None:
                self.centres = loaded.bins
                self.default_temperature = loaded.default_temperature
            if "prior" in loaded.card:
                self.prior = np.asarray(loaded.card["prior"])
        else:
            extra = {"pretrained": True} if self._use_pretrained() else {}
            self.generator = build(cfg.arch, **self.arch_args, **extra)
        self.stride = self.spec.stride_for(self.arch_args)
        # an architecture that predicts sRGB (rgb-autoencoder) is compared on RGB and its ab is
        # taken from its RGB wherever ab is needed (previews, metrics, the engine at render)
        self.rgb_output = self.spec.output_space == "rgb"
        self.generator.to(self.device, memory_format=torch.channels_last)
        betas = (0.5, 0.999) if cfg.kind == "gan" else (0.9, 0.999)
        self.opt_g = torch.optim.Adam(self._generator_groups(), lr=cfg.lr, betas=betas)
        self.discriminator = None
        if cfg.kind == "gan":
            self.discriminator = build("patchgan", in_channels=3, width=cfg.disc_width)
            self.discriminator.to(self.device, memory_format=torch.channels_last)
            self.opt_d = torch.optim.Adam(
                self.discriminator.parameters(), lr=cfg.lr * cfg.disc_lr_scale, betas=betas
            )
        if self.centres is not None:
            if self.prior is None:
                self.prior = self._measure_prior()
            self.class_weights = torch.from_numpy(rebalance_weights(self.prior)).to(self.device)
        self.amp = self.device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)

    def _generator_train_mode(self) -> None:
        self.generator.train()
        if self.cfg.train_only_hints:  # frozen layers keep their BatchNorm statistics
            for module in self.generator.modules():
                if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                    module.eval()

    def _generator_groups(self) -> list[dict[str, Any]]:
        """The generator's parameters; new hint inputs (``hint_*``) learn at lr x hint_lr_scale."""
        named = list(self.generator.named_parameters())
        hint = [p for n, p in named if n.startswith("hint_")]
        rest = [p for n, p in named if not n.startswith("hint_")]
        if self.cfg.train_only_hints:
            if not hint:
                raise TrainingError("--train-only-hints needs a hint model (--hints)")
            for p in rest:
                p.requires_grad_(False)
            return [{"params": hint, "lr": self.cfg.lr * self.cfg.hint_lr_scale}]
        if not hint:
            return [{"params": rest}]
        return [{"params": rest}, {"params": hint, "lr": self.cfg.lr * self.cfg.hint_lr_scale}]

    def _check_takes_hints(self) -> None:
        if not self.spec.takes_hints:
            raise TrainingError(f"--hints: architecture {self.cfg.arch!r} takes no hints")

    def _use_pretrained(self) -> bool:
        """ImageNet encoder weights: always when they ship with the package (lite-unet); when
        they must be downloaded (resnet18-unet, vgg16-cls) only with --download-weights."""
        source = self.spec.pretrained
        if not self.cfg.pretrained or source not in ("bundled", "download"):
            return False
        return source == "bundled" or self.cfg.download_weights

    # -- resume state -------------------------------------------------------------------------

    def _modules(self) -> dict[str, Any]:
        parts: dict[str, Any] = {"g": self.generator, "opt_g": self.opt_g}
        if self.discriminator is not None:
            parts |= {"d": self.discriminator, "opt_d": self.opt_d}
        return parts

    def save_state(self) -> Path:
        """The resume point (weights and counters as one unit, see state_store), then the
        model file; if either cannot be written the run fails and the last checkpoint stays."""
        tensors: dict[str, torch.Tensor] = {}
        groups: dict[str, Any] = {}
        for name, part in self._modules().items():
            sd = part.state_dict()
            if name.startswith("opt"):
                groups[name] = sd["param_groups"]
                for idx, moments in sd["state"].items():
                    for key, value in moments.items():
                        tensors[f"{name}.{idx}.{key}"] = (
                            torch.as_tensor(value).detach().cpu().contiguous().clone()
                        )
            else:
                for key, value in sd.items():
                    tensors[f"{name}.{key}"] = value.detach().cpu().contiguous().clone()
        tensors["rng.torch"] = torch.get_rng_state()
        counters = {
            "step": self.step,
            "epoch": self.epoch,
            "offset": self.offset,
            "elapsed": self.elapsed,
            "param_groups": groups,
            "prior": None if self.prior is None else self.prior.tolist(),
        }
        try:
            state_dir = state_store.write(self.run_dir, tensors, counters)
        except state_store.StateError as exc:
            raise TrainingError(f"{exc}; {self._kept()}") from exc
        self.saved_step = self.step
        try:
            model_path = self.save_model_file()
        except (OSError, SafetensorError) as exc:
            raise TrainingError(
                f"could not write the model file in {self.run_dir}: {state_store.describe(exc)}"
                f"; {self._kept()}"
            ) from exc
        self.log.emit("checkpoint", step=self.step, path=model_path, state=state_dir)
        return model_path

    def _kept(self) -> str:
        if self.saved_step is None:
            return "no checkpoint was written yet"
        return f"the checkpoint of step {self.saved_step} is kept (--resume goes on from it)"

    def load_state(self) -> bool:
        if not state_store.exists(self.run_dir):
            return False
        try:
            tensors, counters = state_store.read(self.run_dir)
        except state_store.StateError as exc:
            raise TrainingError(f"{exc}; train into a new --out or remove that run") from exc
        for name, part in self._modules().items():
            prefix = f"{name}."
            own = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
            try:
                if name.startswith("opt"):
                    state: dict[int, dict[str, torch.Tensor]] = {}
                    for key, value in own.items():
                        idx, moment = key.split(".", 1)
                        state.setdefault(int(idx), {})[moment] = (
                            value.to(self.device) if moment != "step" else value
                        )
                    part.load_state_dict(
                        {"state": state, "param_groups": counters["param_groups"][name]}
                    )
                else:
                    part.load_state_dict(own)
            except (RuntimeError, ValueError, KeyError, TypeError) as exc:
                raise TrainingError(
                    f"{self.run_dir}: the run there was started with other settings "
                    f"({name} does not match: {str(exc).splitlines()[0]}); resume with the "
                    "same --arch, --arch-args and --disc-width, or train into a new --out"
                ) from exc
        if "rng.torch" in tensors:
            torch.set_rng_state(tensors["rng.torch"])
        self.step, self.epoch = counters["step"], counters["epoch"]
        self.offset, self.elapsed = counters["offset"], counters["elapsed"]
        self.saved_step = self.step
        if counters.get("prior") is not None:
            self.prior = np.asarray(counters["prior"])
            self.class_weights = torch.from_numpy(rebalance_weights(self.prior)).to(self.device)
        self._match_model_file()
        return True

    def _match_model_file(self) -> None:
        """A kill between the resume point and the model file leaves the model file one
        checkpoint behind (or damaged): write it again from the resume point."""
        path = self.run_dir / "model.safetensors"
        try:
            current = read_card(path).get("training", {}).get("steps")
        except (ModelFileError, OSError, AttributeError):
            current = None
        if current != self.step:
            self.save_model_file()

    # -- the model file -----------------------------------------------------------------------

    def card(self, metrics: dict[str, Any] | None = None) -> dict[str, Any]:
        cfg = self.cfg
        head = self.arch_args["kind"]
        extra: dict[str, Any] = {
            "title": cfg.name or self.run_dir.name,
            "trained_on": {
                "folder": ", ".join(data_folders(cfg.data)),
                "folders": data_folders(cfg.data),
                "counts": self.counts,
                "note": cfg.data_note,
            },
            "training": {
                "recipe": {k: v for k, v in asdict(cfg).items() if k not in ("out",)},
                "steps": self.step,
                "seconds": round(self.elapsed, 1),
                "device": str(self.device),
                "images_seen": self.step * cfg.batch,
            },
            "metrics": metrics or {},
        }
        if self.prior is not None:
            extra["prior"] = np.round(self.prior, 8).tolist()
            extra["default_temperature"] = getattr(self, "default_temperature", PAPER_TEMPERATURE)
        if self.arch_args.get("hints"):
            extra["takes_hints"] = True
            extra["hint_input"] = HINT_INPUT_NOTE
        bins = self.centres.numpy() if self.centres is not None else None
        return make_card(
            cfg.name or self.run_dir.name,
            cfg.arch,
            self.arch_args,
            head,
            cfg.working_size,
            self.stride,
            bins=bins,
            **extra,
        )

    def save_model_file(self, metrics: dict[str, Any] | None = None) -> Path:
        return save_model(
            self.run_dir / "model.safetensors",
            self.generator,
            self.card(metrics),
            half=self.cfg.half,
        )

    # -- one step -----------------------------------------------------------------------------

    def _forward(self, lab: torch.Tensor, hints: torch.Tensor | None = None) -> torch.Tensor:
        l_norm = STANDARD.l_to_net(lab[:, :1]).contiguous(memory_format=torch.channels_last)
        if hints is None:
            return self.generator(l_norm)
        return self.generator(l_norm, hints.contiguous(memory_format=torch.channels_last))

    def _simulated_hints(
        self, lab: torch.Tensor, seed: list[int], count: int | None = None
    ) -> torch.Tensor | None:
        """Hints from the truth (training.hint_sim), the same for the same seed (exact resume)."""
        if not self.arch_args.get("hints"):
            return None
        rng = np.random.default_rng(seed)
        hints = simulate_batch(lab[:, 1:].float().cpu().numpy(), rng, count)
        return torch.from_numpy(hints).to(self.device)

    def train_step(self, lab: torch.Tensor) -> dict[str, float]:
        cfg = self.cfg
        hints = self._simulated_hints(lab, [cfg.seed, self.step]) if cfg.hints else None
        lab = lab.to(self.device, non_blocking=True)
        ab = lab[:, 1:]
        losses: dict[str, torch.Tensor] = {}
        with torch.autocast(self.device.type, enabled=self.amp):
            out = self._forward(lab, hints)
            if cfg.kind == "classification":
                losses["ce"] = classification_loss(
                    out, ab, self.centres.to(self.device), self.class_weights
                )
                total = losses["ce"]
            else:
                loss_fn = rgb_loss if self.rgb_output else regression_loss
                losses["l1" if cfg.regression_loss == "l1" else "mse"] = loss_fn(
                    out, lab if self.rgb_output else ab, cfg.regression_loss
                )
                total = next(iter(losses.values()))
                if cfg.kind == "gan" and self.step >= cfg.warmup_steps:
                    l_norm = STANDARD.l_to_net(lab[:, :1])
                    fake = torch.cat([l_norm, _upsample(out, lab.shape[-2:])], dim=1)
                    real = torch.cat([l_norm, STANDARD.ab_to_net(ab)], dim=1)
                    losses["d"] = self._discriminator_step(real, fake.detach())
                    losses["g_gan"] = gan_loss(self.discriminator(fake), True)
                    total = losses["g_gan"] + cfg.lambda_l1 * losses["l1"]
        if not torch.isfinite(total):
            raise TrainingError(
                f"the loss became {total.item()} at step {self.step}; stopping "
                "(try a lower --lr); the last checkpoint is kept"
            )
        self.opt_g.zero_grad(set_to_none=True)
        self.scaler.scale(total).backward()
        self.scaler.step(self.opt_g)
        self.scaler.update()
        return {k: float(v.detach()) for k, v in losses.items()}

    def _discriminator_step(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        real_target = 1.0 - self.cfg.disc_label_smoothing
        loss = 0.5 * (
            gan_loss(self.discriminator(real), True, real_target)
            + gan_loss(self.discriminator(fake), False)
        )
        self.opt_d.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.opt_d)
        return loss.detach()

    # -- evaluation and samples ---------------------------------------------------------------

    @torch.inference_mode()
    def _predict_ab(
        self,
        lab: torch.Tensor,
        temperature: float | None = None,
        hints: torch.Tensor | None = None,
    ) -> torch.Tensor:
        self.generator.eval()
        out = self._forward(lab.to(self.device), hints).float()
        self._generator_train_mode()
        if self.centres is not None:
            t = (
                temperature
                if temperature is not None
                else getattr(self, "default_temperature", PAPER_TEMPERATURE)
            )
            ab = annealed_mean(out, self.centres, t)
        elif self.rgb_output:
            ab = torch_rgb_to_lab(out)[:, 1:]
        else:
            ab = STANDARD.ab_from_net(out)
        return _upsample(ab, lab.shape[-2:]).cpu()

    def _val_batch(self) -> torch.Tensor | None:
        if len(self.val_set) == 0:
            return None
        if not hasattr(self, "_val_cache"):
            self._val_cache = torch.stack([self.val_set[i] for i in range(len(self.val_set))])
        return self._val_cache

    def evaluate(self) -> dict[str, float]:
        """Mean ab error (and, per T for classification, colourfulness ratio) on the val photos."""
        lab = self._val_batch()
        if lab is None:
            return {}
        truth_rgb = torch_lab_to_rgb(lab).permute(0, 2, 3, 1).numpy()
        truth_colour = np.mean([colourfulness(im) for im in truth_rgb])
        temps = TEMPERATURES if self.centres is not None else (None,)
        metrics: dict[str, float] = {}
        for t in temps:
            ab = self._predict_ab(lab, t)
            pred = torch.cat([lab[:, :1], ab], dim=1)
            rgb = torch_lab_to_rgb(pred).permute(0, 2, 3, 1).numpy()
            ratio = float(np.mean([colourfulness(im) for im in rgb]) / max(truth_colour, 1e-6))
            suffix = "" if t is None else f"@T{t}"
            metrics[f"ab_l1{suffix}"] = float((ab - lab[:, 1:]).abs().mean())
            metrics[f"colourfulness_ratio{suffix}"] = ratio
        metrics["gray_ab_l1"] = float(lab[:, 1:].abs().mean())
        hints = self._simulated_hints(lab, [EVAL_HINT_SEED], count=10)
        if hints is not None:
            ab = self._predict_ab(lab, None, hints)
            metrics["ab_l1@10hints"] = float((ab - lab[:, 1:]).abs().mean())
        return metrics

    def calibrate_temperature(self, metrics: dict[str, float]) -> float:
        """Pick the T whose colourfulness on the held-out photos is closest to the truth's."""
        ratios = {t: metrics.get(f"colourfulness_ratio@T{t}") for t in TEMPERATURES}
        ratios = {t: r for t, r in ratios.items() if r is not None and r > 0}
        if not ratios:
            return PAPER_TEMPERATURE
        return min(ratios, key=lambda t: abs(math.log(ratios[t])))

    def write_sample(self) -> None:
        lab = self._val_batch()
        if lab is None:
            return
        lab = lab[:4]
        pred = torch.cat([lab[:, :1], self._predict_ab(lab)], dim=1)
        gray = torch.cat([lab[:, :1], torch.zeros_like(lab[:, 1:])], dim=1)
        rows = [
            torch.cat([torch_lab_to_rgb(x[None])[0] for x in (g, p, t)], dim=2)
            for g, p, t in zip(gray, pred, lab, strict=True)
        ]
        grid = (torch.cat(rows, dim=1).permute(1, 2, 0).numpy() * 255).astype(np.uint8)
        path = self.run_dir / "samples" / f"step_{self.step:07d}.png"
        path.parent.mkdir(exist_ok=True)
        from PIL import Image

        Image.fromarray(grid).save(path)
        self.log.emit("sample", step=self.step, path=path)

    # -- the loop -----------------------------------------------------------------------------

    def _install_signal_handlers(self) -> None:
        """The first SIGINT/SIGTERM asks the loop to stop after its step (it saves and ends
        with `done`); a second one stops at once, whatever the run is waiting for."""

        def request_stop(signum: int, frame: Any) -> None:
            if self.stop_requested:
                raise StopNow(f"stopped at once by a second {signal.Signals(signum).name}")
            self.stop_requested = True

        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                signal.signal(sig, request_stop)
            except ValueError:  # not the main thread (tests)
                pass

    def _finished(self) -> bool:
        cfg = self.cfg
        if cfg.steps is not None and self.step >= cfg.steps:
            return True
        if cfg.minutes is not None and self.elapsed >= cfg.minutes * 60:
            return True
        if cfg.epochs is not None and self.epoch >= cfg.epochs:
            return True
        return (
            cfg.steps is None and cfg.minutes is None and cfg.epochs is None and self.step >= 1000
        )

    def _eta(self, rate_steps: float) -> float | None:
        cfg = self.cfg
        candidates = []
        if cfg.steps is not None and rate_steps > 0:
            candidates.append((cfg.steps - self.step) / rate_steps)
        if cfg.minutes is not None:
            candidates.append(cfg.minutes * 60 - self.elapsed)
        return round(max(0.0, min(candidates)), 1) if candidates else None

    def run(self, resume: bool = False) -> Path | None:
        try:
            for line in state_store.recover(self.run_dir):
                print(f"{self.run_dir}: {line} (left by an interrupted run)", file=sys.stderr)
            self._prepare_data()
            self._build_models()
            resumed = self.load_state() if resume else False
        except Exception as exc:  # noqa: BLE001 - every setup failure becomes an error event
            self.log.emit("error", message=_error_message(exc))
            if isinstance(exc, (TrainingError, OSError, ValueError, ModelFileError)):
                raise
            raise TrainingError(_error_message(exc)) from exc
        (self.run_dir / "config.json").write_text(json.dumps(asdict(self.cfg), indent=2))
        self.log.emit(
            "start",
            config=asdict(self.cfg),
            device=str(self.device),
            counts=self.counts,
            resumed=resumed,
            step=self.step,
        )
        self._install_signal_handlers()
        try:
            self._loop()
            return self._finish()
        except Exception as exc:  # noqa: BLE001 - a full disk or out of memory is an event too
            message = _error_message(exc)
            if not isinstance(exc, TrainingError):
                message = f"{message}; {self._kept()}"
            self.log.emit("error", message=message, step=self.step)
            raise TrainingError(message) from exc

    def _finish(self) -> Path:
        metrics = self.evaluate()
        if self.centres is not None and not self.cfg.train_only_hints:
            # (an adapter run leaves the no-hint model as it was, its temperature too)
            self.default_temperature = self.calibrate_temperature(metrics)
            metrics["default_temperature"] = self.default_temperature
        self.log.emit("eval", step=self.step, metrics=metrics)
        model_path = self.save_state()
        self.save_model_file(metrics)
        self.log.emit(
            "done",
            step=self.step,
            path=model_path,
            stopped=self.stop_requested,
            seconds=round(self.elapsed, 1),
        )
        self.log.close()
        return model_path

    def _loop(self) -> None:
        cfg = self.cfg
        self._generator_train_mode()
        self._window = (time.perf_counter(), 0)
        self._last_tick = time.perf_counter()
        while not self._finished() and not self.stop_requested:
            if 0 < len(self.train_set) - self.offset < cfg.batch <= len(self.train_set):
                # stopped after the last full batch of an epoch: an uninterrupted run drops the
                # incomplete rest (drop_last) and goes on with the next epoch, so do the same
                self.epoch, self.offset = self.epoch + 1, 0
            sampler = ResumableSampler(len(self.train_set), cfg.seed, self.epoch, self.offset)
            loader = DataLoader(
                self.train_set,
                batch_size=cfg.batch,
                sampler=sampler,
                num_workers=cfg.workers,
                drop_last=len(sampler) >= cfg.batch,
                pin_memory=self.device.type == "cuda",
                worker_init_fn=_leave_stop_signals_to_the_trainer,
            )
            batches = iter(loader)
            try:
                finished_epoch = self._train_on(batches)
            finally:
                _close_loader(batches)
            if finished_epoch:
                self.epoch += 1
                self.offset = 0

    def _train_on(self, batches: Any) -> bool:
        """Steps over one epoch's batches; True when the epoch ran to its end."""
        cfg = self.cfg
        for lab in batches:
            losses = self.train_step(lab)
            self.step += 1
            self.offset += lab.shape[0]
            now = time.perf_counter()
            self.elapsed += now - self._last_tick
            self._last_tick = now
            window_start, window_steps = self._window[0], self._window[1] + 1
            self._window = (window_start, window_steps)
            if self.step % cfg.log_every == 0 or self.step == 1:
                rate = window_steps / max(now - window_start, 1e-6)
                self.log.emit(
                    "step",
                    step=self.step,
                    epoch=self.epoch,
                    losses=losses,
                    lr=cfg.lr,
                    images_per_s=round(rate * cfg.batch, 2),
                    eta_s=self._eta(rate),
                )
                self._window = (now, 0)
            if self.step % cfg.eval_every == 0:
                self.log.emit("eval", step=self.step, metrics=self.evaluate())
            if self.step % cfg.sample_every == 0:
                self.write_sample()
            if self.step % cfg.checkpoint_every == 0:
                self.save_state()
            if self._finished() or self.stop_requested:
                return False
        return True


class StopNow(Exception):
    """Raised by a second stop signal: the run ends at once (its last checkpoint is kept)."""


def _close_loader(batches: Any) -> None:
    """Stop a DataLoader's worker processes now, on every way out of an epoch.

    Left to garbage collection, an iterator still referenced by an exception's traceback
    keeps its workers alive until Python exits, where they ignore multiprocessing's SIGTERM
    and the process waits for them for good. Workers that do not leave when asked are killed.
    """
    shutdown = getattr(batches, "_shutdown_workers", None)
    if shutdown is not None:
        shutdown()
    for worker in getattr(batches, "_workers", []):
        if worker.is_alive():
            worker.kill()
            worker.join(timeout=5)


def _error_message(exc: BaseException) -> str:
    """One line for the error event: a DataLoader worker's exception comes back with the
    worker's whole traceback in its text; keep its last line, the error itself."""
    if isinstance(exc, TrainingError):
        return str(exc)
    text = str(exc)
    if "in DataLoader worker process" in text and "Original Traceback" in text:
        last = [line for line in text.splitlines() if line.strip()][-1]
        kind, _, detail = last.partition(": ")
        if kind.endswith("PhotoError"):
            return detail
        return f"a data loading process failed: {last}"
    if isinstance(exc, (PhotoError, StopNow)):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _leave_stop_signals_to_the_trainer(_worker_id: int) -> None:
    """DataLoader workers ignore SIGINT/SIGTERM: a Ctrl+C or a kill sent to the whole process
    group must reach the trainer alone, which finishes its step, saves and stops the workers.
    (A worker that died of the signal would instead fail the run before it could save.)"""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _upsample(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    return (
        x
        if x.shape[-2:] == size
        else F.interpolate(x, size=size, mode="bilinear", align_corners=False)
    )
