"""A clean-label group's rows whose only mark is a natural one are not listed (ADR 0121)."""

from __future__ import annotations

import random

from airlock.imports.datasets.corroborated import Literals, corroborated
from airlock.imports.datasets.outliers import FORM, _corroborated

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
