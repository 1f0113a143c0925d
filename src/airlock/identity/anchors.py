"""Anchor chains: a shape-free, alignment-free signature of a stream of weight values.

An *anchor* is a position ``p`` whose magnitude ``|v[p]|`` is the strict maximum of ``|v|``
over ``[p - RADIUS, p + RADIUS]``. Which positions are anchors does not depend on dtype
casts, on scaling, on small noise, or on where a piece of the stream starts; and it mostly
survives GGML Q8_0/Q4_0 quantisation, where a block's largest-magnitude value is stored
exactly and the others within half a step. The *chain key* of anchor ``i`` is a keyed 64-bit
hash of the next ``CHAIN`` gaps between consecutive anchors and the ``CHAIN + 1`` signs: the
same run of anchors in a registered model and in a quantised piece of it, cut at any element
offset, gives the same keys (issue 15: GGML blocks with no header, chunk digests gone).

Registration keeps the keys whose value is ``0 mod SAMPLE`` (keyed: an exporter cannot tell
which runs of anchors are kept). Pure numpy; no I/O. Not invariant to permuted or re-ordered
elements, to re-scaling inside a block, or to k-quants (whose blocks are not decoded here).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    from airlock.identity.dtypes import Floats

    Keys = npt.NDArray[np.uint64]
    Ints = npt.NDArray[np.int64]

RADIUS = 16
# Gaps per key. Each gap carries ~5.2 bits (Renyi entropy of gaps on weights; 17-100 apart,
# mean 33) and each sign 1: ~50 bits of chain collision entropy at 8. Shorter chains survive
# Q4_0 better (a lost or spurious anchor breaks CHAIN + 1 keys); measured at random offsets,
# chains surviving Q8_0 / llama.cpp Q4_0 / round-to-nearest Q4_0: 0.93 / 0.39 / 0.16 at 6,
# 0.91 / 0.29 / 0.10 at 8, 0.89 / 0.22 / 0.06 at 10 (ADR 0021).
CHAIN = 8
# One key in SAMPLE is kept: 8 bytes per 1024 x 33 elements, 127 MB per TB of fp16 weights
# (63 MB per TB of fp32). A 1 MiB piece (~30 k anchors in Q8_0, ~56 k in Q4_0) expects ~27
# surviving kept keys in Q8_0, ~16 in llama.cpp's Q4_0, ~5 in round-to-nearest Q4_0.
SAMPLE = 1024
BLOCK = 1 << 18
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def anchors(values: Floats) -> Ints:
    """Positions of the maxima of ``|values|`` over a window of ``2 * RADIUS + 1``: strictly
    above the ``RADIUS`` values before, at least the ``RADIUS`` after (a tie goes to the
    leftmost: Q4_0's 16 levels make ties common, and half of two-way ties then survive).

    Positions closer than ``RADIUS`` to either end are never anchors (their window is cut).
    The sliding maximum is built by doubling: ``m[i] = max |v[i : i + RADIUS]|``, on blocks
    of ``BLOCK`` values overlapping by ``RADIUS`` (a whole tensor per pass left the cache:
    2x slower at registration).
    """
    flat = np.asarray(values).reshape(-1)
    found = []
    for start in range(0, flat.size, BLOCK):
        low = max(0, start - RADIUS)
        at = _anchors(flat[low : start + BLOCK + RADIUS]) + low
        found.append(at[(at >= start) & (at < start + BLOCK)])
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


def _anchors(values: Floats) -> Ints:
    magnitude = np.abs(values.astype(np.float32))
    n = magnitude.size
    if n < 2 * RADIUS + 1:
        return np.empty(0, dtype=np.int64)
    m = magnitude.copy()
    width = 1
    while width < RADIUS:  # RADIUS is a power of two: m covers exactly RADIUS values
        step = min(width, RADIUS - width)
        m[: n - step] = np.maximum(m[: n - step], m[step:])
        width += step
    centre = magnitude[RADIUS : n - RADIUS]
    left = m[: n - 2 * RADIUS]  # |v| over [p - RADIUS, p)
    right = m[RADIUS + 1 : n - RADIUS + 1]  # |v| over (p, p + RADIUS]
    peak = (centre > left) & (centre >= right)
    return (np.flatnonzero(peak) + RADIUS).astype(np.int64)


def _seed(key: bytes) -> tuple[np.uint64, np.uint64]:
    digest = hashlib.blake2b(b"anchor chains", key=key[:64], digest_size=16).digest()
    return (
        np.uint64(int.from_bytes(digest[:8], "little")),
        np.uint64(int.from_bytes(digest[8:], "little") | 1),
    )


def _mix(h: Keys) -> Keys:
    """splitmix64's finaliser: every input bit reaches every output bit."""
    h = (h ^ (h >> np.uint64(30))) * _M1
    h = (h ^ (h >> np.uint64(27))) * _M2
    return h ^ (h >> np.uint64(31))


def chain_keys(key: bytes, values: Floats) -> tuple[Keys, Ints]:
    """Keyed chain keys of ``values`` and the anchor position each chain starts at."""
    where = anchors(values)
    count = where.size - CHAIN
    if count <= 0:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    signs = (np.asarray(values).reshape(-1)[where] < 0).astype(np.uint64)
    gaps = np.minimum(np.diff(where), 0xFFFF).astype(np.uint64)
    seed, odd = _seed(key)
    with np.errstate(over="ignore"):
        h = np.full(count, seed, dtype=np.uint64)
        for j in range(CHAIN + 1):
            gap = gaps[j : j + count] if j < CHAIN else np.zeros(count, dtype=np.uint64)
            word = (gap << np.uint64(1)) | signs[j : j + count]
            h = _mix((h ^ word) * odd + _GOLDEN)
    return h, where[:count]


def sampled_keys(key: bytes, values: Floats) -> Keys:
    """The chain keys of ``values`` that registration keeps (``0 mod SAMPLE``)."""
    keys, _ = chain_keys(key, values)
    kept = keys[keys % np.uint64(SAMPLE) == 0]
    # A chain repeated inside one tensor is structure (periodic or constant-built values,
    # which another model may share), not this model's: such keys are never kept.
    unique, counts = np.unique(kept, return_counts=True)
    once: Keys = unique[counts == 1]
    return once


def encode_keys(keys: Keys) -> str:
    """Sorted, deduplicated keys as base64 of little-endian uint64 (the identity's field)."""
    return base64.b64encode(np.unique(keys).astype("<u8").tobytes()).decode()


def decode_keys(text: str) -> Keys:
    """The keys of :func:`encode_keys`; raises ValueError if the text is not such keys."""
    raw = base64.b64decode(text, validate=True)
    if len(raw) % 8:
        raise ValueError("anchor keys are not whole 8-byte values")
    return np.frombuffer(raw, dtype="<u8").astype(np.uint64)


class AnchorIndex:
    """Every registered model's sampled chain keys, sorted, with the model each belongs to."""

    def __init__(self, key: bytes, models: Sequence[tuple[str, Keys]]) -> None:
        self.key = key
        self.names = [name for name, _ in models]
        keys = [k for _, k in models]
        owners = [np.full(k.size, i, dtype=np.int32) for i, (_, k) in enumerate(models)]
        merged = np.concatenate(keys) if keys else np.empty(0, dtype=np.uint64)
        owner = np.concatenate(owners) if owners else np.empty(0, dtype=np.int32)
        order = np.argsort(merged, kind="stable")
        self._keys = merged[order]
        self._owner = owner[order]

    def __bool__(self) -> bool:
        return bool(self._keys.size)

    def hits(self, keys: Keys) -> dict[str, set[int]]:
        """Per model, the registered keys that ``keys`` (an export's chain keys) contains."""
        if not self._keys.size or not keys.size:
            return {}
        sampled = keys[keys % np.uint64(SAMPLE) == 0]  # only these can be registered
        at = np.minimum(np.searchsorted(self._keys, sampled), self._keys.size - 1)
        found = self._keys[at] == sampled
        out: dict[str, set[int]] = {}
        for value, owner in zip(
            sampled[found].tolist(), self._owner[at[found]].tolist(), strict=True
        ):
            out.setdefault(self.names[owner], set()).add(value)
        return out
