"""Readable units for people: sizes in B/KiB/MiB/GiB/TiB, durations in s/min/h/days, and
the parsers for what people type (``100MB``, ``1.5GiB``, ``45s``, ``2h``, ``1d``).

Pure functions, no I/O: the CLI tables, the JSON's ``*_text`` fields and the web pages all
format through here, so a size or a wait reads the same on every surface (issue 18). Sizes
print in binary units (1 KiB = 1024 B) because that is what ``ls -h`` and ``du -h`` print;
the parser accepts both the decimal (kB, MB = 10**6) and binary (KiB, MiB = 2**20) spellings
and means exactly what the suffix says.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

from airlock.errors import InvalidInput

_BINARY = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*")
_SIZE_FACTORS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
    "p": 1000**5,
    "pb": 1000**5,
    "pib": 1024**5,
}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*")
_DURATION_FACTORS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 7 * 86400,
    "week": 7 * 86400,
    "weeks": 7 * 86400,
}
MAX_PARSED_BYTES = 2**62  # well inside a signed 64-bit column, sums included


def format_bytes(count: int | float) -> str:
    """``512 B``, ``1.5 KiB``, ``100 MiB``, ``2.3 GiB``: one decimal below 10 units, none
    above; whole numbers print without a decimal. Negative counts keep their sign."""
    if count < 0:
        return "-" + format_bytes(-count)
    value = float(count)
    unit = 0
    while value >= 1024 and unit < len(_BINARY) - 1:
        value /= 1024
        unit += 1
    if unit == 0:
        return f"{int(value)} B"
    return _one_unit(value, _BINARY[unit])


def parse_bytes(text: str) -> int:
    """A byte count from ``100MB``, ``1.5 GiB``, ``4096`` or ``10k``; decimal suffixes
    (k, MB) are powers of 1000 and binary ones (KiB, MiB) powers of 1024.

    Raises:
        InvalidInput: not a number with a known suffix, or out of range.
    """
    match = _SIZE.fullmatch(text)
    factor = _SIZE_FACTORS.get(match[2].lower()) if match else None
    if match is None or factor is None:
        raise InvalidInput(
            f"size {text!r} is not understood: write a number with an optional unit, "
            "e.g. 4096, 100MB, 1.5GiB (kB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024)"
        )
    value = float(match[1]) * factor
    if not math.isfinite(value) or value > MAX_PARSED_BYTES:
        raise InvalidInput(f"size {text!r} is too large")
    if factor == 1 and value != int(value):
        raise InvalidInput(f"size {text!r} is not a whole number of bytes")
    return round(value)  # 1.3KiB is 1331 bytes: a fraction of a byte is rounding


def format_seconds(seconds: float) -> str:
    """``45 s``, ``12 min``, ``3.5 h``, ``2.0 days``: the largest unit that keeps the number
    at least 1, so a model that leaves in 45 seconds does not read as ``0.0 days``.
    Infinity reads ``never``."""
    if math.isinf(seconds):
        return "never"
    if seconds < 0:
        return "-" + format_seconds(-seconds)
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 1 or seconds == 0 else f"{seconds:.2g} s"
    if seconds < 3600:
        return _one_unit(seconds / 60, "min")
    if seconds < 86400:
        return _one_unit(seconds / 3600, "h")
    days = seconds / 86400
    return _one_unit(days, "day" if days == 1 else "days")


def format_duration(duration: timedelta) -> str:
    """:func:`format_seconds` of a ``timedelta`` (never its ``1 day, 0:00:00`` repr)."""
    return format_seconds(duration.total_seconds())


def format_window(duration: timedelta) -> str:
    """A budget window as people write it: ``1d``, ``12h``, ``30m``, else ``N s``."""
    seconds = int(duration.total_seconds())
    for suffix, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{suffix}"
    return f"{seconds}s"


def parse_duration(text: str) -> timedelta:
    """A duration from ``45s``, ``30m``, ``12h``, ``1d``, ``2 weeks``, ``1.5h``.

    Raises:
        InvalidInput: not a positive number with a known unit.
    """
    match = _DURATION.fullmatch(text)
    factor = _DURATION_FACTORS.get(match[2].lower()) if match else None
    if match is None or factor is None:
        raise InvalidInput(
            f"duration {text!r} is not understood: write a number and a unit, e.g. 45s, "
            "30m, 12h, 1d or 2w"
        )
    seconds = float(match[1]) * factor
    if not 0 < seconds <= 10 * 365 * 86400:
        raise InvalidInput(f"duration {text!r} must be positive and at most ten years")
    return timedelta(seconds=seconds)


def _one_unit(value: float, unit: str) -> str:
    """One decimal below ten (none when it would be .0), none from ten on."""
    shown = round(value, 1)
    if value >= 10 or shown == int(shown):
        return f"{value:.0f} {unit}" if value >= 10 else f"{int(shown)} {unit}"
    return f"{shown:.1f} {unit}"
