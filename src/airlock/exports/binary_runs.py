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

from airlock.exports.tensor_stats import MIN_WINDOW, Bytes, guess_tensor

BLOCK = 256
MIN_MARKS = 6  # of 256: weights carry ~25, text 0
MIN_RUN = MIN_WINDOW
MIN_POOLED = 64  # shorter runs are not binary data worth a look (a stray byte or two)

_MARK = np.zeros(256, dtype=bool)
_MARK[[*range(0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F]] = True
_MARK[[0xC0, 0xC1, *range(0xF5, 0x100)]] = True


@dataclass(frozen=True, slots=True)
class RunGuess:
    """Tensor-like bytes found in binary runs of a text window."""

    size: int  # bytes judged tensor-like (the runs' lengths)
    dtype: str
    offset: int  # of the first such run in the window


def binary_runs(window: Bytes) -> list[tuple[int, int]]:
    """``(start, end)`` of every run of binary blocks in ``window``, trimmed to marked bytes."""
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
        start, end = int(first) * BLOCK, min(int(last) * BLOCK, window.size)
        inside = np.flatnonzero(marks[start:end])
        runs.append((start + int(inside[0]), start + int(inside[-1]) + 1))
    return runs


def judge_runs(window: Bytes) -> RunGuess | None:
    """Tensor-like binary runs of a text window, added up; None when there are none."""
    if window.size < MIN_POOLED or int(window.max(initial=0)) < 0x80:
        return None  # every run of weights has bytes with the top bit set
    size, dtypes, first, first_short = 0, [], -1, -1
    pool: list[Bytes] = []
    pooled = reach = 0
    for start, end in binary_runs(window):
        run = window[start:end]
        if run.size >= MIN_RUN:
            guess = guess_tensor(run)
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


def _aligned(run: Bytes) -> Bytes:
    """``run`` cut to an even length, starting at the byte that makes its odd bytes look most
    like the high bytes of small 16-bit floats (exponent field <= 17), and to a multiple of 4."""
    odd = ((run[1::2] & 0x7F) >> 2) <= 17
    even = ((run[0::2] & 0x7F) >> 2) <= 17
    start = 1 if float(even.mean()) > float(odd.mean()) else 0
    cut = run[start:]
    return cut[: cut.size - cut.size % 4]
