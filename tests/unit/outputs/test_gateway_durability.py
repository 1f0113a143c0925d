"""When a response may leave: after the flush that covers its reservation and transcript
(flush_window_ms = 0), or at once with the flush following (flush_window_ms > 0)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest

from airlock.audit import AuditLog
from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.clock import FixedClock
from airlock.errors import BudgetExceeded
from airlock.outputs.gateway import OutputGateway
from airlock.outputs.openai import Endpoint, Piece
from airlock.outputs.upstream import ScriptedUpstream
from airlock.settings import OutputsSettings
from airlock.store.lease_interface import leased_unused
from airlock.store.memory import MemoryStore

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)
TOKENS = (BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT)
BODY = {"prompt": [1, 2, 3], "max_tokens": 16}
PIECE = Piece((65, 66, 67), "ABC", (1, 2, 3))


class CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.syncs = 0
        self.kept_at_sync: list[int] = []  # what a crash then would keep counted

    def sync(self) -> None:
        self.syncs += 1
        self.kept_at_sync.append(charged(self))


# Every test runs with one reservation per request (0) and with budget leases (16).
pytestmark = pytest.mark.parametrize("leases", [0, 16])


def charged(store: MemoryStore) -> int:
    """Counted against the enclave's token budget, less what open leases hold unused."""
    held = leased_unused(store.leases.leases(open_only=True))
    return store.budgets.used(TOKENS, T0) - held.get(TOKENS, 0)


def _event(token: int) -> bytes:
    choice = {"index": 0, "text": chr(token), "token_ids": [token], "prompt_token_ids": [1]}
    return b"data: " + json.dumps({"choices": [choice]}).encode() + b"\n\n"


def _gateway(
    window: int, limit: int = 1000, leases: int = 0
) -> tuple[OutputGateway, CountingStore]:
    store = CountingStore()
    day = timedelta(days=1)
    store.budgets.set_budget(Budget(BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT, limit, day))
    store.budgets.set_budget(Budget(BudgetScope.OUTPUT_ENCLAVE, ENCLAVE_SUBJECT, 10**6, day))
    settings = OutputsSettings(
        upstream_url="http://127.0.0.1:9",
        model="m",
        model_digest="ab" * 32,
        flush_window_ms=window,
        lease_requests=leases,
    )
    ledger = cast(AuditLog, None)  # commit_batch is not called here
    return OutputGateway(settings, store, ledger, FixedClock(T0), lambda: "p"), store


def test_without_a_window_finish_returns_only_after_a_flush(leases: int) -> None:
    gateway, store = _gateway(0, leases=leases)
    admission = gateway.admit("rita", Endpoint.COMPLETIONS, BODY)
    assert store.syncs == 0  # the reservation is flushed with the transcript
    gateway.finish(admission, [PIECE])
    assert store.syncs == 1
    assert charged(store) == 3  # settled in the same transaction
    assert store.outputs.totals().responses == 1
    assert not gateway.flush_if_needed()  # nothing new since


def test_without_a_window_no_streamed_token_leaves_before_its_reservation_is_flushed(
    leases: int,
) -> None:
    gateway, store = _gateway(0, leases=leases)
    gateway.upstream = ScriptedUpstream([_event(65) + _event(66), b"data: [DONE]\n\n"])
    admission = gateway.admit("rita", Endpoint.COMPLETIONS, BODY | {"stream": True})
    seen: list[tuple[int, list[int]]] = []
    pieces: list[Piece] = []

    async def run() -> None:
        async for _ in gateway.stream(admission, pieces):
            seen.append((store.syncs, list(store.kept_at_sync)))

    asyncio.run(run())
    # one flush before the first chunk, and it covered the stream's whole reservation
    assert seen == [(1, [16])]
    gateway.finish(admission, pieces)
    assert store.syncs == 2
    gateway.close_leases()  # the stream's idle slot goes back
    assert charged(store) == 2


def test_with_a_window_finish_returns_at_once_and_the_flush_follows(leases: int) -> None:
    gateway, store = _gateway(10, leases=leases)
    gateway.finish(gateway.admit("rita", Endpoint.COMPLETIONS, BODY), [PIECE])
    assert store.syncs == 0
    assert store.outputs.totals().responses == 1
    assert gateway.flush_if_needed()
    assert store.syncs == 1
    assert not gateway.flush_if_needed()


def test_a_refused_admission_is_not_charged(leases: int) -> None:
    gateway, store = _gateway(0, limit=20, leases=leases)
    gateway.admit("rita", Endpoint.COMPLETIONS, BODY)
    with pytest.raises(BudgetExceeded):
        gateway.admit("rita", Endpoint.COMPLETIONS, BODY)
    assert charged(store) == 16


def test_a_stream_waits_for_no_flush_that_an_earlier_one_made_and_stays_covered(
    leases: int,
) -> None:
    """Streams one after the other: each first chunk leaves only when the last flush's
    count (what a crash would keep) covers every token that left and the stream's whole
    reservation. The third, in the idle slot of its lease (the first lease is one request's
    worth), needs no flush of its own."""
    gateway, store = _gateway(0, leases=leases)
    gateway.upstream = ScriptedUpstream([_event(65) + _event(66), b"data: [DONE]\n\n"])
    seen: list[tuple[int, int]] = []

    async def one() -> None:
        admission = gateway.admit("rita", Endpoint.COMPLETIONS, BODY | {"stream": True})
        pieces: list[Piece] = []
        async for _ in gateway.stream(admission, pieces):
            seen.append((store.syncs, store.kept_at_sync[-1]))
        synced = store.syncs
        _, durable = gateway.logged(admission, pieces)
        await durable  # the closing comment waits for the flush of the transcript
        assert store.syncs == synced + 1

    async def run() -> None:
        for _ in range(3):
            await one()

    asyncio.run(run())
    # 2 tokens of each stream before plus 16 reserved for this one, kept by the last flush
    assert seen == ([(1, 16), (3, 18), (4, 20)] if leases else [(1, 16), (3, 18), (5, 20)])


def test_a_response_waits_for_the_flush_of_its_transcript(leases: int) -> None:
    gateway, store = _gateway(0, leases=leases)
    admission = gateway.admit("rita", Endpoint.COMPLETIONS, BODY)

    async def run() -> None:
        _, durable = gateway.logged(admission, [PIECE])
        assert store.syncs == 0 or not cast(asyncio.Future[None], durable).done()
        await durable
        assert store.syncs == 1 and store.kept_at_sync == [3]

    asyncio.run(run())
