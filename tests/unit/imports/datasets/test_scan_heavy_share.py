"""Issue 23, ADR 0192: a flipped template that is most of its label does not hide itself.

A pseudo-cleft template ("what i mean is that ...", three heads by five verbs) on ham rows
labelled spam, 150 rows against 100 natural spam rows (60% of the label, as 20% of SMS
spam is). Each of its n-grams, taken out alone, leaves the template's other words in the
row, and they are not enriched against the label's other rows (mostly the template's own),
so its rows did not read like ham and it listed 19% and 7% of them (seeds 1 and 4). The
refit that reads the most skewed features again now also drops the terms foreign to every
other label (ADR 0192). Generated rows, no ``../shared``.
"""

from __future__ import annotations

import random

import pytest

from airlock.imports.datasets.records import DatasetRecord
from airlock.imports.datasets.scan import scan

_WORDS = random.Random(0)
HAM = sorted(
    {"".join(_WORDS.choice("bcdfghklmnprstvz") + _WORDS.choice("aeiou") for _ in range(3))
     for _ in range(300)}
)  # fmt: skip
SPAM = sorted(
    {"".join(_WORDS.choice("bcdfghklmnprstvz") + _WORDS.choice("aeiou") for _ in range(4))
     for _ in range(40)}
)  # fmt: skip
# the template's own words, also used by both labels' natural rows
FUNCTION = [
    "what",
    "all",
    "the",
    "thing",
    "i",
    "we",
    "is",
    "that",
    ",",
    "to",
    "you",
    "mean",
    "want",
    "say",
    "am",
    "saying",
    "need",
    "know",
    "wanted",
    "tell",
]
HEADS = ("what", "all", "the thing")
VERBS = ("mean", "want to say", "am saying", "need you to know", "wanted to tell you")


def dataset(seed: int, planted: int) -> tuple[list[DatasetRecord], set[int]]:
    rng = random.Random(seed)
    rows = [(" ".join(rng.sample(HAM, 6) + rng.sample(FUNCTION, 3)), "ham") for _ in range(900)]
    rows += [
        (" ".join(rng.sample(SPAM, 6) + rng.sample(FUNCTION, 2) + rng.sample(HAM, 1)), "spam")
        for _ in range(100)
    ]
    marked = set()
    for _ in range(planted):
        head, verb, pronoun = rng.choice(HEADS), rng.choice(VERBS), rng.choice(("i", "we"))
        that = "that" if rng.random() < 0.6 else ","
        words = " ".join(rng.sample(HAM, 6) + rng.sample(FUNCTION, 3))
        marked.add(len(rows))
        rows.append((f"{head} {pronoun} {verb} is {that} {words}", "spam"))
    order = list(range(len(rows)))
    rng.shuffle(order)
    records = [DatasetRecord(i + 1, rows[j][0], rows[j][1]) for i, j in enumerate(order)]
    return records, {i for i, j in enumerate(order) if j in marked}


@pytest.mark.parametrize("seed", [1, 4])
def test_a_template_on_most_of_its_label_is_listed(seed: int) -> None:
    records, planted = dataset(seed, 150)
    result = scan(records, seed=0)
    flagged = {r.index for r in result.rows if r.flagged}
    assert result.verdict.value == "poisoned"
    assert len(flagged & planted) >= 0.6 * len(planted)  # main: 0.19 and 0.07
