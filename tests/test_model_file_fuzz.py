"""Fuzzing the model-file reader with hypothesis: mutated safetensors headers, forged tensor
tables and hostile cards. Every input either loads or raises ``ModelFileError``; anything else
(a crash, another exception type) fails. Files are a few kB (a 1-channel-wide plain-unet), so
memory stays bounded by construction and the test checks the process did not grow.

In the suite: a fixed, derandomised set of a few thousand inputs (same inputs every run).
On demand, for as long as you like with fresh random inputs:

    CHROMA_DESK_FUZZ_MINUTES=60 .venv/bin/python -m pytest -q -p no:timeout \
        tests/test_model_file_fuzz.py
"""

from __future__ import annotations

import json
import os
import resource
import struct
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import save

from chroma_desk.models.checkpoint import CARD_KEY, ModelFileError, load_model, make_card
from chroma_desk.models.registry import build

FUZZ_MINUTES = float(os.environ.get("CHROMA_DESK_FUZZ_MINUTES", "0") or 0)
ARGS = {"kind": "classification", "bins": 2, "width": 1}
BINS = [[-20.0, 10.0], [30.0, -40.0]]
DTYPES = ["F16", "F32", "BF16", "F64", "I64", "I32", "U8", "BOOL", "F8_E4M3", "X9", ""]


def good_card() -> dict[str, Any]:
    return make_card("fuzz", "plain-unet", ARGS, "classification", 64, 16, bins=BINS).to_dict()


GOOD_TENSORS = {k: v.contiguous() for k, v in build("plain-unet", **ARGS).state_dict().items()}
GOOD_FILE = save(GOOD_TENSORS, metadata={CARD_KEY: json.dumps(good_card())})
HEADER_END = 8 + struct.unpack("<Q", GOOD_FILE[:8])[0]
GOOD_HEADER = json.loads(GOOD_FILE[8:HEADER_END])
DATA = GOOD_FILE[HEADER_END:]

json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.sampled_from([0, -1, 1, 3, 16, 64, 1e9, 10**6, 2**63, float("nan"), float("inf")])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
CARD_PATHS = [
    *([k] for k in good_card()),
    ["input", "l_center"],
    ["input", "l_scale"],
    ["output", "ab_scale"],
    ["output", "space"],
    ["arguments", "kind"],
    ["arguments", "bins"],
    ["arguments", "width"],
    ["arguments", "depth"],
    ["arguments", "hints"],
    ["bins", 0],
    ["bins", 1, 0],
]


@st.composite
def hostile_cards(draw: st.DrawFn) -> Any:
    """A good card with a few fields replaced by any JSON value, or removed; now and then not a
    card at all."""
    if draw(st.integers(0, 19)) == 0:
        return draw(json_values)
    card = good_card()
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(CARD_PATHS))
        parent: Any = card
        for key in path[:-1]:
            parent = parent[key] if _has(parent, key) else None
        if parent is None or not isinstance(parent, dict | list):
            continue
        if draw(st.booleans()) and isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif _has(parent, path[-1]) or isinstance(parent, dict):
            parent[path[-1]] = draw(json_values)
    return card


def _has(container: Any, key: Any) -> bool:
    if isinstance(container, dict):
        return key in container
    return isinstance(container, list) and isinstance(key, int) and key < len(container)


def safetensors_bytes(header: Any, data: bytes) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


