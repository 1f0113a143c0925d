"""Two gateway processes sharing one database: the ledger never forks, budgets stay exact."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.ledger.hashes import hash_children, hash_leaf
from airlock.ledger.proofs import root_at
from airlock.store.sql import SqlStore

PER_PROCESS = 60
T0 = datetime(2026, 7, 1, tzinfo=UTC)


def append_from_process(url: str, worker: int) -> None:
    store = SqlStore.from_url(url)
    try:
        for n in range(PER_PROCESS):
            store.ledger.append(
                [f"worker {worker} entry {n}".encode()], datetime.now(UTC), lambda i, b: b"s" * 32
            )
    finally:
        store.close()


def reserve_from_process(url: str, worker: int, results: Any) -> None:
    store = SqlStore.from_url(url)
    try:
        for n in range(40):
            checks = store.budgets.reserve(
                [(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT)], f"w{worker}-{n}", 10, T0
            )
            results.put(all(c.fits for c in checks))
    finally:
        store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'shared.db'}"
    SqlStore.from_url(url).migrate()
    return url


def test_two_processes_append_without_forking(database_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=append_from_process, args=(database_url, w)) for w in (1, 2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
        assert process.exitcode == 0
    store = SqlStore.from_url(database_url)
    try:
        entries = list(store.ledger.entries(0, store.ledger.size()))
        assert [e.index for e in entries] == list(range(2 * PER_PROCESS))
        assert len({e.body for e in entries}) == 2 * PER_PROCESS
        recomputed = _recursive_root([hash_leaf(e.body) for e in entries])
        assert root_at(len(entries), store.ledger) == recomputed
    finally:
        store.close()


def _recursive_root(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hash_children(_recursive_root(leaves[:split]), _recursive_root(leaves[split:]))


def test_two_processes_never_overspend_a_budget(database_url: str) -> None:
    store = SqlStore.from_url(database_url)
    store.budgets.set_budget(Budget(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT, 555, timedelta(days=1)))
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [
        context.Process(target=reserve_from_process, args=(database_url, w, results))
        for w in (1, 2)
    ]
    for process in workers:
        process.start()
    granted = sum(1 for _ in range(80) if results.get(timeout=120))
    for process in workers:
        process.join(timeout=120)
        assert process.exitcode == 0
    try:
        assert granted == 55
        assert store.budgets.used((BudgetScope.ENCLAVE, ENCLAVE_SUBJECT), T0) == 550
    finally:
        store.close()
