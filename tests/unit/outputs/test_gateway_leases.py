"""The gateway's budget leases (docs/adr/0020 decision 6): requests admitted in memory from
a leased block, charged with their transcripts; two workers stay exact; a stalled worker's
late response is not sent; expired and closed leases give back what they hold unused."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest

from airlock.audit import AuditLog
from airlock.budgets.leases import Amount, LeaseGrant, lease_size
from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.clock import FixedClock
from airlock.errors import BudgetExceeded, ConfigError, SourceError
from airlock.outputs.admission import Admission
from airlock.outputs.gateway import LEASE_RETENTION, RECLAIM_GRACE, OutputGateway
from airlock.outputs.openai import Endpoint, Piece
from airlock.outputs.upstream import ScriptedUpstream
from airlock.settings import OutputsSettings, Settings
from airlock.store.lease_interface import LeaseState, leased_unused
from airlock.store.memory import MemoryStore

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)
TOKENS = (BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT)
BODY = {"prompt": [1, 2, 3], "max_tokens": 10}
PIECE = Piece((65, 66, 67), "ABC", (1, 2, 3))  # 3 tokens used of 10 reserved


def _store(limit: int) -> MemoryStore:
    store = MemoryStore()
    day = timedelta(days=1)
    store.budgets.set_budget(Budget(BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT, limit, day))
    store.budgets.set_budget(Budget(BudgetScope.OUTPUT_ENCLAVE, ENCLAVE_SUBJECT, 10**6, day))
    return store


def _gateway(store: MemoryStore, clock: FixedClock, leases: int = 4) -> OutputGateway:
    settings = OutputsSettings(
        upstream_url="http://127.0.0.1:9",
        model="m",
        model_digest="ab" * 32,
        flush_window_ms=10,
        lease_requests=leases,
        lease_seconds=10,
    )
    return OutputGateway(settings, store, cast(AuditLog, None), clock, lambda: "p")


def _unused(store: MemoryStore) -> int:
    return leased_unused(store.leases.leases(open_only=True)).get(TOKENS, 0)


def test_requests_are_admitted_from_one_lease_and_charged_what_they_used() -> None:
    store, clock = _store(1000), FixedClock(T0)
    gateway = _gateway(store, clock)
    for _ in range(5):
        gateway.record(gateway.admit("rita", Endpoint.COMPLETIONS, BODY), [PIECE])
    # the first lease is one request's (what the budgets have free is not known yet), the
    # next four requests' reservations, in one transaction
    first, second = sorted(store.leases.leases(), key=lambda v: v.grant.granted.tokens)
    assert (first.grant.granted.tokens, second.grant.granted.tokens) == (10, 40)
    assert first.state is LeaseState.CLOSED and first.used.tokens == 3
    assert store.budgets.used(TOKENS, T0) == 3 + 40 and _unused(store) == 28
    gateway.close_leases()
    assert store.budgets.used(TOKENS, T0) == 15 and _unused(store) == 0


def test_lease_sizes_shrink_with_what_is_free() -> None:
    need = Amount(10, 100)
    assert lease_size(need, 16, None) == [need]  # unknown: one request first
    assert lease_size(need, 16, Amount(10**6, 10**9)) == [need.scaled(16), need]
    assert lease_size(need, 16, Amount(400, 10**9)) == [need.scaled(5), need]  # 40 / 8
    assert lease_size(need, 16, Amount(79, 10**9)) == [need]
    assert lease_size(need, 16, Amount(10**6, 1600)) == [need.scaled(2), need]  # bytes bind


def test_two_workers_never_pass_the_budget_and_end_exact() -> None:
    store, clock = _store(95), FixedClock(T0)
    workers = [_gateway(store, clock), _gateway(store, clock)]
    served = refused = 0
    for n in range(40):
        gateway = workers[n % 2]
        try:
            admission = gateway.admit("rita", Endpoint.COMPLETIONS, BODY)
        except BudgetExceeded:
            refused += 1
            continue
        gateway.record(admission, [PIECE])
        served += 3
        assert store.budgets.used(TOKENS, T0) <= 95
    assert refused and served
    for gateway in workers:
        gateway.close_leases()
    assert store.budgets.used(TOKENS, T0) == served
    # what is left is leased to the token, and no more
    left = 95 - served
    assert left < 10  # the last refusals were real


def test_a_dead_workers_lease_is_reclaimed_when_a_new_block_does_not_fit() -> None:
    """A renewal reclaims expired leases of dead workers only when its block does not fit
    (maintain_leases reclaims them anyway): then it is tried again, and fits."""
    store, clock = _store(45), FixedClock(T0)
    dead = LeaseGrant("dead", "gone:1", "ann", Amount(40, 400), T0, T0 + timedelta(seconds=10))
    assert all(c.fits for c in store.leases.open_lease(dead, [TOKENS], T0))
    clock.advance(timedelta(seconds=10) + RECLAIM_GRACE + timedelta(seconds=1))
    gateway = _gateway(store, clock)
    gateway.record(gateway.admit("rita", Endpoint.COMPLETIONS, BODY), [PIECE])  # 40 + 10 > 45
    states = {v.grant.lease_id: v.state for v in store.leases.leases()}
    assert states.pop("dead") is LeaseState.RECLAIMED
    assert list(states.values()) == [LeaseState.OPEN]


def test_a_stalled_workers_late_response_is_not_sent_after_its_lease_is_reclaimed() -> None:
    store, clock = _store(1000), FixedClock(T0)
    stalled, other = _gateway(store, clock), _gateway(store, clock)
    admission = stalled.admit("rita", Endpoint.COMPLETIONS, BODY)
    clock.advance(timedelta(seconds=10) + RECLAIM_GRACE + timedelta(seconds=1))
    other.maintain_leases()  # takes the stalled worker's lease for a dead one's
    assert store.leases.leases()[0].state is LeaseState.RECLAIMED
    with pytest.raises(SourceError, match="reclaimed"):
        stalled.record(admission, [PIECE])
    stalled.abandon(admission)
    assert store.outputs.totals().responses == 0
    assert store.budgets.used(TOKENS, clock.now()) == 0
    # the stalled worker leases anew (its clock may still call the old lease valid)
    clock.advance(timedelta(seconds=-40))
    stalled.record(stalled.admit("rita", Endpoint.COMPLETIONS, BODY), [PIECE])
    assert store.outputs.totals().responses == 1


def _event(token: int) -> bytes:
    choice = {"index": 0, "text": chr(token), "token_ids": [token], "prompt_token_ids": [1]}
    return b"data: " + json.dumps({"choices": [choice]}).encode() + b"\n\n"


STREAM = [_event(65) + _event(66), _event(67) + b"data: [DONE]\n\n"]  # 3 tokens of 10


def _stream(
    gateway: OutputGateway, admission: Admission, at_first: Callable[[], None] = lambda: None
) -> list[Piece]:
    """Relay ``admission``'s stream from a scripted upstream; ``at_first`` runs when the
    first chunk is about to reach the caller."""
    gateway.upstream = ScriptedUpstream(STREAM)
    pieces: list[Piece] = []

    async def run() -> None:
        first = True
        async for _ in gateway.stream(admission, pieces):
            if first:
                at_first()
                first = False

    asyncio.run(run())
    return pieces


def _if_the_worker_died_now(store: MemoryStore, clock: FixedClock) -> int:
    """What the enclave token budget would count once every open lease is reclaimed, as
    another worker does for a dead one's: its charges and recorded streams stay, the rest
    of its block goes back (the store's contract tests check reclaiming does that)."""
    return store.budgets.used(TOKENS, clock.now()) - _unused(store)


def test_no_streamed_token_leaves_before_the_store_counts_its_stream() -> None:
    """The guarantee: were the worker to die as the first chunk leaves, reclaiming its
    lease would still count the stream at its full reservation (its tokens may have
    left). Recorded once the upstream answered, not at admission; the next stream reuses
    the slot."""
    store, clock = _store(1000), FixedClock(T0)
    gateway = _gateway(store, clock)
    gateway.record(gateway.admit("rita", Endpoint.COMPLETIONS, BODY), [PIECE])  # learns
    stream = gateway.admit("rita", Endpoint.COMPLETIONS, BODY | {"stream": True})
    lease = next(v for v in store.leases.leases() if v.grant.lease_id == stream.lease_id)
    assert lease.streaming.tokens == 0  # not yet: nothing has left
    assert _if_the_worker_died_now(store, clock) == 3
    seen: list[int] = []
    pieces = _stream(gateway, stream, lambda: seen.append(_if_the_worker_died_now(store, clock)))
    assert seen == [3 + 10] and sum(len(p.tokens) for p in pieces) == 3
    gateway.record(stream, pieces)
    # charged; its slot stays on the row, idle, for the next stream (were the worker to
    # die now, it would count too: fail closed)
    assert store.leases.leases(open_only=True)[0].streaming.tokens == 10
    assert _if_the_worker_died_now(store, clock) == 3 + 3 + 10
    second = gateway.admit("rita", Endpoint.COMPLETIONS, BODY | {"stream": True})
    assert second.lease_id == stream.lease_id
    pieces = _stream(gateway, second, lambda: seen.append(_if_the_worker_died_now(store, clock)))
    assert seen == [13, 16]  # the idle slot covered it: nothing more was written
    gateway.record(second, pieces)
    assert store.leases.leases(open_only=True)[0].streaming.tokens == 10
    clock.advance(timedelta(seconds=11))
    gateway.maintain_leases()  # its owner closes it: the idle slot is not kept
    assert not store.leases.leases(open_only=True)
    assert store.budgets.used(TOKENS, clock.now()) == 3 + 3 + 3


def test_a_stream_admitted_before_its_lease_is_renewed_stays_counted() -> None:
    """The lease closes (renewal by later requests) between a stream's admission and its
    first token: the close counts it in flight, and the stream still goes out."""
    store, clock = _store(1000), FixedClock(T0)
    gateway = _gateway(store, clock)
    gateway.record(gateway.admit("rita", Endpoint.COMPLETIONS, BODY), [PIECE])  # learns
    stream = gateway.admit("rita", Endpoint.COMPLETIONS, BODY | {"stream": True})
    plain = 1
    while True:  # until the 4-request lease is spent and a renewal closes it
        admission = gateway.admit("rita", Endpoint.COMPLETIONS, BODY)
        gateway.record(admission, [PIECE])
        plain += 1
        if admission.lease_id != stream.lease_id:
            break
    first = next(v for v in store.leases.leases() if v.grant.lease_id == stream.lease_id)
    assert first.state is LeaseState.CLOSED
    seen: list[int] = []
    pieces = _stream(gateway, stream, lambda: seen.append(_if_the_worker_died_now(store, clock)))
    # the closed lease kept the stream's 10; the open one holds what it leased, unused
    assert seen == [plain * 3 + 10]
    gateway.record(stream, pieces)
    gateway.close_leases()
    # exact once closed: the plain responses' 3 tokens each, the stream at its reservation
    assert store.budgets.used(TOKENS, clock.now()) == plain * 3 + 10


def test_a_lease_renewed_in_the_middle_of_a_stream_keeps_counting_it() -> None:
    """The stream holds a recorded slot when later requests renew the lease: the close
    counts it at its full reservation (its tokens are leaving), idle slots not."""
    store, clock = _store(1000), FixedClock(T0)
    gateway = _gateway(store, clock)
    gateway.record(gateway.admit("rita", Endpoint.COMPLETIONS, BODY), [PIECE])  # learns
    stream = gateway.admit("rita", Endpoint.COMPLETIONS, BODY | {"stream": True})
    plain: list[int] = []
    seen: list[int] = []

    def renew_now() -> None:
        while True:  # until the 4-request lease is spent and a renewal closes it
            admission = gateway.admit("rita", Endpoint.COMPLETIONS, BODY)
            gateway.record(admission, [PIECE])
            plain.append(3)
            if admission.lease_id != stream.lease_id:
                break
        closed = next(v for v in store.leases.leases() if v.grant.lease_id == stream.lease_id)
        assert closed.state is LeaseState.CLOSED
        seen.append(store.budgets.used(TOKENS, clock.now()) - _unused(store))

    pieces = _stream(gateway, stream, renew_now)
    assert seen == [3 + sum(plain) + 10]
    gateway.record(stream, pieces)
    gateway.close_leases()
    assert store.budgets.used(TOKENS, clock.now()) == 3 + sum(plain) + 10


def test_a_stream_on_a_reclaimed_lease_sends_nothing_and_the_next_leases_anew() -> None:
    store, clock = _store(1000), FixedClock(T0)
    stalled, other = _gateway(store, clock), _gateway(store, clock)
    stream = stalled.admit("rita", Endpoint.COMPLETIONS, BODY | {"stream": True})
    clock.advance(timedelta(seconds=10) + RECLAIM_GRACE + timedelta(seconds=1))
    other.maintain_leases()
    sent: list[int] = []
    with pytest.raises(SourceError, match="reclaimed before the stream began"):
        _stream(stalled, stream, lambda: sent.append(1))
    assert not sent
    stalled.keep_reserved(stream)
    assert store.budgets.used(TOKENS, clock.now()) == 0
    again = stalled.admit("rita", Endpoint.COMPLETIONS, BODY | {"stream": True})
    assert again.lease_id != stream.lease_id
    stalled.record(again, _stream(stalled, again))
    assert store.outputs.totals().responses == 1


def test_a_stream_that_broke_off_before_any_token_keeps_its_reservation_charged() -> None:
    """Its slot was recorded (tokens could have left): it stays counted in full, as a
    charge, and the expired lease still closes and returns the rest of its block."""
    store, clock = _store(1000), FixedClock(T0)
    gateway = _gateway(store, clock)
    gateway.record(gateway.admit("rita", Endpoint.COMPLETIONS, BODY), [PIECE])
    stream = gateway.admit("rita", Endpoint.COMPLETIONS, BODY | {"stream": True})
    gateway.upstream = ScriptedUpstream([b"data: {not json}\n\n"])

    async def run() -> None:
        async for _ in gateway.stream(stream, []):
            pass

    with pytest.raises(SourceError, match="malformed JSON"):
        asyncio.run(run())
    gateway.keep_reserved(stream)
    clock.advance(timedelta(seconds=11))
    gateway.maintain_leases()
    assert not store.leases.leases(open_only=True)
    assert store.budgets.used(TOKENS, clock.now()) == 3 + 10


def test_a_stream_whose_upstream_fails_before_it_starts_gives_its_reservation_back() -> None:
    store, clock = _store(1000), FixedClock(T0)
    gateway = _gateway(store, clock)
    gateway.record(gateway.admit("rita", Endpoint.COMPLETIONS, BODY), [PIECE])
    stream = gateway.admit("rita", Endpoint.COMPLETIONS, BODY | {"stream": True})
    gateway.upstream = ScriptedUpstream([], status=500)

    async def run() -> None:
        async for _ in gateway.stream(stream, []):
            pass

    with pytest.raises(SourceError, match="answered 500"):
        asyncio.run(run())
    gateway.keep_reserved(stream)
    clock.advance(timedelta(seconds=11))
    gateway.maintain_leases()  # nothing in flight: the expired lease closes
    assert not store.leases.leases(open_only=True)
    assert store.budgets.used(TOKENS, clock.now()) == 3


def test_rows_of_leases_ended_long_ago_are_pruned_by_the_periodic_tick() -> None:
    store, clock = _store(1000), FixedClock(T0)
    gateway = _gateway(store, clock)
    for _ in range(3):
        gateway.record(gateway.admit("rita", Endpoint.COMPLETIONS, BODY), [PIECE])
        clock.advance(timedelta(seconds=11))  # each request finds its lease expired
    gateway.maintain_leases()
    assert len(store.leases.leases()) == 3 and not store.leases.leases(open_only=True)
    clock.advance(LEASE_RETENTION)
    gateway.maintain_leases()
    assert not store.leases.leases()
    assert store.budgets.used(TOKENS, T0 + timedelta(seconds=40)) == 3 * 3


def test_without_leases_each_request_reserves_on_its_own() -> None:
    store, clock = _store(1000), FixedClock(T0)
    gateway = _gateway(store, clock, leases=0)
    gateway.record(gateway.admit("rita", Endpoint.COMPLETIONS, BODY), [PIECE])
    assert not store.leases.leases()
    assert store.budgets.used(TOKENS, T0) == 3


def test_lease_settings_are_read_and_bounded(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[outputs]\nlease_requests = 0\nlease_seconds = 30\n")
    outputs = Settings.load({}, tmp_path).outputs
    assert (outputs.lease_requests, outputs.lease_seconds) == (0, 30)
    with pytest.raises(ConfigError, match="lease_seconds"):
        OutputsSettings(lease_seconds=0)
    with pytest.raises(ConfigError, match="lease_requests"):
        OutputsSettings(lease_requests=-1)
