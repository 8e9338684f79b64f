"""ONNX export and the inference backends: the round trip, the switch, the cache."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch
from modelkit import make_lite_model
from skimage import data

from chroma_desk.cli import main
from chroma_desk.engine import backends
from chroma_desk.engine.backends import BackendInputError, OnnxBackend, cache_dir
from chroma_desk.engine.colorizer import Colorizer
from chroma_desk.models.checkpoint import load_model, read_card

LOGGER = "chroma_desk.engine.backends"


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("onnx-models")
    return {
        "cls": make_lite_model(folder, "onnx-cls", working_size=96, seed=3),
        "reg": make_lite_model(folder, "onnx-reg", kind="regression", working_size=96, seed=4),
    }


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """A real photo, gray, float32 RGB: an old print."""
    gray = data.camera()[::2, ::2].astype(np.float32) / 255.0
    return np.repeat(gray[..., None], 3, axis=2)


@pytest.mark.parametrize("kind", ["cls", "reg"])
def test_export_round_trip_two_sizes(
    models: dict[str, Path], kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "model.onnx"
    assert main(["models", "export", str(models[kind]), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "ONNX Runtime reproduces torch within 1e-04" in printed
    assert out.is_file() and not list(tmp_path.glob(".*.tmp"))  # renamed, no leftovers
    loaded = load_model(models[kind])
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    for shape in [(1, 1, 96, 128), (2, 1, 160, 64)]:
        x = rng.uniform(-0.5, 0.5, shape).astype(np.float32)
        (got,) = session.run(None, {"lightness": x})
        with torch.inference_mode():
            expected = loaded.module(torch.from_numpy(x)).numpy()
        assert got.shape == expected.shape
        assert got.shape[0] == shape[0] and got.shape[1] == (262 if kind == "cls" else 2)
        np.testing.assert_allclose(got, expected, atol=1e-4)
    meta = session.get_modelmeta().custom_metadata_map
    card = read_card(models[kind])
    assert meta["chroma_desk.kind"] == card["kind"]
    assert int(meta["chroma_desk.working_size"]) == 96 and int(meta["chroma_desk.stride"]) == 32
    assert float(meta["chroma_desk.l_center"]) == 50.0 and float(meta["chroma_desk.l_scale"]) == 100
    assert float(meta["chroma_desk.default_temperature"]) == card.get("default_temperature", 0.38)
    assert json.loads(meta["chroma_desk.card"]) == card.to_dict()
    if kind == "cls":
        assert np.array_equal(json.loads(meta["chroma_desk.bins"]), card["bins"])


def test_export_refuses_a_bad_output(models: dict[str, Path], tmp_path: Path) -> None:
    assert main(["models", "export", str(models["cls"]), "-o", str(tmp_path / "x.pth")]) == 1
    assert main(["models", "export", str(models["cls"]), "-o", str(tmp_path / "no/x.onnx")]) == 1
    assert not list(tmp_path.rglob("*"))


@pytest.mark.parametrize("kind", ["cls", "reg"])
def test_backend_switch_gives_the_same_photo(
    models: dict[str, Path], kind: str, photo: np.ndarray
) -> None:
    on_torch = Colorizer(models[kind], device="cpu", backend="torch")
    on_onnx = Colorizer(models[kind], device="cpu", backend="onnx")
    assert (on_torch.backend.name, on_onnx.backend.name) == ("torch", "onnx")
    assert Colorizer(models[kind], device="cpu").backend.name == "onnx"  # the CPU default
    a, b = on_torch.colorize(photo, 0.3), on_onnx.colorize(photo, 0.3)
    assert a.shape == b.shape == photo.shape
    assert np.abs(a - b).mean() * 255 < 0.5
    assert np.abs(a - photo).mean() * 255 > 0.5  # and there is colour to compare


def test_cli_backend_flag(models: dict[str, Path], tmp_path: Path) -> None:
    src = tmp_path / "old.png"
    from PIL import Image

    Image.fromarray(data.camera()[::2, ::2]).save(src)
    outs = {}
    for backend in ("torch", "onnx"):
        out = tmp_path / f"{backend}.png"
        args = ["colorize", str(src), "-o", str(out), "--model", str(models["cls"]), "-q"]
        assert main([*args, "--backend", backend]) == 0
        outs[backend] = np.asarray(Image.open(out), dtype=np.float32)
    assert np.abs(outs["torch"] - outs["onnx"]).mean() < 0.5


def test_cache_is_made_once_and_rebuilt_when_missing_or_corrupt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CHROMA_DESK_CACHE", str(tmp_path / "cache"))
    model = make_lite_model(tmp_path, "cache-me", working_size=64, seed=5)
    caplog.set_level(logging.WARNING, logger=LOGGER)

    def open_and_tell() -> tuple[Colorizer, str]:
        caplog.clear()
        c = Colorizer(model, device="cpu", backend="onnx")
        assert c.backend.name == "onnx"
        return c, caplog.text

    _, said = open_and_tell()
    (cached,) = cache_dir().glob("*.onnx")
    assert cache_dir() == tmp_path / "cache" / "onnx"
    assert "exporting it to ONNX" in said and "cache-me" in said
    made = cached.stat().st_ino  # a new export is a new file (written, then renamed)

    _, said = open_and_tell()  # found: no export, no message
    assert said == "" and cached.stat().st_ino == made

    cached.write_bytes(cached.read_bytes()[:5000])  # cut short
    c, said = open_and_tell()
    assert "unreadable" in said and str(cached) in said
    assert c.colorize(np.full((40, 60, 3), 0.5, np.float32)).shape == (40, 60, 3)

    cached.unlink()
    _, said = open_and_tell()
    assert "exporting it to ONNX" in said and cached.is_file()
    assert not [p for p in cache_dir().iterdir() if p != cached]  # no temp files left


def test_cache_is_keyed_by_the_file_contents(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CHROMA_DESK_CACHE", str(tmp_path / "cache"))
    model = make_lite_model(tmp_path, "keyed", working_size=64, seed=6)
    Colorizer(model, device="cpu", backend="onnx")
    make_lite_model(tmp_path, "keyed", working_size=64, seed=7)  # same name, new weights
    Colorizer(model, device="cpu", backend="onnx")
    assert len(list(cache_dir().glob("keyed-*.onnx"))) == 2


def test_torch_runs_it_with_a_message_where_onnx_cannot(
    models: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=LOGGER)
    in_memory = load_model(models["reg"])
    in_memory.path = None
    c = Colorizer(in_memory, device="cpu", backend="onnx")
    assert c.backend.name == "torch" and "not from a file" in caplog.text
    assert Colorizer(models["reg"], device="cpu", backend="torch").backend.name == "torch"
    with pytest.raises(ValueError, match="unknown backend"):
        Colorizer(models["reg"], device="cpu", backend="tensorrt")


def test_inputs_the_onnx_file_lacks_fall_back_to_torch(
    models: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    c = Colorizer(models["reg"], device="cpu", backend="onnx")
    assert isinstance(c.backend, OnnxBackend)
    x = np.zeros((1, 1, 64, 64), np.float32)
    with pytest.raises(BackendInputError, match="takes 1 input"):
        c.backend.run([x, x])

    class Hinted(torch.nn.Module):  # stands for a network given extra inputs (colour hints)
        def forward(self, x: torch.Tensor, hints: torch.Tensor | None = None) -> torch.Tensor:
            return x.repeat(1, 2, 1, 1) * 0.0

    c.backend = _TwoInputs(c.backend)
    c.torch_backend = backends.TorchBackend(Hinted(), torch.device("cpu"))
    caplog.set_level(logging.WARNING, logger=LOGGER)
    raw = c.forward(np.zeros((1, 64, 64), np.float32))
    assert raw.shape == (1, 2, 64, 64) and "running on torch from now on" in caplog.text
    assert c.backend is c.torch_backend


class _TwoInputs:
    """An ONNX backend asked for two inputs, as a hint model's would be."""

    name = "onnx"

    def __init__(self, inner: OnnxBackend) -> None:
        self.inner = inner

    def run(self, inputs: list[np.ndarray]) -> np.ndarray:
        return self.inner.run([*inputs, inputs[0]])


