"""The command line: `colorize` on real folders, `models list|info|import|fetch`, `bench`."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from modelkit import make_lite_model
from PIL import Image
from skimage import data

from chroma_desk.cli import main
from chroma_desk.models.checkpoint import read_card


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_lite_model(tmp_path_factory.mktemp("cli-models"), "tiny-cli", working_size=96)


def _gray(i: int) -> np.ndarray:
    g = cv2.cvtColor(data.astronaut()[::4, ::4], cv2.COLOR_RGB2GRAY)
    return np.roll(g, 17 * i, axis=1)


@pytest.fixture
def album(tmp_path: Path) -> Path:
    """A folder of old photos with subfolders, odd names and one bad file."""
    root = tmp_path / "album"
    (root / "1950s" / "beach trip").mkdir(parents=True)
    (root / "Ünïcode ok").mkdir()
    Image.fromarray(_gray(0)).save(root / "portrait.jpg")
    Image.fromarray(_gray(1)).save(root / "1950s" / "wedding.png")
    Image.fromarray(_gray(2)).save(root / "1950s" / "beach trip" / "sea side.tif")
    Image.fromarray(_gray(3)).save(root / "Ünïcode ok" / "grand-mère.jpg")
    (root / "1950s" / "broken.jpg").write_text("this is not a JPEG")
    return root


def test_colorize_a_folder_mirrors_it_and_lists_the_failure(
    album: Path, model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p: p.read_bytes() for p in album.rglob("*") if p.is_file()}
    out = tmp_path / "coloured"
    code = main(["colorize", str(album), "-o", str(out), "--model", str(model), "-q"])
    captured = capsys.readouterr()
    assert code == 1
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == [
        "1950s/beach trip/sea side_color.tiff",
        "1950s/wedding_color.png",
        "portrait_color.jpg",
        "Ünïcode ok/grand-mère_color.jpg",
    ]
    assert "4 colourized" in captured.out and "1 failed" in captured.out
    failures = [line for line in captured.err.splitlines() if "broken.jpg" in line]
    assert len(failures) == 1 and str(album / "1950s" / "broken.jpg") in failures[0]
    # inputs untouched, full size kept
    assert {p: p.read_bytes() for p in album.rglob("*") if p.is_file()} == before
    assert Image.open(out / "portrait_color.jpg").size == (128, 128)
    assert Image.open(out / "portrait_color.jpg").mode == "RGB"


def test_colorize_one_file_with_options(
    album: Path, model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = album / "1950s" / "wedding.png"
    target = tmp_path / "result.jpg"
    args = ["colorize", str(src), "-o", str(target), "--model", str(model)]
    code = main([*args, "--temperature", "0.2", "--size", "64", "--quality", "80", "-q"])
    assert code == 0, capsys.readouterr().err
    assert Image.open(target).format == "JPEG" and Image.open(target).size == (128, 128)
    assert "1 colourized, 0 failed" in capsys.readouterr().out
    # default: beside the input, with the suffix, same kind of file
    assert main(["colorize", str(src), "--model", str(model), "--format", "tiff", "-q"]) == 0
    assert (album / "1950s" / "wedding_color.tiff").is_file()


def test_colorize_globs(album: Path, model: Path, tmp_path: Path) -> None:
    out = tmp_path / "globbed"
    pattern = str(album / "**" / "*.jpg")
    code = main(
        ["colorize", pattern, "-o", str(out), "--model", str(model), "--format", "png", "-q"]
    )
    assert code == 1  # broken.jpg matches too
    assert sorted(p.name for p in out.iterdir()) == ["grand-mère_color.png", "portrait_color.png"]


def test_colorize_never_overwrites_an_input(
    album: Path, model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = album / "portrait.jpg"
    before = src.read_bytes()
    code = main(["colorize", str(src), "--suffix", "", "--model", str(model), "-q"])
    assert code == 1
    assert src.read_bytes() == before
    assert "overwrite an input" in capsys.readouterr().err


def test_colorize_usage_errors(
    album: Path, model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["colorize", str(album), "--model", str(model), "--temperature", "3"]) == 2
    assert "--temperature" in capsys.readouterr().err
    assert main(["colorize", str(album), "--model", "no-such-model"]) == 2
    assert "no-such-model" in capsys.readouterr().err
    assert main(["colorize", str(album / "nothing-here.jpg"), "--model", str(model), "-q"]) == 1
    assert "no such file" in capsys.readouterr().err


# -- models -------------------------------------------------------------------------------


def test_models_list_and_info(
    model: Path, user_models_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = make_lite_model(user_models_dir, "my-model", "regression", title="A stand-in")
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("my-model"))
    assert "lite-unet" in line and "yours" in line
    assert main(["models", "info", "my-model"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("A stand-in") and str(mine) in out
    assert main(["models", "info", str(model)]) == 0
    out = capsys.readouterr().out
    assert "classification (262 bins)" in out
    assert main(["models", "info", str(model), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "tiny-cli"
    assert main(["models", "info", "nope"]) == 1
    assert "no model named 'nope'" in capsys.readouterr().err


def _official_eccv16(path: Path) -> Path:
    from test_models import eccv16_layout, random_state

    torch.save(random_state(eccv16_layout()), path)
    return path


def test_models_import(
    tmp_path: Path, user_models_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _official_eccv16(tmp_path / "colorization_release_v2.pth")
    assert main(["models", "import", str(src)]) == 0
    imported = list(user_models_dir.glob("zhang-eccv16-*.safetensors"))
    assert len(imported) == 1 and read_card(imported[0])["architecture"] == "eccv16"
    assert "imported" in capsys.readouterr().out
    into = tmp_path / "elsewhere"
    assert main(["models", "import", str(src), "--into", str(into)]) == 0
    assert len(list(into.glob("*.safetensors"))) == 1
    junk = tmp_path / "junk.pth"
    junk.write_text("not a checkpoint")
    assert main(["models", "import", str(junk)]) == 1
    assert "junk.pth" in capsys.readouterr().err


@pytest.fixture
def http_folder(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A local HTTP server (never the internet) serving a folder."""
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_models_fetch_checks_the_hash_then_imports(
    http_folder: tuple[Path, str],
    tmp_path: Path,
    user_models_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, base = http_folder
    made = _official_eccv16(tmp_path / "made.pth")
    digest = hashlib.sha256(made.read_bytes()).hexdigest()[:8]
    good = f"colorization_release_v2-{digest}.pth"
    (folder / good).write_bytes(made.read_bytes())
    (folder / "colorization_release_v2-00000000.pth").write_bytes(made.read_bytes())

    assert main(["models", "fetch", "eccv16", "--url", f"{base}/{good}"]) == 0
    models = list(user_models_dir.glob("*.safetensors"))
    assert [read_card(p)["source"]["sha256_prefix"] for p in models] == [digest]
    capsys.readouterr()

    # a file whose hash does not match its name is refused and nothing is imported
    bad = f"{base}/colorization_release_v2-00000000.pth"
    assert main(["models", "fetch", "eccv16", "--url", bad, "--into", str(tmp_path / "b")]) == 1
    err = capsys.readouterr().err
    assert "does not start with 00000000" in err and "refused" in err
    assert not list((tmp_path / "b").glob("*.safetensors"))
    # the wrong architecture, a missing file: clear errors
    assert (
        main(
            [
                "models",
                "fetch",
                "siggraph17",
                "--url",
                f"{base}/{good}",
                "--into",
                str(tmp_path / "c"),
            ]
        )
        == 1
    )
    assert "not siggraph17" in capsys.readouterr().err
    assert main(["models", "fetch", "eccv16", "--url", f"{base}/gone-12345678.pth"]) == 1
    assert "cannot download" in capsys.readouterr().err
    leftovers = [p for p in user_models_dir.rglob("*") if p.suffix != ".safetensors"]
    assert leftovers == []


# -- bench --------------------------------------------------------------------------------


def test_bench_writes_json_and_runs_extra_sections(
    model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from chroma_desk.commands import bench

    monkeypatch.setattr(bench, "SIZES", [("0.3 MP", 64, 48), ("2 MP", 96, 72), ("12 MP", 128, 96)])
    monkeypatch.setattr(bench, "JOIN_SIZE", (96, 72))
    monkeypatch.setattr(bench, "_video_section", lambda: None)
    seen = {}

    def extra(models: list[Path], quick: bool) -> dict:
        seen["args"] = (models, quick)
        return {
            "fps": 12.5,
            "table": {"title": "extra figures", "columns": ["a", "b"], "rows": [[1, 2.5]]},
        }

    monkeypatch.setattr(bench, "SECTIONS", [("extra", extra)])
    out = tmp_path / "b.json"
    args = ["bench", "--quick", "--models", str(model), "--json", str(out)]
    assert main([*args, "--backends", "torch", "onnx"]) == 0
    printed = capsys.readouterr().out
    report = json.loads(out.read_text())
    assert [(r["name"], r["backend"]) for r in report["models"]] == [
        ("tiny-cli", "torch"),
        ("tiny-cli", "onnx"),
    ]
    for result in report["models"]:
        assert [row["size"] for row in result["photo"]] == ["0.3 MP", "2 MP", "12 MP"]
        for row in result["photo"]:
            for key in ("load_ms", "predict_ms", "render_ms", "save_jpeg_ms", "save_png_ms"):
                assert row[key] >= 0
            assert row["total_jpeg_ms"] == pytest.approx(
                row["load_ms"] + row["predict_ms"] + row["render_ms"] + row["save_jpeg_ms"],
                abs=0.2,
            )
        assert result["rerender_2mp_ms"] > 0 and result["network_256_ms"] > 0
        assert result["rerender_forward_calls"] == 0  # counted, not assumed
    assert report["join"]["speedup"] > 0 and report["join"]["mean_abs_difference"] < 0.01
    assert report["extra"]["fps"] == 12.5 and seen["args"] == ([model], True)
    assert "extra figures" in printed and "re-render" in printed and "skimage" in printed
    assert "tiny-cli (torch)" in report["targets"] and "tiny-cli (onnx)" in report["targets"]
    agreement = report["agreement"]["tiny-cli"]
    assert agreement["onnx_vs_torch_mean_255"] < 0.5
    ratios = report["backend_ratios"]["tiny-cli"]
    assert ratios["onnx_speedup"]["network_256_ms"] > 0
    assert ratios["targets"]["photo_difference_255"]["ok"] is True
    assert "torch against ONNX Runtime" in printed
    # the model takes no hints: the hint click is timed on an untrained hint model
    (hint,) = report["hints"]
    assert hint["name"] == "untrained-lite-cls-hints" and hint["total_ms"] >= hint["rehint_ms"] > 0
    assert "hint click to new colours at 2 MP" in printed
