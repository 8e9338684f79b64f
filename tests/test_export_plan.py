"""Planning an export of chosen photos into one folder (the window's Export All)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chroma_desk.engine.export_plan import existing_targets, output_path, plan_export


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_results_keep_their_subfolder_below_the_dropped_folder(tmp_path):
    album = tmp_path / "album"
    a, b = touch(album / "a.jpg"), touch(album / "1950s" / "b.png")
    loose = touch(tmp_path / "elsewhere" / "c.tif")
    out = tmp_path / "out"
    tasks = plan_export([(a, album), (b, album), (loose, loose.parent)], out, "jpg")
    assert [t.output for t in tasks] == [
        out / "a_color.jpg",
        out / "1950s" / "b_color.jpg",
        out / "c_color.jpg",
    ]
    assert output_path(b, tmp_path / "unrelated", out, "tiff", "") == out / "b.tiff"


def test_existing_files_are_kept_replaced_or_skipped_as_asked(tmp_path):
    src = touch(tmp_path / "in" / "p.png")
    out = tmp_path / "out"
    touch(out / "p_color.png")
    touch(out / "p_color (2).png")
    sources = [(src, src.parent)]
    assert existing_targets(sources, out, "png") == ([out / "p_color.png"], [])
    assert (
        plan_export(sources, out, "png", conflict="keep-both")[0].output == out / "p_color (3).png"
    )
    assert plan_export(sources, out, "png", conflict="replace")[0].output == out / "p_color.png"
    assert plan_export(sources, out, "png", conflict="skip") == []
    with pytest.raises(ValueError):
        plan_export(sources, out, "png", conflict="overwrite")


def test_an_original_is_never_a_target_and_two_photos_never_share_one(tmp_path):
    folder = tmp_path / "in"
    jpg, png = touch(folder / "p.jpg"), touch(folder / "p.png")
    sources = [(jpg, folder), (png, folder)]
    # same folder, no suffix, PNG: p.png would replace the original p.png
    others, originals = existing_targets(sources, folder, "png", suffix="")
    assert originals == [folder / "p.png"] * 2  # both results would land on p.png
    tasks = plan_export(sources, folder, "png", suffix="", conflict="replace")
    outputs = [t.output for t in tasks]
    assert png not in outputs
    assert len(set(outputs)) == 2
    assert outputs == [folder / "p (2).png", folder / "p (3).png"]
