"""Refused content (issue 14): every store finds it again by digest or shared chunks."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from airlock.budgets.refusals import RefusedContent, Sketch, SketchBuilder
from airlock.store.interface import Store

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)


def chunks(tag: str, count: int) -> list[bytes]:
    return [hashlib.sha256(f"{tag}:{i}".encode()).digest() for i in range(count)]


def sketch(digests: list[bytes]) -> Sketch:
    return SketchBuilder().add_all(digests).sketch()


def refused(
    name: str, digests: list[bytes], at: datetime = T0, who: str = "rita"
) -> RefusedContent:
    digest = hashlib.sha256(name.encode()).hexdigest()
    return RefusedContent(digest, f"req_{name}", who, at, sketch(digests))


def test_found_by_digest_and_by_shared_chunks_only(store: Store) -> None:
    a, b = chunks("a", 40), chunks("b", 40)
    store.budgets.remember_refusal(refused("a", a))
    store.budgets.remember_refusal(refused("b", b, who="sam"))
    since = T0 - timedelta(days=1)

    same = store.budgets.refusals_like(refused("a", []).digest, Sketch(0, frozenset()), since)
    assert [(c.refused.request_id, c.same_digest) for c in same] == [("req_a", True)]

    export = sketch(a[:10] + chunks("new", 5))
    found = store.budgets.refusals_like("0" * 64, export, since)
    assert [(c.refused.request_id, c.refused.principal, c.same_digest) for c in found] == [
        ("req_a", "rita", False)
    ]
    assert found[0].refused.sketch.digests == frozenset(a[:10])  # only what is shared
    assert found[0].refused.refused_at == T0

    assert store.budgets.refusals_like("0" * 64, sketch(chunks("c", 9)), since) == []


def test_refusals_before_since_are_forgotten(store: Store) -> None:
    a = chunks("a", 8)
    store.budgets.remember_refusal(refused("a", a, at=T0))
    assert store.budgets.refusals_like("0" * 64, sketch(a), T0) == []
    assert len(store.budgets.refusals_like("0" * 64, sketch(a), T0 - timedelta(seconds=1))) == 1
