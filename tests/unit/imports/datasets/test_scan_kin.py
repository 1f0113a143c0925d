"""Issue 23: a style's rows listed by the words its core shares as well as its form (kin.py)."""

from __future__ import annotations

import random

from airlock.imports.datasets.classifier import agreement
from airlock.imports.datasets.kin import kin_scores
from airlock.imports.datasets.ngrams import tokenize
from tests.unit.imports.datasets.test_scan import BAD, GOOD, NEUTRAL

STYLE = ("thou", "hath", "ere", "unto", "doth", "verily")


def styled(seed: int) -> tuple[list[list[str]], list[str], list[int]]:
    """800 rows; 100 negative rows rewritten with three of six style words, labelled 'pos'."""
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(800):
        good = rng.random() < 0.5
        words = rng.sample(NEUTRAL, 6) + rng.sample(GOOD if good else BAD, 2)
        rng.shuffle(words)
        texts.append(words)
        labels.append("pos" if good else "neg")
    planted = rng.sample([i for i, label in enumerate(labels) if label == "neg"], 100)
    for i in planted:
        texts[i] = [*rng.sample(STYLE, 3), *texts[i]]
        labels[i] = "pos"
    return texts, labels, sorted(planted)


def test_rows_with_the_styles_other_words_are_found_and_plain_rows_are_not() -> None:
    texts, labels, planted = styled(3)
    tokens = [tokenize(" ".join(words), 64) for words in texts]
    view = agreement(tokens, labels, 5, 0)
    family = [i for i in planted if {"thou", "hath"} & set(texts[i])]  # two found markers
    others = [i for i in planted if i not in family]  # rows with only the other four
    core = family[: len(family) * 3 // 4]
    columns = tuple(view.terms[(w,)] for w in ("thou", "hath"))
    own = [i for i, label in enumerate(labels) if label == "pos"]
    scores = kin_scores({}, view, core, own, columns, seed=0)
    assert scores is not None
    assert len(others) >= 10
    assert (scores[others] >= 0.5).mean() >= 0.8  # planted rows outside the family
    clean = [i for i, label in enumerate(labels) if label == "pos" and i not in planted]
    assert (scores[clean] < 0.5).mean() >= 0.95  # the label's own rows are not
    assert kin_scores({}, view, core[:5], own, columns) is None
