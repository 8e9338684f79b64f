"""Architectures, the official ECCV16/SIGGRAPH17 layouts, our model file and its failure modes."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from modelkit import make_lite_model
from safetensors.torch import save_file

from chroma_desk.color.bins import gamut_bins
from chroma_desk.models.checkpoint import (
    CARD_KEY,
    ModelFileError,
    load_model,
    make_card,
    read_card,
    save_model,
)
from chroma_desk.models.official import import_official, read_state_dict, recognise
from chroma_desk.models.registry import build

# -- every architecture builds and runs -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs", "in_shape", "out_shape"),
    [
        ("eccv16", {}, (1, 1, 64, 64), (1, 313, 16, 16)),
        ("siggraph17", {}, (1, 1, 64, 64), (1, 2, 64, 64)),
        ("pix2pix-unet", {"depth": 5, "width": 8}, (2, 1, 64, 64), (2, 2, 64, 64)),
        ("patchgan", {"width": 8}, (1, 3, 64, 64), (1, 1, 6, 6)),
        ("lite-unet", {"kind": "classification", "bins": 262}, (1, 1, 64, 96), (1, 262, 16, 24)),
        ("lite-unet", {"kind": "regression"}, (2, 1, 64, 64), (2, 2, 16, 16)),
        ("resnet18-unet", {"kind": "regression"}, (1, 1, 64, 64), (1, 2, 16, 16)),
        ("resnet18-unet", {"kind": "classification", "bins": 50}, (1, 1, 64, 64), (1, 50, 16, 16)),
    ],
)
def test_each_architecture_builds_and_runs(name, kwargs, in_shape, out_shape) -> None:  # noqa: ANN001
    torch.manual_seed(0)
    module = build(name, **kwargs).eval()
    with torch.inference_mode():
        out = module(torch.rand(in_shape) - 0.5)
    assert tuple(out.shape) == out_shape
    assert torch.isfinite(out).all()
    if name in ("siggraph17", "pix2pix-unet") or kwargs.get("kind") == "regression":
        assert out.abs().max() <= 1.0  # ab / 110 through tanh


def test_unknown_architecture_or_argument_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown architecture 'nope'"):
        build("nope")
    with pytest.raises(ValueError, match="bad arguments for architecture 'lite-unet'"):
        build("lite-unet", colour="blue")


# -- the official layouts, written down from the authors' published code ---------------------


def _conv(keys: dict, prefix: str, cin: int, cout: int, k: int = 3, bias: bool = True) -> None:
    keys[f"{prefix}.weight"] = (cout, cin, k, k)
    if bias:
        keys[f"{prefix}.bias"] = (cout,)


def _deconv(keys: dict, prefix: str, cin: int, cout: int) -> None:
    keys[f"{prefix}.weight"] = (cin, cout, 4, 4)  # ConvTranspose2d stores (in, out, k, k)
    keys[f"{prefix}.bias"] = (cout,)


def _bn(keys: dict, prefix: str, c: int) -> None:
    for name in ("weight", "bias", "running_mean", "running_var"):
        keys[f"{prefix}.{name}"] = (c,)


def _vgg_blocks(keys: dict, first_in: int) -> None:
    """model1..model7 of both networks: [conv, ReLU]* then BatchNorm, as nn.Sequential."""
    blocks = {
        1: [first_in, 64, 64],
        2: [64, 128, 128],
        3: [128, 256, 256, 256],
        4: [256, 512, 512, 512],
        5: [512, 512, 512, 512],
        6: [512, 512, 512, 512],
        7: [512, 512, 512, 512],
    }
    for n, ch in blocks.items():
        for i, (cin, cout) in enumerate(zip(ch[:-1], ch[1:], strict=True)):
            _conv(keys, f"model{n}.{2 * i}", cin, cout)
        _bn(keys, f"model{n}.{2 * (len(ch) - 1)}", ch[-1])


def eccv16_layout() -> dict[str, tuple[int, ...]]:
    """Key -> shape of colorization_release_v2-9b330a0b.pth (richzhang/colorization, eccv16.py)."""
    keys: dict[str, tuple[int, ...]] = {}
    _vgg_blocks(keys, 1)
    _deconv(keys, "model8.0", 512, 256)
    _conv(keys, "model8.2", 256, 256)
    _conv(keys, "model8.4", 256, 256)
    _conv(keys, "model8.6", 256, 313, k=1)
    _conv(keys, "model_out", 313, 2, k=1, bias=False)
    return keys


def siggraph17_layout() -> dict[str, tuple[int, ...]]:
    """Key -> shape of siggraph17-df00044c.pth (richzhang/colorization, siggraph17.py)."""
    keys: dict[str, tuple[int, ...]] = {}
    _vgg_blocks(keys, 4)
    _deconv(keys, "model8up.0", 512, 256)
    _conv(keys, "model3short8.0", 256, 256)
    _conv(keys, "model8.1", 256, 256)
    _conv(keys, "model8.3", 256, 256)
    _bn(keys, "model8.5", 256)
    _deconv(keys, "model9up.0", 256, 128)
    _conv(keys, "model2short9.0", 128, 128)
    _conv(keys, "model9.1", 128, 128)
    _bn(keys, "model9.3", 128)
    _deconv(keys, "model10up.0", 128, 128)
    _conv(keys, "model1short10.0", 64, 128)
    _conv(keys, "model10.1", 128, 128)
    _conv(keys, "model_class.0", 256, 529, k=1)
    _conv(keys, "model_out.0", 128, 2, k=1)
    return keys


def parameter_count(layout: dict[str, tuple[int, ...]]) -> int:
    return sum(
        int(np.prod(shape))
        for key, shape in layout.items()
        if not key.endswith(("running_mean", "running_var"))
    )


def grid_centres(n: int = 313) -> torch.Tensor:
    """``n`` distinct ab centres on the grid of 10, as the official model_out holds them."""
    cells = [(a, b) for a in range(-110, 101, 10) for b in range(-110, 101, 10)]
    return torch.tensor(cells[:n], dtype=torch.float32)


def random_state(layout: dict[str, tuple[int, ...]], seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in layout.items():
        if key.endswith("running_var"):
            state[key] = torch.rand(shape, generator=g) + 0.5
        else:
            state[key] = torch.randn(shape, generator=g) * 0.02
    if "model_out.weight" in state:  # ECCV16: softmax -> ab / 110 holds the bin centres
        state["model_out.weight"] = (grid_centres().t() / 110.0)[:, :, None, None].contiguous()
    return state


def test_official_layouts_have_the_published_parameter_counts() -> None:
    assert parameter_count(eccv16_layout()) == 32_236_011
    assert parameter_count(siggraph17_layout()) == 34_187_027
    for name, layout in (("eccv16", eccv16_layout()), ("siggraph17", siggraph17_layout())):
        module = build(name)
        assert sum(p.numel() for p in module.parameters()) == parameter_count(layout)
        ours = {k: tuple(v.shape) for k, v in module.state_dict().items()}
        ours = {k: v for k, v in ours.items() if not k.endswith("num_batches_tracked")}
        assert ours == layout


@pytest.mark.parametrize(
    ("arch", "with_batch_counters"), [("eccv16", False), ("eccv16", True), ("siggraph17", True)]
)
def test_official_checkpoints_import_strictly(
    tmp_path: Path, arch: str, with_batch_counters: bool
) -> None:
    layout = eccv16_layout() if arch == "eccv16" else siggraph17_layout()
    state = random_state(layout)
    if with_batch_counters:  # files saved by newer PyTorch also carry these
        for key in [k for k in state if k.endswith("running_mean")]:
            state[key.replace("running_mean", "num_batches_tracked")] = torch.tensor(0)
    src = tmp_path / f"{arch}.pth"
    torch.save(state, src)
    assert recognise(read_state_dict(src)) == arch
    out = import_official(src, tmp_path / "models")
    card = read_card(out)
    assert card["architecture"] == arch
    assert card["source"]["official"] is False  # random weights: not the published file
    assert card["source"]["sha256_prefix"] in out.name
    loaded = load_model(out)
    for key, value in state.items():
        if value.is_floating_point():
            assert torch.equal(loaded.module.state_dict()[key], value), key
    if arch == "eccv16":
        assert card["kind"] == "classification"
        assert np.array_equal(np.array(card["bins"]), grid_centres().numpy())
        assert torch.equal(loaded.bins, grid_centres())
    else:
        assert card["kind"] == "regression"
    with torch.inference_mode():
        y = loaded.module(torch.zeros(1, 1, 32, 32))
    assert y.shape[1] == (313 if arch == "eccv16" else 2)


def test_eccv16_centres_must_sit_on_the_grid(tmp_path: Path) -> None:
    state = random_state(eccv16_layout())
    state["model_out.weight"] = state["model_out.weight"] + 3.0 / 110.0  # 3 ab units off
    torch.save(state, tmp_path / "off.pth")
    with pytest.raises(ModelFileError, match="grid of 10"):
        import_official(tmp_path / "off.pth", tmp_path / "models")


def test_official_checkpoint_with_missing_keys_is_refused(tmp_path: Path) -> None:
    state = random_state(siggraph17_layout())
    del state["model5.0.bias"]
    torch.save(state, tmp_path / "cut.pth")
    with pytest.raises(ModelFileError) as err:
        import_official(tmp_path / "cut.pth", tmp_path / "models")
    assert "cut.pth" in str(err.value) and "model5.0.bias" in str(err.value)
    assert not (tmp_path / "models").exists() or not list((tmp_path / "models").iterdir())


def test_unrecognised_state_dict_is_refused(tmp_path: Path) -> None:
    torch.save({"conv.weight": torch.zeros(2, 2)}, tmp_path / "other.pth")
    with pytest.raises(ModelFileError, match="other.pth.*not an ECCV16 or SIGGRAPH17"):
        import_official(tmp_path / "other.pth", tmp_path)


# -- pickles that try to run code ------------------------------------------------------------


class _Payload:
    """Unpickling this creates ``marker``, with ``open`` or through a shell with os.system."""

    def __init__(self, marker: Path, shell: bool) -> None:
        self.marker, self.shell = str(marker), shell

    def __reduce__(self):  # noqa: ANN204
        if self.shell:
            return (os.system, (f"touch '{self.marker}'",))
        return (open, (self.marker, "w"))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize(
    ("container", "shell", "reason"),
    [
        ("torch-zip", True, f"unsupported GLOBAL {os.system.__module__}.system"),
        ("torch-zip", False, f"unsupported GLOBAL {open.__module__}.open"),
        ("legacy-pickle", False, "Unsupported operand"),
    ],
)
def test_pickle_that_runs_code_is_refused_and_never_runs(
    tmp_path: Path, container: str, shell: bool, reason: str
) -> None:
    marker = tmp_path / "pwned"
    evil = tmp_path / "colorization_release_v2-9b330a0b.pth"
    state = random_state(eccv16_layout())
    state["model1.0.weight"] = _Payload(marker, shell)  # type: ignore[assignment]
    if container == "torch-zip":
        torch.save(state, evil)
    else:
        with evil.open("wb") as f:
            pickle.dump(state, f)
    assert not marker.exists()
    with pytest.raises(ModelFileError) as err:
        import_official(evil, tmp_path / "models")
    message = str(err.value)
    assert str(evil) in message and "refused" in message
    assert reason in message  # torch's own reason, kept
    assert "weights_only" not in message  # never the advice to turn the protection off
    assert "\n" not in message.strip()
    assert not marker.exists(), "the pickle's code ran"
    assert not (tmp_path / "models").exists() or not list((tmp_path / "models").iterdir())


# -- our model file ------------------------------------------------------------------------


def test_save_load_round_trip(tmp_path: Path) -> None:
    path = make_lite_model(tmp_path, kind="classification", trained_on="nothing", seed=3)
    loaded = load_model(path)
    card = read_card(path)
    assert card["name"] == "tiny-lite" and card["trained_on"] == "nothing"
    assert card["dtype"] == "float16" and loaded.kind == "classification"
    assert len(card["bins"]) == loaded.bins.shape[0] == 262
    # weights come back as the fp16 of what was saved; the module rebuilt from the card alone
    torch.manual_seed(3)
    original = build("lite-unet", kind="classification", bins=262).eval()
    for key, value in original.state_dict().items():
        got = loaded.module.state_dict()[key]
        if value.is_floating_point():
            assert torch.allclose(got, value.half().float()), key
        else:
            assert torch.equal(got, value), key
    x = torch.rand(1, 1, 64, 64) - 0.5
    with torch.inference_mode():
        assert torch.allclose(loaded.module(x), original.half().float()(x), atol=1e-4)
    # fp32 files keep the exact values
    exact = save_model(tmp_path / "exact.safetensors", original, card, half=False)
    exact_state = load_model(exact).module.state_dict()
    for key, value in original.state_dict().items():
        assert torch.equal(exact_state[key], value), key
    # readable like any file the user saves (mkstemp's 0600 is not kept), no temporary left
    umask = os.umask(0)
    os.umask(umask)
    assert exact.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []


def test_model_file_with_missing_weights_is_refused(tmp_path: Path) -> None:
    path = make_lite_model(tmp_path)
    card = read_card(path)
    module = build("lite-unet", kind="classification", bins=262)
    tensors = {
        k: v.contiguous() for k, v in module.state_dict().items() if not k.startswith("head")
    }
    cut = tmp_path / "cut.safetensors"
    save_file(tensors, str(cut), metadata={CARD_KEY: json.dumps(card.to_dict())})
    with pytest.raises(ModelFileError) as err:
        load_model(cut)
    assert str(cut) in str(err.value) and "missing" in str(err.value) and "head" in str(err.value)


def test_model_file_with_wrong_shapes_is_refused(tmp_path: Path) -> None:
    bins = gamut_bins()[:100]
    card = make_card(
        "m", "lite-unet", {"kind": "classification", "bins": 100}, "classification", 128, 32,
        bins=bins,
    )  # fmt: skip
    module = build("lite-unet", kind="classification", bins=262)
    path = tmp_path / "shapes.safetensors"
    save_file(
        {k: v.contiguous() for k, v in module.state_dict().items()},
        str(path),
        metadata={CARD_KEY: json.dumps(card.to_dict())},
    )
    with pytest.raises(ModelFileError, match="has shape"):
        load_model(path)


def test_not_a_safetensors_file_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "photo.safetensors"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    with pytest.raises(ModelFileError) as err:
        load_model(junk)
    assert str(junk) in str(err.value) and "safetensors" in str(err.value)
    pth = tmp_path / "weights.pth"
    torch.save(build("lite-unet").state_dict(), pth)
    with pytest.raises(ModelFileError, match="weights.pth"):
        read_card(pth)


def test_safetensors_without_a_card_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bare.safetensors"
    save_file({"x": torch.zeros(2)}, str(path))
    with pytest.raises(ModelFileError, match="without a Chroma Desk model card"):
        read_card(path)


def test_truncated_model_file_is_a_clear_error(tmp_path: Path) -> None:
    path = make_lite_model(tmp_path)
    data = path.read_bytes()
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError) as err:
        load_model(cut)
    assert str(cut) in str(err.value)
    header_only = tmp_path / "header.safetensors"
    header_only.write_bytes(data[:20])
    with pytest.raises(ModelFileError, match="header.safetensors"):
        load_model(header_only)


def test_card_naming_an_unknown_architecture_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "future.safetensors"
    card = make_card("future", "hyper-net", {}, "regression", 256, 32)
    save_file({"x": torch.zeros(2)}, str(path), metadata={CARD_KEY: json.dumps(card.to_dict())})
    with pytest.raises(ModelFileError, match="unknown architecture 'hyper-net'"):
        load_model(path)
