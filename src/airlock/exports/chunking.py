"""Content-defined chunking and fingerprints of protected models.

Chunk boundaries fall where a rolling sum over the last 48 bytes has its low bits zero,
so they depend on content, not position: the same bytes inside an export -- shifted,
wrapped in another container, or decoded from base64 or hex -- produce the same chunks.
With chunks of 1-16 KiB (about 4 KiB on average) any contiguous piece of at least 64 KiB
of a protected model contains several whole chunks of it. (Chunks of 64 KiB on average
would leave most 64 KiB pieces without one whole chunk; the price of small chunks is a
fingerprint of 32 bytes per ~5 KiB of model, 0.6% of its size.) The rolling sum is computed
with numpy cumulative sums, a window at a time, in constant memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from airlock.exports.model_fingerprint import ModelFingerprint
from airlock.exports.tensor_stats import entropy_bits
from airlock.identity.sampled_index import SampledIndex

# ModelFingerprint is re-exported: it moved out so that reading fingerprints needs no numpy
# (issue 13), and importing it from here still works.
__all__ = [
    "MATCH_MIN_CHUNKS",
    "MAX_CHUNK",
    "MIN_CHUNK",
    "MIN_CHUNK_ENTROPY",
    "ROLLING_WINDOW",
    "Chunk",
    "Chunker",
    "FingerprintIndex",
    "ModelFingerprint",
    "chunk_stream",
]

ROLLING_WINDOW = 48
MIN_CHUNK = 1024
MAX_CHUNK = 16 * 1024
_MASK = (1 << 12) - 1  # ~4 KiB average between boundaries
_GEAR = np.random.default_rng(0x41524C4B).integers(0, 2**32, size=256, dtype=np.uint64)
# Only the low 12 bits of a rolling sum decide a boundary, and the low bits of a sum or a
# difference depend only on the low bits of its terms: 16-bit arithmetic (wrapping) finds
# exactly the boundaries of the original definition (64-bit sums of 32-bit gear values).
_GEAR_LOW = (_GEAR & 0xFFFF).astype(np.uint32)  # wrapping 32-bit sums are the fastest
_FEED_BYTES = 1024 * 1024
MIN_CHUNK_ENTROPY = 3.0  # zero padding and other trivial chunks identify nothing


@dataclass(frozen=True, slots=True)
class Chunk:
    """One content-defined chunk: where it starts in the stream, its length and SHA-256."""

    offset: int
    size: int
    digest: bytes
    informative: bool


class Chunker:
    """Feed bytes in any pieces; chunks come out as their ends are found.

    ``judge`` decides whether each chunk's entropy is measured (``informative``); scanning
    does not need it -- only informative chunks are ever registered, so a trivial chunk
    finds no owner anyway -- and it is a third of the cost.
    """

    def __init__(self, *, judge: bool = True, offset: int = 0) -> None:
        self._judge = judge
        self._tail = np.zeros(0, dtype=np.uint8)  # last ROLLING_WINDOW bytes seen
        self._pending = bytearray()  # bytes of the current, unfinished chunk
        self._offset = offset  # stream offset where the current chunk starts

    def feed(self, data: bytes) -> Iterator[Chunk]:
        # Bounded working set: the rolling sums need 4 bytes per input byte.
        for start in range(0, len(data), _FEED_BYTES):
            yield from self._feed(data[start : start + _FEED_BYTES])

    def _feed(self, data: bytes) -> Iterator[Chunk]:
        if not data:
            return
        window = np.frombuffer(data, dtype=np.uint8)
        joined = np.concatenate([self._tail, window])
        sums = np.cumsum(np.take(_GEAR_LOW, joined), dtype=np.uint32)
        cuts: list[int] = []
        if joined.size > ROLLING_WINDOW:
            # rolling[i] covers joined[i+1 : i+1+W]; the boundary falls after that byte.
            rolling = sums[ROLLING_WINDOW:] - sums[:-ROLLING_WINDOW]
            ends = np.flatnonzero((rolling & _MASK) == 0) + ROLLING_WINDOW + 1 - self._tail.size
            cuts = ends[(ends > 0) & (ends <= window.size)].tolist()
        self._tail = joined[-ROLLING_WINDOW:].copy()
        view = memoryview(data)
        start = 0
        for cut in cuts:
            if len(self._pending) + (cut - start) < MIN_CHUNK:
                continue
            # Split what exceeds MAX_CHUNK, then end a chunk at the boundary.
            while len(self._pending) + (cut - start) > MAX_CHUNK:
                take = MAX_CHUNK - len(self._pending)
                yield self._close(view[start : start + take])
                start += take
            yield self._close(view[start:cut])
            start = cut
        while len(self._pending) + (len(data) - start) >= MAX_CHUNK:
            take = MAX_CHUNK - len(self._pending)
            yield self._close(view[start : start + take])
            start += take
        self._pending += view[start:]

    def _close(self, last: memoryview) -> Chunk:
        """The chunk made of the pending bytes and ``last``; pending is emptied."""
        if self._pending:
            self._pending += last
            piece: bytes | memoryview = bytes(self._pending)
            self._pending.clear()
        else:
            piece = last
        return self._chunk(piece)

    def finish(self) -> Iterator[Chunk]:
        if self._pending:
            piece = bytes(self._pending)
            self._pending.clear()
            yield self._chunk(piece)

    def _chunk(self, piece: bytes | memoryview) -> Chunk:
        size = len(piece)
        informative = not self._judge or (
            size >= MIN_CHUNK
            and entropy_bits(np.frombuffer(piece, dtype=np.uint8)) >= MIN_CHUNK_ENTROPY
        )
        chunk = Chunk(self._offset, size, hashlib.sha256(piece).digest(), informative)
        self._offset += size
        return chunk


def chunk_stream(pieces: Iterable[bytes]) -> Iterator[Chunk]:
    """The chunks of a stream given in pieces of any size (entropy judged, as registered)."""
    chunker = Chunker()
    for piece in pieces:
        yield from chunker.feed(piece)
    yield from chunker.finish()


MATCH_MIN_CHUNKS = 3  # three whole chunks in a row are at least 3 KiB of the model


class FingerprintIndex:
    """Looks up chunk digests across every registered model.

    Models fingerprinted in full are looked up by SHA-256 (:meth:`owner`, a run of
    ``MATCH_MIN_CHUNKS`` names the model); sampled ones (issue 19) by the keyed value of the
    chunk's SHA-256 (:meth:`sampled_owner`, one chunk names the model: it is a keyed 1/32
    sample, so an unrelated file hits one only by a 59-bit collision). Sampled models need
    the enclave's identity ``key``; without one they are not matched.
    """

    def __init__(self, models: Iterable[ModelFingerprint], key: bytes = b"") -> None:
        self._owner: dict[bytes, str] = {}
        sampled: list[ModelFingerprint] = []
        for model in models:
            if model.sampled:
                sampled.append(model)
                continue
            for digest in model.chunks:
                self._owner.setdefault(digest, model.name)
        self._sampled = SampledIndex(key, sampled) if key and sampled else None

    def __bool__(self) -> bool:
        return bool(self._owner) or self._sampled is not None

    def owner(self, digest: bytes) -> str | None:
        return self._owner.get(digest)

    def sampled_owner(self, digest: bytes) -> str | None:
        return self._sampled.owner(digest) if self._sampled is not None else None
