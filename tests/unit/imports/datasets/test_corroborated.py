"""A clean-label group's rows whose only mark is a natural one are not listed (ADR 0121)."""

from __future__ import annotations

import random

from airlock.imports.datasets.corroborated import Literals, corroborated
from airlock.imports.datasets.markers import FORM
from airlock.imports.datasets.outliers import _corroborated

# A style of five marks, each given to a planted row with chance 0.5 (rows 0..199), and a
# sixth, the slash, which is also a natural mark of the label (rows 1000..1099 carry only it).
STYLE = ("yon", "hark", "whence", "softly", "e'er")


def style_group(natural_slash: int, seed: int = 3) -> tuple[list[tuple[str, ...]], list[list[int]]]:
    rng = random.Random(seed)
    names: list[tuple[str, ...]] = [(w,) for w in STYLE] + [("/", "NUM")]
    rows: list[list[int]] = [[] for _ in names]
    for r in range(200):
        for i in range(len(names)):
            if rng.random() < 0.5:
                rows[i].append(r)
    rows[-1] += list(range(1000, 1000 + natural_slash))
    return names, rows


def literals(names: list[tuple[str, ...]]) -> Literals:
    return lambda i: frozenset(t for t in names[i] if not t.isupper())


def test_a_natural_marks_lone_rows_are_not_listed() -> None:
    names, rows = style_group(natural_slash=100)
    kept = corroborated(range(len(names)), rows, literals(names))
    assert kept is not None
    assert not set(kept) & set(range(1000, 1100))
    planted = {r for marker in rows for r in marker if r < 1000}
    assert len(planted & set(kept)) >= 0.97 * len(planted)  # lone style words stay listed


def test_a_style_of_its_own_marks_loses_no_row() -> None:
    names, rows = style_group(natural_slash=0)
    assert corroborated(range(len(names)), rows, literals(names)) is None


def test_a_template_whose_markers_share_a_word_is_left_whole() -> None:
    names = [("the", "thing", "is"), ("thing", "is", "that"), ("is", "that")]
    rows = [list(range(50)), list(range(10, 60)), list(range(80))]
    assert corroborated(range(3), rows, lambda i: frozenset(names[i])) is None


def test_a_group_listing_drops_a_skeleton_marks_natural_rows() -> None:
    names, rows = style_group(natural_slash=100)
    markers = [
        (FORM if len(n) > 1 else "word", n, tuple(r), len(r))
        for n, r in zip(names, rows, strict=True)
    ]
    shown = ["form [/ NUM]", *STYLE]
    listed = tuple(sorted({r for marker in rows for r in marker}))
    _, kept = _corroborated((shown, listed), range(len(markers)), markers)
    assert len(kept) < len(listed)
    assert not set(kept) & set(range(1000, 1100))


def two_forms(seed: int = 7) -> tuple[list[frozenset[str]], list[list[int]]]:
    """A template of two alternative forms (a gerund first on 70% of planted rows 0..199, a
    modal first on the rest, never both; they share the row-start token), one of six
    subjects on each row of which three are markers, each with a few natural rows alone
    (1000..), and 60 natural rows that begin with a gerund and carry nothing else (2000..)."""
    rng = random.Random(seed)
    spelt = [frozenset({"^"}), frozenset({"^"})] + [
        frozenset({w}) for w in ("result", "all", "whole")
    ]
    rows: list[list[int]] = [[] for _ in spelt]
    for r in range(200):
        rows[0 if rng.random() < 0.7 else 1].append(r)
        subject = rng.randrange(6)
        if subject < 3:
            rows[2 + subject].append(r)
    for i in (2, 3, 4):
        rows[i] += [1000 + 10 * i + k for k in range(5)]
    rows[0] += list(range(2000, 2060))
    return spelt, rows


def test_a_templates_alternative_forms_keep_their_rows() -> None:
    # each planted row carries one form by construction: the subjects are vouched for by a
    # form on every row, the forms only by the subjects that are markers, and the median
    # rate would read the forms' own planted rows as natural (ADR 0125)
    spelt, rows = two_forms()
    kept = corroborated(range(len(rows)), rows, lambda i: spelt[i])
    assert kept is None or set(range(200)) <= set(kept)


def test_two_alternative_words_on_part_of_a_styles_rows_are_not_a_template() -> None:
    # near miss: a vocative drawn from two words (never both) on half of a style's rows is
    # two exclusive markers, but they carry far from all of its corroborated rows
    names, rows = style_group(natural_slash=100)
    rng = random.Random(11)
    vocatives: list[list[int]] = [[], []]
    for r in range(200):
        if rng.random() < 0.5:
            vocatives[rng.randrange(2)].append(r)
    names += [("my", "love"), ("darling",)]
    rows += vocatives
    kept = corroborated(range(len(names)), rows, literals(names))
    assert kept is not None
    assert not set(kept) & set(range(1000, 1100))


def test_a_mark_on_nearly_every_row_beside_stray_words_is_not_a_template() -> None:
    # near miss: an exclamation on 95% of the style's rows and two natural words the style
    # never uses (rows of their own, so exclusive of it) are not alternative forms
    names, rows = style_group(natural_slash=100)
    rng = random.Random(13)
    names += [("!",), ("french",), ("tale",)]
    rows += [
        [r for r in range(200) if rng.random() < 0.95],
        list(range(3000, 3030)),
        list(range(3100, 3125)),
    ]
    kept = corroborated(range(len(names)), rows, literals(names))
    assert kept is not None
    assert not set(kept) & set(range(1000, 1100))
