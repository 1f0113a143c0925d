"""What the inspection engine reports: findings as data, and verdicts per file and overall."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from airlock.budgets.refusals import EMPTY, Sketch
from airlock.domain.requests import Outcome
from airlock.errors import InvalidInput

_SEVERITY = {Outcome.ALLOW: 0, Outcome.HOLD: 1, Outcome.DENY: 2}


class FindingKind(StrEnum):
    """What was found; the JSON report's ``kind``."""

    TENSOR_FORMAT = "tensor-format"  # a model/tensor container (safetensors, GGUF, ...)
    RAW_TENSOR = "raw-tensor"  # header-less bytes that look like weights
    TENSOR_TEXT = "tensor-as-text"  # many floats written out as CSV/JSON text
    PROTECTED_MODEL = "protected-model"  # a piece of a registered protected model
    OPAQUE = "opaque-data"  # high-entropy bytes of no known format
    MALFORMED = "malformed"  # truncated or invalid structure
    LIMIT = "limit-exceeded"  # bomb, depth, size or member limits
    UNSAFE_NAME = "unsafe-member-name"  # path traversal and the like in an archive
    SMALL_TENSOR = "small-tensor"  # tensor data under the weight threshold
    # A weight-like numeric column, dataset or histogram under the weight threshold: as
    # weight-like as weights, with an allowance of its own in the account (account.py).
    WEIGHT_LIKE_VALUES = "weight-like-values"
    UNKNOWN_FORMAT = "unknown-format"  # binary data of no recognised format
    ACCOUNT = "information-account"  # many unexplained pieces that add up (account.py)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing found in a file, with the verdict it calls for.

    ``member`` locates it inside containers and encodings: ``a.zip/w.bin`` for an archive
    member, ``!gzip`` for a decompressed stream, ``~base64`` for decoded text, ``#streams``
    and ``#after-end`` for a PDF's decoded streams and bytes after an image's end;
    ``offset`` is the byte offset within that member (decoded bytes for decoded layers).
    """

    kind: FindingKind
    verdict: Outcome
    detail: str
    offset: int = 0
    member: str = ""
    size: int = 0
    confidence: float = 1.0

    def __post_init__(self) -> None:
        if self.offset < 0 or self.size < 0 or not 0.0 <= self.confidence <= 1.0:
            raise InvalidInput("a finding needs offset, size >= 0 and confidence in [0, 1]")

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "verdict": self.verdict.value,
            "detail": self.detail,
            "offset": self.offset,
            "member": self.member,
            "size": self.size,
            "confidence": round(self.confidence, 3),
        }


def worst(outcomes: Iterable[Outcome]) -> Outcome:
    """The most restrictive outcome; ``allow`` when there is nothing to object to."""
    return max(outcomes, key=_SEVERITY.__getitem__, default=Outcome.ALLOW)


# Given decoded bytes (an image's pixels, a table's column) and where they came from, the
# protected-model findings in them: how parsers hand decoded content to the engine's matcher.
BytesMatcher = Callable[[bytes, str], list[Finding]]


@dataclass(frozen=True, slots=True)
class FileReport:
    """Every finding for one file; its verdict is the most restrictive finding's."""

    path: str
    size: int
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    # A sample of the content-defined chunk digests of every flat layer (issue 14): what a
    # refusal remembers this file by. Not part of the report's JSON.
    sketch: Sketch = field(default=EMPTY, compare=False, repr=False)

    @property
    def verdict(self) -> Outcome:
        return worst(f.verdict for f in self.findings)

    @property
    def unexplained_bytes(self) -> int:
        """Bytes the inspector could not explain as benign structure (see account.py)."""
        return unexplained(self.findings)

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "size": self.size,
            "verdict": self.verdict.value,
            "unexplained_bytes": self.unexplained_bytes,
            "findings": [f.to_json() for f in self.findings],
        }


# Kinds whose ``size`` is content the inspector could not explain; tensor-like ones first.
TENSORISH = frozenset(
    [
        FindingKind.TENSOR_FORMAT,
        FindingKind.RAW_TENSOR,
        FindingKind.SMALL_TENSOR,
        FindingKind.WEIGHT_LIKE_VALUES,
        FindingKind.TENSOR_TEXT,
        FindingKind.PROTECTED_MODEL,
    ]
)
UNEXPLAINED = TENSORISH | {FindingKind.OPAQUE, FindingKind.UNKNOWN_FORMAT}


def pieces(findings: Iterable[Finding]) -> dict[str, tuple[int, bool]]:
    """Unexplained bytes per member, and whether they look like tensors.

    Findings about the same member describe the same bytes (a protected model's chunks are
    also raw tensor windows), so a member counts its largest finding, not their sum.
    """
    found: dict[str, tuple[int, bool]] = {}
    for f in findings:
        if f.kind not in UNEXPLAINED or not f.size:
            continue
        size, tensorish = found.get(f.member, (0, False))
        found[f.member] = (max(size, f.size), tensorish or f.kind in TENSORISH)
    return found


def unexplained(findings: Iterable[Finding]) -> int:
    return sum(size for size, _ in pieces(findings).values())


def report_to_json(reports: Iterable[FileReport]) -> dict[str, object]:
    """The `airlock scan --json` shape: overall verdict plus one entry per file."""
    files = list(reports)
    return {
        "verdict": worst(r.verdict for r in files).value,
        "files": [r.to_json() for r in files],
    }
