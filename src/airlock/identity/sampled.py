"""The sampled, keyed exact fingerprint: sub-linear in model size, still names any 1 MiB.

Every content-defined chunk of the model (:mod:`airlock.exports.chunking`, 1-16 KiB, about
5 KiB on average) is mapped through a keyed hash ``v = BLAKE2b-64(key, sha256(chunk))``.
Of every ``WINNOW`` (60) consecutive informative chunks, the one with the smallest ``v`` is
kept (winnowing), and only ``v`` (8 bytes) is stored. The key is the enclave's secret
(derived from the ledger key), so an exporter cannot tell which chunks are kept and alter
only those, and the stored values reveal nothing about the chunks to whoever reads the
database.

Size: winnowing keeps about 2 / (WINNOW + 1) of the chunks (1/30.5): 8 bytes per ~160 KiB,
about 50 MB per TB of ~5 KiB chunks (target: at most 64 MB).
Recall, by construction rather than by chance (issue 19): a contiguous piece of ``L`` bytes
holds at least ``L / 16 KiB - 2`` whole chunks of the model (chunk ends fall where content
says, so the piece's chunks are the model's chunks); any ``WINNOW`` consecutive ones include
a kept one. So every piece of 62 or more whole informative chunks is named -- every 1 MiB
piece, even of content whose chunks all reach the 16 KiB maximum; about 320 KiB suffices for
model weights. The independent 1/32 sample this replaces left gaps between kept chunks that
are exponential: a 1 MiB piece was missed 0.2% of the time on average, but for a given key a
model had a few gaps over 1 MiB wide and every piece inside them was missed (98.7% named on
MiniLM). Fingerprints registered with that sample still match (their values are looked up the
same way). Pure: no I/O. The index lives in :mod:`airlock.identity.sampled_index`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

from airlock.exports.chunking import Chunk, chunk_stream
from airlock.exports.model_fingerprint import ModelFingerprint
from airlock.identity.sampled_index import (
    SAMPLE_DENOMINATOR,
    SAMPLED_DIGEST_BYTES,
    WINNOW,
    identity_key,
    is_sampled,
    keyed_value,
)

__all__ = [
    "SAMPLED_DIGEST_BYTES",
    "SAMPLE_DENOMINATOR",
    "WINNOW",
    "identity_key",
    "is_sampled",
    "keyed_value",
    "miss_probability",
    "sampled_fingerprint",
    "sampled_values",
]


def sampled_values(key: bytes, chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, int]]:
    """The informative chunks that the key samples, with their keyed values: the chunk of
    the smallest keyed value in every ``WINNOW`` consecutive informative chunks (winnowing,
    Schleimer, Wilkerson and Aiken, SIGMOD 2003), each once. The window minimum is kept in a
    monotonic queue: constant memory, one pass."""
    queue: deque[tuple[int, int, Chunk]] = deque()  # (value, position, chunk), values rising
    last = -1  # position of the last chunk yielded
    position = -1
    for chunk in chunks:
        if not chunk.informative:
            continue
        position += 1
        value = keyed_value(key, chunk.digest)
        while queue and queue[-1][0] >= value:  # ties: the rightmost minimum (robust winnowing)
            queue.pop()
        queue.append((value, position, chunk))
        while queue[0][1] <= position - WINNOW:
            queue.popleft()
        if position >= WINNOW - 1 and queue[0][1] != last:
            last = queue[0][1]
            yield queue[0][2], queue[0][0]
    if 0 <= position < WINNOW - 1 and queue:  # a model of fewer chunks than one window
        yield queue[0][2], queue[0][0]


def sampled_fingerprint(
    key: bytes, name: str, pieces: Iterable[bytes], tensors: tuple[str, ...] = ()
) -> ModelFingerprint:
    """A :class:`ModelFingerprint` whose ``chunks`` are 8-byte keyed sampled values.

    Reads ``pieces`` once, front to back, in constant memory beyond the kept values.
    """
    size = 0
    kept: set[bytes] = set()

    def counted() -> Iterator[bytes]:
        nonlocal size
        for piece in pieces:
            size += len(piece)
            yield piece

    for _, value in sampled_values(key, chunk_stream(counted())):
        kept.add(value.to_bytes(SAMPLED_DIGEST_BYTES, "little"))
    return ModelFingerprint(name, size, frozenset(kept), tensors)


def miss_probability(piece_bytes: int, mean_chunk: float, rate: float) -> float:
    """Chance that a contiguous piece of ``piece_bytes`` holds no sampled chunk."""
    whole = max(0.0, piece_bytes / mean_chunk - 2)
    return float((1 - rate) ** whole)
