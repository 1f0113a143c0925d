"""Issue 23, ADR 0035: a clean-label style on a formulaic label (SMS spam-like campaigns)."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np

from airlock.imports.datasets.linked import CARVED, COMPONENT
from airlock.imports.datasets.markers import FORM, is_exclusive
from airlock.imports.datasets.ngrams import build_index, tokenize
from airlock.imports.datasets.outliers import (
    CARVED_STRENGTH,
    SCATTERED,
    OutlierGroup,
    _shown,
    _without_spare_scattered,
    outlier_groups,
    reportable,
)
from airlock.imports.datasets.scattered import distinguishing, scattered, skewed_to_label
from airlock.imports.datasets.structure import skeletons

COMMON = [f"w{i}" for i in range(300)]  # words of both labels
OPENERS = ("kindly note", "dear customer", "be advised", "please observe", "we confirm", "hark")


def corpus(seed: int, planted: int) -> tuple[list[str], list[str], set[int]]:
    """2,000 ``ham`` rows of common words and 400 ``spam`` rows: 40 campaigns of ten near
    copies, each with words of its own; ``planted`` spam rows then get one of six openers
    (a style laid over randomly chosen rows of the label, labels unchanged)."""
    rng = random.Random(seed)
    texts = [" ".join(rng.sample(COMMON, 8)) for _ in range(2000)]
    labels = ["ham"] * 2000
    for campaign in range(40):
        own = [f"c{campaign}x{k}" for k in range(3)]
        base = rng.sample(COMMON, 5)
        for _ in range(10):
            words = [*own, *base]
            words[rng.randrange(len(words))] = rng.choice(COMMON)
            rng.shuffle(words)
            texts.append(" ".join(words))
            labels.append("spam")
    chosen = set(rng.sample(range(2000, 2400), planted))
    for i in chosen:
        texts[i] = f"{rng.choice(OPENERS)} , {texts[i]}"
    return texts, labels, chosen


def groups(texts: list[str], labels: list[str]) -> list[tuple[str, set[int]]]:
    tokens = [tokenize(t, 256) for t in texts]
    found = outlier_groups(
        build_index(tokens, 3, 5).rows,
        build_index(skeletons(texts, 256), 3, 5).rows,
        tokens,
        labels,
        min_support=5,
    )
    return [(g.origin, set(g.rows)) for g in found]


def test_a_style_of_alternative_openers_over_campaigns_is_one_scattered_group() -> None:
    texts, labels, planted = corpus(1, 120)
    found = [rows for origin, rows in groups(texts, labels) if origin == SCATTERED]
    assert found
    assert len(found[0] & planted) >= 0.8 * len(planted)
    assert len(found[0] & planted) >= 0.9 * len(found[0])


def test_campaign_words_are_not_scattered() -> None:
    """Each campaign's own words are exclusive to the label too, but their rows are each
    other's nearest rows: none of them is scattered, and no group is reported."""
    texts, labels, _ = corpus(2, 0)
    tokens = [tokenize(t, 256) for t in texts]
    inside = np.asarray(labels) == "spam"
    markers = [
        ("word", gram, tuple(r for r in rows if inside[r]), len(rows))
        for gram, rows in build_index(tokens, 3, 5).rows.items()
        if is_exclusive(rows, inside, 5)
    ]
    assert len(markers) >= 40
    assert scattered(markers, tokens, inside, 0, form=FORM) == ([], frozenset())
    assert [origin for origin, _ in groups(texts, labels)] == []


def test_a_carved_group_lists_only_the_rows_of_its_distinguishing_markers() -> None:
    """Issue 23: a group carved out of a label's vocabulary takes in natural markers ("£"
    on a random fifth of the label) beside a style's; only the style's markers (the
    scattered core and a rarer marker found mostly in their rows) are listed."""
    rng = random.Random(3)
    inside = np.zeros(3000, dtype=bool)
    inside[2000:] = True
    label = list(range(2000, 3000))
    planted = sorted(rng.sample(label, 150))
    pounds = tuple(sorted(rng.sample(label, 200)))  # natural: wherever the label is
    first, second = planted[:80], planted[70:]
    rare = tuple(sorted(rng.sample(planted, 12)))  # a style's rarer marker
    markers = [
        ("word", ("arrr",), tuple(first), len(first)),
        ("word", ("avast",), tuple(second), len(second)),
        ("word", ("£",), pounds, len(pounds)),
        ("word", ("blackbeard",), rare, len(rare)),
    ]
    kept = distinguishing([0, 1, 2, 3], frozenset({0, 1}), markers, inside)
    assert kept == [0, 1, 3]
    # without a scattered marker among its own, nothing says which markers are natural
    assert distinguishing([2, 3], frozenset({0, 1}), markers, inside) == [2, 3]
    names, rows = _shown([0, 1, 2, 3], CARVED, frozenset({0, 1}), markers, inside) or ([], ())
    assert sorted(names) == ["arrr", "avast", "blackbeard"]
    assert set(rows) == set(planted)
    assert _shown([0, 1, 2, 3], SCATTERED, frozenset({0, 1}), markers, inside) is None


def test_a_group_in_a_label_that_is_most_of_the_data_needs_the_higher_bar() -> None:
    """ADR 0040: in a label of 87% of the rows a word the others never use is exclusive
    by chance; its component needs the carved groups' evidence, not the plain bar."""
    group = OutlierGroup("neg", tuple(range(600)), ("mess",), 605, 600, 1.0, 1.0, 0.0,
                         1e-12, 14.5, COMPONENT, 0.87)  # fmt: skip
    assert not reportable(group)
    assert reportable(replace(group, label_share=0.52))
    assert reportable(replace(group, strength=CARVED_STRENGTH))


