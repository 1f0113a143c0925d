"""A label's scattered group, its skewed words asked too (pure; ADR 0087).

:mod:`.outliers` asks the scattered question (:mod:`.scattered`, ADR 0035) of a label's
exclusive markers and of the words the other labels use now and then but far less often
(:func:`.scattered.skewed_to_label`): such words leak past :data:`.markers.MAX_LEAK`, so a
style written in the other labels' register would otherwise leave no marker to ask.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from airlock.imports.datasets.markers import FORM, Marker, is_exclusive, name
from airlock.imports.datasets.ngrams import Tokens
from airlock.imports.datasets.overlaid import MAX_TWINS, twin_odds
from airlock.imports.datasets.scattered import scattered, skewed_to_label


def scattered_group(
    markers: list[Marker],
    terms: Sequence[tuple[str, Tokens, tuple[int, ...]]],
    tokens: Sequence[Tokens],
    inside: np.ndarray,
    *,
    seed: int,
    min_support: int,
) -> tuple[list[int], frozenset[int], list[Marker]]:
    """The label's scattered group and core (:func:`.scattered.scattered`), asked of its
    exclusive ``markers`` and of its skewed words, and the markers its indices run on:
    ``markers`` then the skewed words. A style in the other labels' register ("literally",
    "hehe" on SMS spam) has words those labels use now and then; they are asked whether
    they scatter, never linked, carved or counted in mixing (ADR 0087). Skeleton n-grams
    are not asked so: a skewed shape is a broad natural class (``form [WC NUM]``, a third
    of SMS spam, scattered at 2.97 and sank a planted group)."""
    leaky = [
        (kind, gram, tuple(r for r in rows if inside[r]), len(rows))
        for kind, gram, rows in terms
        if kind != FORM
        and not is_exclusive(rows, inside, min_support)
        and skewed_to_label(rows, inside, min_support)
    ]
    spread, core = scattered(markers, tokens, inside, seed, form=FORM, skewed=leaky)
    if any(i >= len(markers) for i in spread):
        spread = _without_skewed(spread, markers, leaky, tokens, inside, seed=seed)
    return spread, core, [*markers, *leaky]


def _without_skewed(
    spread: list[int],
    markers: Sequence[Marker],
    leaky: Sequence[Marker],
    tokens: Sequence[Tokens],
    inside: np.ndarray,
    *,
    seed: int,
) -> list[int]:
    """A scattered group that took in skewed words (``leaky``, indices past ``markers``),
    or the group of the exclusive markers alone when there is one and the larger group's
    rows are each other's twins (:func:`.overlaid.twin_odds` over :data:`MAX_TWINS`). A style that
    also drops a common token (shouting turns every "." into "!!!") makes all its rows
    alike; its skewed "!" took in the rows without an opener, and the group of 120 rows
    scored 8.3 where the openers' 60 scored 4.4 (test_kindred; ADR 0087). Those rows are
    the kindred step's to list (ADR 0043), as before skewed words were asked. (Since the
    twins test weighs words by rarity, ADR 0138, the dropped "." no longer makes that
    group twins: 2.2, and it is kept.) A larger group that is the whole label has nothing
    to be told from (:data:`.overlaid.WHOLE_LABEL`), so the exclusive markers' group is
    asked instead, as for twins (ADR 0192)."""
    both = [*markers, *leaky]
    names = [name(both[i][0], both[i][1]) for i in spread]
    rows = sorted({r for i in spread for r in both[i][2]})
    if twin_odds(rows, names, tokens, inside, seed) <= MAX_TWINS:
        return spread
    plain, _ = scattered(markers, tokens, inside, seed, form=FORM)
    return plain or spread
