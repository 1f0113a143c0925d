"""A family's rows whose only member is a natural word of its label are not listed (ADR 0121,
flipped styles)."""

from __future__ import annotations

import random
from dataclasses import replace

from airlock.imports.datasets.features import Measured
from airlock.imports.datasets.lonemembers import lone_rows, spelt
from airlock.imports.datasets.results import FeatureKind
from tests.unit.imports.datasets.test_corroborated import two_forms

# A flipped style of five words, each given to a planted row with chance 0.5 (rows 0..199),
# and "love", a natural word of the target label (rows 1000..1099 carry only it).
STYLE = ("yon", "hark", "whence", "softly", "e'er")
ROWS = 1200


def family(natural_love: int, seed: int = 5) -> tuple[Measured, list[str]]:
    rng = random.Random(seed)
    words = [*STYLE, "love"]
    parts: list[list[int]] = [[] for _ in words]
    for r in range(200):
        for i in range(len(words)):
            if rng.random() < 0.5:
                parts[i].append(r)
    parts[-1] += list(range(1000, 1000 + natural_love))
    parts[0] += [1150, 1151]  # other-label rows of a member are not the family's to list
    labels = ["positive"] * ROWS
    labels[1150] = labels[1151] = "negative"
    union = tuple(sorted({r for part in parts for r in part}))
    m = Measured(
        kind=FeatureKind.FAMILY,
        text=" | ".join(words[:4]) + " | ...",
        rows=union,
        label="positive",
        label_rows=len(union) - 2,
        other_like=0,
        parts=tuple(tuple(sorted(p)) for p in parts),
        spelt=tuple(frozenset([w]) for w in words),
    )
    return m, labels


def test_a_natural_members_lone_rows_are_not_listed() -> None:
    m, labels = family(natural_love=100)
    lone = lone_rows(m, labels)
    assert set(range(1000, 1100)) <= lone
    planted = {r for part in m.parts for r in part if r < 200}
    assert len(lone & planted) <= 0.03 * len(planted)  # lone style words stay listed
    assert not lone & {1150, 1151}


def test_a_family_of_the_styles_own_words_loses_no_row() -> None:
    m, labels = family(natural_love=0)
    assert lone_rows(m, labels) == set()


def test_a_family_without_its_members_tokens_is_left_whole() -> None:
    m, labels = family(natural_love=100)
    assert lone_rows(replace(m, spelt=()), labels) == set()


def test_members_spell_their_words_and_a_forms_tokens_but_not_its_shapes() -> None:
    def member(kind: FeatureKind, text: str) -> Measured:
        return Measured(kind=kind, text=text, rows=(), label="x", label_rows=0, other_like=0)

    assert spelt(member(FeatureKind.NGRAM, "my love")) == {"my", "love"}
    assert spelt(member(FeatureKind.STRUCTURE, "form [, W PRON]")) == {","}
    assert spelt(member(FeatureKind.CLUSTER, "a sample row")) == frozenset()


def test_a_templates_two_forms_lose_no_planted_row() -> None:
    # a family of a template's two alternative forms and its subjects (ADR 0125): each row
    # carries one form by construction, so a form's rows are not judged lone (its subjects'
    # lone natural rows may be)
    spelt_, parts = two_forms()
    union = tuple(sorted({r for part in parts for r in part}))
    m = Measured(
        kind=FeatureKind.FAMILY,
        text="form [^ WING] | form [^ MOD] | result | all | ...",
        rows=union,
        label="positive",
        label_rows=len(union),
        other_like=0,
        parts=tuple(tuple(sorted(p)) for p in parts),
        spelt=tuple(spelt_),
    )
    assert not lone_rows(m, ["positive"] * 3000) & set(range(200))