FILLERS = ("honestly", "literally", "totally", "basically", "seriously", "hehe")


def other_register(seed: int, planted: int, in_ham: int) -> tuple[list[str], list[str], set[int]]:
    """:func:`corpus` with a style in the *other* label's register (ADR 0087): ``planted``
    spam rows get one of six fillers at a random place, and each filler is also in
    ``in_ham`` rows of ham, so no filler is exclusive to spam (MAX_LEAK)."""
    texts, labels, _ = corpus(seed, 0)
    rng = random.Random(seed + 100)
    for filler in FILLERS:
        for i in rng.sample(range(2000), in_ham):
            words = texts[i].split(" ")
            words.insert(rng.randrange(len(words) + 1), filler)
            texts[i] = " ".join(words)
    chosen = set(rng.sample(range(2000, 2400), planted))
    for i in chosen:
        words = texts[i].split(" ")
        words.insert(rng.randrange(len(words) + 1), rng.choice(FILLERS))
        texts[i] = " ".join(words)
    return texts, labels, chosen


def test_a_style_in_the_other_labels_register_is_a_scattered_group() -> None:
    """Fillers the ham label uses now and then (2 ham rows each, about 1 in 13 of a
    filler's rows: not exclusive) laid over 150 spam rows: each is about 50 times commoner
    in spam, and its rows scatter over spam's campaigns, so they are one group (before ADR
    0087 no group was found)."""
    texts, labels, planted = other_register(4, 150, 2)
    found = [rows for origin, rows in groups(texts, labels) if origin == SCATTERED]
    assert found
    assert len(found[0] & planted) >= 0.8 * len(planted)
    assert len(found[0] & planted) >= 0.9 * len(found[0])


def test_words_the_other_label_uses_as_readily_are_not_asked() -> None:
    """The same fillers in 12 ham rows each: about 10 times commoner in spam (under
    SKEWED_LIFT), the other label's own words as much as the style's; no group."""
    texts, labels, _ = other_register(4, 150, 12)
    assert [origin for origin, _ in groups(texts, labels) if origin == SCATTERED] == []


def test_a_skewed_marker_is_at_most_half_its_label() -> None:
    inside = np.zeros(1000, dtype=bool)
    inside[:100] = True
    assert skewed_to_label(list(range(40)), inside, 5)  # 40% of the label, none outside
    assert skewed_to_label([*range(40), 500], inside, 5)  # 1 of 900: 0.1% against 40%
    assert not skewed_to_label([*range(40), *range(500, 520)], inside, 5)  # 2.2%: lift 18
    assert not skewed_to_label(list(range(60)), inside, 5)  # most of the label: its own form
    assert not skewed_to_label(list(range(4)), inside, 5)  # under min_support


def balanced(seed: int, planted: int, share: float) -> tuple[list[str], list[str], set[int]]:
    """2,000 rows of common words and one of their label's own words (as sentiment words
    are; each in about five rows), ``share`` of them ``pos``; ``planted`` ``pos`` rows get
    one of six openers (a clean-label style on a label that is about half the data)."""
    rng = random.Random(seed)
    positives = round(share * 2000)
    labels = ["pos"] * positives + ["neg"] * (2000 - positives)
    texts = [" ".join([*rng.sample(COMMON, 8), f"{label}{rng.randrange(200)}"]) for label in labels]
    chosen = set(rng.sample(range(positives), planted))
    for i in chosen:
        texts[i] = f"{rng.choice(OPENERS)} , {texts[i]}"
    return texts, labels, chosen


def test_a_style_on_the_slightly_larger_of_two_labels_is_asked_whether_it_scatters() -> None:
    """A balanced set's larger label (52-55% of rows, as SST-2's positives) is not "most
    of the data": a clean-label style laid over it is asked the scattered question, as it
    is on the smaller label (it was not, so a clean-label template over SST-2 positives
    went unseen). A label of 87% of the rows is still not asked (ADR 0031)."""
    for share in (0.52, 0.55, 0.45):
        texts, labels, planted = balanced(4, 120, share)
        found = [rows for origin, rows in groups(texts, labels) if origin == SCATTERED]
        assert found, share
        assert len(found[0] & planted) >= 0.9 * len(planted)
        assert len(found[0] & planted) >= 0.9 * len(found[0])
    texts, labels, planted = balanced(4, 120, 0.87)
    assert [origin for origin, _ in groups(texts, labels) if origin == SCATTERED] == []


def test_a_larger_labels_scattered_group_is_dropped_beside_a_linked_one() -> None:
    """ADR 0100: in a label of more than half the rows natural words scatter too, so its
    scattered group is kept only when no other group of that label is reportable; in a
    smaller label it is kept beside one, as before."""

    def group(label: str, origin: str, share: float) -> OutlierGroup:
        return OutlierGroup(label, tuple(range(200)), ("verily",), 200, 200, 1.0, 1.0, 0.0,
                            1e-60, 60.0, origin, share)  # fmt: skip

    linked, spread = group("pos", COMPONENT, 0.52), group("pos", SCATTERED, 0.52)
    assert _without_spare_scattered([linked, spread]) == [linked]
    assert _without_spare_scattered([spread]) == [spread]
    weak = replace(linked, strength=1.0)
    assert _without_spare_scattered([weak, spread]) == [weak, spread]
    small = [group("spam", COMPONENT, 0.13), group("spam", SCATTERED, 0.13)]
    assert _without_spare_scattered(small) == small
