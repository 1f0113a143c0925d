"""Content-defined chunking and fingerprints of protected models.

Chunk boundaries fall where a rolling sum over the last 48 bytes has its low bits zero,
so they depend on content, not position: the same bytes inside an export -- shifted,
wrapped in another container, or decoded from base64 or hex -- produce the same chunks.
With chunks of 1-16 KiB (about 4 KiB on average) any contiguous piece of at least 64 KiB
of a protected model contains several whole chunks of it. The rolling sum is computed
with numpy cumulative sums, a window at a time, in constant memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from airlock.exports.tensor_stats import entropy_bits

ROLLING_WINDOW = 48
MIN_CHUNK = 1024
MAX_CHUNK = 16 * 1024
_MASK = (1 << 12) - 1  # ~4 KiB average between boundaries
_GEAR = np.random.default_rng(0x41524C4B).integers(0, 2**32, size=256, dtype=np.uint64)
_FEED_BYTES = 1024 * 1024
MIN_CHUNK_ENTROPY = 3.0  # zero padding and other trivial chunks identify nothing


@dataclass(frozen=True, slots=True)
class Chunk:
    offset: int
    size: int
    digest: bytes
    informative: bool


class Chunker:
    """Feed bytes in any pieces; chunks come out as their ends are found."""

    def __init__(self) -> None:
        self._tail = np.zeros(0, dtype=np.uint8)  # last ROLLING_WINDOW bytes seen
        self._pending = bytearray()  # bytes of the current, unfinished chunk
        self._offset = 0  # stream offset where the current chunk starts

    def feed(self, data: bytes) -> Iterator[Chunk]:
        # Bounded working set: the rolling sums need 8 bytes per input byte.
        for start in range(0, len(data), _FEED_BYTES):
            yield from self._feed(data[start : start + _FEED_BYTES])

    def _feed(self, data: bytes) -> Iterator[Chunk]:
        if not data:
            return
        window = np.frombuffer(data, dtype=np.uint8)
        joined = np.concatenate([self._tail, window])
        sums = np.cumsum(_GEAR[joined], dtype=np.uint64)
        rolling = (
            sums[ROLLING_WINDOW:] - sums[:-ROLLING_WINDOW] if joined.size > ROLLING_WINDOW else None
        )
        cut_positions: list[int] = []
        if rolling is not None:
            # rolling[i] covers joined[i+1 : i+1+W]; the boundary falls after that byte.
            ends = np.nonzero((rolling & _MASK) == 0)[0] + ROLLING_WINDOW + 1 - self._tail.size
            cut_positions = [int(e) for e in ends if 0 < e <= window.size]
        self._tail = joined[-ROLLING_WINDOW:].copy()
        start = 0
        for cut in cut_positions:
            if len(self._pending) + (cut - start) < MIN_CHUNK:
                continue
            yield from self._emit_upto(data, start, cut)
            start = cut
        self._pending += data[start:]
        while len(self._pending) >= MAX_CHUNK:
            piece = bytes(self._pending[:MAX_CHUNK])
            del self._pending[:MAX_CHUNK]
            yield self._chunk(piece)

    def _emit_upto(self, data: bytes, start: int, cut: int) -> Iterator[Chunk]:
        self._pending += data[start:cut]
        while len(self._pending) > MAX_CHUNK:
            piece = bytes(self._pending[:MAX_CHUNK])
            del self._pending[:MAX_CHUNK]
            yield self._chunk(piece)
        piece = bytes(self._pending)
        self._pending.clear()
        yield self._chunk(piece)

    def finish(self) -> Iterator[Chunk]:
        if self._pending:
            piece = bytes(self._pending)
            self._pending.clear()
            yield self._chunk(piece)

    def _chunk(self, piece: bytes) -> Chunk:
        chunk = Chunk(
            self._offset,
            len(piece),
            hashlib.sha256(piece).digest(),
            entropy_bits(np.frombuffer(piece, dtype=np.uint8)) >= MIN_CHUNK_ENTROPY
            and len(piece) >= MIN_CHUNK,
        )
        self._offset += len(piece)
        return chunk


def chunk_stream(pieces: Iterable[bytes]) -> Iterator[Chunk]:
    chunker = Chunker()
    for piece in pieces:
        yield from chunker.feed(piece)
    yield from chunker.finish()


@dataclass(frozen=True, slots=True)
class ModelFingerprint:
    """The chunk digests of one protected model, and what its file declares."""

    name: str
    size: int
    chunks: frozenset[bytes]
    tensors: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, name: str, pieces: Iterable[bytes], tensors: tuple[str, ...] = ()
    ) -> ModelFingerprint:
        size = 0
        digests: set[bytes] = set()
        for chunk in chunk_stream(pieces):
            size += chunk.size
            if chunk.informative:
                digests.add(chunk.digest)
        return cls(name, size, frozenset(digests), tensors)


MATCH_MIN_CHUNKS = 3  # three whole chunks in a row are at least 3 KiB of the model


class FingerprintIndex:
    """Looks up chunk digests across every registered model."""

    def __init__(self, models: Iterable[ModelFingerprint]) -> None:
        self._owner: dict[bytes, str] = {}
        for model in models:
            for digest in model.chunks:
                self._owner.setdefault(digest, model.name)

    def __bool__(self) -> bool:
        return bool(self._owner)

    def owner(self, digest: bytes) -> str | None:
        return self._owner.get(digest)
