"""The pure side of content-aware refusals: sketches and matches (issue 14)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airlock.budgets.refusals import (
    SKETCH_SIZE,
    Candidate,
    ContentRules,
    RefusedContent,
    Sketch,
    SketchBuilder,
    best_match,
    passes,
)
from airlock.errors import InvalidInput

T0 = datetime(2026, 7, 1, tzinfo=UTC)
RULES = ContentRules()


def digests(tag: str, count: int) -> list[bytes]:
    return [hashlib.sha256(f"{tag}:{i}".encode()).digest() for i in range(count)]


def sketch(items: list[bytes]) -> Sketch:
    return SketchBuilder().add_all(items).sketch()


def candidate(items: list[bytes], export: Sketch, same: bool = False) -> Candidate:
    """What a store returns: the refused sketch cut down to what the export shares."""
    full = sketch(items)
    shared = Sketch(full.level, full.digests & export.digests)
    return Candidate(RefusedContent("d" * 64, "req_1", "rita", T0, shared), same)


def test_a_sketch_stays_bounded_and_keeps_digests_by_their_value_alone() -> None:
    many = digests("big", 20_000)
    big = sketch(many)
    assert 0 < len(big.digests) <= SKETCH_SIZE and big.level >= 3
    assert big.digests == {d for d in many if passes(d, big.level)}
    assert sketch(many[:100]).level == 0


def test_zero_padding_is_not_content() -> None:
    zero = hashlib.sha256(bytes(16 * 1024)).digest()
    assert sketch([zero]).digests == frozenset()


def test_a_near_copy_and_a_piece_match_and_unrelated_content_does_not() -> None:
    refused = digests("a", 5000)  # sampled: level above 0
    near = sketch(refused[5:] + digests("x", 5))
    match = best_match(near, [candidate(refused, near)], RULES)
    assert match is not None and match.containment > 0.95
    piece = sketch(refused[1000:1600])  # a piece of the whole, sketched at level 0
    match = best_match(piece, [candidate(refused, piece)], RULES)
    assert match is not None and match.containment == 1.0
    half = sketch(refused[:100] + digests("y", 300))
    assert best_match(half, [candidate(refused, half)], RULES) is None


def test_the_same_digest_matches_whatever_the_chunks() -> None:
    empty = Sketch(0, frozenset())
    match = best_match(empty, [candidate([], empty, same=True)], RULES)
    assert match is not None and match.same_digest
    assert "the same bytes as content refused to rita" in match.explain("sam")


def test_invalid_sketches_and_rules_cannot_exist() -> None:
    with pytest.raises(InvalidInput):
        Sketch(17, frozenset())
    with pytest.raises(InvalidInput):
        Sketch(0, frozenset({b"short"}))
    with pytest.raises(InvalidInput):
        ContentRules(deny_containment=0)


@given(st.integers(0, 4000), st.integers(0, 4000))
def test_sketches_compare_at_the_larger_level(a: int, b: int) -> None:
    """Whatever the sizes, an export that is a subset of a refused artifact is contained."""
    whole = digests("w", max(a, b))
    part = whole[: min(a, b)]
    export = sketch(part)
    found = best_match(export, [candidate(whole, export)], RULES)
    level = max(export.level, sketch(whole).level)
    if sum(1 for d in export.digests if passes(d, level)) >= RULES.min_shared:
        assert found is not None and found.containment == 1.0
    else:
        assert found is None


def test_one_shared_chunk_is_not_a_copy() -> None:
    refused = digests("a", 50)
    small = sketch(refused[:1] + digests("z", 1))  # half of a two-chunk export
    assert best_match(small, [candidate(refused, small)], RULES) is None
    two = sketch(refused[:2] + digests("z", 1))
    assert best_match(two, [candidate(refused, two)], RULES) is not None
