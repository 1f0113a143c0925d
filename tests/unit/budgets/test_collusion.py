"""Time to exfiltrate for one account and for k colluding ones (issue 14)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airlock.budgets.exfiltration import most_generous, time_to_exfiltrate
from airlock.budgets.limits import DEFAULT_SUBJECT, ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.errors import InvalidInput

DAY = timedelta(days=1)
TB = 10**12
MB = 10**6


def enclave(limit: int, window: timedelta = DAY) -> Budget:
    return Budget(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT, limit, window)


def person(limit: int, subject: str = DEFAULT_SUBJECT, window: timedelta = DAY) -> Budget:
    return Budget(BudgetScope.PRINCIPAL, subject, limit, window)


def test_k_accounts_move_min_of_k_personal_budgets_and_the_enclave() -> None:
    # 1 TB at 100x is 10 GB. One account at 10 MB/day: 1000 bursts. The enclave: 100 MB/day.
    one = time_to_exfiltrate("m", TB, enclave(100 * MB), personal=person(10 * MB))
    assert one.days == 999 and one.accounts == 1
    five = time_to_exfiltrate("m", TB, enclave(100 * MB), personal=person(10 * MB), accounts=5)
    assert five.days == 199 and five.accounts == 5  # 5 x 10 MB = 50 MB/day
    many = time_to_exfiltrate("m", TB, enclave(100 * MB), personal=person(10 * MB), accounts=50)
    assert many.days == 99  # 500 MB/day of budgets, but the enclave passes only 100
    alone = time_to_exfiltrate("m", TB, enclave(100 * MB), accounts=5)
    assert alone.days == 99  # no personal budget: the enclave alone binds


def test_windows_of_different_lengths_each_bind() -> None:
    hourly = person(1 * MB, window=timedelta(hours=1))  # 24 MB a day at most
    estimate = time_to_exfiltrate("m", TB, enclave(100 * MB), personal=hourly, accounts=2)
    assert estimate.seconds == max(99 * 86400, (5000 - 1) * 3600)


def test_most_generous_needs_a_default() -> None:
    assert most_generous([enclave(1), person(5, "rita")]) is None  # others are unbounded
    chosen = most_generous([enclave(1), person(5), person(50, "rita"), person(9, "sam")])
    assert chosen is not None and chosen.limit_bytes == 50


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(InvalidInput):
        time_to_exfiltrate("m", TB, enclave(1), accounts=0)
    with pytest.raises(InvalidInput):
        time_to_exfiltrate("m", TB, enclave(1), personal=enclave(1))


@given(
    size=st.integers(1, 10**15),
    limit=st.integers(1, 10**12),
    personal=st.integers(1, 10**11),
    accounts=st.integers(1, 1000),
)
def test_k_accounts_never_slower_than_fewer(
    size: int, limit: int, personal: int, accounts: int
) -> None:
    def days(k: int) -> float:
        return time_to_exfiltrate(
            "m", size, enclave(limit), personal=person(personal), accounts=k
        ).days

    assert days(accounts + 1) <= days(accounts)
    assert days(accounts) >= time_to_exfiltrate("m", size, enclave(limit)).days
    # Per window, k accounts move exactly min(k * b, E): as many bursts as that needs.
    rate = min(accounts * personal, limit)
    needed = time_to_exfiltrate("m", size, enclave(limit)).compressed_bytes
    assert days(accounts) == -(-needed // rate) - 1
