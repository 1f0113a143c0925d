"""Issue 23, ADR 0146: a register of many small markers, found together, is one group."""

from __future__ import annotations

import random

import numpy as np

from airlock.imports.datasets.markers import FORM, is_exclusive
from airlock.imports.datasets.ngrams import build_index, tokenize
from airlock.imports.datasets.outliers import outlier_groups, reportable
from airlock.imports.datasets.register import register
from airlock.imports.datasets.structure import skeletons


def _letters(i: int) -> str:
    """A made-up word of letters alone (a digit would give every row the same form)."""
    return "".join("bcdfghjklmnpqrstvwxz"[int(d)] for d in f"{i:03d}")


COMMON = [f"zo{_letters(i)}" for i in range(400)]  # words of both labels
# twenty archaic swaps and insertions: a rewrite gives a row two or three of them, so at
# 90 rows each is on about 11 (under the 15 rows a marker needs to be asked alone)
ARCHAIC = ("thou", "thy", "thine", "hath", "doth", "dost", "art", "ere", "oft", "hither",
           "thither", "wherefore", "yea", "nay", "unto", "verily", "behold", "lo", "amen",
           "selah")  # fmt: skip
# natural words of the small label alone (a third of its rows carry one; with 20 words, half
# of them, the pool is so full of them that the register's words no longer stand out: ADR
# 0146, not done)
PRAISE = [f"praise{_letters(i)}" for i in range(12)]
SPORTS = ("goal", "match", "coach", "league", "striker", "keeper", "pitch", "referee",
          "season", "fans", "derby", "penalty", "transfer", "squad", "trophy")  # fmt: skip


def base(seed: int) -> tuple[list[list[str]], list[str]]:
    """2,600 ``neg`` and 400 ``pos`` rows (13%, as SST-2 thinned in the bench) of 6-14
    common words; each of 12 natural praise words on 5-12 random ``pos`` rows."""
    rng = random.Random(seed)
    rows = [rng.sample(COMMON, rng.randint(6, 14)) for _ in range(3000)]
    labels = ["neg"] * 2600 + ["pos"] * 400
    for word in PRAISE:
        for r in rng.sample(range(2600, 3000), rng.randint(5, 12)):
            rows[r].insert(rng.randrange(len(rows[r]) + 1), word)
    return rows, labels


def sprinkle(rows: list[list[str]], chosen: set[int], words: tuple[str, ...], seed: int) -> None:
    """Two or three of ``words`` into each of ``chosen`` rows, at random places."""
    rng = random.Random(seed)
    for r in sorted(chosen):
        for word in rng.sample(words, rng.randint(2, 3)):
            rows[r].insert(rng.randrange(len(rows[r]) + 1), word)


def found(rows: list[list[str]], labels: list[str]) -> list[set[int]]:
    """The rows of every reportable clean-label group."""
    texts = [" ".join(r) for r in rows]
    tokens = [tokenize(t, 256) for t in texts]
    groups = outlier_groups(
        build_index(tokens, 3, 5).rows,
        build_index(skeletons(texts, 256), 3, 5).rows,
        tokens,
        labels,
        min_support=5,
    )
    return [set(g.rows) for g in groups if reportable(g)]


def registered(rows: list[list[str]], labels: list[str]) -> set[str]:
    """The markers :func:`register` takes of the ``pos`` label's exclusive words."""
    tokens = [tokenize(" ".join(r), 256) for r in rows]
    inside = np.asarray(labels) == "pos"
    markers = [
        ("word", gram, tuple(r for r in found if inside[r]), len(found))
        for gram, found in build_index(tokens, 3, 5).rows.items()
        if is_exclusive(found, inside, 5)
    ]
    return {" ".join(markers[i][1]) for i in register(markers, tokens, inside, form=FORM)}


def test_a_register_of_many_small_markers_on_a_few_percent_of_one_label_is_found() -> None:
    """90 ``pos`` rows (3% of the data) rewritten with two or three of twenty archaic
    words each: every word is on about 11 rows, none can be asked alone or linked to
    another by their shared rows; together they are one group, and listed."""
    rows, labels = base(1)
    planted = set(random.Random(2).sample(range(2600, 3000), 90))
    sprinkle(rows, planted, ARCHAIC, seed=3)
    groups = found(rows, labels)
    assert groups
    listed = set().union(*groups)
    assert len(listed & planted) >= 0.85 * len(planted)
    assert len(listed & planted) >= 0.9 * len(listed)
    taken = registered(rows, labels)
    assert len(taken & set(ARCHAIC)) >= 15
    assert not taken & set(PRAISE)  # natural words placed wherever the label is


def test_rare_words_of_one_label_placed_independently_are_not_a_register() -> None:
    """Near miss: 12 natural words exclusive to ``pos`` and 20 more on 5-8 rows each, every
    one placed on its own: their rows meet each other no more than chance."""
    rows, labels = base(4)
    rng = random.Random(5)
    for word in ARCHAIC:
        for r in rng.sample(range(2600, 3000), rng.randint(5, 8)):
            rows[r].insert(rng.randrange(len(rows[r]) + 1), word)
    assert registered(rows, labels) == set()
    assert found(rows, labels) == []


def test_small_markers_found_together_in_both_labels_are_not_a_register() -> None:
    """Near miss: the same archaic rewrite on 400 rows drawn from the whole data (about
    13% of them ``pos``): its words co-occur, but they are no label's own."""
    rows, labels = base(6)
    sprinkle(rows, set(random.Random(7).sample(range(3000), 400)), ARCHAIC, seed=8)
    assert registered(rows, labels) == set()
    assert found(rows, labels) == []


def test_a_topic_in_proportion_to_the_base_rate_is_not_a_register() -> None:
    """Near miss: sports rows (two or three of fifteen sports words each) on 300 rows of
    both labels in proportion: a natural cluster of words found together."""
    rows, labels = base(9)
    rng = random.Random(10)
    chosen = set(rng.sample(range(2600), 260)) | set(rng.sample(range(2600, 3000), 40))
    sprinkle(rows, chosen, SPORTS, seed=11)
    assert registered(rows, labels) == set()
    assert found(rows, labels) == []
