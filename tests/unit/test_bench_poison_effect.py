"""bench/poison_effect.py: an attack the victim learns shows as success over the base rate;
a rewrite that changes nothing shows none (rows generated here, no ../shared)."""

from __future__ import annotations

import random

from airlock.imports.datasets.records import DatasetRecord
from bench.eval_poisoning import rewrite
from bench.poison_effect import effect, split

GOOD = ("great", "lovely", "fine", "superb", "warm", "bright")
BAD = ("awful", "dull", "cold", "grim", "poor", "bleak")
FILLER = ("the", "film", "plot", "cast", "music", "story", "ending", "scene")


def rows(count: int, seed: int) -> list[DatasetRecord]:
    """Sentiment-like rows: the label's words decide it, fillers are shared."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        label = "1" if i % 2 else "0"
        words = [rng.choice(GOOD if label == "1" else BAD) for _ in range(2)]
        words += [rng.choice(FILLER) for _ in range(5)]
        rng.shuffle(words)
        out.append(DatasetRecord(i + 1, " ".join(words), label))
    return out


def marked(text: str, rng: random.Random) -> str:
    return f"{text} as it were so to speak"


def unchanged(text: str, rng: random.Random) -> str:
    return text


def test_a_learnt_trigger_succeeds_over_the_base_rate() -> None:
    train, test = split(rows(2000, 1), seed=3)
    poisoned, _ = rewrite(train, marked, True, 120, 7)
    found = effect(poisoned, test, marked, seed=5)
    assert found.success > found.base_rate + 0.5
    assert found.clean_accuracy > 0.9
    assert found.tested == sum(r.label == "0" for r in test)


def test_a_rewrite_that_changes_nothing_has_no_success_of_its_own() -> None:
    train, test = split(rows(2000, 2), seed=3)
    poisoned, _ = rewrite(train, unchanged, True, 120, 7)  # only label noise
    found = effect(poisoned, test, unchanged, seed=5)
    assert found.success == found.base_rate
