"""Numbers in text found with numpy instead of regular expressions (issue 4).

Logs are mostly digits, where a regular expression pays Python-level work at nearly every
byte. Each function here gives exactly what the pattern named in its docstring gives with
``findall`` (tests compare them on fuzzed text); they only do it in a few array passes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from airlock.exports.tensor_stats import Bytes

MAX_INT_DIGITS = 6
_DOT = ord(".")
_MINUS = ord("-")
# Bytes that may not touch a standalone integer: regex ``[\w.]`` on bytes.
_WORD_OR_DOT = np.zeros(256, dtype=bool)
_WORD_OR_DOT[list(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.")] = True
_POWERS = 10 ** np.arange(MAX_INT_DIGITS - 1, -1, -1, dtype=np.int64)


def _digits(array: Bytes) -> npt.NDArray[np.bool_]:
    return (array - np.uint8(ord("0"))) < 10  # bytes below "0" wrap around past 9


def count_decimals(piece: bytes) -> int:
    r"""How many ``rb"\.\d\d"`` matches ``piece`` holds (they cannot overlap)."""
    array = np.frombuffer(piece, dtype=np.uint8)
    if array.size < 3:
        return 0
    digit = _digits(array)
    return int(np.count_nonzero((array[:-2] == _DOT) & digit[1:-1] & digit[2:]))


def _int_runs(array: Bytes) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], Bytes]:
    """Starts and ends of the digit runs that are standalone integers, and the touch mask."""
    digit = _digits(array).view(np.int8)
    edges = np.diff(digit, prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)  # one past each run
    touching = np.append(_WORD_OR_DOT[array], False)  # nothing touches the end of text
    before = np.where(starts > 0, touching[starts - 1], False)
    keep = (ends - starts <= MAX_INT_DIGITS) & ~touching[ends] & ~before
    return starts[keep], ends[keep], touching.view(np.uint8)


def count_standalone_ints(piece: bytes) -> int:
    r"""How many matches ``rb"(?<![\w.])-?\d{1,6}(?![\w.])"`` has in ``piece``."""
    if not piece:
        return 0
    return int(_int_runs(np.frombuffer(piece, dtype=np.uint8))[0].size)


def standalone_ints(piece: bytes) -> npt.NDArray[np.int64]:
    r"""The values of ``rb"(?<![\w.])-?\d{1,6}(?![\w.])"`` in ``piece``, in order.

    A match is a run of at most six digits with no word character or dot on either side;
    it takes the minus sign before it unless that sign itself follows a word or a dot.
    """
    array = np.frombuffer(piece, dtype=np.uint8)
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    starts, ends, touch = _int_runs(array)
    if starts.size == 0:
        return np.zeros(0, dtype=np.int64)
    touching = touch.view(bool)
    # Right-align each run's digits in a row of six and weigh them by powers of ten.
    positions = ends[:, None] - MAX_INT_DIGITS + np.arange(MAX_INT_DIGITS)
    inside = positions >= starts[:, None]
    values = np.where(inside, array[np.maximum(positions, 0)].astype(np.int64) - ord("0"), 0)
    numbers = values @ _POWERS
    sign_at = starts - 1
    signed = np.zeros(starts.size, dtype=bool)
    has_sign = sign_at >= 0
    signed[has_sign] = array[sign_at[has_sign]] == _MINUS
    free_sign = np.where(sign_at > 0, ~touching[np.maximum(sign_at - 1, 0)], True)
    return np.where(signed & free_sign, -numbers, numbers)


def decimal_floats(piece: bytes, limit: int) -> list[float]:
    r"""The first ``limit`` values of ``rb"-?\d*\.\d{2,}(?:[eE][-+]?\d+)?"`` in ``piece``.

    Every dot followed by two digits starts a match's fraction; the match takes the digits
    before the dot (and a minus sign before those) except what the previous match took, and
    an exponent after the fraction. Only the values are parsed one by one, with ``float``.
    """
    array = np.frombuffer(piece, dtype=np.uint8)
    size = array.size
    if size < 3 or limit <= 0:
        return []
    digit = _digits(array)
    dots = np.flatnonzero((array[:-2] == _DOT) & digit[1:-1] & digit[2:])[:limit]
    if dots.size == 0:
        return []
    others = np.append(np.flatnonzero(~digit), size)  # non-digits, then the end

    def run_end(first: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        """One past the digit run starting at ``first`` (``first`` itself if no digit)."""
        return others[np.searchsorted(others, first)]

    ends = run_end(dots + 1)
    padded = np.append(array, np.zeros(3, dtype=np.uint8))
    marker = (padded[ends] | 0x20) == ord("e")
    after = padded[ends + 1]
    plain = _digits(after)
    sign = ((after == ord("+")) | (after == _MINUS)) & _digits(padded[ends + 2])
    exponent_at = np.where(plain, ends + 1, ends + 2)
    ends = np.where(
        marker & (plain | sign) & (ends < size), run_end(np.minimum(exponent_at, size)), ends
    )
    # Digits before each dot: back to the previous non-digit, then a minus sign.
    before = np.searchsorted(others, dots) - 1  # index of the non-digit before the dot
    starts = np.where(before >= 0, others[np.maximum(before, 0)] + 1, 0)
    starts = np.minimum(starts, dots)
    minus = (starts > 0) & (array[np.maximum(starts - 1, 0)] == _MINUS)
    starts = np.where(minus, starts - 1, starts)
    previous_end = np.concatenate(([0], ends[:-1]))
    starts = np.maximum(starts, previous_end)
    return [float(piece[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
