"""Issue 23, ADR 0192: a group that is its whole label is judged by an explicit rule.

A clean-label style laid on every row of a label (bench: 20% of SMS spam asked for more
rows than spam has) left the twins test nothing outside the group: the mean of an empty
side was NaN (with numpy's "Mean of empty slice" warning), and NaN compares false with
every bar. Such a group now scores ``WHOLE_LABEL`` (infinite odds, the label's own rows).
"""

from __future__ import annotations

import math
import random
import warnings

import numpy as np

from airlock.imports.datasets.overlaid import MAX_TWINS, WHOLE_LABEL, twin_odds

COMMON = [f"w{i}" for i in range(300)]


def _tokens(rows: int, seed: int) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    return [(*rng.sample(COMMON, 8), "hark", ".") for _ in range(rows)]


def test_a_group_that_is_its_whole_label_reads_as_the_labels_own() -> None:
    tokens = _tokens(300, 1)
    inside = np.zeros(len(tokens), dtype=bool)
    inside[100:] = True  # the label: rows 100..299; the group is all of them
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the old NaN came with a RuntimeWarning
        odds = twin_odds(list(range(100, 300)), ["hark"], tokens, inside, seed=0)
    assert odds == WHOLE_LABEL
    assert not math.isnan(odds)
    assert odds > MAX_TWINS


def test_a_group_of_most_of_its_label_is_still_measured() -> None:
    """Near-miss: one label row outside the group is a side to compare with; a style on
    random rows scores a finite, unremarkable odds."""
    tokens = _tokens(300, 2)
    inside = np.zeros(len(tokens), dtype=bool)
    inside[100:] = True
    rng = random.Random(3)
    group = sorted(rng.sample(range(100, 300), 150))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        odds = twin_odds(group, ["hark"], tokens, inside, seed=0)
    assert math.isfinite(odds)
    assert odds < MAX_TWINS
