"""Budget leases (issue 20, docs/adr/0020 decision 6): a lease holds its whole block against
the budgets until closed; closing keeps what was charged (and what was in flight); a dead
worker's lease is reclaimed down to what it charged; the sum over leases and charges never
passes a budget, also with several processes on one database."""

from __future__ import annotations

import multiprocessing
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from airlock.approvals.friction import FrictionReport
from airlock.budgets.leases import Amount, LeaseGrant, OpenLease
from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.ops.metrics_sql import read_figures
from airlock.outputs.transcript import Transcript
from airlock.store.budget_interface import BudgetKey
from airlock.store.interface import Store
from airlock.store.lease_interface import LeaseState, leased_unused
from airlock.store.sql import SqlStore

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)
TOKENS = (BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT)
BYTES = (BudgetScope.OUTPUT_ENCLAVE, ENCLAVE_SUBJECT)


def keys(caller: str) -> list[BudgetKey]:
    return [
        TOKENS,
        (BudgetScope.TOKENS_PRINCIPAL, caller),
        BYTES,
        (BudgetScope.OUTPUT_PRINCIPAL, caller),
    ]


def configure(store: Store, tokens: int = 100, caller_tokens: int = 1000) -> None:
    for scope, subject, limit in (
        (BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT, tokens),
        (BudgetScope.OUTPUT_ENCLAVE, ENCLAVE_SUBJECT, 10**9),
        (BudgetScope.TOKENS_PRINCIPAL, "*", caller_tokens),
        (BudgetScope.OUTPUT_PRINCIPAL, "*", 10**9),
    ):
        store.budgets.set_budget(Budget(scope, subject, limit, DAY))


def grant(caller: str, tokens: int, at: datetime = T0, seconds: int = 10) -> LeaseGrant:
    return LeaseGrant(
        str(uuid.uuid4()),
        "test:1",
        caller,
        Amount(tokens, tokens * 10),
        at,
        at + timedelta(seconds=seconds),
    )


def _transcript(caller: str, n: int, tokens: int) -> Transcript:
    return Transcript(
        model="m",
        model_digest="ab" * 32,
        caller=caller,
        upstream="up",
        endpoint="completions",
        prompt_tokens=(1, 2),
        output_tokens=(65,) * tokens,
        temperature_milli=1000,
        seed=n,
        request_id=f"{caller}-{n}",
        at=T0.isoformat(),
    )


def opened(store: Store, g: LeaseGrant, now: datetime = T0) -> bool:
    return all(c.fits for c in store.leases.open_lease(g, keys(g.caller), now))


def test_a_lease_holds_its_block_and_closing_keeps_what_was_charged(store: Store) -> None:
    configure(store)
    first = grant("rita", 60)
    assert opened(store, first)
    assert store.budgets.used(TOKENS, T0) == 60
    assert not opened(store, grant("ann", 41))  # 60 + 41 > 100
    with store.write_batch(durable=False):
        assert store.leases.charge_lease(first.lease_id, Amount(15, 150))
    assert store.leases.close_lease(first.lease_id, Amount(5, 50), T0)  # 5 still in flight
    assert store.budgets.used(TOKENS, T0) == 20
    assert store.budgets.used((BudgetScope.TOKENS_PRINCIPAL, "rita"), T0) == 20
    # the request in flight was counted at its reservation: charging it now is a no-op
    assert store.leases.charge_lease(first.lease_id, Amount(3, 30))
    assert store.budgets.used(TOKENS, T0) == 20
    assert not store.leases.close_lease(first.lease_id, Amount(0, 0), T0)
    assert opened(store, grant("ann", 80))
    assert not opened(store, grant("ann", 1))
    (view,) = [v for v in store.leases.leases() if v.grant.lease_id == first.lease_id]
    assert (view.state, view.used, view.unused) == (
        LeaseState.CLOSED,
        Amount(15, 150),
        Amount(0, 0),
    )


