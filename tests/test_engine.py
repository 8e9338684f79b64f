"""The engine: full resolution and exact lightness kept, re-render without the network, alpha,
batches equal single photos; the batch job (planning, order, failures, stopping early)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from modelkit import make_lite_model
from PIL import Image
from skimage import data

from chroma_desk.color.lab import lightness
from chroma_desk.engine.batch import FileResult, Summary, Task, colorize_files, plan
from chroma_desk.engine.colorizer import Colorizer, working_shape
from chroma_desk.media.images import read_image
from chroma_desk.models.library import bundled_dir, list_models


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("engine-models")
    return {
        "classification": make_lite_model(folder, "tiny-cls", "classification"),
        "regression": make_lite_model(folder, "tiny-reg", "regression"),
    }


@pytest.fixture(scope="module")
def cls(models: dict[str, Path]) -> Colorizer:
    return Colorizer(models["classification"], device="cpu")


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """A real photo at an odd size (not a multiple of any stride), float32 RGB."""
    rgb = data.coffee()[:397, :533]
    return rgb.astype(np.float32) / 255.0


def gray_photo(rgb: np.ndarray) -> np.ndarray:
    g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return np.repeat(g[..., None], 3, axis=2)


def test_working_shape_keeps_aspect_and_pads_to_stride() -> None:
    assert working_shape(397, 533, 128, 32) == (95, 128, 96, 128)
    assert working_shape(3000, 4000, 256, 32) == (192, 256, 192, 256)
    h, w, ph, pw = working_shape(100, 1000, 256, 32)
    assert (h, w) == (26, 256) and ph % 32 == 0 and pw % 32 == 0 and ph >= h


@pytest.mark.parametrize("kind", ["classification", "regression"])
def test_full_resolution_and_exact_lightness(
    models: dict[str, Path], photo: np.ndarray, kind: str, tmp_path: Path
) -> None:
    colorizer = Colorizer(models[kind], device="cpu")
    for rgb in (photo, gray_photo(photo)):
        prediction = colorizer.predict(rgb)
        out = colorizer.render(prediction)
        assert out.shape == rgb.shape and out.dtype == np.float32
        assert 0.0 <= out.min() and out.max() <= 1.0
        l_in, l_out = lightness(rgb), lightness(out)
        assert np.abs(l_out - l_in).mean() < 0.5, np.abs(l_out - l_in).mean()
    # and after saving as 8-bit PNG and reading back
    from chroma_desk.media.images import write_image

    saved = read_image(write_image(tmp_path / "out.png", out))
    assert np.abs(saved.lightness() - lightness(gray_photo(photo))).mean() < 0.5


def test_output_has_colour(cls: Colorizer, photo: np.ndarray) -> None:
    out = cls.colorize(gray_photo(photo), temperature=0.2)
    ab = cv2.cvtColor(out, cv2.COLOR_RGB2Lab)[..., 1:]
    assert np.abs(ab).mean() > 1.0  # random weights, but not gray


def test_rerender_at_new_temperature_skips_the_network(cls: Colorizer, photo: np.ndarray) -> None:
    prediction = cls.predict(photo)
    calls = cls.forward_calls
    images = [cls.render(prediction, t) for t in (0.1, 0.38, 1.0)]
    assert cls.forward_calls == calls
    assert not np.allclose(images[0], images[2])  # temperature changes the colour
    assert np.array_equal(cls.render(prediction, 0.38), images[1])  # and is repeatable


def test_batch_equals_single(cls: Colorizer, photo: np.ndarray) -> None:
    variants = [photo, photo[::-1].copy(), gray_photo(photo), photo[:, :300].copy()]
    calls = cls.forward_calls
    batch = cls.predict_batch(variants)
    assert cls.forward_calls == calls + 2  # three share a working shape, one differs
    for rgb, pred in zip(variants, batch, strict=True):
        single = cls.predict(rgb)
        assert np.allclose(pred.raw.numpy(), single.raw.numpy(), atol=1e-4)
        assert np.abs(cls.render(pred) - cls.render(single)).max() < 1e-3


def test_alpha_is_kept_by_the_batch_job(cls: Colorizer, tmp_path: Path) -> None:
    g = cv2.cvtColor(data.astronaut()[::4, ::4], cv2.COLOR_RGB2GRAY)
    alpha = np.full(g.shape, 255, np.uint8)
    alpha[:30] = 0
    alpha[30:60] = 100
    src = tmp_path / "cutout.png"
    Image.fromarray(np.dstack([g, alpha]), mode="LA").save(src)
    results = list(colorize_files(cls, plan([src])))
    assert results[0].ok, results[0].error
    out = read_image(results[0].output)
    assert out.alpha is not None
    assert np.array_equal(np.round(out.alpha * 255).astype(np.uint8), alpha)


@pytest.mark.skipif(
    not any(e.bundled for e in list_models()), reason=f"no bundled model in {bundled_dir()}"
)
def test_bundled_default_model_colourizes(photo: np.ndarray) -> None:
    from chroma_desk.models.library import resolve_model

    colorizer = Colorizer(resolve_model(None), device="cpu")
    out = colorizer.colorize(gray_photo(photo))
    assert out.shape == photo.shape
    assert np.abs(lightness(out) - lightness(gray_photo(photo))).mean() < 0.5


# -- planning -------------------------------------------------------------------------------


def _touch_photo(path: Path, value: int = 128) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((40, 48), value, np.uint8)).save(path)
    return path


def test_plan_for_one_file(tmp_path: Path) -> None:
    src = _touch_photo(tmp_path / "a.jpg")
    assert plan([src])[0].output == tmp_path / "a_color.jpg"
    assert plan([src], fmt="png")[0].output == tmp_path / "a_color.png"
    assert plan([src], tmp_path / "result.tiff")[0].output == tmp_path / "result.tiff"
    assert plan([src], tmp_path / "named")[0].output == tmp_path / "named.jpg"
    (tmp_path / "outdir").mkdir()
    assert plan([src], tmp_path / "outdir")[0].output == tmp_path / "outdir" / "a_color.jpg"
    assert plan([src], str(tmp_path / "new") + "/")[0].output == tmp_path / "new" / "a_color.jpg"
    gif = _touch_photo(tmp_path / "b.gif")
    assert plan([gif])[0].output.suffix == ".png"


def test_plan_for_folders_mirrors_subfolders(tmp_path: Path) -> None:
    root = tmp_path / "scans"
    for rel in ("a.jpg", "1950s/b.png", "1950s/beach/c.tif", ".hidden/d.jpg", "notes.txt"):
        if rel.endswith(".txt"):
            (root / rel).write_text("x")
        else:
            _touch_photo(root / rel)
    tasks = plan([root], tmp_path / "out")
    got = sorted(str(t.output.relative_to(tmp_path / "out")) for t in tasks)
    assert got == ["1950s/b_color.png", "1950s/beach/c_color.tiff", "a_color.jpg"]
    # without -o: a sibling folder
    assert {t.output.parent.relative_to(tmp_path).parts[0] for t in plan([root])} == {"scans_color"}
    # two folders: each its own subfolder
    other = tmp_path / "more"
    _touch_photo(other / "a.jpg")
    outs = {
        t.output.relative_to(tmp_path / "out").as_posix()
        for t in plan([root, other], tmp_path / "out")
    }
    assert "scans/a_color.jpg" in outs and "more/a_color.jpg" in outs


def test_plan_globs_collisions_and_missing(tmp_path: Path) -> None:
    _touch_photo(tmp_path / "x" / "p.jpg")
    _touch_photo(tmp_path / "y" / "p.jpg")
    tasks = plan([str(tmp_path / "*" / "p.jpg")], tmp_path / "out", fmt="png")
    assert sorted(t.output.name for t in tasks) == ["p_color (2).png", "p_color.png"]
    tasks = plan([str(tmp_path / "*.nothing"), str(tmp_path / "gone.jpg")], tmp_path / "o")
    assert [t.error is not None for t in tasks] == [True, True]
    assert "no files match" in tasks[0].error and "no such file" in tasks[1].error
    # a file given twice is done once
    p = tmp_path / "x" / "p.jpg"
    assert len(plan([p, p, str(tmp_path / "x" / "*.jpg")], tmp_path / "o")) == 1


def test_plan_never_targets_an_input(tmp_path: Path) -> None:
    src = _touch_photo(tmp_path / "a.png")
    tasks = plan([src], suffix="")
    assert tasks[0].error is not None and "overwrite an input" in tasks[0].error
    # a result landing on another input of the same run
    _touch_photo(tmp_path / "a_color.png")
    tasks = plan([tmp_path / "a.png", tmp_path / "a_color.png"])
    assert any(t.error and "overwrite an input" in t.error for t in tasks)


# -- the job --------------------------------------------------------------------------------


def test_job_keeps_order_goes_past_failures_and_counts(cls: Colorizer, tmp_path: Path) -> None:
    src = tmp_path / "in"
    for i in range(5):
        _touch_photo(src / f"{i}.png", 40 * i)
    (src / "2.png").write_text("not a photo")
    (src / "4.png").write_bytes(b"")
    tasks = plan([src], tmp_path / "out")
    results = list(colorize_files(cls, tasks, batch_size=2))
    assert [r.index for r in results] == [1, 2, 3, 4, 5]
    assert [r.source.name for r in results] == ["0.png", "1.png", "2.png", "3.png", "4.png"]
    assert [r.ok for r in results] == [True, True, False, True, False]
    assert all(str(r.source) in r.error for r in results if not r.ok)
    summary = Summary()
    for r in results:
        summary.add(r)
    assert (summary.done, len(summary.failed)) == (3, 2)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "0_color.png",
        "1_color.png",
        "3_color.png",
    ]
    # skip_existing leaves done results alone
    again = list(colorize_files(cls, tasks, skip_existing=True))
    assert sum(r.skipped for r in again) == 3


def test_batched_job_writes_the_same_files_as_one_by_one(cls: Colorizer, tmp_path: Path) -> None:
    g = cv2.cvtColor(data.astronaut()[::4, ::4], cv2.COLOR_RGB2GRAY)
    for i in range(4):
        Image.fromarray(np.roll(g, 10 * i, axis=0)).save(tmp_path / f"{i}.png")
    one = list(
        colorize_files(
            cls, plan([tmp_path / f"{i}.png" for i in range(4)], tmp_path / "one"), batch_size=1
        )
    )
    many = list(
        colorize_files(
            cls, plan([tmp_path / f"{i}.png" for i in range(4)], tmp_path / "many"), batch_size=4
        )
    )
    assert all(r.ok for r in one + many)
    for a, b in zip(one, many, strict=True):
        pa = np.asarray(Image.open(a.output), dtype=int)
        pb = np.asarray(Image.open(b.output), dtype=int)
        assert np.abs(pa - pb).max() <= 1


def test_stopping_early_leaves_only_whole_files(cls: Colorizer, tmp_path: Path) -> None:
    for i in range(6):
        _touch_photo(tmp_path / "in" / f"{i}.png", 30 * i)
    job = colorize_files(cls, plan([tmp_path / "in"], tmp_path / "out"), batch_size=2)
    first = next(job)
    assert isinstance(first, FileResult) and first.ok
    job.close()
    written = sorted((tmp_path / "out").iterdir())
    assert 1 <= len(written) < 6
    assert all(p.suffix == ".png" and not p.name.startswith(".") for p in written)
    for p in written:
        assert read_image(p).size == (48, 40)


def test_missing_input_is_a_failed_result_not_a_crash(cls: Colorizer, tmp_path: Path) -> None:
    tasks = [Task(tmp_path / "gone.png", tmp_path / "gone_color.png", None)]
    (result,) = list(colorize_files(cls, tasks))
    assert not result.ok and "gone.png" in result.error and "no such file" in result.error


def test_guided_upsampling_is_an_option_of_the_render_step(
    models: dict[str, Path], photo: np.ndarray
) -> None:
    """A real photo's L with its true ab taken down to a working size: the guided filter
    keeps the photo's L and stays near the truth (it smooths a little: bilinear is closer on
    this photo, as on val, which is why it is not the default), and only the render changes."""
    from chroma_desk.color.lab import rgb_to_lab
    from chroma_desk.engine.colorizer import join_lightness

    lab = rgb_to_lab(photo)
    lum = np.ascontiguousarray(lab[..., 0])
    h, w = lum.shape
    ab_small = cv2.resize(lab[..., 1:], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    errors = {}
    for guided in (False, True):
        out = rgb_to_lab(join_lightness(lum, ab_small, guided=guided))
        assert np.abs(out[..., 0] - lum).mean() < 0.5  # the photo's own L (but where clipped)
        errors[guided] = float(np.hypot(*(out[..., 1:] - lab[..., 1:]).transpose(2, 0, 1)).mean())
    assert errors[False] < errors[True] < 6.0  # ab units: a broken filter is off by tens
    colorizer = Colorizer(models["regression"], device="cpu", upsampling="guided")
    prediction = colorizer.predict(photo)
    calls = colorizer.forward_calls
    assert colorizer.render(prediction).shape == photo.shape
    assert colorizer.forward_calls == calls
    with pytest.raises(ValueError, match="upsampling is one of bilinear, guided"):
        Colorizer(models["regression"], device="cpu", upsampling="bicubic")
