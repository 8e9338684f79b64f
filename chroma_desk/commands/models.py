"""``chroma-desk models list | info | import | fetch | export``: the model files this program can use."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from chroma_desk.models.checkpoint import ModelCard, ModelFileError

EXIT_OK, EXIT_FAILED = 0, 1
HASH_IN_NAME = re.compile(r"-([0-9a-f]{8,64})\.pth$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    listing = sub.add_parser(
        "list", help="the bundled models and your own", description="list models"
    )
    listing.add_argument(
        "--arch", action="store_true", help="the architectures instead (what `train --arch` takes)"
    )
    info = sub.add_parser("info", help="a model's card", description="print a model's card")
    info.add_argument("model", metavar="NAME|PATH")
    info.add_argument("--json", action="store_true", help="the card as JSON")
    imp = sub.add_parser(
        "import",
        help="convert an official ECCV16/SIGGRAPH17 .pth file",
        description="Convert an official Zhang et al. ECCV16 or SIGGRAPH17 .pth checkpoint "
        "into a Chroma Desk model file (loaded as plain weights: a file that tries to run "
        "code is refused).",
    )
    imp.add_argument("file", metavar="FILE.pth")
    imp.add_argument("--into", metavar="DIR", help="destination folder (default: your models)")
    fetch = sub.add_parser(
        "fetch",
        help="download an official model from its authors and import it",
        description="Download the official ECCV16 or SIGGRAPH17 weights from the authors' "
        "published address, check the sha256 prefix in the file's name, then import them.",
    )
    fetch.add_argument("which", choices=["eccv16", "siggraph17"])
    fetch.add_argument("--url", help="another address for the same file (e.g. a mirror)")
    fetch.add_argument("--into", metavar="DIR", help="destination folder (default: your models)")
    fetch.add_argument("--timeout", type=float, default=60.0, help="seconds (default 60)")
    export = sub.add_parser(
        "export",
        help="write a model's network as an ONNX file",
        description="Export a model's network to ONNX (opset 17, any height and width that "
        "are multiples of the model's stride), with the model card's facts in the ONNX "
        "metadata; checked against torch with ONNX Runtime before it is written.",
    )
    export.add_argument("model", metavar="NAME|PATH")
    export.add_argument("-o", "--output", required=True, metavar="OUT.onnx", type=Path)


def run(args: argparse.Namespace) -> int:
    action = {"list": _list, "info": _info, "import": _import, "fetch": _fetch, "export": _export}
    try:
        return action[args.models_command](args)
    except ModelFileError as exc:
        print(f"chroma-desk models {args.models_command}: {exc}", file=sys.stderr)
        return EXIT_FAILED


# -- list -----------------------------------------------------------------------------------


def _kind(card: dict[str, Any]) -> str:
    kind = card.get("kind", "?")
    if kind == "classification" and card.get("bins") is not None:
        kind += f" ({len(card['bins'])} bins)"
    return kind


def _print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _list_architectures() -> int:
    """Each registered architecture's spec: what it trains as and how it runs."""
    from chroma_desk.models.registry import SPECS

    rows = [("ARCHITECTURE", "TRAINS AS", "STRIDE", "SIZE", "WEIGHTS", "HINTS", "")]
    for spec in SPECS.values():
        if not spec.heads:
            continue  # a part (the PatchGAN discriminator), not a colouriser
        rows.append(
            (
                spec.id,
                ", ".join(spec.train_kinds) or "(not trained here)",
                str(spec.stride),
                str(spec.working_size),
                spec.pretrained or "-",
                "yes" if spec.takes_hints else "-",
                spec.label,
            )
        )
    _print_table(rows)
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from chroma_desk.models.library import bundled_dir, default_model_name, list_models, user_dir

    if getattr(args, "arch", False):
        return _list_architectures()

    entries = list_models()
    try:
        default = default_model_name()
    except ModelFileError:
        default = None
    if not entries:
        print(f"no models found (bundled: {bundled_dir()}, yours: {user_dir()})")
        return EXIT_OK
    rows = [("NAME", "ARCHITECTURE", "KIND", "SIZE", "WHERE", "")]
    for entry in entries:
        flags = []
        if entry.name == default and entry.bundled:
            flags.append("default")
        rows.append(
            (
                entry.name,
                entry.card.get("architecture", "?"),
                _kind(entry.card),
                f"{entry.path.stat().st_size / 1e6:.1f} MB",
                "bundled" if entry.bundled else "yours",
                ", ".join(flags),
            )
        )
    _print_table(rows)
    print(f"\nbundled: {bundled_dir()}\nyours:   {user_dir()}")
    return EXIT_OK


