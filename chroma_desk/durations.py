"""Durations as people read them, one formatter for the whole program.

``clock=True`` for lengths and positions in media (``0:07``, ``1:02:03``, ``0:07.5`` with
``decimals=1``); otherwise in words for elapsed and remaining time (``42 s``, ``5 min 03 s``,
``12 min``, ``3 h 05 min``). Unknown (None, NaN, infinite) is a dash.
"""

from __future__ import annotations

import math

UNKNOWN = "\N{EN DASH}"


def format_duration(seconds: float | None, clock: bool = False, decimals: int = 0) -> str:
    if seconds is None or not math.isfinite(seconds):
        return UNKNOWN
    seconds = max(0.0, float(seconds))
    if clock:
        return _clock(seconds, decimals)
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 600:
        return f"{whole // 60} min {whole % 60:02d} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _clock(seconds: float, decimals: int) -> str:
    scale = 10**decimals
    total = round(seconds * scale)
    minutes, rest = divmod(total, 60 * scale)
    hours, minutes = divmod(minutes, 60)
    width = 2 + (decimals + 1 if decimals else 0)
    secs = f"{rest / scale:0{width}.{decimals}f}"
    return f"{hours}:{minutes:02d}:{secs}" if hours else f"{minutes}:{secs}"
