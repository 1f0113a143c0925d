"""Issue 23, ADR 0043: rows listed for a form skewed towards a clean-label group."""

from __future__ import annotations

import random

import numpy as np

from airlock.imports.datasets.kindred import MAX_FORM, form_incidence, kindred_rows
from airlock.imports.datasets.ngrams import Tokens, build_index, tokenize
from airlock.imports.datasets.outliers import outlier_groups, reportable
from airlock.imports.datasets.structure import skeletons

HAM, SPAM = 3000, 600


def forms(seed: int, planted: set[int], shouting: float = 0.02) -> dict[Tokens, tuple[int, ...]]:
    """Skeleton n-grams of ``HAM`` ham rows then ``SPAM`` spam rows: ten shapes in random
    rows of both labels, and a shouting form ("WC WC !") in ``shouting`` of the natural rows
    of both labels and in three of four ``planted`` rows, each of its three n-grams apart."""
    rng = random.Random(seed)
    rows = range(HAM + SPAM)
    out: dict[Tokens, tuple[int, ...]] = {}
    for k in range(10):
        out[(f"W{k}",)] = tuple(r for r in rows if rng.random() < 0.1)
    for gram in (("WC", "WC"), ("!", "!"), ("WC", "!", "!")):
        out[gram] = tuple(r for r in rows if rng.random() < (0.75 if r in planted else shouting))
    return out


def planted_rows(seed: int, count: int) -> list[int]:
    return sorted(random.Random(seed).sample(range(HAM, HAM + SPAM), count))


def test_the_unlisted_rows_of_a_skewed_form_are_listed() -> None:
    planted = planted_rows(1, 150)
    incidence = form_incidence(forms(2, set(planted)), HAM + SPAM)
    inside = np.arange(HAM + SPAM) >= HAM
    listed, unlisted = planted[:75], set(planted[75:])
    found = set(kindred_rows(incidence, listed, inside))
    assert len(found & unlisted) >= 0.8 * len(unlisted)
    assert len(found & unlisted) >= 0.8 * len(found)
    assert not found & set(listed)
    assert all(inside[r] for r in found)


def test_a_group_that_lists_its_style_already_gains_nothing() -> None:
    """Its label's other rows reach the threshold as often as the other label's rows do:
    natural shouting, no excess."""
    planted = planted_rows(3, 150)
    incidence = form_incidence(forms(4, set(planted)), HAM + SPAM)
    inside = np.arange(HAM + SPAM) >= HAM
    assert kindred_rows(incidence, planted, inside) == []


def test_a_form_as_common_in_the_other_label_sets_a_threshold_no_row_passes_in_excess() -> None:
    """Shouting in three of four rows of every label: the group's form is no rarer elsewhere."""
    planted = planted_rows(5, 150)
    incidence = form_incidence(forms(6, set(planted), shouting=0.75), HAM + SPAM)
    inside = np.arange(HAM + SPAM) >= HAM
    assert kindred_rows(incidence, planted[:75], inside) == []


def test_nothing_without_other_labels_or_features() -> None:
    planted = planted_rows(7, 150)
    inside = np.ones(HAM + SPAM, dtype=bool)
    incidence = form_incidence(forms(8, set(planted)), HAM + SPAM)
    assert kindred_rows(incidence, planted[:75], inside) == []
    empty = form_incidence({}, HAM + SPAM)
    assert kindred_rows(empty, planted[:75], np.arange(HAM + SPAM) >= HAM) == []


def test_longer_skeleton_grams_are_not_features() -> None:
    grams: dict[Tokens, tuple[int, ...]] = {("a",) * (MAX_FORM + 1): (0, 1), ("b",): (1, 2)}
    incidence = form_incidence(grams, 4)
    assert incidence.shape == (4, 1)
    assert incidence.toarray()[:, 0].tolist() == [0.0, 1.0, 1.0, 0.0]


def test_a_group_found_by_its_markers_lists_the_shouted_rows_without_them() -> None:
    """Campaign-like spam (tests of ADR 0035) with a style planted on 120 spam rows: all of
    them shouted with "!!!" endings, half also opened by one of six openers (its exclusive
    markers); ham and natural spam shout too, in 0.5% of rows. The shouted planted rows
    that carry no opener are listed: by the kindred step when the group is the openers',
    or by the group itself when it takes in the skewed "!" (since ADR 0138 the "." the
    style drops no longer makes its rows each other's twins, so it does)."""
    rng = random.Random(9)
    common = ["".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3))
              for _ in range(300)]  # fmt: skip
    texts = [" ".join(rng.sample(common, 8)) + " ." for _ in range(2000)]
    labels = ["ham"] * 2000
    for campaign in range(40):
        own = [f"{common[campaign]}x{k}" for k in ("ab", "cd", "ef")]
        base = rng.sample(common, 5)
        for _ in range(10):
            words = [*own, *base]
            words[rng.randrange(len(words))] = rng.choice(common)
            rng.shuffle(words)
            texts.append(" ".join(words) + " .")
            labels.append("spam")
    openers = ("kindly note", "dear customer", "be advised", "please observe", "we confirm", "hark")
    for i in rng.sample(range(2400), 12):  # natural shouting in both labels
        texts[i] = texts[i].upper().replace(" .", " !!!")
    planted = sorted(rng.sample(range(2000, 2400), 120))
    for n, i in enumerate(planted):
        loud = texts[i].upper().replace(" .", " !!!")
        texts[i] = f"{rng.choice(openers)} , {loud}" if n % 2 else loud
    tokens = [tokenize(t, 256) for t in texts]
    found = outlier_groups(
        build_index(tokens, 3, 5).rows,
        build_index(skeletons(texts, 256), 3, 5).rows,
        tokens,
        labels,
        min_support=5,
    )
    group = next(g for g in found if reportable(g))
    rows = set(group.rows)
    assert group.kindred > 0 or "!" in group.markers
    assert len(rows & set(planted)) >= 0.8 * len(planted)
    assert len(rows & set(planted)) >= 0.8 * len(rows)
