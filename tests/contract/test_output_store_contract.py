"""One contract for every OutputStore, and for settling output-token reservations."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.errors import NotFound
from airlock.outputs.transcript import Transcript, TranscriptDigest
from airlock.store.interface import Store
from airlock.store.output_interface import Verification

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)
TOKENS = (BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT)
RITA = (BudgetScope.TOKENS_PRINCIPAL, "rita")


def _transcript(i: int, caller: str = "rita") -> Transcript:
    return Transcript(
        model="m",
        model_digest="ab" * 32,
        caller=caller,
        upstream="up",
        endpoint="chat",
        prompt_tokens=(1, 2),
        output_tokens=tuple(range(i + 1)),
        temperature_milli=700,
        seed=i,
        request_id=str(i),
        at=T0.isoformat(),
    )


def test_transcripts_are_content_addressed_batched_and_verified(store: Store) -> None:
    out = store.outputs
    for i in range(3):
        out.add_transcript(_transcript(i), 10 * (i + 1), T0)
    out.add_transcript(_transcript(0), 10, T0)  # the same transcript again: one row
    pending = list(out.pending(10))
    assert pending == [_transcript(i).digest for i in range(3)]
    assert out.mark_batch(pending[:2], 7) == 2
    assert out.mark_batch(pending[:2], 8) == 0  # a second commit of the same rows keeps the first
    assert list(out.batch(7)) == pending[:2]
    assert list(out.pending(10)) == pending[2:]
    row = out.get(pending[1])
    assert (row.batch_index, row.leaf_index, row.transcript) == (7, 1, _transcript(1))
    assert [r.digest for r in out.unverified(8, 10)] == pending[:2]
    assert list(out.unverified(7, 10)) == []
    out.mark_verified([Verification(pending[0], 1500, 250)], pending[:2], T0)
    assert list(out.unverified(8, 10)) == []  # considered, replayed or not
    totals = out.totals()
    assert (totals.responses, totals.tokens, totals.bytes) == (3, 6, 60)
    assert (totals.verified_responses, totals.verified_tokens) == (1, 1)
    assert (totals.unexplained_milli, totals.capacity_milli) == (1500, 250)
    with pytest.raises(NotFound):
        out.get(TranscriptDigest("00" * 32))


def test_settle_shrinks_a_reservation_exactly(store: Store) -> None:
    store.budgets.set_budget(Budget(BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT, 100, DAY))
    store.budgets.set_budget(Budget(BudgetScope.TOKENS_PRINCIPAL, "rita", 100, DAY))
    assert all(c.fits for c in store.budgets.reserve([TOKENS, RITA], "a", 60, T0))
    store.budgets.settle("a", {BudgetScope.TOKENS_ENCLAVE: 25, BudgetScope.TOKENS_PRINCIPAL: 25})
    assert store.budgets.used(TOKENS, T0) == 25
    store.budgets.settle("a", {BudgetScope.TOKENS_ENCLAVE: 90})  # never grows
    assert store.budgets.used(TOKENS, T0) == 25
    # the running total agrees: 75 more fit, 76 do not
    assert not all(c.fits for c in store.budgets.reserve([TOKENS], "b", 76, T0))
    assert all(c.fits for c in store.budgets.reserve([TOKENS], "c", 75, T0))
    assert store.budgets.used(TOKENS, T0 + timedelta(hours=1)) == 100


def test_concurrent_reserve_and_settle_never_exceed_the_limit(store: Store) -> None:
    store.budgets.set_budget(Budget(BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT, 500, DAY))
    granted: list[int] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        if all(c.fits for c in store.budgets.reserve([TOKENS], f"r{n}", 40, T0)):
            store.budgets.settle(f"r{n}", {BudgetScope.TOKENS_ENCLAVE: 10})
            with lock:
                granted.append(n)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(80)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    used = store.budgets.used(TOKENS, T0)
    assert used == 10 * len(granted) <= 500
    assert len(granted) >= 12  # at least the 500 // 40 that fit without any settling
