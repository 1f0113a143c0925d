"""The sampled, keyed exact fingerprint: sub-linear in model size, still names any 1 MiB.

Every content-defined chunk of the model (:mod:`airlock.exports.chunking`, 1-16 KiB, about
5 KiB on average) is mapped through a keyed hash ``v = BLAKE2b-64(key, sha256(chunk))``.
Only chunks with ``v < 2**64 / SAMPLE_DENOMINATOR`` are kept, and only ``v`` (8 bytes) is
stored. The key is the enclave's secret (derived from the ledger key), so an exporter
cannot tell which chunks are sampled and alter only those, and the stored values reveal
nothing about the chunks to whoever reads the database.

Size: with 1/32 of ~5 KiB chunks kept at 8 bytes each, a model costs 8 / (32 * 5 KiB) of
its size: about 50 MB per TB (target: at most 64 MB).
Recall: a contiguous piece of ``L`` bytes holds at least ``L / 16 KiB - 2`` whole chunks,
and about ``L / 5 KiB - 2`` for model weights (chunk ends fall where content says, so the
piece's chunks are the model's chunks). Each is kept independently with probability
``p = 1/32`` (the keyed hash is a pseudo-random function of distinct chunks), so the chance
that none is kept is ``(1 - p) ** n``: for 1 MiB, n ~ 200 gives 0.2%; see ADR 0021.
Pure: no I/O. The index lives in :mod:`airlock.identity.sampled_index`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from airlock.exports.chunking import Chunk, chunk_stream
from airlock.exports.model_fingerprint import ModelFingerprint
from airlock.identity.sampled_index import (
    SAMPLE_DENOMINATOR,
    SAMPLED_DIGEST_BYTES,
    THRESHOLD,
    identity_key,
    is_sampled,
    keyed_value,
)

__all__ = [
    "SAMPLED_DIGEST_BYTES",
    "SAMPLE_DENOMINATOR",
    "identity_key",
    "is_sampled",
    "keyed_value",
    "miss_probability",
    "sampled_fingerprint",
    "sampled_values",
]


def sampled_values(key: bytes, chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, int]]:
    """The informative chunks that the key samples, with their keyed values."""
    for chunk in chunks:
        if chunk.informative:
            value = keyed_value(key, chunk.digest)
            if value < THRESHOLD:
                yield chunk, value


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