# -- info -----------------------------------------------------------------------------------


def _format_value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_format_value(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list | tuple):
        if len(value) > 8:
            return f"[{len(value)} values]"
        return ", ".join(_format_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def describe_card(card: ModelCard, path: Path) -> list[str]:
    """The card as readable lines (shared by ``models info`` and anyone who wants it)."""
    lines = []
    title = card.get("title") or card.get("name") or path.stem
    lines.append(title)
    lines.append("=" * len(title))
    size = path.stat().st_size / 1e6 if path.exists() else 0.0
    lines += [
        f"name:           {card.get('name', path.stem)}",
        f"file:           {path} ({size:.1f} MB, {card.get('dtype', '?')})",
        f"architecture:   {card.get('architecture')} ({_format_value(card.get('arguments', {}))})",
        f"kind:           {_kind(card)}",
        f"working size:   {card.get('working_size')} px (stride {card.get('stride')})",
    ]
    if card.get("kind") == "classification":
        lines.append(f"temperature:    {card['default_temperature']} (default)")
    if "prior" in card:
        lines.append(f"prior:          {len(card['prior'])} values (rebalancing)")
    shown = {
        "title", "name", "architecture", "arguments", "kind", "working_size", "stride", "bins",
        "default_temperature", "prior", "dtype", "placeholder", "format_version", "input",
        "output",
    }  # fmt: skip
    for key, value in card.items():
        if key in shown:
            continue
        label = key.replace("_", " ") + ":"
        if isinstance(value, dict) and value:
            lines.append(label)
            for k, v in value.items():
                lines.append(f"  {k + ':':<14}{_format_value(v)}")
        else:
            lines.append(f"{label:<16}{_format_value(value)}")
    lines.append(
        f"normalisation:  L as (L - {card.scaling.l_center:g}) / {card.scaling.l_scale:g}, "
        f"ab / {card.scaling.ab_scale:g}"
    )
    return lines


def _info(args: argparse.Namespace) -> int:
    from chroma_desk.models.checkpoint import read_card
    from chroma_desk.models.library import resolve_model

    path = resolve_model(args.model)
    card = read_card(path)
    if args.json:
        print(json.dumps(card.to_dict(), indent=2))
    else:
        print("\n".join(describe_card(card, path)))
    return EXIT_OK


# -- import and fetch -----------------------------------------------------------------------


def _import(args: argparse.Namespace) -> int:
    from chroma_desk.models import file_kind
    from chroma_desk.models.library import user_dir
    from chroma_desk.models.official import import_official

    src = Path(args.file)
    if not src.is_file():
        raise ModelFileError(f"{src}: no such file")
    dest = Path(args.into) if args.into else user_dir()
    if file_kind.kind(src) == "safetensors":  # anything else is said what it is, or a .pth
        path = _import_model_file(src, dest)
    else:
        path = import_official(src, dest)
    _report_import(path)
    return EXIT_OK


def _import_model_file(src: Path, dest: Path) -> Path:
    """One of our own model files: checked whole (as when it is used), then copied in."""
    from chroma_desk.models import file_kind
    from chroma_desk.models.checkpoint import copy_with_card, load_model

    file_kind.check_safetensors(src)
    card = load_model(src).card
    return copy_with_card(src, dest / src.name, card)


def _report_import(path: Path) -> None:
    from chroma_desk.models.checkpoint import read_card

    card = read_card(path)
    print(f"imported {card.get('title', card['name'])} as {card['name']!r}: {path}")
    if not card.get("source", {}).get("official", True):
        print(
            "note: this file's sha256 does not match the published file's; it was imported "
            "under a name that says so",
            file=sys.stderr,
        )


def expected_prefix(url: str, which: str) -> str:
    """The sha256 prefix a download must have: from the file name in ``url``, else the name
    the authors published."""
    from chroma_desk.models.official import PUBLISHED

    name = Path(urllib.parse.urlparse(url).path).name
    match = HASH_IN_NAME.search(name) or HASH_IN_NAME.search(PUBLISHED[which])
    assert match is not None
    return match.group(1)


def download(url: str, dest: Path, timeout: float = 60.0, progress: bool = True) -> str:
    """Stream ``url`` into ``dest``; returns the sha256 hex digest of what was written."""
    from tqdm import tqdm

    digest = hashlib.sha256()
    request = urllib.request.Request(url, headers={"User-Agent": "chroma-desk"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, dest.open("wb") as f:
            length = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(
                total=length,
                unit="B",
                unit_scale=True,
                file=sys.stderr,
                disable=not progress or None,
                desc=Path(urllib.parse.urlparse(url).path).name,
            ) as bar:
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    f.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
            if length is not None and f.tell() != length:
                raise ModelFileError(f"{url}: download cut short ({f.tell()} of {length} bytes)")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ModelFileError(f"{url}: cannot download ({reason})") from exc
    return digest.hexdigest()


def fetch_official(
    which: str, url: str | None = None, into: Path | None = None, timeout: float = 60.0
) -> Path:
    """Download an official checkpoint, check its sha256 prefix, import it; returns the model
    file. Nothing is imported when the hash or the architecture is not the one expected."""
    from chroma_desk.models.library import user_dir
    from chroma_desk.models.official import (
        PUBLISHED_URLS,
        import_official,
        read_state_dict,
        recognise,
    )

    url = url or PUBLISHED_URLS[which]
    prefix = expected_prefix(url, which)
    dest = into or user_dir()
    dest.mkdir(parents=True, exist_ok=True)
    name = Path(urllib.parse.urlparse(url).path).name or f"{which}.pth"
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=dest) as tmp:
        part = Path(tmp) / name
        digest = download(url, part, timeout)
        if not digest.startswith(prefix):
            raise ModelFileError(
                f"{url}: sha256 {digest[:12]}... does not start with {prefix}, as the file's "
                "name says it must; refused (damaged or not the published file)"
            )
        found = recognise(read_state_dict(part))
        if found != which:
            raise ModelFileError(f"{url}: this is a {found} checkpoint, not {which}")
        return import_official(part, dest)


def _fetch(args: argparse.Namespace) -> int:
    path = fetch_official(
        args.which, args.url, Path(args.into) if args.into else None, args.timeout
    )
    _report_import(path)
    return EXIT_OK


# -- export ---------------------------------------------------------------------------------


def _export(args: argparse.Namespace) -> int:
    from chroma_desk.engine.onnx_export import OnnxExportError, export_onnx
    from chroma_desk.models.checkpoint import load_model
    from chroma_desk.models.library import resolve_model

    out: Path = args.output
    if out.suffix.lower() != ".onnx":
        raise ModelFileError(f"{out}: the output must be an .onnx file")
    if not out.parent.is_dir():
        raise ModelFileError(f"{out}: the folder {out.parent} does not exist")
    model = load_model(resolve_model(args.model))
    try:
        report = export_onnx(model, out)
    except OnnxExportError as exc:
        raise ModelFileError(str(exc)) from exc
    print(f"exported {model.name} to {out} ({out.stat().st_size / 1e6:.1f} MB, opset 17)")
    print(report.message)
    return EXIT_OK
