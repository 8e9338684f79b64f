"""The desktop entry, the AppStream metadata and the icon set under packaging/ and resources/."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from chroma_desk.media.images import IMAGE_SUFFIXES
from chroma_desk.paths import icons_dir, resources_dir

REPO = Path(__file__).resolve().parents[1]
APP_ID = "org.chromadesk.ChromaDesk"
DESKTOP = REPO / "packaging" / f"{APP_ID}.desktop"
METAINFO = REPO / "packaging" / f"{APP_ID}.metainfo.xml"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# the shared-mime-info type of each suffix the app opens (Python's mimetypes lacks some)
IMAGE_MIME = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".gif": "image/gif",
}


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="needs desktop-file-utils")
def test_desktop_entry_validates() -> None:
    result = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, check=False
    )
    problems = [line for line in result.stdout.splitlines() if "error" in line or "warning" in line]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="needs appstream")
def test_metainfo_validates() -> None:
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_desktop_entry_opens_every_format_the_app_reads() -> None:
    entry = desktop_entry()
    assert entry["Exec"].split() == ["chroma-desk", "%F"]
    assert entry["Icon"] == APP_ID
    mime = set(entry["MimeType"].strip(";").split(";"))
    for suffix in IMAGE_SUFFIXES:  # a new format in media/images.py needs a line here and there
        assert IMAGE_MIME.get(suffix) in mime, f"{suffix}: add its MIME type to the desktop entry"
    for video in ("video/mp4", "video/quicktime", "video/x-matroska", "video/webm"):
        assert video in mime


def test_metainfo_matches_the_desktop_entry() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("icon") == desktop_entry()["Icon"]
    screenshots = [image.text for image in root.iter("image")]
    assert len(screenshots) == 4
    for url in screenshots:
        name = url.rsplit("/", 1)[-1]
        assert url.endswith(f"/docs/{name}") and name.startswith("screenshot-"), url
    from chroma_desk import __version__

    assert root.find("releases/release").get("version") == __version__


def test_icon_set_is_complete_and_square() -> None:
    from PIL import Image

    hicolor = icons_dir() / "hicolor"
    for size in ICON_SIZES:
        path = hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        with Image.open(path) as image:
            assert image.size == (size, size) and image.mode == "RGBA", path
            alpha = image.getchannel("A")
            assert alpha.getpixel((size // 2, size // 2)) == 255  # opaque in the middle
    assert (hicolor / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    assert icons_dir().parent == resources_dir()


def test_icon_pngs_are_rendered_from_the_svgs() -> None:
    """The committed PNGs are what packaging/render_icons.py makes of the SVG sources now."""
    pytest.importorskip("PySide6.QtSvg")
    result = subprocess.run(
        [sys.executable, str(REPO / "packaging" / "render_icons.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_everything_but_two_architectures_runs_without_torchvision() -> None:
    """The CPU bundle leaves torchvision out: only building resnet18-unet or vgg16-cls needs it."""
    code = (
        "import sys; sys.modules['torchvision'] = None\n"  # makes `import torchvision` fail
        "import chroma_desk.cli, chroma_desk.engine.colorizer, chroma_desk.models.registry as r\n"
        "chroma_desk.cli.build_parser()\n"
        "r.build('pix2pix-unet', depth=3, width=8)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=REPO
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_bundle_pins_satisfy_the_project_requirements() -> None:
    """The bundle's build venv may not drift outside pyproject's ranges (PySide6 6.12.0 aborts).

    torch is the one exception on purpose: the bundle takes the 2.13.0 CPU wheel to stay small.
    """
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {canonicalize_name(r.name): r for r in map(Requirement, project["dependencies"])}
    lines = (REPO / "packaging" / "requirements-bundle.txt").read_text().splitlines()
    pins = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    checked = []
    for pin in pins:
        name = canonicalize_name(pin.name)
        if name in wanted and name not in {"torch", "torchvision"}:
            (version,) = [spec.version for spec in pin.specifier]
            assert wanted[name].specifier.contains(version), f"{pin} outside {wanted[name]}"
            checked.append(name)
    assert {"pyside6-essentials", "pyside6-addons", "numpy", "av"} <= set(checked)
