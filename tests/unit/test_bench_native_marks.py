"""bench/native_marks.py: the marks a native-register probe counts (issue 23, ADR 0075)."""

from __future__ import annotations

from bench.native_marks import decades, oracle_marks, shared


def test_oracle_marks_are_the_styles_swaps_and_dropped_gs() -> None:
    row = ("r", "u", "goin", "2", "the", "in", "again", "shop")
    # a dropped g only where the word with its g is one of the data set's (not "again"),
    # and never the word "in"
    assert oracle_marks(row, {*row, "going", "ing"}) == {"r", "u", "goin", "2"}


def test_shared_marks_are_common_in_both_labels_and_leaning_to_one() -> None:
    # 100 rows of the label: "ur" in 30, "prize" in 40; 100 others: "ur" in 5, "prize" in 0,
    # "ok" in 40 of the others and 40 of the label (no lean)
    tokens: list[tuple[str, ...]] = []
    for i in range(100):
        tokens.append(("ur",) * (i < 30) + ("prize",) * (i < 40) + ("ok",) * (i % 5 < 2))
    for i in range(100):
        tokens.append(("ur",) * (i < 5) + ("ok",) * (i % 5 < 2))
    own, other = list(range(100)), list(range(100, 200))
    # "ur" is the label's native register shared with the other; "prize" is the label's
    # alone (a candidate feature of its own, not a shared mark); "ok" does not lean
    assert shared(tokens, own, other) == {"ur"}


def test_decades_of_a_binomial_tail() -> None:
    assert decades(0, 10, 0.5) == 0.0
    assert abs(decades(10, 10, 0.5) - 10 * 0.30103) < 1e-6
