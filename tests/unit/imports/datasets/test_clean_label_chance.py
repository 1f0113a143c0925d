"""Issue 23, ADR 0138: a clean-label group's tests judged against chance, not point values.

A style laid over a label that is a small share of the data (SST-2 thinned to 13% positive)
was dropped twice: its rows carried the label's few other exclusive words less often than
the rest by chance (a ratio over an expected count of four), and, as the style also drops
the final ".", its rows were each other's nearest by a word every other row has.
"""

from __future__ import annotations

import math
import random

import numpy as np

from airlock.imports.datasets.overlaid import poorer_than_chance, twin_odds
from airlock.imports.datasets.stats import poisson_at_most

COMMON = [f"w{i}" for i in range(300)]  # words of both labels


def test_a_group_without_its_labels_few_words_by_chance_is_notpoorer_than_chance() -> None:
    """The tuned skewed lyrics cell: 3 of the label's other words expected in the group, 0
    seen (p 0.05) is chance, not a campaign's own vocabulary; main's ratio (0 < 0.75)
    dropped the group. Near-miss: the rest carry two per row, the group 0.5 -- poorer."""
    others = np.array([0.5] * 100 + [2.0] * 300)
    group = np.zeros(400, dtype=bool)
    group[:100] = True
    assert poorer_than_chance(others, group, ~group)
    few = np.array([0.0] * 100 + [1.0] * 12 + [0.0] * 288)  # 3 expected in the group, 0 seen
    assert not poorer_than_chance(few, group, ~group)
    none = np.zeros(400)  # nothing outside the group: it is the label's whole vocabulary
    assert poorer_than_chance(none, group, ~group)


def test_poisson_at_most_matches_its_sum() -> None:
    for seen, expected in ((0, 3.6), (1, 4.5), (7, 2.0), (40, 60.0)):
        total = sum(math.exp(-expected) * expected**k / math.factorial(k) for k in range(seen + 1))
        assert abs(poisson_at_most(seen, expected) - total) < 1e-9
    assert poisson_at_most(0, 0.0) == 1.0


def test_rows_without_a_word_every_row_has_are_nottwin_odds() -> None:
    """A style laid over random rows that also drops the final "." (in every other row):
    counted as a word like any other, the missing "." made the rows each other's nearest
    (odds 20 on the bench); weighed by how rare it is, as :mod:`.scattered` weighs words,
    it says nothing."""
    rng = random.Random(5)
    tokens = [(*rng.sample(COMMON, 8), ".") for _ in range(400)]
    styled = sorted(rng.sample(range(400), 80))
    for i in styled:
        tokens[i] = tokens[i][:-1]
    inside = np.ones(len(tokens), dtype=bool)
    assert twin_odds(styled, ["hark"], tokens, inside, seed=0) < 2.0


def test_a_campaign_without_the_final_stop_is_stilltwin_odds() -> None:
    """Near-miss: copies of a few messages are each other's nearest whatever their
    punctuation; weighing words by rarity keeps them twins."""
    rng = random.Random(6)
    bases = [rng.sample(COMMON, 8) for _ in range(40)]
    tokens = []
    for i in range(400):  # ten copies of each of 40 messages, a word changed
        words = list(bases[i // 10])
        words[rng.randrange(8)] = rng.choice(COMMON)
        tokens.append((*words, "."))
    campaign = list(range(80))
    for i in campaign:
        tokens[i] = tokens[i][:-1]
    inside = np.ones(len(tokens), dtype=bool)
    assert twin_odds(campaign, ["promo"], tokens, inside, seed=0) > 4.0
