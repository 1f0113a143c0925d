"""A few files that stand for a whole corpus, chosen by size (bench_vet.py --whole-corpus).

Pure: takes names and sizes, returns names. Vetting time grows with a file's size, so a
sample taken evenly from a sorted file list (by name) can miss the corpus's typical file:
the popular corpus runs from a 10 kB wheel to a 60 MB one, the malicious one is mostly a
few kB. Here the files are sorted by size and cut into ``k`` strata of equal count, and
the middle file of each stratum is taken: the file of rank (i + 1/2) * n / k, the corpus's
size quantile at (i + 1/2) / k. With ``k`` odd the middle stratum's file is the corpus's
median file (its upper median when ``n`` is even). The choice is fixed (no random draw):
two runs, and two trees in one run, time the same files.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

Name = TypeVar("Name", bound=Hashable)


def stratified(sizes: Iterable[tuple[Name, int]], k: int) -> list[Name]:
    """``k`` of the named files (every one when there are no more than ``k``), one from the
    middle of each of ``k`` equal-count size strata, smallest first.

    Files of equal size keep the order they were given in, so the caller's order (a sorted
    list of names) decides ties and the choice does not depend on hash order.

    Raises:
        ValueError: ``k`` is negative or a size is negative.
    """
    if k < 0:
        raise ValueError(f"a sample of {k} files")
    ranked = list(sizes)
    if any(size < 0 for _, size in ranked):
        raise ValueError("a file of negative size")
    ranked.sort(key=lambda named: named[1])  # stable: ties stay in the given order
    n = len(ranked)
    if n <= k:
        return [name for name, _ in ranked]
    # Rank (i + 1/2) * n / k rounded down: distinct ranks, as the strata are over a file wide.
    return [ranked[(2 * i + 1) * n // (2 * k)][0] for i in range(k)]