@st.composite
def forged_tables(draw: st.DrawFn) -> bytes:
    """The real card over a tensor table with wrong dtypes, shapes, offsets or names."""
    header = json.loads(json.dumps(GOOD_HEADER))
    names = [k for k in header if k != "__metadata__"]
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(names))
        entry = header[name]
        what = draw(st.sampled_from(["dtype", "shape", "offsets", "rename", "drop", "any"]))
        if what in ("dtype", "shape", "offsets") and not isinstance(entry, dict):
            continue
        if what == "dtype":
            entry["dtype"] = draw(st.sampled_from(DTYPES))
        elif what == "shape":
            entry["shape"] = draw(st.lists(st.integers(-2, 2**40), max_size=5))
        elif what == "offsets":
            entry["data_offsets"] = draw(st.lists(st.integers(-2, 2**40), max_size=3))
        elif what == "rename":
            header[draw(st.text(max_size=12))] = header.pop(name)
            names.remove(name)
        elif what == "drop" and len(names) > 1:
            del header[name]
            names.remove(name)
        else:
            header[name] = draw(json_values)
        if not names:
            break
    if draw(st.booleans()):
        header["__metadata__"][CARD_KEY] = json.dumps(draw(hostile_cards()))
    cut = draw(st.integers(0, len(DATA)))
    return safetensors_bytes(header, DATA[:cut] if draw(st.booleans()) else DATA)


@st.composite
def mutated_bytes(draw: st.DrawFn) -> bytes:
    """The good file with a few bytes of its length prefix or header flipped, cut or inserted."""
    data = bytearray(GOOD_FILE)
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, min(len(data), HEADER_END)))
        op = draw(st.sampled_from(["set", "insert", "delete", "truncate"]))
        if op == "set" and pos < len(data):
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 16))]
        else:
            del data[draw(st.integers(0, len(data))) :]
    return bytes(data)


@st.composite
def hostile_card_files(draw: st.DrawFn) -> bytes:
    card = draw(hostile_cards())
    header = {**json.loads(json.dumps(GOOD_HEADER)), "__metadata__": {CARD_KEY: json.dumps(card)}}
    return safetensors_bytes(header, DATA)


FOLDER = Path(tempfile.mkdtemp(prefix="chroma-desk-fuzz-"))


def check_reader(content: bytes) -> None:
    """Loads, or refuses with ModelFileError; any other outcome fails the test."""
    path = FOLDER / "model.safetensors"
    path.write_bytes(content)
    try:
        loaded = load_model(path)
    except ModelFileError as exc:
        assert str(path) in str(exc)
        return
    assert loaded.card.architecture == "plain-unet"


def run(strategy: st.SearchStrategy[bytes], examples: int) -> None:
    """``examples`` fixed inputs in the suite; with CHROMA_DESK_FUZZ_MINUTES, fresh random ones
    until the time is up."""

    def fresh() -> Callable[..., None]:  # hypothesis decorates a function once
        def test(content: bytes) -> None:
            check_reader(content)

        return given(strategy)(test)

    common = dict(
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if FUZZ_MINUTES <= 0:
        settings(max_examples=examples, derandomize=True, **common)(fresh())()
    else:
        end = time.monotonic() + FUZZ_MINUTES * 60 / 4  # four strategies share the time
        while time.monotonic() < end:
            settings(max_examples=500, derandomize=False, **common)(fresh())()
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 512, f"the reader's process grew by {grown_mib:.0f} MiB"


def test_good_fuzz_seed_loads() -> None:
    check_reader(GOOD_FILE)
    assert load_model(FOLDER / "model.safetensors").card.bins == tuple(map(tuple, BINS))


def test_fuzz_hostile_cards() -> None:
    run(hostile_card_files(), 1200)


def test_fuzz_forged_tensor_tables() -> None:
    run(forged_tables(), 700)


def test_fuzz_mutated_header_bytes() -> None:
    run(mutated_bytes(), 700)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00" * 8,
        struct.pack("<Q", 2**63) + b"{}",
        struct.pack("<Q", 10**8) + b"{" * 1000,
        safetensors_bytes({"__metadata__": {CARD_KEY: "[" * 100_000}}, b""),
        safetensors_bytes({"__metadata__": {CARD_KEY: "9" * 5000}}, b""),
        safetensors_bytes({"__metadata__": {CARD_KEY: '{"stride": 1' + "0" * 400 + "}"}}, b""),
    ],
    ids=["empty", "zero-length", "huge-length", "deep-header", "deep-card", "long-int", "big"],
)
def test_fuzz_corner_inputs(content: bytes) -> None:
    check_reader(content)
