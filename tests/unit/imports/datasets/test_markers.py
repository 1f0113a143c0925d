"""Markers counted as things by shared rows: one rule for .scattered and .register."""

from __future__ import annotations

import random

import numpy as np

from airlock.imports.datasets.markers import Marker, incidence_of, separate, things


def marker(word: str, rows: range | list[int]) -> Marker:
    return ("word", tuple(word.split()), tuple(sorted(rows)), len(rows))


def test_a_word_with_its_ngrams_is_one_thing_and_alternative_openers_are_several() -> None:
    markers = [
        marker("advised", range(40)),
        marker("be advised", range(30)),  # all of its rows in the word's
        marker("kindly note", range(40, 70)),
        marker("dear sir", range(70, 95)),
        marker(",", [*range(40, 52), *range(70, 82), *range(100, 110)]),  # after each opener
    ]
    assert separate(range(5), markers) == 4
    assert separate([0, 1], markers) == 1
    assert separate([], markers) == 0


def test_a_marker_with_half_its_rows_in_another_s_is_still_its_own() -> None:
    markers = [marker("a", range(10)), marker("b", range(5, 15))]
    assert separate([0, 1], markers) == 2
    markers = [marker("a", range(10)), marker("b", range(4, 14))]  # 6 of 10
    assert separate([0, 1], markers) == 1


def test_register_s_weights_and_separate_count_the_same_things() -> None:
    """Each marker weighs one over its thing's markers (.register), so the weights of a
    label's markers add up to the things :func:`separate` counts (.scattered)."""
    rng = random.Random(3)
    for _ in range(200):
        markers: list[Marker] = []
        for k in range(rng.randint(1, 12)):
            if markers and rng.random() < 0.4:
                inner = list(rng.choice(markers)[2])
                rows = rng.sample(inner, len(inner) - rng.randint(0, min(3, len(inner))))
            else:
                rows = rng.sample(range(50), rng.randint(0, 20))
            markers.append(marker(f"w{k}", rows))
        thing = things(incidence_of([m[2] for m in markers], np.arange(50), 50))
        members = np.bincount(thing, minlength=len(thing))
        assert round(float((1.0 / members[thing]).sum()), 6) == separate(
            range(len(markers)), markers
        )
