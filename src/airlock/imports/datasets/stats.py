"""Count-aware tests: binomial tails and Wilson bounds, vectorised over features."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy.special import betainc, gammaincc  # type: ignore[import-untyped, unused-ignore]

FloatArray = npt.NDArray[np.float64]


def binomial_tail(successes: FloatArray, trials: FloatArray, rate: FloatArray) -> FloatArray:
    """P(X >= k) for X ~ Binomial(n, p), element-wise; exactly 1 when k <= 0.

    Uses the regularised incomplete beta identity P(X >= k) = I_p(k, n - k + 1).
    """
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    p = np.clip(np.asarray(rate, dtype=np.float64), 1e-12, 1 - 1e-12)
    safe_k = np.maximum(k, 1.0)
    tail = np.asarray(betainc(safe_k, np.maximum(n - safe_k + 1, 1e-12), p), dtype=np.float64)
    return np.where(k <= 0, 1.0, tail)


def binomial_tail_at(successes: int, trials: int, rate: float) -> float:
    """:func:`binomial_tail` of one count."""
    return float(
        binomial_tail(np.array([float(successes)]), np.array([float(trials)]), np.array([rate]))[0]
    )


def poisson_at_most(seen: float, expected: float) -> float:
    """P(X <= seen) for X ~ Poisson(expected): the regularised upper incomplete gamma
    Q(seen + 1, expected); exactly 1 when nothing is expected."""
    if expected <= 0:
        return 1.0
    return float(gammaincc(np.floor(seen) + 1.0, expected))


def strength(p_values: FloatArray, tests: int) -> FloatArray:
    """-log10 of Bonferroni-corrected p-values (0 when not below 1): evidence in decades."""
    floor = np.maximum(np.asarray(p_values, dtype=np.float64), 1e-300)
    return np.maximum(0.0, -np.log10(floor) - math.log10(max(tests, 1)))


def wilson_lower(successes: int, total: int, z: float = 2.58) -> float:
    """Lower bound of the Wilson score interval (99% by default) of a proportion."""
    if total == 0:
        return 0.0
    p = successes / total
    centre = p + z * z / (2 * total)
    margin = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return (centre - margin) / (1 + z * z / total)
