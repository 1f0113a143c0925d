"""Budget usage as seen by reserve equals the sum over the window, whatever happened before.

The SQL store keeps a running total per budget instead of summing the window on every
reservation (docs/adr/0006-budget-running-totals.md). These tests hold every store to the
plain definition: a reservation made at ``at`` counts at ``now`` while ``at > now - window``,
with the budget's current window, until it is released. Clocks may go backwards between
calls, as those of two gateway processes do.
"""

from __future__ import annotations

import itertools
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.store.budget_interface import BudgetKey
from airlock.store.interface import Store

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
TICK = timedelta(microseconds=1)
ENCLAVE = (BudgetScope.ENCLAVE, ENCLAVE_SUBJECT)
RITA = (BudgetScope.PRINCIPAL, "rita")
_probes = itertools.count()


def seen(store: Store, keys: list[BudgetKey], now: datetime) -> dict[BudgetKey, int]:
    """What a zero-byte reservation at ``now`` reports per budget (the running totals)."""
    checks = store.budgets.reserve(keys, f"probe-{next(_probes)}", 0, now)
    return {c.budget.key: c.used_bytes for c in checks}


def test_window_boundary_is_exclusive_of_its_start(store: Store) -> None:
    store.budgets.set_budget(Budget(*RITA, 1000, DAY))
    store.budgets.reserve([RITA], "req-1", 30, T0)
    assert seen(store, [RITA], T0 + DAY - TICK) == {RITA: 30}
    assert store.budgets.used(RITA, T0 + DAY - TICK) == 30
    assert seen(store, [RITA], T0 + DAY) == {RITA: 0}  # made at now - window: no longer counts
    assert store.budgets.used(RITA, T0 + DAY) == 0
    checks = store.budgets.reserve([RITA], "req-2", 1000, T0 + DAY)
    assert [(c.used_bytes, c.fits) for c in checks] == [(0, True)]


def test_release_of_a_live_reservation_returns_its_bytes(store: Store) -> None:
    store.budgets.set_budget(Budget(*RITA, 100, DAY))
    store.budgets.reserve([RITA], "req-1", 30, T0)
    store.budgets.reserve([RITA], "req-2", 50, T0 + HOUR)
    assert store.budgets.release("req-1") == 1
    assert seen(store, [RITA], T0 + 2 * HOUR) == {RITA: 50}
    assert [c.fits for c in store.budgets.reserve([RITA], "req-3", 50, T0 + 2 * HOUR)] == [True]


def test_release_of_an_expired_reservation_returns_nothing(store: Store) -> None:
    store.budgets.set_budget(Budget(*RITA, 100, DAY))
    store.budgets.reserve([RITA], "old", 30, T0)
    store.budgets.reserve([RITA], "live", 40, T0 + 12 * HOUR)
    assert seen(store, [RITA], T0 + DAY + HOUR) == {RITA: 40}  # "old" has left the window
    assert store.budgets.release("old") == 1
    assert seen(store, [RITA], T0 + DAY + HOUR) == {RITA: 40}  # and is not taken off twice
    checks = store.budgets.reserve([RITA], "big", 61, T0 + DAY + HOUR)
    assert [(c.used_bytes, c.fits) for c in checks] == [(40, False)]


def test_release_after_the_window_passed_but_before_anyone_looked(store: Store) -> None:
    store.budgets.set_budget(Budget(*RITA, 100, DAY))
    store.budgets.reserve([RITA], "old", 30, T0)
    assert store.budgets.release("old") == 1  # expired by now, but nobody reserved since
    assert seen(store, [RITA], T0 + 2 * DAY) == {RITA: 0}
    store.budgets.reserve([RITA], "new", 10, T0 + 2 * DAY)
    assert seen(store, [RITA], T0 + 2 * DAY) == {RITA: 10}


def test_a_clock_behind_the_last_reservation_never_undercounts(store: Store) -> None:
    store.budgets.set_budget(Budget(*RITA, 100, DAY))
    store.budgets.reserve([RITA], "a", 60, T0)
    # A process whose clock runs ahead moves the budget past "a"'s window...
    assert seen(store, [RITA], T0 + DAY + HOUR) == {RITA: 0}
    # ...then one whose clock is behind must still see "a" as counted.
    checks = store.budgets.reserve([RITA], "b", 50, T0 + DAY - HOUR)
    assert [(c.used_bytes, c.fits) for c in checks] == [(60, False)]
    assert store.budgets.used(RITA, T0 + DAY - HOUR) == 60
    assert seen(store, [RITA], T0 + DAY + HOUR) == {RITA: 0}


def test_set_budget_changing_the_window_recounts(store: Store) -> None:
    store.budgets.set_budget(Budget(*RITA, 1000, DAY))
    store.budgets.reserve([RITA], "a", 10, T0)
    store.budgets.reserve([RITA], "b", 20, T0 + 2 * HOUR)
    assert seen(store, [RITA], T0 + 3 * HOUR) == {RITA: 30}
    store.budgets.set_budget(Budget(*RITA, 1000, HOUR))  # "a" and "b" are now out of it
    assert seen(store, [RITA], T0 + 3 * HOUR) == {RITA: 0}
    assert store.budgets.used(RITA, T0 + 3 * HOUR) == 0
    store.budgets.set_budget(Budget(*RITA, 1000, 2 * HOUR + timedelta(seconds=1)))  # b is back
    assert seen(store, [RITA], T0 + 4 * HOUR) == {RITA: 20}
    store.budgets.set_budget(Budget(*RITA, 1000, 2 * DAY))  # both are back
    assert seen(store, [RITA], T0 + 4 * HOUR) == {RITA: 30}
    store.budgets.set_budget(Budget(*RITA, 25, 2 * DAY))  # a new limit keeps the count
    checks = store.budgets.reserve([RITA], "c", 1, T0 + 4 * HOUR)
    assert [(c.used_bytes, c.fits) for c in checks] == [(30, False)]
    assert store.budgets.used(RITA, T0 + 4 * HOUR) == 30


