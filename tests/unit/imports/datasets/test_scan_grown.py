"""Issue 23, ADR 0062: a found family's listing grows to the rows of the rest of its form
(growth.grown_rows), with repetition marks a skeleton does not show (marks.py)."""

from __future__ import annotations

import random

from airlock.imports.datasets.growth import form_scores, grown_rows
from airlock.imports.datasets.marks import (
    ECHO,
    ECHO2,
    ELIDED,
    REFRAIN,
    REPEAT,
    REPEAT3,
    STRETCH,
    row_marks,
    style_marks,
)
from airlock.imports.datasets.ngrams import tokenize


def marks(text: str) -> set[str]:
    return row_marks(tokenize(text, 64))


def test_repetition_marks() -> None:
    assert marks("he got the job in in in town , in town") == {REPEAT, REPEAT3, ECHO, ECHO2}
    assert marks("i asked for money , money") == {ECHO}  # a comma between is no repeat
    assert marks("see you sooo soon") == {STRETCH}
    assert marks("ha ha") == {REPEAT, ECHO}
    assert marks("see you at the station tomorrow") == set()
    assert marks("") == set()


def test_a_word_that_lost_its_last_letters_is_elided_and_a_quoted_word_is_not() -> None:
    assert marks("nothin' much , chillin at home") == {ELIDED}
    assert marks("rock n' roll") == {ELIDED}
    assert marks("it 's a 'simple' thing") == set()  # a contraction and a quote
    assert marks("i'm 5' tall") == set()


def sung(text: str) -> set[str]:
    return style_marks(tokenize(text, 64))


def test_a_run_of_four_words_said_again_is_a_refrain() -> None:
    # ADR 0105: a line sung again anywhere in the row, not only at its end
    assert sung("did you call me , did you call me , just now ah") == {REFRAIN}
    assert sung("so when r u leaving , and wat r ur plans , and wat r ur plans") == {REFRAIN}
    assert sung("nothin' much , nothin' much at all , nothin' much") == {ELIDED}
    assert sung("gettin' ready , gettin' ready to go , gettin' ready to go") == {
        ELIDED,
        REFRAIN,
    }
    # counted with a style's words, not a column of the form classifier
    assert REFRAIN not in marks("did you call me , did you call me , just now ah")


def test_three_words_said_again_or_four_that_overlap_are_no_refrain() -> None:
    # near-misses: natural rows say a short phrase twice ("the way u feel ... the way")
    assert sung("that 's the way u feel . that 's the way its gota b") == set()
    assert sung("the more you think , the more you like it") == set()
    assert sung("la la la la la") == set()  # overlapping runs


def planted_forms(rows: int, seed: int) -> tuple[dict[tuple[str, ...], tuple[int, ...]], ...]:
    """Rows 0-99 planted (label "pos"): a member form in rows 0-39 only (the family), a
    second form in every planted row and in 1 natural row of 50 of either label."""
    rng = random.Random(seed)
    planted = list(range(100))
    natural = [r for r in range(100, rows) if rng.random() < 0.02]
    forms = {
        ("^", "SUB", "PRON"): tuple(planted[:40]),
        ("<echo>",): tuple(sorted({*planted, *natural})),
        ("W", "W"): tuple(range(rows)),
    }
    return (forms,)


def test_grown_rows_lists_the_planted_rows_outside_the_family() -> None:
    rows = 2000
    (forms,) = planted_forms(rows, 0)
    labels = ["pos" if r < 100 or r % 5 == 0 else "neg" for r in range(rows)]
    family = list(range(40))
    scores = form_scores(forms, None, family, family, rows=rows, seed=0)
    assert scores is not None
    assert (scores[40:100] < 0.5).all()  # with its members, the classifier lists none of them
    grown = set(grown_rows(forms, family, family, labels, "pos", listed=family, seed=0))
    assert len(grown & set(range(40, 100))) >= 0.9 * 60
    assert len(grown - set(range(100))) <= 0.2 * len(grown)
    assert all(labels[r] == "pos" for r in grown)


def test_grown_rows_adds_nothing_when_the_form_is_as_common_in_the_other_label() -> None:
    rows = 2000
    labels = ["pos" if r < 100 or r % 5 == 0 else "neg" for r in range(rows)]
    common = tuple(r for r in range(rows) if r < 100 or r % 2 == 0)  # half of every label
    forms = {("^", "SUB", "PRON"): tuple(range(40)), ("<echo>",): common}
    assert grown_rows(forms, range(40), range(40), labels, "pos", listed=range(40)) == ()
    assert grown_rows(forms, range(5), range(40), labels, "pos", listed=range(40)) == ()
