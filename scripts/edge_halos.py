"""Where lite-gan's blue/cyan halos along strong edges come from, and crops before/after.

    python scripts/edge_halos.py [--data ../shared/datasets/val] [--limit 80]
        [--out docs/edge-halos.jpg] [--json docs/edge-halos.json]

For each photo, the pixels near strong lightness edges (Canny on L, dilated 6 px) and the rest:
the share of each painted blue where the truth is not (predicted b below -15 where the true b
is above -5: the blue/cyan halo), for each way of producing the colour, so each suspect is
tested alone:

- ``lite-gan``: the default render (bilinear upsampling, 16-px mirrored border);
- ``lite-gan, guided``: the same ab upsampled guided by L (the upsampling's share);
- ``lite-gan, no border`` / ``48-px border``: the border handling's share;
- ``lite-gan, working size``: measured on the network's own grid, before any upsampling;
- ``lite-cls``: a model of the same encoder trained without a GAN (classification).

The crops (``--out``) are the photos where lite-gan's halo share at edges is highest, around
the worst spot: truth | lite-gan | lite-gan guided | lite-cls.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from chroma_desk.color.lab import lab_to_rgb, rgb_to_lab  # noqa: E402
from chroma_desk.engine import colorizer as colorizer_module  # noqa: E402
from chroma_desk.engine.colorizer import Colorizer, join_lightness  # noqa: E402
from chroma_desk.media.images import read_image  # noqa: E402
from chroma_desk.models.library import resolve_model  # noqa: E402

BLUE = -15.0  # predicted b below this: blue (or cyan)
NOT_BLUE = -5.0  # true b above this: the truth is not blue there
CROP = 128


def edge_band(lum: np.ndarray) -> np.ndarray:
    """Pixels within 6 px of a strong lightness edge (bool, L's shape): a halo a few
    working-size pixels wide falls inside."""
    edges = cv2.Canny(np.uint8(np.clip(lum * 2.55, 0, 255)), 80, 200)
    return cv2.dilate(edges, np.ones((13, 13), np.uint8)) > 0


def halo_shares(ab: np.ndarray, ab_true: np.ndarray, band: np.ndarray) -> tuple[float, float]:
    """(share at edges, share elsewhere) of pixels painted blue where the truth is not."""
    bluer = (ab[..., 1] < BLUE) & (ab_true[..., 1] > NOT_BLUE)
    return float(bluer[band].mean()), float(bluer[~band].mean())


def with_margin(margin: int):
    """``pad_for_network`` with another border (the engine's default is 16 px)."""
    original = colorizer_module.pad_for_network

    def pad(small: np.ndarray, stride: int, _margin: int = 16):
        return original(small, stride, margin)

    return pad


def measure(paths: list[Path]) -> tuple[dict[str, list[float]], list[dict]]:
    gan = Colorizer(resolve_model("lite-gan"), device="cpu")
    cls = Colorizer(resolve_model("lite-cls"), device="cpu")
    original_pad = colorizer_module.pad_for_network
    sums: dict[str, list[float]] = {}
    per_photo = []

    def add(name: str, shares: tuple[float, float]) -> None:
        total = sums.setdefault(name, [0.0, 0.0])
        total[0] += shares[0]
        total[1] += shares[1]

    for path in paths:
        rgb = np.ascontiguousarray(read_image(path).rgb, dtype=np.float32)
        lab = rgb_to_lab(rgb)
        lum, ab_true = np.ascontiguousarray(lab[..., 0]), lab[..., 1:]
        band = edge_band(lum)
        if band.mean() < 0.01:
            continue
        h, w = lum.shape
        results = {}
        for name, colorizer, guided, margin in (
            ("lite-gan", gan, False, 16),
            ("lite-gan, guided", gan, True, 16),
            ("lite-gan, no border", gan, False, 0),
            ("lite-gan, 48-px border", gan, False, 48),
            ("lite-cls", cls, False, 16),
        ):
            colorizer_module.pad_for_network = with_margin(margin)
            try:
                small = colorizer.ab(colorizer.predict_lightness([lum])[0])
            finally:
                colorizer_module.pad_for_network = original_pad
            rendered = rgb_to_lab(join_lightness(lum, small, guided=guided))[..., 1:]
            results[name] = rendered
            add(name, halo_shares(rendered, ab_true, band))
            if name == "lite-gan":  # the network's own grid, before any upsampling
                sh, sw = small.shape[:2]
                true_small = cv2.resize(ab_true, (sw, sh), interpolation=cv2.INTER_AREA)
                lum_small = cv2.resize(lum, (sw, sh), interpolation=cv2.INTER_AREA)
                add("lite-gan, working size", halo_shares(small, true_small, edge_band(lum_small)))
        bluer = (results["lite-gan"][..., 1] < BLUE) & (ab_true[..., 1] > NOT_BLUE)
        score = cv2.boxFilter((bluer & band).astype(np.float32), -1, (CROP // 2, CROP // 2))
        y, x = np.unravel_index(int(np.argmax(score)), score.shape)
        per_photo.append(
            {
                "path": path,
                "score": float(score[y, x]),
                "centre": (int(y), int(x)),
                "rgb": rgb,
                "lum": lum,
                "renders": results,
                "size": (h, w),
            }
        )
    n = len(per_photo)
    return {k: [v[0] / n, v[1] / n] for k, v in sums.items()}, per_photo


def crop(image: np.ndarray, centre: tuple[int, int]) -> np.ndarray:
    h, w = image.shape[:2]
    side = min(CROP, h, w)
    y0 = min(max(0, centre[0] - side // 2), h - side)
    x0 = min(max(0, centre[1] - side // 2), w - side)
    out = image[y0 : y0 + side, x0 : x0 + side]
    return cv2.resize(out, (CROP * 2, CROP * 2), interpolation=cv2.INTER_NEAREST)


def label(tile: np.ndarray, text: str) -> np.ndarray:
    tile = tile.copy()
    cv2.rectangle(tile, (0, 0), (tile.shape[1], 22), (0, 0, 0), -1)
    cv2.putText(tile, text, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
    return tile


def sheet(per_photo: list[dict], count: int) -> np.ndarray:
    worst = sorted(per_photo, key=lambda p: -p["score"])[:count]
    rows = []
    for item in worst:
        lum = item["lum"]
        tiles = [label(crop(np.uint8(item["rgb"] * 255 + 0.5), item["centre"]), "truth")]
        for name, title in (
            ("lite-gan", "lite-gan (default)"),
            ("lite-gan, guided", "lite-gan, guided"),
            ("lite-cls", "lite-cls (no GAN)"),
        ):
            lab = np.dstack([lum, item["renders"][name]]).astype(np.float32)
            rgb = np.uint8(lab_to_rgb(lab) * 255 + 0.5)
            tiles.append(label(crop(rgb, item["centre"]), title))
        rows.append(np.hstack(tiles))
    return np.vstack(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets" / "val"))
    parser.add_argument("--limit", type=int, default=80)
    parser.add_argument("--crops", type=int, default=4)
    parser.add_argument("--out", default=str(REPO / "docs" / "edge-halos.jpg"))
    parser.add_argument("--json", default=str(REPO / "docs" / "edge-halos.json"))
    args = parser.parse_args()
    paths = sorted(p for p in Path(args.data).rglob("*") if p.suffix.lower() in {".jpg", ".png"})
    shares, per_photo = measure(paths[: args.limit])
    print(
        f"{len(per_photo)} photos; share of pixels painted blue (b < {BLUE:g}) where the truth is not"
    )
    print(f"{'':26s} {'at edges':>9s} {'elsewhere':>9s} {'ratio':>6s}")
    for name, (edge, rest) in shares.items():
        print(f"{name:26s} {edge:9.4f} {rest:9.4f} {edge / max(rest, 1e-9):6.2f}")
    image = sheet(per_photo, args.crops)
    tmp = Path(args.out).with_suffix(".part.jpg")
    cv2.imwrite(str(tmp), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
    tmp.replace(args.out)
    record = {
        "command": "python scripts/edge_halos.py " + " ".join(sys.argv[1:]),
        "photos": len(per_photo),
        "halo_pixel": f"predicted b < {BLUE:g} where the true b > {NOT_BLUE:g}",
        "shares": {k: {"edges": round(v[0], 4), "elsewhere": round(v[1], 4)} for k, v in shares.items()},
        "crops": [str(p["path"].name) for p in sorted(per_photo, key=lambda p: -p["score"])[: args.crops]],
    }  # fmt: skip
    Path(args.json).write_text(json.dumps(record, indent=2) + "\n")
    print(f"written {args.out} and {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
