"""Sign-in rate limits per client address (issue 14)."""

from __future__ import annotations

import pytest

from airlock.api.throttle import SignInThrottle
from airlock.errors import TooManyAttempts


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_address_is_refused_after_its_failures_until_they_age_out() -> None:
    ticks = Ticks()
    throttle = SignInThrottle(max_failures=3, window_seconds=60, monotonic=ticks)
    for _ in range(3):
        throttle.check("10.0.0.1")
        throttle.failed("10.0.0.1")
    with pytest.raises(TooManyAttempts, match=r"10\.0\.0\.1: wait 60 s"):
        throttle.check("10.0.0.1")
    throttle.check("10.0.0.2")  # another address is not held back
    ticks.now = 60.0
    throttle.check("10.0.0.1")


def test_memory_is_bounded_by_forgetting_the_oldest_address() -> None:
    throttle = SignInThrottle(max_failures=1, max_addresses=2, monotonic=Ticks())
    for address in ("a", "b", "c"):
        throttle.failed(address)
    throttle.check("a")  # forgotten
    with pytest.raises(TooManyAttempts):
        throttle.check("c")