def test_a_hint_model_runs_on_onnx_with_and_without_hints(
    tmp_path: Path, photo: np.ndarray
) -> None:
    from test_hints import make_hint_model

    from chroma_desk.engine.hints import Hint

    model = make_hint_model(tmp_path, "onnx-hints")
    on_torch = Colorizer(model, device="cpu", backend="torch")
    on_onnx = Colorizer(model, device="cpu", backend="onnx")
    assert on_onnx.backend.name == "onnx"
    session_inputs = [i.name for i in on_onnx.backend._session().get_inputs()]
    assert session_inputs == ["lightness", "hints"]
    hints = [Hint(40, 60, (200, 30, 30), 5.0), Hint(200, 150, (20, 60, 220), 3.0)]
    for given in (None, hints):
        a = on_torch.render(on_torch.predict(photo, given))
        b = on_onnx.render(on_onnx.predict(photo, given))
        assert np.abs(a - b).mean() * 255 < 0.5
    plain = on_onnx.render(on_onnx.predict(photo))
    hinted = on_onnx.render(on_onnx.predict(photo, hints))
    assert np.abs(plain - hinted).max() * 255 > 5  # the hints reached the network


def test_a_hint_model_on_onnx_given_no_hint_maps_gets_zero_hints(tmp_path: Path) -> None:
    from test_hints import make_hint_model

    c = Colorizer(make_hint_model(tmp_path, "onnx-hints-video"), device="cpu", backend="onnx")
    batch = np.random.default_rng(2).uniform(-0.5, 0.5, (1, 96, 128)).astype(np.float32)
    zeros = np.zeros((1, 3, 96, 128), np.float32)
    assert np.array_equal(c.forward(batch).numpy(), c.forward(batch, zeros).numpy())
    assert c.backend.name == "onnx"  # no fallback: the video path works through ONNX too