def test_a_lease_counts_until_its_expiry_plus_the_window(store: Store) -> None:
    configure(store)
    g = grant("rita", 30, seconds=60)
    assert opened(store, g)
    assert store.leases.close_lease(g.lease_id, Amount(0, 0), T0)
    with store.write_batch(durable=False):
        pass
    assert store.budgets.used(TOKENS, T0 + DAY + timedelta(seconds=30)) == 0  # nothing charged
    g = grant("rita", 30, seconds=60)
    assert opened(store, g)
    with store.write_batch(durable=False):
        assert store.leases.charge_lease(g.lease_id, Amount(10, 100))
    assert store.leases.close_lease(g.lease_id, Amount(0, 0), T0)
    # a request admitted at T0 + 59 s counts until T0 + 59 s + 1 day: the charge does too
    assert store.budgets.used(TOKENS, T0 + DAY + timedelta(seconds=59)) == 10
    assert store.budgets.used(TOKENS, T0 + DAY + timedelta(seconds=60)) == 0
    # the running totals agree: a reservation is checked against the same counts
    late = T0 + DAY + timedelta(seconds=59)
    assert not all(c.fits for c in store.budgets.reserve([TOKENS], "a", 91, late))
    assert all(c.fits for c in store.budgets.reserve([TOKENS], "b", 90, late))
    assert store.budgets.release("b") == 1
    later = T0 + DAY + timedelta(seconds=60)
    assert all(c.fits for c in store.budgets.reserve([TOKENS], "c", 100, later))


def test_reclaiming_a_dead_workers_lease_keeps_charges_and_streams(store: Store) -> None:
    configure(store)
    dead, alive = grant("rita", 50), grant("ann", 20, seconds=3600)
    assert opened(store, dead)
    assert opened(store, alive)
    with store.write_batch(durable=False):
        assert store.leases.charge_lease(dead.lease_id, Amount(7, 70))
    assert store.leases.stream_on_lease(dead.lease_id, Amount(10, 100))
    assert store.leases.reclaim_leases(T0 + timedelta(seconds=5), T0) == 0  # not yet expired
    assert store.leases.reclaim_leases(T0 + timedelta(seconds=11), T0) == 1
    assert store.budgets.used(TOKENS, T0) == 7 + 10 + 20
    # its owner, had it only stalled, may not charge it again: the response is not sent
    with store.write_batch(durable=False):
        assert not store.leases.charge_lease(dead.lease_id, Amount(1, 10))
    assert not store.leases.stream_on_lease(dead.lease_id, Amount(1, 10))
    assert not store.leases.charge_lease("no-such-lease", Amount(1, 10))
    states = {v.grant.lease_id: v.state for v in store.leases.leases()}
    assert states == {dead.lease_id: LeaseState.RECLAIMED, alive.lease_id: LeaseState.OPEN}
    assert [v.grant.lease_id for v in store.leases.leases(open_only=True)] == [alive.lease_id]


def test_a_stream_ended_on_its_lease_keeps_what_it_used(store: Store) -> None:
    configure(store)
    g = grant("rita", 40)
    assert opened(store, g)
    assert store.leases.stream_on_lease(g.lease_id, Amount(20, 200))
    with store.write_batch(durable=False):
        assert store.leases.charge_lease(g.lease_id, Amount(12, 120), Amount(20, 200))
    (view,) = store.leases.leases()
    assert (view.used, view.streaming, view.unused) == (
        Amount(12, 120),
        Amount(0, 0),
        Amount(28, 280),
    )
    assert store.leases.close_lease(g.lease_id, Amount(0, 0), T0)
    assert store.budgets.used(TOKENS, T0) == 12


def test_idle_stream_slots_go_back_when_the_owner_closes_and_stay_when_reclaimed(
    store: Store,
) -> None:
    """A stream's slot stays on the row after its charge, for the next stream. Its owner
    closes the lease with what is under way (the slot idle: not kept); a dead owner's
    reclaimed lease keeps it (whether a stream was under way in it died with the owner)."""
    configure(store)
    closed, dead = grant("rita", 40), grant("ann", 40)
    for g in (closed, dead):
        assert opened(store, g)
        with store.write_batch(durable=False):
            assert store.leases.stream_on_lease(g.lease_id, Amount(20, 200))
        with store.write_batch(durable=False):
            assert store.leases.charge_lease(g.lease_id, Amount(12, 120))
    assert store.leases.close_lease(closed.lease_id, Amount(0, 0), T0)
    assert store.budgets.used((BudgetScope.TOKENS_PRINCIPAL, "rita"), T0) == 12
    assert store.leases.reclaim_leases(T0 + timedelta(seconds=11), T0) == 1
    assert store.budgets.used((BudgetScope.TOKENS_PRINCIPAL, "ann"), T0) == 12 + 20
    assert store.budgets.used(TOKENS, T0) == 12 + 12 + 20
    # a lease's idle slots and charges may add up past its block; it keeps at most that
    small = grant("bob", 25)
    assert opened(store, small)
    with store.write_batch(durable=False):
        assert store.leases.stream_on_lease(small.lease_id, Amount(20, 200))
        assert store.leases.charge_lease(small.lease_id, Amount(18, 180))
    assert store.leases.reclaim_leases(T0 + timedelta(seconds=11), T0) == 1
    assert store.budgets.used((BudgetScope.TOKENS_PRINCIPAL, "bob"), T0) == 25


