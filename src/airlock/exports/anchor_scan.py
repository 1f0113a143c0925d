"""Name the protected model that headerless GGML Q8_0/Q4_0 blocks were quantised from.

Chunk digests do not survive quantisation and derivative sketches need a tensor's shape;
a run of blocks has neither. Windows that :mod:`airlock.exports.ggml_blocks` already judged
to be blocks (so the file is denied whatever is found here) are dequantised and their
anchor-chain keys (:mod:`airlock.identity.anchors`) looked up in the registered samples.
A model is named once ``MIN_HITS`` distinct registered keys are found (issue 15).

Only windows that :class:`~airlock.exports.flat_scan.FlatScan` chunks are looked at, so
the cost follows its sampling past ``sample_chunks_after`` bytes of tensor windows. Chains
that straddle two windows are lost (~``CHAIN`` of ~30 000 per MiB).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airlock.domain.requests import Outcome
from airlock.exports.findings import Finding, FindingKind
from airlock.exports.ggml_blocks import PART_BYTES, dequantise, locate_blocks
from airlock.identity.anchors import AnchorIndex, chain_keys

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airlock.exports.model_fingerprint import ModelFingerprint
    from airlock.exports.tensor_stats import Bytes

# Two distinct registered 64-bit keys of ~55 bits of gap-and-sign entropy each: an unrelated
# export of 10^6 chains against 10^8 registered keys (1 PB) expects ~10^-2 single hits and
# ~10^-5 pairs (ADR 0021). One hit is not enough: the chance of a single false hit grows with
# the registry; two are rare, and a real piece expects many more (Q8_0: ~50 per MiB).
MIN_HITS = 2
MAX_PARTS = 4  # parts of a window tried for the block layout


def anchor_index(models: Sequence[ModelFingerprint], key: bytes) -> AnchorIndex | None:
    """The anchor index of ``models`` (None without a key or any registered anchors)."""
    from airlock.identity.derivatives import decode_identity  # noqa: PLC0415 -- numpy-heavy

    if not key:
        return None
    found = []
    for model in models:
        identity = decode_identity(model.identity) if model.identity else None
        if identity is not None and identity.anchors.size:
            found.append((model.name, identity.anchors))
    index = AnchorIndex(key, found)
    return index if index else None


class AnchorScan:
    """One flat scan's GGML windows matched against the registered anchor samples."""

    def __init__(self, index: AnchorIndex, member: str) -> None:
        self.index = index
        self.member = member
        self.hits: dict[str, set[int]] = {}
        self.kinds: dict[str, str] = {}  # model -> the block kind it was found in
        self.first_offset: dict[str, int] = {}
        self.windows = 0

    def window(self, array: Bytes, offset: int) -> None:
        """Dequantise one window judged to be GGML blocks and look its chains up."""
        for start in range(0, min(array.size, MAX_PARTS * PART_BYTES), PART_BYTES):
            layout = locate_blocks(array[start : start + PART_BYTES])
            if layout is not None:
                break
        else:
            return
        kind, stride, phase, big = layout
        self.windows += 1
        values = dequantise(array, stride, (start + phase) % stride, big=big)
        keys, _ = chain_keys(self.index.key, values)
        for model, found in self.index.hits(keys).items():
            self.hits.setdefault(model, set()).update(found)
            self.kinds.setdefault(model, kind)
            self.first_offset.setdefault(model, offset)

    def findings(self) -> list[Finding]:
        found = []
        for model, keys in sorted(self.hits.items()):
            if len(keys) < MIN_HITS:
                continue
            kind = self.kinds[model].removeprefix("ggml ").removesuffix(" blocks").upper()
            found.append(
                Finding(
                    FindingKind.PROTECTED_MODEL,
                    Outcome.DENY,
                    f"{kind}-quantised piece of protected model {model}: {len(keys)} anchor "
                    "chains matched",
                    self.first_offset[model],
                    self.member,
                    0,
                    0.95,
                )
            )
        return found
