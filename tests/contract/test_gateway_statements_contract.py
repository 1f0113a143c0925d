"""The output gateway's statements per request (issue 20, docs/adr/0037): the lock check and
the lease charge with its transcript. On an SQLite file they run through the driver lane;
every store answers them alike, and a lock committed by another connection or process
counts on the very next check (nothing is cached)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from airlock.approvals.locks import Lock, LockScope
from airlock.budgets.leases import Amount
from airlock.errors import NotFound
from airlock.outputs.transcript import Transcript
from airlock.store.interface import Store
from airlock.store.lease_interface import LeaseState
from airlock.store.sql import SqlStore
from tests.contract.test_lease_store_contract import TOKENS, configure, grant, opened
from tests.support.transcripts import SAMPLE

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)
RITA = [(LockScope.PRINCIPAL, "rita"), (LockScope.UPSTREAM, "up")]


@pytest.fixture
def second(store: Store) -> Iterator[Store]:
    """Another worker on the same database: its own engine, pool and connections."""
    if not isinstance(store, SqlStore):
        yield store
        return
    other = SqlStore.from_url(store.engine.url.render_as_string(hide_password=False))
    yield other
    other.close()


def _transcript(n: int) -> Transcript:
    return replace(
        SAMPLE,
        output_tokens=(65, 66, 67),
        temperature_milli=1000,
        seed=n,
        request_id=str(n),
        at=T0.isoformat(),
    )


def _lease_used(store: Store, lease_id: str) -> Amount:
    return next(v.used for v in store.leases.leases() if v.grant.lease_id == lease_id)


def test_a_charge_commits_with_its_transcript_or_neither_does(store: Store) -> None:
    configure(store)
    rita = grant("rita", 60)
    assert opened(store, rita)
    out = store.outputs
    logged = out.add_charged_transcript(
        _transcript(1), 3, T0, rita.lease_id, Amount(3, 30), durable=False
    )
    assert logged == _transcript(1).digest
    assert out.get(logged).size_bytes == 3
    assert _lease_used(store, rita.lease_id) == Amount(3, 30)
    # closed by its owner, who counted the request at its reservation: logged, not charged
    assert store.leases.close_lease(rita.lease_id, Amount(16, 160), T0)
    late = out.add_charged_transcript(_transcript(2), 3, T0, rita.lease_id, Amount(3, 30))
    assert late == _transcript(2).digest
    assert _lease_used(store, rita.lease_id) == Amount(3, 30)
    assert store.budgets.used(TOKENS, T0) == 19
    # reclaimed (its owner stalled past the expiry), or unknown: neither is stored
    ann = grant("ann", 10)
    assert opened(store, ann)
    assert store.leases.reclaim_leases(T0 + timedelta(seconds=11), T0) == 1
    for lease_id, n in ((ann.lease_id, 3), ("no-such-lease", 4)):
        assert out.add_charged_transcript(_transcript(n), 3, T0, lease_id, Amount(3, 30)) is None
        with pytest.raises(NotFound):
            out.get(_transcript(n).digest)
    assert _lease_used(store, ann.lease_id) == Amount(0, 0)
    assert store.budgets.used(TOKENS, T0) == 19  # the reclaimed block kept what it charged: 0
    states = {v.grant.lease_id: v.state for v in store.leases.leases()}
    assert states == {rita.lease_id: LeaseState.CLOSED, ann.lease_id: LeaseState.RECLAIMED}


def test_a_charge_inside_a_write_batch_joins_it(store: Store) -> None:
    configure(store)
    rita = grant("rita", 60)
    assert opened(store, rita)
    with store.write_batch(durable=False):
        logged = store.outputs.add_charged_transcript(
            _transcript(1), 3, T0, rita.lease_id, Amount(3, 30), durable=False
        )
        # visible inside the batch, before it commits: the same transaction
        assert store.outputs.get(_transcript(1).digest).size_bytes == 3
    assert logged == _transcript(1).digest
    assert _lease_used(store, rita.lease_id) == Amount(3, 30)


def test_the_lock_check_reads_every_lock_in_force(store: Store) -> None:
    hour = timedelta(hours=1)
    rita = Lock(LockScope.PRINCIPAL, "rita", "holds", T0 - hour, T0 + hour)
    upstream = Lock(LockScope.UPSTREAM, "up", "suspect", T0 - 2 * hour, T0 + 2 * hour)
    lifted = Lock(LockScope.PRINCIPAL, "rita", "lifted", T0 - hour, T0 + hour, T0, "ada")
    for lock in (rita, upstream, lifted):
        store.add_lock(lock)
    assert list(store.active_locks(RITA, T0)) == [rita, upstream]  # newest first
    # to the microsecond, as the store keeps its dates
    edge = T0 + hour - timedelta(microseconds=1)
    assert list(store.active_locks(RITA, edge)) == [rita, upstream]
    assert list(store.active_locks(RITA, T0 + hour)) == [upstream]
    with store.write_batch(durable=False):  # a read inside a batch joins it
        assert list(store.active_locks(RITA, T0)) == [rita, upstream]


def test_a_lock_committed_by_another_connection_counts_at_the_next_check(
    store: Store, second: Store
) -> None:
    for _ in range(3):  # the connections that will check again are open and idle
        assert list(store.active_locks(RITA, T0)) == []
    lock = Lock(LockScope.PRINCIPAL, "rita", "holds", T0, T0 + timedelta(hours=1))
    second.add_lock(lock)
    assert list(store.active_locks(RITA, T0)) == [lock]
    assert second.lift_locks(LockScope.PRINCIPAL, "rita", "ada", T0) == 1
    assert list(store.active_locks(RITA, T0)) == []


def test_a_lock_committed_by_another_process_counts_at_the_next_check(store: Store) -> None:
    if not isinstance(store, SqlStore):
        pytest.skip("one process holds the memory store")
    for _ in range(3):
        assert list(store.active_locks(RITA, T0)) == []
    url = store.engine.url.render_as_string(hide_password=False)
    script = textwrap.dedent(
        f"""
        from datetime import datetime, timedelta
        from airlock.approvals.locks import Lock, LockScope
        from airlock.store.sql import SqlStore
        at = datetime.fromisoformat({T0.isoformat()!r})
        other = SqlStore.from_url({url!r})
        other.add_lock(Lock(LockScope.UPSTREAM, "up", "suspect", at, at + timedelta(hours=1)))
        other.close()
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    assert [lock.reason for lock in store.active_locks(RITA, T0)] == ["suspect"]