def test_a_stream_recorded_after_its_owner_closed_the_lease_stays_counted(store: Store) -> None:
    """The owner counted the stream in flight when it closed the lease: recording it later
    succeeds and changes nothing; its charge then is a no-op too."""
    configure(store)
    g = grant("rita", 40)
    assert opened(store, g)
    assert store.leases.close_lease(g.lease_id, Amount(20, 200), T0)  # the stream in flight
    assert store.budgets.used(TOKENS, T0) == 20
    with store.write_batch(durable=False):
        assert store.leases.stream_on_lease(g.lease_id, Amount(20, 200))
    assert store.budgets.used(TOKENS, T0) == 20
    with store.write_batch(durable=False):
        assert store.leases.charge_lease(g.lease_id, Amount(5, 50), Amount(20, 200))
    assert store.budgets.used(TOKENS, T0) == 20
    assert not store.leases.stream_on_lease("no-such-lease", Amount(1, 10))


def test_rows_of_ended_leases_are_pruned_in_bounded_batches(store: Store) -> None:
    configure(store, tokens=1000)
    ended = [grant("rita", 10, seconds=s) for s in (1, 2, 3)]
    for g in ended:
        assert opened(store, g)
        with store.write_batch(durable=False):
            assert store.leases.charge_lease(g.lease_id, Amount(4, 40))
        assert store.leases.close_lease(g.lease_id, Amount(0, 0), T0)
    still_open, expired_open = grant("ann", 10, seconds=1), grant("bob", 10, seconds=1)
    for g in (still_open, expired_open):
        assert opened(store, g)
    recent = grant("rita", 10, seconds=60)
    assert opened(store, recent)
    assert store.leases.close_lease(recent.lease_id, Amount(0, 0), T0)
    before = T0 + timedelta(seconds=30)
    assert store.leases.prune_leases(before, 2) == 2  # bounded
    assert store.leases.prune_leases(before, 2) == 1
    assert store.leases.prune_leases(before, 2) == 0
    left = {v.grant.lease_id for v in store.leases.leases()}
    # open leases stay, expired or not (reclaiming is another step); so do recent ones
    assert left == {still_open.lease_id, expired_open.lease_id, recent.lease_id}
    assert store.leases.reclaim_leases(before, T0) == 2
    assert store.leases.prune_leases(before, 10) == 2
    # the charges of pruned leases still count for their window
    assert store.budgets.used(TOKENS, T0) == 3 * 4


# --- several processes on one database ------------------------------------------------------

NEED = Amount(10, 100)