def test_a_shorter_window_still_counts_for_a_clock_behind(store: Store) -> None:
    store.budgets.set_budget(Budget(*RITA, 1000, DAY))
    store.budgets.reserve([RITA], "a", 10, T0)
    store.budgets.set_budget(Budget(*RITA, 1000, HOUR))
    assert seen(store, [RITA], T0 + 2 * HOUR) == {RITA: 0}
    assert seen(store, [RITA], T0 + 30 * TICK) == {RITA: 10}  # a clock behind still sees it


# --- the running totals against the definition, over random histories ---------------------


@dataclass
class Model:
    """The definition of usage, kept by the test: budgets and the reservations held."""

    budgets: dict[BudgetKey, Budget] = field(default_factory=dict)
    rows: list[tuple[BudgetKey, str, int, datetime]] = field(default_factory=list)

    def used(self, key: BudgetKey, now: datetime) -> int:
        window = self.budgets[key].window
        return sum(size for k, _, size, at in self.rows if k == key and at > now - window)


WINDOWS = [timedelta(minutes=m) for m in (1, 30, 60, 90, 24 * 60)]
operation = st.one_of(
    st.tuples(
        st.just("reserve"),
        st.lists(st.integers(0, 3), min_size=1, max_size=4),
        st.integers(0, 70),
    ),
    st.tuples(st.just("release"), st.integers(0, 40), st.just(0)),
    st.tuples(st.just("probe"), st.just(0), st.just(0)),  # every budget's total, at now
    # Minutes, so that reservations land exactly on window boundaries; backwards too.
    st.tuples(st.just("clock"), st.integers(-120, 24 * 60 + 30), st.just(0)),
    st.tuples(
        st.just("budget"),
        st.integers(0, 2),
        st.tuples(st.sampled_from([0, 40, 100, 250]), st.integers(0, len(WINDOWS) - 1)),
    ),
)
_histories = itertools.count()


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(operation, min_size=1, max_size=30))
def test_running_totals_equal_the_sum_over_the_window(
    store: Store, operations: list[tuple[str, object, object]]
) -> None:
    # Every example shares the fixture's store, so each uses budgets of its own.
    history = next(_histories)
    keys: list[BudgetKey] = [
        (BudgetScope.PRINCIPAL, f"h{history}-rita"),
        (BudgetScope.PROJECT, f"h{history}-demo"),
        (BudgetScope.PRINCIPAL, f"h{history}-sam"),
        (BudgetScope.PROJECT, f"h{history}-unconfigured"),
    ]
    model = Model()
    for key in keys[:3]:
        model.budgets[key] = Budget(*key, 100, HOUR)
        store.budgets.set_budget(model.budgets[key])
    now, issued = T0, [f"h{history}-never-reserved"]
    for n, (kind, first, second) in enumerate(operations):
        if kind == "reserve":
            assert isinstance(first, list) and isinstance(second, int)
            wanted = [keys[i] for i in first]
            request = f"h{history}-r{n}"
            checks = store.budgets.reserve(wanted, request, second, now)
            chosen = sorted({k for k in wanted if k in model.budgets})
            expected = [(k, model.used(k, now)) for k in chosen]
            assert [(c.budget.key, c.used_bytes) for c in checks] == expected
            assert [c.budget for c in checks] == [model.budgets[k] for k in chosen]
            if all(c.fits for c in checks):
                model.rows += [(k, request, second, now) for k in chosen]
            issued.append(request)
        elif kind == "release":
            assert isinstance(first, int)
            request = issued[first % len(issued)]
            held = [row for row in model.rows if row[1] == request]
            assert store.budgets.release(request) == len(held)
            model.rows = [row for row in model.rows if row[1] != request]
        elif kind == "probe":
            assert seen(store, keys, now) == {k: model.used(k, now) for k in keys[:3]}
        elif kind == "clock":
            assert isinstance(first, int)
            now += timedelta(minutes=first)
        else:
            assert isinstance(first, int) and isinstance(second, tuple)
            limit, window = second
            key = keys[first]
            model.budgets[key] = Budget(*key, limit, WINDOWS[window])
            store.budgets.set_budget(model.budgets[key])
        for key in keys[:3]:
            assert store.budgets.used(key, now) == model.used(key, now)
    assert seen(store, keys, now) == {k: model.used(k, now) for k in keys[:3]}


def test_concurrent_reservations_and_releases_with_skewed_clocks_stay_exact(
    store: Store,
) -> None:
    store.budgets.set_budget(Budget(*ENCLAVE, 10**12, DAY))
    store.budgets.set_budget(Budget(*RITA, 10**12, DAY))
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        # Each thread's clock is off by up to an hour, on either side of the window's end.
        rng = random.Random(worker)
        skew = timedelta(minutes=rng.randint(-60, 60))
        try:
            for n in range(6):
                at = T0 + skew + n * 5 * HOUR
                store.budgets.reserve([ENCLAVE, RITA], f"w{worker}-{n}", rng.randint(1, 999), at)
                if rng.random() < 0.4:
                    store.budgets.release(f"w{worker}-{rng.randint(0, n)}")
        except BaseException as e:  # noqa: BLE001 -- reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for hours in (26, 20, 30, 27, 31, 50):
        now = T0 + hours * HOUR
        expected = {k: store.budgets.used(k, now) for k in (ENCLAVE, RITA)}
        assert seen(store, [ENCLAVE, RITA], now) == expected
