"""Waiting for something to become true, by polling with a generous deadline.

A loaded two-core machine can take tens of seconds to start a gateway process (issue 13 saw
13-37 s), so a test waits for readiness, never for a fixed time. The deadline only bounds a
test that has already failed; ``AIRLOCK_TEST_READY_SECONDS`` raises it on a slower machine.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

READY_SECONDS = float(os.environ.get("AIRLOCK_TEST_READY_SECONDS", "180"))


def wait_until(
    condition: Callable[[], bool],
    what: str,
    seconds: float = READY_SECONDS,
    interval: float = 0.05,
) -> None:
    """Poll ``condition`` until it holds; fail the test naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {seconds:.0f} s waiting for {what}"
        time.sleep(interval)