def _worker(url: str, caller: str, owner: str, crash: bool, results: str) -> None:
    """One worker: lease, admit from the lease in memory (streams recorded on the lease
    before they start), charge, close; until refused with no live worker holding a lease
    (the budget is spent, not held by another's block). The crashing one dies in the middle
    of a stream."""
    store = SqlStore.from_url(url)
    rng = random.Random(owner)
    served = refusals = 0
    while refusals < 5000:
        g = LeaseGrant(
            str(uuid.uuid4()), owner, caller, NEED.scaled(3), T0, T0 + timedelta(seconds=10)
        )
        if not opened(store, g):
            g = LeaseGrant(g.lease_id, owner, caller, NEED, T0, g.expires_at)
            if not opened(store, g):
                held = [v for v in store.leases.leases(open_only=True) if v.grant.owner != "w3"]
                if not held:
                    break
                refusals += 1
                time.sleep(0.005)
                continue
        lease = OpenLease(g)
        while lease.admits(NEED, T0, timedelta(0)):
            stream = rng.random() < 0.5
            # a stream takes an idle slot of the lease, or is recorded on it before its
            # first token leaves, as the gateway does
            if stream and not lease.admit(NEED, stream=True):
                with store.write_batch(durable=False):
                    assert store.leases.stream_on_lease(g.lease_id, NEED)
                lease.stream_recorded(NEED)
            elif not stream:
                lease.admit(NEED)
            if stream and crash and served > 20:
                # dies holding its lease, mid-stream: every token reserved may have left
                Path(results, owner).write_text(str(served + NEED.tokens))
                os._exit(0)
            used = rng.randint(0, NEED.tokens)
            if rng.random() < 0.5:  # as the gateway charges: with the transcript, lazily
                logged = _transcript(owner, served, used)
                assert store.outputs.add_charged_transcript(
                    logged, used * 10, T0, g.lease_id, Amount(used, used * 10), durable=False
                )
            else:
                with store.write_batch(durable=False):
                    assert store.leases.charge_lease(g.lease_id, Amount(used, used * 10))
            served += used
            lease.settle(NEED, Amount(used, used * 10), slot=stream)
        store.leases.close_lease(g.lease_id, lease.uncharged(), T0)
    Path(results, owner).write_text(str(served))
    store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_leases_stay_exact_across_processes(
    backend: str, tmp_path: os.PathLike[str], request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path}/leases.db"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    store = SqlStore.from_url(url)
    store.migrate()
    limit = 400
    configure(store, tokens=limit, caller_tokens=250)
    context = multiprocessing.get_context("spawn")
    results = Path(tmp_path, "served")
    results.mkdir()
    workers = [
        context.Process(target=_worker, args=(url, caller, f"w{n}", n == 3, str(results)))
        for n, caller in enumerate(["rita", "rita", "ann", "ann", "bob"])
    ]
    dying = workers[3]  # first, alone: it dies holding its lease, then the others contend
    dying.start()
    dying.join(timeout=120)
    for w in workers:
        if w is not dying:
            w.start()
    seen = []
    while any(w.is_alive() for w in workers):
        # the invariant, sampled while they run: every lease's block plus every charge
        seen.append(store.budgets.used(TOKENS, T0))
        assert seen[-1] <= limit
        time.sleep(0.005)
    for w in workers:
        w.join()
    served = {f.name: int(f.read_text()) for f in results.iterdir()}
    assert all(w.exitcode == 0 for w in workers)
    assert max(seen) > 0
    # exhausted: what is left (the crashed worker's lease still held in full) is less than
    # one request
    assert limit - store.budgets.used(TOKENS, T0) < NEED.tokens
    assert store.leases.reclaim_leases(T0 + DAY, T0) == 1
    total = sum(served.values())
    assert store.budgets.used(TOKENS, T0) == total <= limit
    for caller, owners in (("rita", ("w0", "w1")), ("ann", ("w2", "w3"))):
        mine = sum(served[o] for o in owners)
        assert store.budgets.used((BudgetScope.TOKENS_PRINCIPAL, caller), T0) == mine <= 250
    # exact: what is left fits a lease to the token, one more does not
    left = limit - total
    assert not opened(store, LeaseGrant("x", "t", "carol", Amount(left + 1, 0), T0, T0))
    assert opened(store, LeaseGrant("y", "t", "carol", Amount(left, 0), T0, T0))
    store.close()


def test_views_and_metrics_show_the_leased_part_of_used(store: Store) -> None:
    configure(store)
    g = grant("rita", 60)
    assert opened(store, g)
    with store.write_batch(durable=False):
        assert store.leases.charge_lease(g.lease_id, Amount(15, 150))
    held = leased_unused(store.leases.leases(open_only=True))
    assert store.budgets.used(TOKENS, T0) == 60
    assert held[TOKENS] == held[(BudgetScope.TOKENS_PRINCIPAL, "rita")] == 45
    assert held[BYTES] == held[(BudgetScope.OUTPUT_PRINCIPAL, "rita")] == 450
    if isinstance(store, SqlStore):
        friction = FrictionReport(1.0, 0, 0.0, None, None, {}, 0, None)
        figures = read_figures(store.engine, T0, friction)
        leased = {(f.scope, f.subject): f.leased_bytes for f in figures.budgets}
        assert leased["tokens-enclave", ENCLAVE_SUBJECT] == 45
        assert leased["tokens-principal", "rita"] == 45
        assert leased["output-enclave", ENCLAVE_SUBJECT] == 450
