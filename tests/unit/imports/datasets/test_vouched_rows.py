"""A family's rows that carry a member its style vouches for are listed whatever the form
classifier's trim makes of them; a natural member's rows are not vouched for (ADR 0127)."""

from __future__ import annotations

from airlock.imports.datasets.corroborated import vouched
from airlock.imports.datasets.lonemembers import merged_family, sure_rows
from tests.unit.imports.datasets.test_corroborated import STYLE, literals, style_group
from tests.unit.imports.datasets.test_family_corroborated import family


def test_a_styles_own_marks_are_vouched_for_and_a_natural_one_is_not() -> None:
    names, rows = style_group(natural_slash=100)
    assert vouched(range(len(names)), rows, literals(names)) == set(range(len(STYLE)))


def test_a_familys_core_rows_of_its_styles_words_are_sure() -> None:
    m, labels = family(natural_love=100)
    planted = {r for part in m.parts for r in part if r < 200}
    odd = planted | set(range(1000, 1010))  # a few natural rows read like another label
    sure = sure_rows(m, labels, odd)
    assert len(sure & planted) >= 0.97 * len(planted)
    assert not sure & set(range(1000, 1100))  # "love" alone: a natural word of the label
    assert not sure & {1150, 1151}  # other-label rows of a member are not the family's


def test_a_member_that_reads_like_its_label_is_not_sure() -> None:
    # the style's words vouch for each other, but their rows read like their own label:
    # the family is mostly the label's own register, not a flipped style
    m, labels = family(natural_love=100)
    assert sure_rows(m, labels, set(range(0, 200, 3))) == frozenset()


def test_nothing_is_vouched_for_without_an_estimate() -> None:
    # a template whose markers share a word is one mark: no rate, no estimate
    names = [("the", "thing", "is"), ("thing", "is", "that"), ("is", "that")]
    rows = [list(range(50)), list(range(10, 60)), list(range(80))]
    assert vouched(range(3), rows, lambda i: frozenset(names[i])) == frozenset()


def test_a_single_member_stands_for_its_strong_unreported_family() -> None:
    m, _ = family(natural_love=0)
    member = m.parts[0]
    families = {m.rows: m}
    chosen = merged_family(member, "positive", families, set(), strength=lambda _: 12.0, bar=8.0)
    assert chosen is m


def test_a_weak_reported_or_foreign_family_is_not_taken() -> None:
    m, _ = family(natural_love=0)
    member = m.parts[0]
    families = {m.rows: m}
    assert (
        merged_family(member, "positive", families, set(), strength=lambda _: 5.0, bar=8.0) is None
    )
    assert (
        merged_family(member, "positive", families, {m.rows}, strength=lambda _: 12.0, bar=8.0)
        is None
    )
    assert (
        merged_family(member, "negative", families, set(), strength=lambda _: 12.0, bar=8.0) is None
    )
    assert (
        merged_family((1, 2, 3), "positive", families, set(), strength=lambda _: 12.0, bar=8.0)
        is None
    )
