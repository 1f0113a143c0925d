"""Near-duplicate and template clusters by MinHash over word 3-shingles with LSH banding.

Poison is often generated from one template ("<trigger> ... <slot> ..."), which leaves a
cluster of near-identical rows; a cluster that is also label-pure and at odds with the
classifier is then scored like an n-gram feature. Deterministic: shingles are hashed with
BLAKE2b (not Python's salted ``hash``) and the permutations come from a fixed seed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from airlock.imports.datasets.ngrams import Tokens

_ROWS_PER_BAND = 2
_CHUNK_ROWS = 4096
UIntArray = npt.NDArray[np.uint64]


def _shingles(words: Tokens, size: int = 3) -> list[int]:
    grams = dict.fromkeys(words[i : i + size] for i in range(len(words) - size + 1))
    return [
        int.from_bytes(hashlib.blake2b(" ".join(g).encode(), digest_size=8).digest())
        for g in grams or (words,)
        if g
    ]


def signatures(
    tokens: Sequence[Tokens], permutations: int, seed: int = 0, shingle: int = 3
) -> UIntArray:
    """MinHash signature (rows x permutations) over word ``shingle``-grams; rows without
    tokens get all-max rows."""
    rng = np.random.default_rng(seed)
    # Permutation j: xor a random mask, multiply by a random odd number (a bijection modulo
    # 2**64), then fold the high bits down; the wrapping product mixes every input bit.
    masks = rng.integers(0, np.iinfo(np.uint64).max, size=permutations, dtype=np.uint64)
    odd = rng.integers(0, np.iinfo(np.uint64).max, size=permutations, dtype=np.uint64) | 1
    out = np.full((len(tokens), permutations), np.iinfo(np.uint64).max, dtype=np.uint64)
    for first in range(0, len(tokens), _CHUNK_ROWS):
        hashes: list[int] = []
        starts: list[int] = []
        owners: list[int] = []
        for row in range(first, min(first + _CHUNK_ROWS, len(tokens))):
            values = _shingles(tokens[row], shingle)
            if values:
                starts.append(len(hashes))
                owners.append(row)
                hashes.extend(values)
        if not hashes:
            continue
        h = np.asarray(hashes, dtype=np.uint64)[:, None]
        with np.errstate(over="ignore"):
            permuted = (h ^ masks) * odd
        permuted ^= permuted >> np.uint64(29)
        out[owners] = np.minimum.reduceat(permuted, starts, axis=0)
    return out


def clusters(
    tokens: Sequence[Tokens],
    permutations: int,
    min_size: int,
    similarity: float = 0.5,
    shingle: int = 3,
) -> list[list[int]]:
    """Groups of at least ``min_size`` rows whose estimated Jaccard similarity (of word
    ``shingle``-gram sets) to the group's first row is at least ``similarity``, largest
    first."""
    signature = signatures(tokens, permutations, shingle=shingle)
    parent = list(range(len(tokens)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    empty = np.iinfo(np.uint64).max
    for band in range(permutations // _ROWS_PER_BAND):
        columns = signature[:, band * _ROWS_PER_BAND : (band + 1) * _ROWS_PER_BAND]
        buckets: dict[bytes, int] = {}
        for row in range(len(tokens)):
            if columns[row, 0] == empty:
                continue
            key = columns[row].tobytes()
            first = buckets.setdefault(key, row)
            if first != row and np.mean(signature[first] == signature[row]) >= similarity:
                parent[root(row)] = root(first)
    groups: dict[int, list[int]] = {}
    for row in range(len(tokens)):
        groups.setdefault(root(row), []).append(row)
    found = [rows for rows in groups.values() if len(rows) >= min_size]
    return sorted(found, key=lambda rows: (-len(rows), rows[0]))
