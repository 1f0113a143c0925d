"""Sign-in rate limits per client address (issue 14): UI logins and bearer tokens.

A client address that has failed ``max_failures`` times within ``window_seconds`` is refused
with 429 until its oldest failure leaves the window; a success does not erase failures, so
a guesser cannot interleave a known token to reset the count. The count is per gateway
process (each worker keeps its own), so with N workers an address gets at most N times the
limit; the 256-bit tokens make guessing hopeless either way, the limit keeps logs and the
store quiet. Memory is bounded: past ``max_addresses`` the oldest address is forgotten.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from airlock.errors import TooManyAttempts

MAX_FAILURES = 10
WINDOW_SECONDS = 60.0
MAX_ADDRESSES = 10_000


class SignInThrottle:
    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window_seconds: float = WINDOW_SECONDS,
        max_addresses: int = MAX_ADDRESSES,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max = max_failures
        self._window = window_seconds
        self._max_addresses = max_addresses
        self._now = monotonic
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def check(self, address: str) -> None:
        """Raises: TooManyAttempts while ``address`` has used up its failures."""
        with self._lock:
            recent = self._recent(address, self._now())
            if len(recent) < self._max:
                return
            wait = max(1, round(recent[0] + self._window - self._now()))
        raise TooManyAttempts(
            f"too many failed sign-ins from {address}: wait {wait} s, then use a valid token",
            retry_after_seconds=wait,
        )

    def failed(self, address: str) -> None:
        with self._lock:
            recent = self._recent(address, self._now())
            recent.append(self._now())
            self._failures[address] = recent
            self._failures.move_to_end(address)
            while len(self._failures) > self._max_addresses:
                self._failures.popitem(last=False)

    def _recent(self, address: str, now: float) -> deque[float]:
        found = self._failures.get(address, deque())
        while found and found[0] <= now - self._window:
            found.popleft()
        return found
