"""Register a protected model from its shards in one streaming pass (issue 19).

Each shard's bytes are read once, front to back, and feed at the same time: the
content-defined chunker (every SHA-256 for a full fingerprint, or the keyed sample of
:mod:`airlock.identity.sampled`), a :class:`TensorStream` per shard whose tensors are
sketched (:mod:`airlock.identity.sketch`) and dropped, and byte-plane compressibility
samples; every tensor's flattened values also give the sampled anchor-chain keys
(:mod:`airlock.identity.anchors`) that name GGML-quantised pieces. Memory: one tensor
(bounded) plus the fingerprint being built. No files are opened here: the caller hands
each shard as an iterable of byte pieces.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from airlock.exports.chunking import chunk_stream
from airlock.exports.model_fingerprint import ModelFingerprint
from airlock.identity.anchors import sampled_keys
from airlock.identity.compressibility import PlaneSample, best_ratio
from airlock.identity.derivatives import encode_identity
from airlock.identity.sampled import SAMPLED_DIGEST_BYTES, sampled_values
from airlock.identity.sketch import Projections, Side, sketch_tensor
from airlock.identity.tensor_stream import TensorStream

if TYPE_CHECKING:
    from airlock.identity.anchors import Keys

Shard = tuple[str, Iterable[bytes]]


@dataclass(frozen=True, slots=True)
class Registration:
    """What a registration measured, beside the fingerprint it stores."""

    model: ModelFingerprint
    lossless_ratio: float
    tensors_sketched: int
    tensors_skipped: int


def register_shards(
    key: bytes,
    name: str,
    shards: Iterable[Shard],
    *,
    sampled: bool,
    tensors: tuple[str, ...] = (),
    max_tensor_bytes: int = 256 * 1024 * 1024,
) -> Registration:
    """Fingerprint, sketch and measure a model given as shards ``(name, pieces)``."""
    projections = Projections(key)
    sketches: list[tuple[str, list[Side]]] = []
    planes = [PlaneSample(1), PlaneSample(2), PlaneSample(4)]
    skipped = 0
    size = 0
    anchor_keys: list[Keys] = []

    def pieces() -> Iterator[bytes]:
        nonlocal skipped, size
        for shard, shard_pieces in shards:
            stream = TensorStream(max_tensor_bytes=max_tensor_bytes)
            prefix = f"{shard}:" if shard else ""
            for piece in shard_pieces:
                size += len(piece)
                for plane in planes:
                    plane.feed(piece)
                for tensor, values in stream.feed(piece):
                    anchor_keys.append(sampled_keys(key, values))
                    sides = sketch_tensor(values, projections)
                    if sides:
                        sketches.append((prefix + tensor, sides))
                yield piece
            skipped += len(stream.skipped)

    kept: set[bytes] = set()
    if sampled:
        for _, value in sampled_values(key, chunk_stream(pieces())):
            kept.add(value.to_bytes(SAMPLED_DIGEST_BYTES, "little"))
    else:
        kept = {c.digest for c in chunk_stream(pieces()) if c.informative}
    ratio = best_ratio(planes)
    anchors = np.concatenate(anchor_keys) if anchor_keys else np.empty(0, dtype=np.uint64)
    identity = encode_identity(ratio, sketches, anchors)
    model = ModelFingerprint(name, size, frozenset(kept), tensors, identity)
    return Registration(model, ratio, len(sketches), skipped)
