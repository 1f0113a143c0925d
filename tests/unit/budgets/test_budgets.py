from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airlock.budgets.exfiltration import refuse_if_below_floor, time_to_exfiltrate
from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope, applicable, check
from airlock.errors import InvalidInput, PolicyViolation

DAY = timedelta(days=1)
TB = 10**12


def enclave(limit: int, window: timedelta = DAY) -> Budget:
    return Budget(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT, limit, window)


def test_applicable_budgets_and_fail_closed_without_enclave_budget() -> None:
    budgets = [
        enclave(100),
        Budget(BudgetScope.PRINCIPAL, "rita", 10, DAY),
        Budget(BudgetScope.PRINCIPAL, "sam", 10, DAY),
        Budget(BudgetScope.PROJECT, "p1", 50, DAY),
    ]
    chosen = applicable(budgets, "rita", "p1")
    assert {b.key for b in chosen} == {
        (BudgetScope.ENCLAVE, "*"),
        (BudgetScope.PRINCIPAL, "rita"),
        (BudgetScope.PROJECT, "p1"),
    }
    with pytest.raises(InvalidInput, match="no enclave-wide export budget"):
        applicable(budgets[1:], "rita", None)


def test_check_counts_used_bytes() -> None:
    budgets = [enclave(100), Budget(BudgetScope.PRINCIPAL, "rita", 10, DAY)]
    results = check(budgets, {(BudgetScope.PRINCIPAL, "rita"): 6}, 4)
    assert all(r.fits for r in results)
    over = check(budgets, {(BudgetScope.PRINCIPAL, "rita"): 7}, 4)
    assert [r.fits for r in over] == [True, False]
    assert "principal rita has used 7 B of 10 B in the last 1 day" in over[1].explain()


def test_budget_validation() -> None:
    with pytest.raises(InvalidInput):
        Budget(BudgetScope.ENCLAVE, "rita", 1, DAY)
    with pytest.raises(InvalidInput):
        enclave(-1)
    with pytest.raises(InvalidInput):
        enclave(1, timedelta(seconds=5))


def test_time_to_exfiltrate_a_terabyte_model() -> None:
    # 1 TB at 100x compression is 10 GB; at 100 MB/day that is 100 bursts, 99 days apart.
    estimate = time_to_exfiltrate("frontier-1", TB, enclave(100 * 10**6))
    assert estimate.compressed_bytes == 10 * 10**9
    assert estimate.seconds == (99 * DAY).total_seconds()
    assert estimate.days == 99
    assert time_to_exfiltrate("m", TB, enclave(0)).days == float("inf")


def test_budget_change_that_breaks_the_floor_is_refused() -> None:
    models = [("frontier-1", TB)]
    ok = refuse_if_below_floor(enclave(20 * 10**6), models, timedelta(days=365))
    assert ok[0].days >= 365
    with pytest.raises(PolicyViolation, match=r"frontier-1 could leave in 99\.0 days"):
        refuse_if_below_floor(enclave(100 * 10**6), models, timedelta(days=365))


@given(
    size=st.integers(1, 10**15),
    limit=st.integers(1, 10**12),
    compression=st.floats(1, 200),
)
def test_estimate_is_never_optimistic(size: int, limit: int, compression: float) -> None:
    estimate = time_to_exfiltrate("m", size, enclave(limit), compression)
    bursts = round(estimate.days) + 1
    assert bursts * limit >= estimate.compressed_bytes
    assert (bursts - 1) * limit < estimate.compressed_bytes
