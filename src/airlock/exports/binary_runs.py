"""Runs of binary bytes inside text, each judged as raw tensor data (issue 15).

Raw fp16/fp32 bytes spliced into a training log were allowed: a window of text with a run
of weights in it fails every tensor test as a whole (the text dilutes the histograms), and a
keyed sample of it may miss the run. In a text window, bytes that no text carries -- C0
control bytes other than tab, newline, carriage return, form feed and escape, DEL, and the
bytes never valid in UTF-8 (0xC0, 0xC1, 0xF5-0xFF) -- mark binary: weights have about one
in ten such bytes, text none (non-ASCII UTF-8 letters included). Blocks of ``BLOCK`` bytes
with at least ``MIN_MARKS`` marked bytes are binary; consecutive binary blocks make a run,
trimmed to its first and last marked byte, and each run of ``MIN_RUN`` bytes or more goes
through :func:`~airlock.exports.tensor_stats.guess_tensor` on its own.

A run is counted from the line break before it to the one after it (at most ``BLOCK``
bytes either way), so the edges of a splice that happen to be unmarked still count.
Shorter runs are pooled (each shifted to the byte alignment its own high bytes prefer, so
runs at odd and even offsets agree) and the pool is judged once it reaches ``MIN_RUN``:
many small splices add up. Runs are found per window, so one run across a window boundary
is judged as two pieces. Deliberately not found: weights written as text (that is the text
scanner's job) and binary runs made only of bytes that text also uses (7-bit encodings).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from airlock.exports.tensor_stats import MIN_WINDOW, Bytes, guess_tensor

BLOCK = 256
MIN_MARKS = 6  # of 256: weights carry ~25, text 0
MIN_RUN = MIN_WINDOW
SLICE = 16 * 1024  # a long run is judged on three slices of this size
MIN_POOLED = 16  # shorter runs are not binary data worth a look (a stray byte or two)

_MARK = np.zeros(256, dtype=bool)
_MARK[[*range(0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F]] = True
_MARK[[0xC0, 0xC1, *range(0xF5, 0x100)]] = True
MIN_TEXT = 32  # printable bytes in a row that end a binary run (weights: ~1e-17 per byte)
_UNMARKED = bytes(b for b in range(256) if not _MARK[b])
_TEXT = np.zeros(256, dtype=bool)
_TEXT[[0x09, 0x0A, 0x0D, *range(0x20, 0x7F)]] = True


@dataclass(frozen=True, slots=True)
class RunGuess:
    """Tensor-like bytes found in binary runs of a text window."""

    size: int  # bytes judged tensor-like (the runs' lengths)
    dtype: str
    offset: int  # of the first such run in the window


def binary_runs(window: Bytes) -> list[tuple[int, int]]:
    """``(start, end)`` of every run of binary bytes in ``window``: binary blocks joined, then
    split wherever ``MIN_TEXT`` or more printable ASCII bytes in a row sit between them (a log
    line between two splices), each piece trimmed to its first and last marked byte."""
    marks = _MARK[window]
    usable = window.size - window.size % BLOCK
    per_block = marks[:usable].reshape(-1, BLOCK).sum(axis=1)
    binary = per_block >= MIN_MARKS
    if usable < window.size and int(marks[usable:].sum()) >= MIN_MARKS:
        binary = np.append(binary, True)
    if not binary.any():
        return []
    edges = np.diff(np.concatenate([[0], binary.astype(np.int8), [0]]))
    runs = []
    for first, last in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        start = max(0, int(first) * BLOCK - BLOCK)  # a neighbour block may hold a short run
        end = min(int(last) * BLOCK + BLOCK, window.size)
        runs += [(start + a, start + b) for a, b in _split(window[start:end], marks[start:end])]
    return runs


def _split(region: Bytes, marks: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """The pieces of ``region`` between runs of ``MIN_TEXT`` printable bytes, trimmed to
    marked bytes; pieces with no marked byte are text (UTF-8 letters, say) and dropped."""
    printable = _TEXT[region]
    whole = region.size - region.size % MIN_TEXT
    if not printable[:whole].reshape(-1, MIN_TEXT).all(axis=1).any():
        # no aligned MIN_TEXT printable bytes: no text run of 2 * MIN_TEXT, one piece
        where = np.flatnonzero(marks)
        return [(int(where[0]), int(where[-1]) + 1)] if where.size else []
    text = np.concatenate([[False], printable, [False]])
    edges = np.diff(text.astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    long = ends - starts >= MIN_TEXT
    cuts_from = np.concatenate([[0], ends[long]])
    cuts_to = np.concatenate([starts[long], [region.size]])
    where = np.flatnonzero(marks)  # sorted: each piece's first and last mark by bisection
    first = np.searchsorted(where, cuts_from)
    last = np.searchsorted(where, cuts_to)
    keep = last > first
    return list(
        zip(
            where[first[keep]].tolist(),
            (where[last[keep] - 1] + 1).tolist(),
            strict=True,
        )
    )


def judge_runs(window: Bytes) -> RunGuess | None:
    """Tensor-like binary runs of a text window, added up; None when there are none."""
    if window.size < MIN_POOLED or int(window.max(initial=0)) < 0x80:
        return None  # every run of weights has bytes with the top bit set; ASCII logs stop here
    if not window.tobytes().translate(None, _UNMARKED):
        return None  # no byte that text never has (UTF-8 text), at C speed
    size, dtypes, first, first_short = 0, [], -1, -1
    pool: list[Bytes] = []
    pooled = reach = 0
    for start, end in binary_runs(window):
        run = window[start:end]
        if run.size >= MIN_RUN:
            guess = guess_tensor(_slices(run))
            if guess is not None:
                size += _reach(window, start, end)
                dtypes.append(guess.dtype)
                first = start if first < 0 else first
        elif run.size >= MIN_POOLED:
            pool.append(_aligned(run))
            pooled += run.size
            reach += _reach(window, start, end)
            first_short = start if first_short < 0 else first_short
    if pooled >= MIN_RUN:
        guess = guess_tensor(np.concatenate(pool))
        if guess is not None:
            size += reach
            dtypes.append(guess.dtype)
            first = first_short if first < 0 else min(first, first_short)
    if not size:
        return None
    return RunGuess(size, max(set(dtypes), key=dtypes.count), first)


def _reach(window: Bytes, start: int, end: int) -> int:
    """The bytes a run stands for: from the line break before its first marked byte to the
    one after its last (a weight's first or last bytes need not be marked), or to the window's
    edge when that is nearer than ``BLOCK`` (a run cut by the window goes on in the next)."""
    before = window[max(0, start - BLOCK) : start]
    breaks = np.flatnonzero(before == 0x0A)
    first = start - before.size + int(breaks[-1]) + 1 if breaks.size else max(0, start - BLOCK)
    after = window[end : end + BLOCK]
    breaks = np.flatnonzero(after == 0x0A)
    last = end + int(breaks[0]) if breaks.size else min(window.size, end + BLOCK)
    return last - first


def _slices(run: Bytes) -> Bytes:
    """A long run's start, middle and end ``SLICE`` bytes (at offsets that are multiples of 4
    from its start, so a value's bytes stay in step): the cost per run is bounded."""
    if run.size <= 4 * SLICE:
        return run
    middle = (run.size // 2) // 4 * 4
    end = (run.size - SLICE) // 4 * 4
    return np.concatenate([run[:SLICE], run[middle : middle + SLICE], run[end : end + SLICE]])


def _aligned(run: Bytes) -> Bytes:
    """``run`` cut to start where its own bytes say a value starts, and to a multiple of 4:
    at the byte after which every fourth byte sits in float32's exponent band if one does
    (fp32), else where the odd bytes look most like small fp16 high bytes (exponent <= 17)."""
    magnitude = run & 0x7F
    band = (magnitude >= 0x30) & (magnitude <= 0x41)
    words = [float(band[s + 3 :: 4].mean()) if run.size > s + 3 else 0.0 for s in range(4)]
    best = int(np.argmax(words))
    if words[best] >= 0.9:
        start = best
    else:
        odd = float(((magnitude[1::2] >> 2) <= 17).mean())
        even = float(((magnitude[0::2] >> 2) <= 17).mean())
        start = 1 if even > odd else 0
    cut = run[start:]
    return cut[: cut.size - cut.size % 4]
