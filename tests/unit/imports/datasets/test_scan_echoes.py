"""A found attack's echo in the label its rows came from, and twins measured as odds
(ADR 0081). Built from generated rows only."""

from __future__ import annotations

import random

import numpy as np

from airlock.imports.datasets.listing import without_echoes
from airlock.imports.datasets.overlaid import MAX_TWINS, twin_odds
from airlock.imports.datasets.results import FeatureKind, SuspiciousFeature
from airlock.imports.datasets.verdict import POISONED_STRENGTH


def feature(label: str, strength: float, label_rows: int = 200) -> SuspiciousFeature:
    return SuspiciousFeature(
        kind=FeatureKind.FAMILY,
        text=f"{label} {strength}",
        rows=label_rows,
        label=label,
        label_rows=label_rows,
        base_rate=0.5,
        disagreeing=label_rows // 2,
        skew_p_value=1e-3,
        p_value=10.0**-strength,
        strength=strength,
        evidence="found",
    )


def test_a_weak_feature_of_another_label_than_the_poisoned_one_is_reported_not_listed() -> None:
    """Once a feature of ``pos`` is at the poisoned bar, a weaker one of ``neg`` (the label a
    flipped attack took its rows from, which then reads like ``pos``) keeps its place among
    the features with the reason, and lists no row; a weak one of ``pos`` is listed."""
    strong = (feature("pos", POISONED_STRENGTH + 40), (1, 2, 3))
    weak_own = (feature("pos", POISONED_STRENGTH - 4), (4, 5))
    echo = (feature("neg", POISONED_STRENGTH - 4), (6, 7, 8))
    out = without_echoes([strong, weak_own, echo])
    assert [rows for _, rows in out] == [(1, 2, 3), (4, 5), ()]
    assert [f.text for f, _ in out] == [f.text for f, _ in (strong, weak_own, echo)]
    assert "not listed" in out[2][0].evidence
    assert out[1][0].evidence == "found"


def test_without_a_poisoned_feature_every_feature_is_listed() -> None:
    """A set held only as suspicious lists every feature's rows: there is no attack found
    whose echo a weak feature could be."""
    found = [(feature("pos", 5.0), (1, 2)), (feature("neg", 4.0), (3,))]
    assert without_echoes(found) == found


def test_a_strong_feature_of_another_label_is_still_listed() -> None:
    found = [
        (feature("pos", POISONED_STRENGTH + 10), (1,)),
        (feature("neg", POISONED_STRENGTH), (2,)),
    ]
    assert without_echoes(found) == found


def test_twins_see_a_sub_genre_as_large_as_half_its_label() -> None:
    """Copies of a few messages that make half of their label: each copy's nearest row is a
    copy, while the label's other rows (all different) find theirs anywhere, half of the
    time among the copies. As a ratio of shares that is at most 1 / 0.5 = 2, a style's
    value; as odds it is far over :data:`MAX_TWINS`. A random half stays near 1."""
    rng = random.Random(5)
    vocabulary = [f"w{i}" for i in range(300)]
    tokens: list[tuple[str, ...]] = []
    bases = [rng.sample(vocabulary, 8) for _ in range(15)]
    for i in range(150):  # ten copies of each of 15 messages, one word changed
        words = list(bases[i // 10])
        words[rng.randrange(8)] = rng.choice(vocabulary)
        tokens.append(tuple(words))
    tokens += [tuple(rng.sample(vocabulary, 8)) for _ in range(150)]  # all different
    inside = np.ones(len(tokens), dtype=bool)
    copies = list(range(150))
    assert twin_odds(copies, ["promo"], tokens, inside, seed=0) > MAX_TWINS
    half = sorted(rng.sample(range(150, 300), 75) + rng.sample(range(150), 75))
    assert twin_odds(half, ["x"], tokens, inside, seed=0) < MAX_TWINS
