"""Per-tensor derivative sketches: keyed sign patterns of a keyed selection of rows.

For a matrix ``W`` (m x n; higher ranks are flattened to ``shape[0]`` rows) each *side* --
its rows, and its columns (the rows of ``W.T``) -- is sketched the same way:

1. every row is centred and scaled to unit length (row scaling and offsets cancel);
2. a keyed selector ``r`` of length n scores every row by ``row . r``; the ``KEEP`` best
   rows are the sample (a row permutation moves rows, not their scores; quantisation
   noise moves a score by a few hundredths, far less than the gap to the ``CANDIDATES``-th);
3. each sampled row becomes ``BITS`` signs of keyed Gaussian projections (SimHash: two
   rows at angle t differ in each bit with probability t / pi).

A cast, int8 or 4-bit block quantisation or a small fine-tune moves a row by a few degrees:
3-6 of 128 bits. An unrelated row differs in 64 +- 5.7 bits. An export's tensor matches a
registered side when at least ``MIN_HITS`` of its ``KEEP`` rows have a candidate within
``MAX_DISTANCE`` bits; the score is the share of the ``KEEP`` rows found. Sides are matched
by row length only, so renamed, transposed, row-permuted (row side) or column-permuted and
column-scaled (column side) tensors, and any subset of a model's tensors, still match.
What it does not survive: both permutations at once, low-rank refactoring, or rotations.
Pure: numpy in, numpy out; the key comes from the caller.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from threadpoolctl import threadpool_limits

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from airlock.identity.dtypes import Floats

    Hashes = NDArray[np.uint64]  # (rows, BITS // 64)

BITS = 128
KEEP = 32  # rows sampled per side at registration
CANDIDATES = 64  # rows an export's side offers (the 32nd and 64th best scores are ~0.2 apart
# even among 30,000 rows; 4-bit quantisation moves a score by ~0.08)
MAX_DISTANCE = 32  # bits of 128; an unrelated pair is this close with p ~ 1e-10
MIN_HITS = 4  # sampled rows that must be found for a side to match
MIN_SIDE = 32  # a side's rows need at least this many elements to be sketched
MIN_ELEMENTS = 4096  # smaller tensors (norms, biases) are not sketched
_CACHE = 16  # projection matrices kept (one per distinct row length)


@dataclass(frozen=True, slots=True)
class Side:
    """One side of one tensor: its row length and the hashes of its sampled rows."""

    length: int
    hashes: Hashes


class Projections:
    """Keyed selectors and projection matrices, one per row length, derived from ``key``."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cache: OrderedDict[int, tuple[Floats, Floats]] = OrderedDict()

    def get(self, length: int) -> tuple[Floats, Floats]:
        if length in self._cache:
            self._cache.move_to_end(length)
            return self._cache[length]
        seed = hashlib.blake2b(
            b"airlock/identity/sketch/v1:%d" % length, key=self._key[:64], digest_size=16
        ).digest()
        rng = np.random.default_rng(int.from_bytes(seed, "little"))
        selector = rng.standard_normal(length).astype(np.float32)
        matrix = rng.standard_normal((length, BITS)).astype(np.float32)
        self._cache[length] = (selector, matrix)
        if len(self._cache) > _CACHE:
            self._cache.popitem(last=False)
        return selector, matrix


def one_thread() -> AbstractContextManager[object]:
    """BLAS on one thread while sketching: these products are small (a few ms each), and on
    a busy machine OpenBLAS's spinning threads made them 15x slower (issue 19 bench)."""
    limits: AbstractContextManager[object] = threadpool_limits(1, user_api="blas")
    return limits


def as_matrix(values: Floats) -> Floats | None:
    """The tensor as rows x columns, or None when it is too small or flat to sketch."""
    if values.ndim < 2 or values.size < MIN_ELEMENTS:
        return None
    matrix = values.reshape(values.shape[0], -1)
    if min(matrix.shape) < 2 or max(matrix.shape) < MIN_SIDE:
        return None
    return matrix


def sketch_side(rows: Floats, projections: Projections, keep: int) -> Side | None:
    """The hashes of the ``keep`` best-scoring rows of ``rows`` (m x n)."""
    length = rows.shape[1]
    if length < MIN_SIDE:
        return None
    selector, matrix = projections.get(length)
    # Matrix-vector products and einsum, not ufunc reductions: 5-20x faster on rows of a
    # transposed (column-major) view. A row holding NaN or inf gets a NaN norm: not live.
    means = (rows @ np.ones(length, dtype=np.float32)) / np.float32(length)
    squares = np.einsum("ij,ij->i", rows, rows)
    with np.errstate(invalid="ignore", over="ignore"):
        norms = np.sqrt(np.maximum(squares - length * means * means, 0.0))
        projected = rows @ selector - means * selector.sum()
    finite = np.isfinite(norms) & np.isfinite(projected)
    peak = float(norms[finite].max(initial=0.0))
    live = finite & (norms > 1e-12 * max(1.0, peak))
    if not live.any():
        return None
    scores = np.full(rows.shape[0], -np.inf, dtype=np.float32)
    scores[live] = projected[live] / norms[live]
    count = min(keep, int(live.sum()))
    picks = np.argpartition(-scores, count - 1)[:count]
    chosen = rows[picks] - means[picks, None]
    bits = (chosen @ matrix) > 0
    return Side(length, np.packbits(bits, axis=1, bitorder="little").view(np.uint64))


def sketch_tensor(values: Floats, projections: Projections, keep: int = KEEP) -> list[Side]:
    """Row side and column side of a tensor (empty when it is not sketched)."""
    matrix = as_matrix(values)
    if matrix is None:
        return []
    with one_thread():
        sides = [sketch_side(matrix, projections, keep), sketch_side(matrix.T, projections, keep)]
    return [s for s in sides if s is not None]


def distances(candidates: Hashes, registered: Hashes) -> NDArray[np.uint8]:
    """Hamming distances, candidates x registered (at most 128: uint8 adds suffice)."""
    counted: NDArray[np.uint8] = np.bitwise_count(candidates[:, None, 0] ^ registered[None, :, 0])
    for word in range(1, candidates.shape[1]):
        counted += np.bitwise_count(candidates[:, None, word] ^ registered[None, :, word])
    return counted


@dataclass(frozen=True, slots=True)
class SideMatch:
    hits: int  # registered rows found within MAX_DISTANCE
    mean_distance: float  # over the hits, in bits of BITS

    @property
    def score(self) -> float:
        return self.hits / KEEP


def match_side(candidate: Side, registered: Side) -> SideMatch | None:
    """How well an export's side (sketched with ``CANDIDATES``) covers a registered one."""
    if candidate.length != registered.length:
        return None
    best = distances(candidate.hashes, registered.hashes).min(axis=0).astype(np.int64)
    found = best <= MAX_DISTANCE
    hits = int(found.sum())
    if hits < MIN_HITS:
        return None
    return SideMatch(hits, float(best[found].mean()))
