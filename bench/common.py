"""Small shared helpers for the benchmarks: timing, percentiles and peak memory."""

from __future__ import annotations

import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def timed(action: Callable[[], T]) -> tuple[T, float]:
    """Run ``action`` once; return its result and the wall time in seconds."""
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1) of a non-empty sample."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_us(samples: Sequence[float]) -> str:
    """Median and p99 of durations given in seconds, printed in microseconds."""
    return (
        f"median {statistics.median(samples) * 1e6:9.1f} us   "
        f"p99 {percentile(samples, 0.99) * 1e6:9.1f} us   n={len(samples)}"
    )


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / (1024 * 1024)
