"""Default budgets ('*', issue 14): each principal or project without a budget of its own
gets the default, counted per subject and never shared, exactly, also under concurrency."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from airlock.budgets.limits import DEFAULT_SUBJECT, ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.errors import InvalidInput
from airlock.store.budget_interface import BudgetKey
from airlock.store.interface import Store

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
ENCLAVE = (BudgetScope.ENCLAVE, ENCLAVE_SUBJECT)
P = BudgetScope.PRINCIPAL
J = BudgetScope.PROJECT


def person(name: str) -> BudgetKey:
    return (P, name)


def test_the_default_binds_each_principal_without_a_budget_separately(store: Store) -> None:
    store.budgets.set_budget(Budget(*ENCLAVE, 1000, DAY))
    store.budgets.set_budget(Budget(P, DEFAULT_SUBJECT, 10, DAY))
    first = store.budgets.reserve([ENCLAVE, person("rita")], "r1", 10, T0)
    assert [(c.budget.key, c.budget.limit_bytes, c.fits) for c in first] == [
        (ENCLAVE, 1000, True),
        (person("rita"), 10, True),
    ]
    refused = store.budgets.reserve([ENCLAVE, person("rita")], "r2", 1, T0)
    assert [c.budget.key for c in refused if not c.fits] == [person("rita")]
    # A second account has a budget of its own, not a share of rita's, nor nothing at all.
    second = store.budgets.reserve([ENCLAVE, person("sam")], "s1", 11, T0)
    assert [c.budget.key for c in second if not c.fits] == [person("sam")]
    assert store.budgets.used(person("rita"), T0) == 10
    assert store.budgets.used(person("sam"), T0) == 0
    assert store.budgets.used(ENCLAVE, T0) == 10
    # The listing shows the default once, not a copy per principal.
    assert {b.key for b in store.budgets.budgets()} == {ENCLAVE, (P, DEFAULT_SUBJECT)}


def test_an_own_budget_replaces_the_default_and_keeps_the_count(store: Store) -> None:
    store.budgets.set_budget(Budget(*ENCLAVE, 1000, DAY))
    store.budgets.set_budget(Budget(P, DEFAULT_SUBJECT, 10, DAY))
    store.budgets.reserve([ENCLAVE, person("rita")], "r1", 8, T0)
    store.budgets.set_budget(Budget(P, "rita", 20, DAY))
    checks = store.budgets.reserve([person("rita")], "r2", 12, T0 + HOUR)
    assert [(c.used_bytes, c.budget.limit_bytes, c.fits) for c in checks] == [(8, 20, True)]
    store.budgets.set_budget(Budget(P, DEFAULT_SUBJECT, 1, DAY))  # rita's own is not changed
    checks = store.budgets.reserve([person("rita")], "r3", 0, T0 + HOUR)
    assert [(c.used_bytes, c.budget.limit_bytes) for c in checks] == [(20, 20)]


def test_a_new_default_applies_to_those_who_inherited_it(store: Store) -> None:
    store.budgets.set_budget(Budget(P, DEFAULT_SUBJECT, 100, DAY))
    store.budgets.reserve([person("rita")], "r1", 30, T0)
    store.budgets.reserve([person("rita")], "r2", 30, T0 + 2 * HOUR)
    store.budgets.set_budget(Budget(P, DEFAULT_SUBJECT, 50, DAY))  # a new limit
    checks = store.budgets.reserve([person("rita")], "r3", 1, T0 + 3 * HOUR)
    assert [(c.used_bytes, c.budget.limit_bytes, c.fits) for c in checks] == [(60, 50, False)]
    store.budgets.set_budget(Budget(P, DEFAULT_SUBJECT, 50, HOUR + HOUR // 2))  # a new window
    checks = store.budgets.reserve([person("rita")], "r4", 20, T0 + 3 * HOUR)
    assert [(c.used_bytes, c.fits) for c in checks] == [(30, True)]
    assert store.budgets.used(person("rita"), T0 + 3 * HOUR) == 50


def test_project_defaults_count_per_project(store: Store) -> None:
    store.budgets.set_budget(Budget(J, DEFAULT_SUBJECT, 10, DAY))
    assert all(c.fits for c in store.budgets.reserve([(J, "a")], "a1", 10, T0))
    assert all(c.fits for c in store.budgets.reserve([(J, "b")], "b1", 10, T0))
    assert not all(c.fits for c in store.budgets.reserve([(J, "a")], "a2", 1, T0))


def test_a_default_is_only_for_principals_and_projects() -> None:
    with pytest.raises(InvalidInput):
        Budget(BudgetScope.ENCLAVE, "east", 10, DAY)
    assert Budget(P, DEFAULT_SUBJECT, 10, DAY).is_default
    assert not Budget(*ENCLAVE, 10, DAY).is_default


def test_many_threads_against_defaults_stay_exact(store: Store) -> None:
    """32 threads, 6 principals and 3 projects known only through the defaults, first
    reservations racing to inherit: no budget overruns, and every total is the sum of the
    reservations that were granted (the acceptance of issue 14)."""
    store.budgets.set_budget(Budget(*ENCLAVE, 600, DAY))
    store.budgets.set_budget(Budget(P, DEFAULT_SUBJECT, 70, DAY))
    store.budgets.set_budget(Budget(J, DEFAULT_SUBJECT, 200, DAY))
    people = [f"u{i}" for i in range(6)]
    projects = ["p0", "p1", "p2"]
    granted: list[tuple[str, str, int]] = []
    errors: list[BaseException] = []
    guard = threading.Lock()

    def work(worker: int) -> None:
        rng = random.Random(worker)
        try:
            for n in range(12):
                who, project = rng.choice(people), rng.choice(projects)
                size = rng.randint(1, 9)
                keys = [ENCLAVE, person(who), (J, project)]
                checks = store.budgets.reserve(keys, f"w{worker}-{n}", size, T0)
                if all(c.fits for c in checks):
                    with guard:
                        granted.append((who, project, size))
        except BaseException as e:  # noqa: BLE001 -- reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    by_person: Counter[str] = Counter()
    by_project: Counter[str] = Counter()
    for who, project, size in granted:
        by_person[who] += size
        by_project[project] += size
    assert store.budgets.used(ENCLAVE, T0) == sum(by_person.values()) <= 600
    for who in people:
        assert store.budgets.used(person(who), T0) == by_person[who] <= 70
    for project in projects:
        assert store.budgets.used((J, project), T0) == by_project[project] <= 200
    # Every principal reached its own default: what one could not send, another could.
    assert sum(1 for who in people if by_person[who] > 70 - 9) == len(people)
    # What a zero-byte reservation sees is the same exact total.
    for who in people:
        seen = store.budgets.reserve([person(who)], f"probe-{who}", 0, T0)
        assert [c.used_bytes for c in seen] == [by_person[who]]


def test_first_reservations_racing_to_inherit_neither_fail_nor_double_count(
    store: Store,
) -> None:
    """No enclave row to queue on: 24 threads make the first reservations of the same 3
    principals and 2 projects at once, so their inherited rows are inserted concurrently."""
    store.budgets.set_budget(Budget(P, DEFAULT_SUBJECT, 50, DAY))
    store.budgets.set_budget(Budget(J, DEFAULT_SUBJECT, 10**6, DAY))
    start = threading.Barrier(24)
    granted: Counter[str] = Counter()
    errors: list[BaseException] = []
    guard = threading.Lock()

    def work(worker: int) -> None:
        who, project = f"v{worker % 3}", f"q{worker % 2}"
        try:
            start.wait()
            for n in range(4):
                keys = [person(who), (J, project)]
                if all(c.fits for c in store.budgets.reserve(keys, f"v{worker}-{n}", 5, T0)):
                    with guard:
                        granted[who] += 5
        except BaseException as e:  # noqa: BLE001 -- reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for who in ("v0", "v1", "v2"):
        assert granted[who] == 50  # 32 attempts of 5 bytes each against 50: exactly 10 fit
        assert store.budgets.used(person(who), T0) == 50
    assert store.budgets.used((J, "q0"), T0) + store.budgets.used((J, "q1"), T0) == 150
