"""Content-aware refusals: what was refused to one person is refused to everyone (issue 14).

Budgets are per person, so without this a refused artifact could leave through a second
account, whole or in pieces. Every refused export leaves behind its SHA-256 and a *sketch*:
a sample of the content-defined chunk digests (:mod:`airlock.exports.chunking`) that the
inspection computed over its flat content, inside containers and decoded layers. A later
export is refused when its digest is one refused before, or when most of its sampled chunks
were in one refused artifact: a copy with a few bytes changed, the same file re-zipped, or a
piece of a refused whole.

The sample is adaptive (Wegman's sampling): a digest is kept at level ``L`` when its first
16 bits are below ``2**16 >> L``, and the level rises until at most :data:`SKETCH_SIZE`
digests remain. Keeping a digest depends on the digest alone, so two sketches compare at the
larger of their levels: the export's digests that pass it, and how many of those the refused
artifact holds. The cost of a look-up is the export's sketch (at most ``SKETCH_SIZE`` index
probes), never the number of refusals.

What it does not do: see through re-encryption or recompression *within* a format it does not
open, nor match content of fewer than a chunk (about 1 KiB) except byte for byte; a small
piece of a very large refused artifact can escape the sample (its chunks fail the level).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from airlock.errors import InvalidInput

SKETCH_SIZE = 2048  # digests kept per artifact: ~8 MiB of content in full, sampled beyond
MAX_LEVEL = 16
_ZERO_CHUNK = hashlib.sha256(bytes(16 * 1024)).digest()  # padding, in every kind of file


def passes(digest: bytes, level: int) -> bool:
    """Whether ``digest`` is kept in a sample at ``level`` (1 in ``2**level``)."""
    return int.from_bytes(digest[:2], "big") < (1 << 16) >> level


@dataclass(frozen=True, slots=True)
class Sketch:
    """The chunk digests of an artifact that pass ``level``."""

    level: int
    digests: frozenset[bytes]

    def __post_init__(self) -> None:
        if not 0 <= self.level <= MAX_LEVEL:
            raise InvalidInput(f"a sketch level is between 0 and {MAX_LEVEL}")
        if any(len(d) != 32 or not passes(d, self.level) for d in self.digests):
            raise InvalidInput("a sketch holds SHA-256 digests that pass its level")


EMPTY = Sketch(0, frozenset())


class SketchBuilder:
    """Takes chunk digests one at a time, in constant memory (at most SKETCH_SIZE kept)."""

    def __init__(self) -> None:
        self._level = 0
        self._kept: set[bytes] = set()

    def add(self, digest: bytes) -> None:
        if digest == _ZERO_CHUNK or not passes(digest, self._level):
            return
        self._kept.add(digest)
        while len(self._kept) > SKETCH_SIZE and self._level < MAX_LEVEL:
            self._level += 1
            self._kept = {d for d in self._kept if passes(d, self._level)}

    def add_all(self, digests: Iterable[bytes]) -> SketchBuilder:
        for digest in digests:
            self.add(digest)
        return self

    def sketch(self) -> Sketch:
        return Sketch(self._level, frozenset(self._kept))


@dataclass(frozen=True, slots=True)
class RefusedContent:
    """Something refused to ``principal``: what the store keeps of it."""

    digest: str
    request_id: str
    principal: str
    refused_at: datetime
    sketch: Sketch


@dataclass(frozen=True, slots=True)
class Candidate:
    """A refused artifact that shares the export's digest or some of its sampled chunks."""

    refused: RefusedContent  # its sketch holds only the digests the export shares with it
    same_digest: bool


@dataclass(frozen=True, slots=True)
class ContentRules:
    """When a match refuses: at ``deny_containment`` of the export's sampled chunks, and at
    least ``min_shared`` of them (one shared chunk, a licence header say, is not a copy)."""

    deny_containment: float = 0.5
    min_shared: int = 2
    memory: timedelta = timedelta(days=30)  # refusals older than this are not matched

    def __post_init__(self) -> None:
        if not 0.0 < self.deny_containment <= 1.0 or self.memory <= timedelta(0):
            raise InvalidInput("containment is in (0, 1] and the memory positive")
        if self.min_shared < 1:
            raise InvalidInput("a match shares at least one chunk")


@dataclass(frozen=True, slots=True)
class ContentMatch:
    refused: RefusedContent
    containment: float  # of the export's sampled chunks, the share the refused one holds
    same_digest: bool

    def explain(self, principal: str) -> str:
        who = "you" if self.refused.principal == principal else self.refused.principal
        how = (
            "the same bytes"
            if self.same_digest
            else f"{self.containment:.0%} of its content-defined chunks"
        )
        return (
            f"{how} as content refused to {who} in {self.refused.request_id} at "
            f"{self.refused.refused_at.isoformat(timespec='minutes')}: what is refused to one "
            "person is refused to all; ask approvers to review the first request instead"
        )


def best_match(
    export: Sketch, candidates: Sequence[Candidate], rules: ContentRules
) -> ContentMatch | None:
    """The refused artifact that the export repeats most, if it repeats one enough."""
    best: ContentMatch | None = None
    for candidate in candidates:
        refused = candidate.refused
        level = max(export.level, refused.sketch.level)
        sampled = [d for d in export.digests if passes(d, level)]
        shared = sum(1 for d in sampled if d in refused.sketch.digests)
        containment = shared / len(sampled) if sampled else 0.0
        if not candidate.same_digest and (
            containment < rules.deny_containment or shared < rules.min_shared
        ):
            continue
        match = ContentMatch(
            refused, 1.0 if candidate.same_digest else containment, candidate.same_digest
        )
        if best is None or (match.same_digest, match.containment) > (
            best.same_digest,
            best.containment,
        ):
            best = match
    return best


def group_candidates(
    rows: Iterable[tuple[RefusedContent, bytes | None]], digest: str
) -> list[Candidate]:
    """Candidates from (refused content, shared chunk or None) rows, as a store returns them."""
    shared: dict[int, set[bytes]] = {}
    first: dict[int, RefusedContent] = {}
    index: dict[tuple[str, str], int] = {}
    for refused, chunk in rows:
        key = index.setdefault((refused.request_id, refused.digest), len(index))
        first.setdefault(key, refused)
        bucket = shared.setdefault(key, set())
        if chunk is not None:
            bucket.add(chunk)
    return [
        Candidate(
            RefusedContent(
                r.digest,
                r.request_id,
                r.principal,
                r.refused_at,
                Sketch(r.sketch.level, frozenset(shared[k])),
            ),
            r.digest == digest,
        )
        for k, r in first.items()
    ]
