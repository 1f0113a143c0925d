"""Derivative recognition in the inspection pass: tensors of an export against sketches.

Fed the same pieces as :class:`~airlock.exports.flat_scan.FlatScan` for a safetensors,
NumPy or GGUF file; tensors whose shape could match a registered sketch are decoded one at
a time (bounded by ``limits.max_header_bytes`` and ``MAX_TENSOR_BYTES``) and matched
(:mod:`airlock.identity.derivatives`). A match denies, naming the model, its tensors and a
score. Tensors that are not decoded here are still covered by the byte-level checks.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from airlock.domain.requests import Outcome
from airlock.exports.findings import Finding, FindingKind
from airlock.exports.limits import InspectionLimits
from airlock.identity.derivatives import DerivativeIndex, TensorMatch
from airlock.identity.tensor_stream import TensorStream

if TYPE_CHECKING:
    from airlock.exports.model_fingerprint import ModelFingerprint

MAX_TENSOR_BYTES = 256 * 1024 * 1024
SHOWN = 5  # tensors named in a finding's detail
# Sketching costs per element (decode, normalise, project): a file's wanted tensors are all
# matched up to this many elements, then one keyed tensor in SAMPLE_EVERY (issue 19's scan
# throughput). A derivative of a registered model has many matching tensors, so it is still
# named; the file is a tensor format, denied by its format whatever is found here.
FULL_ELEMENTS = 16 * 1024 * 1024
SAMPLE_EVERY = 8


def derivative_index(models: Sequence[ModelFingerprint], key: bytes) -> DerivativeIndex | None:
    """The derivative index of ``models`` (None without a key or any sketch)."""
    if not key or not any(m.identity for m in models):
        return None
    index = DerivativeIndex(key, models)
    return index if index else None


class DerivativeScan:
    """One file's derivative matching; inert when no model has sketches."""

    def __init__(
        self,
        index: DerivativeIndex | None,
        member: str,
        limits: InspectionLimits,
        *,
        key: bytes = b"",
    ) -> None:
        self.member = member
        self.index = index
        self.matches: list[TensorMatch] = []
        self.stream: TensorStream | None = None
        self._key = key  # picks the tensors matched past FULL_ELEMENTS
        self._offered = 0  # tensors of a wanted shape so far
        self._elements = 0  # their elements
        self.decoded = 0  # tensors decoded and matched
        if index:
            self.stream = TensorStream(
                max_header=limits.max_header_bytes,
                max_tensor_bytes=MAX_TENSOR_BYTES,
                want=self._want,
            )

    def _want(self, shape: tuple[int, ...]) -> bool:
        """All tensors of a registered row length up to FULL_ELEMENTS, then a keyed sample:
        a function of the header's bytes and the key, so the same file, the same matches."""
        if self.index is None or not self.index.wants(shape):
            return False
        self._offered += 1
        if self._elements < FULL_ELEMENTS:
            self._elements += math.prod(shape)
            return True
        tag = hashlib.blake2b(b"%d" % self._offered, key=self._key[:64], digest_size=8)
        return int.from_bytes(tag.digest(), "little") % SAMPLE_EVERY == 0

    def feed(self, piece: bytes) -> None:
        if self.stream is None or self.index is None:
            return
        for name, values in self.stream.feed(piece):
            self.decoded += 1
            self.matches += self.index.match(name, values)

    def finish(self) -> list[Finding]:
        by_model: dict[str, list[TensorMatch]] = {}
        for match in self.matches:
            by_model.setdefault(match.model, []).append(match)
        found = []
        for model, matches in sorted(by_model.items()):
            named = ", ".join(f"{m.found} ~ {m.tensor} ({m.score:.2f})" for m in matches[:SHOWN])
            more = f" and {len(matches) - SHOWN} more" if len(matches) > SHOWN else ""
            score = max(m.score for m in matches)
            found.append(
                Finding(
                    FindingKind.PROTECTED_MODEL,
                    Outcome.DENY,
                    f"derivative of protected model {model}: {len(matches)} tensors match "
                    f"its sketches ({named}{more})",
                    0,
                    self.member,
                    0,
                    min(0.99, 0.5 + score / 2),
                )
            )
        return found
