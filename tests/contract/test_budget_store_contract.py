"""One contract for every BudgetStore: exact accounting, also under concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.store.interface import Store

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)
ENCLAVE = (BudgetScope.ENCLAVE, ENCLAVE_SUBJECT)
RITA = (BudgetScope.PRINCIPAL, "rita")


def configure(store: Store, enclave: int = 100, rita: int = 30) -> None:
    store.budgets.set_budget(Budget(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT, enclave, DAY))
    store.budgets.set_budget(Budget(BudgetScope.PRINCIPAL, "rita", rita, DAY))


def test_set_and_replace_budgets(store: Store) -> None:
    configure(store)
    store.budgets.set_budget(Budget(BudgetScope.PRINCIPAL, "rita", 50, DAY))
    assert {(b.key, b.limit_bytes) for b in store.budgets.budgets()} == {(ENCLAVE, 100), (RITA, 50)}


def test_reservation_charges_every_budget_or_none(store: Store) -> None:
    configure(store)
    ok = store.budgets.reserve([ENCLAVE, RITA], "req-1", 20, T0)
    assert [c.fits for c in ok] == [True, True]
    assert store.budgets.used(RITA, T0) == 20 and store.budgets.used(ENCLAVE, T0) == 20
    refused = store.budgets.reserve([ENCLAVE, RITA], "req-2", 20, T0)
    assert [c.budget.key for c in refused if not c.fits] == [RITA]
    assert store.budgets.used(ENCLAVE, T0) == 20  # nothing charged when one budget refuses


def test_window_slides_and_release_returns_bytes(store: Store) -> None:
    configure(store)
    store.budgets.reserve([RITA], "req-1", 30, T0)
    assert store.budgets.used(RITA, T0 + DAY - timedelta(seconds=1)) == 30
    assert store.budgets.used(RITA, T0 + DAY) == 0
    assert store.budgets.release("req-1") == 1
    assert store.budgets.used(RITA, T0) == 0


def test_unconfigured_keys_are_reported_by_absence(store: Store) -> None:
    configure(store)
    checks = store.budgets.reserve([(BudgetScope.PROJECT, "none"), RITA], "req", 1, T0)
    assert [c.budget.key for c in checks] == [RITA]


def test_32_concurrent_reservations_never_exceed_the_budget(store: Store) -> None:
    configure(store, enclave=100, rita=10_000)
    granted: list[int] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        checks = store.budgets.reserve([ENCLAVE, RITA], f"req-{n}", 7, T0)
        if all(c.fits for c in checks):
            with lock:
                granted.append(n)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 100 // 7
    assert store.budgets.used(ENCLAVE, T0) == 7 * (100 // 7)