def test_the_cache_keeps_only_the_most_recently_used_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    monkeypatch.setenv("CHROMA_DESK_CACHE", str(tmp_path / "cache"))
    cache_dir().mkdir(parents=True)
    old = []
    for i in range(backends.CACHE_KEEP + 2):  # exports of earlier model versions
        p = cache_dir() / f"old-{i:02d}-v1.onnx"
        p.write_bytes(b"x")
        os.utime(p, (1000 + i, 1000 + i))
        old.append(p)
    Colorizer(make_lite_model(tmp_path, "newest", working_size=64, seed=8), backend="onnx")
    left = sorted(p.name for p in cache_dir().glob("*.onnx"))
    assert len(left) == backends.CACHE_KEEP
    assert any(n.startswith("newest-") for n in left)
    assert [p.name for p in old[-(backends.CACHE_KEEP - 1) :]] == [
        n for n in left if n.startswith("old")
    ]


def test_a_session_outlives_its_cached_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHROMA_DESK_CACHE", str(tmp_path / "cache"))
    c = Colorizer(make_lite_model(tmp_path, "pruned", working_size=64, seed=9), backend="onnx")
    before = c.colorize(np.full((40, 60, 3), 0.4, np.float32))
    c.backend.path.unlink()  # another process pruned the cache
    threads = torch.get_num_threads()
    torch.set_num_threads(threads + 1)  # a thread count with no session yet
    try:
        after = c.colorize(np.full((40, 60, 3), 0.4, np.float32))
    finally:
        torch.set_num_threads(threads)
    assert np.array_equal(before, after)
