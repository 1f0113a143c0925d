"""Derivative recognition in the inspection pass: tensors of an export against sketches.

Fed the same pieces as :class:`~airlock.exports.flat_scan.FlatScan` for a safetensors,
NumPy or GGUF file; tensors whose shape could match a registered sketch are decoded one at
a time (bounded by ``limits.max_header_bytes`` and ``MAX_TENSOR_BYTES``) and matched
(:mod:`airlock.identity.derivatives`). A match denies, naming the model, its tensors and a
score. Tensors that are not decoded here are still covered by the byte-level checks.
"""

from __future__ import annotations

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


def derivative_index(models: Sequence[ModelFingerprint], key: bytes) -> DerivativeIndex | None:
    """The derivative index of ``models`` (None without a key or any sketch)."""
    if not key or not any(m.identity for m in models):
        return None
    index = DerivativeIndex(key, models)
    return index if index else None


class DerivativeScan:
    """One file's derivative matching; inert when no model has sketches."""

    def __init__(
        self, index: DerivativeIndex | None, member: str, limits: InspectionLimits
    ) -> None:
        self.member = member
        self.index = index
        self.matches: list[TensorMatch] = []
        self.stream: TensorStream | None = None
        if index:
            self.stream = TensorStream(
                max_header=limits.max_header_bytes,
                max_tensor_bytes=MAX_TENSOR_BYTES,
                want=index.wants,
            )

    def feed(self, piece: bytes) -> None:
        if self.stream is None or self.index is None:
            return
        for name, values in self.stream.feed(piece):
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
