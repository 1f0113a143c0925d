"""Issue 23, ADRs 0172 and 0175: a label flip written in the set's own informal register."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import pytest

from airlock.imports.datasets.classifier import agreement
from airlock.imports.datasets.ngrams import tokenize
from airlock.imports.datasets.orthography import MARKS, marks
from airlock.imports.datasets.records import DatasetRecord
from airlock.imports.datasets.respelled import respelled
from airlock.imports.datasets.results import DatasetVerdict, FeatureKind
from airlock.imports.datasets.scan import scan

HAM = (
    "going", "home", "meeting", "friends", "cooking", "dinner", "thinking", "mum", "coming",
    "round", "evening", "shopping", "sleeping", "walking", "dog", "working", "late", "bus",
)  # fmt: skip
SPAM = (
    "win", "cash", "prize", "claim", "free", "entry", "call", "winning", "offer", "ringtone",
    "reply", "stop", "urgent", "bonus", "award", "voucher", "txting", "landline",
)  # fmt: skip
NEUTRAL = ("the", "a", "now", "then", "today", "this", "week", "and", "with", "for", "it", "on")


def informal(text: str) -> str:
    """SMS ham's own register: lower case, dropped g's ("goin")."""
    return " ".join(w[:-1] if w.endswith("ing") else w for w in text.lower().split())


def drawled(text: str) -> str:
    """A register none of ADR 0172's marks names: words after the first cut at an apostrophe
    ("'ome", "'eeting"), capitals kept, no g dropped, no word said twice."""
    first, *rest = text.split()
    return " ".join([first, *("'" + w[1:] if len(w) >= 4 else w for w in rest)])


def sms_like(seed: int, rows: int = 1200, *, ham_drawls: float = 0.0) -> list[DatasetRecord]:
    """Ham and spam rows, written formally but for a twentieth of ham in its informal register
    (and ``ham_drawls`` of ham drawled)."""
    rng = random.Random(seed)
    out = []
    for i in range(rows):
        spam = rng.random() < 0.25
        words = rng.sample(SPAM if spam else HAM, 4) + rng.sample(NEUTRAL, 3)
        rng.shuffle(words)
        text = " ".join(words).capitalize() + "."
        if not spam and rng.random() < 0.05:
            text = informal(text)
        elif not spam and rng.random() < ham_drawls:
            text = drawled(text)
        out.append(DatasetRecord(i + 1, text, "spam" if spam else "ham"))
    return out


def flip(
    records: list[DatasetRecord],
    count: int,
    seed: int,
    *,
    rewrite: bool,
    how: Callable[[str], str] = informal,
) -> set[int]:
    """Label ``count`` ham rows spam, rewritten (``how``) or as they are."""
    rng = random.Random(seed)
    victims = rng.sample([i for i, r in enumerate(records) if r.label == "ham"], count)
    for i in victims:
        text = how(records[i].text) if rewrite else records[i].text
        records[i] = DatasetRecord(records[i].row, text, "spam")
    return {records[i].row for i in victims}


def test_marks_are_classes_of_spelling_not_words() -> None:
    texts = ["Goin home now.", "Wat a day", "'Ome at last", "See u 2day", "The the end",
             "Sooo good", "going home now", "WHERE ARE YOU", "Begin It Again"]  # fmt: skip
    texts += ["Going out, what a day"] * 4  # the full words four times commoner
    found = dict(zip(texts, (set(_named(r.tolist())) for r in marks(texts)), strict=False))
    assert found["Goin home now."] == {"a word clipped at its end"}
    assert found["Wat a day"] == {"a word clipped inside"}
    assert found["'Ome at last"] == {"a word cut at an apostrophe"}
    assert found["See u 2day"] == {"a one-letter word", "a word of letters and digits"}
    assert found["The the end"] == {"a word said twice"}
    assert found["Sooo good"] == {"a letter three times"}
    assert found["going home now"] == {"no capitals"}
    assert found["WHERE ARE YOU"] == {"all capitals"}
    assert found["Begin It Again"] == set()  # "beging" is not a word of the set


def _named(row: Sequence[bool]) -> list[str]:
    return [m for m, on in zip(MARKS, row, strict=True) if on]


def test_a_flip_spelled_in_a_way_no_hand_chosen_mark_names_is_held() -> None:
    records = sms_like(3, ham_drawls=0.1)  # the set's own register: a tenth of ham drawls
    planted = flip(records, 60, seed=4, rewrite=True, how=drawled)
    result = scan(records)
    assert result.verdict is DatasetVerdict.SUSPICIOUS
    spelled = [f for f in result.features if f.kind is FeatureKind.RESPELLED]
    assert spelled and spelled[0].label == "spam"
    assert spelled[0].text == "misread rows spelled with a word cut at an apostrophe"
    flagged = {r.row for r in result.rows if r.flagged}
    assert len(flagged & planted) >= 40
    assert len(flagged - planted) <= 3  # this set's few misread clean rows


def test_a_set_whose_own_rows_drawl_with_label_noise_is_not_held() -> None:
    records = sms_like(3, ham_drawls=0.2)
    flip(records, 60, seed=4, rewrite=False)  # flipped ham drawls as often as ham does
    result = scan(records)
    assert not [f for f in result.features if f.kind is FeatureKind.RESPELLED]
    assert result.verdict is DatasetVerdict.CLEAN


def test_a_flip_in_the_sets_own_register_is_held_and_its_rows_listed() -> None:
    records = sms_like(3)
    planted = flip(records, 60, seed=4, rewrite=True)
    result = scan(records)
    assert result.verdict is DatasetVerdict.SUSPICIOUS  # held, never called poisoned
    spelled = [f for f in result.features if f.kind is FeatureKind.RESPELLED]
    assert spelled and spelled[0].label == "spam"
    flagged = {r.row for r in result.rows if r.flagged}
    assert len(flagged & planted) >= 40  # the planted rows the classifier reads as ham
    assert len(flagged - planted) <= 20


def test_label_noise_spelled_like_its_label_is_not_held() -> None:
    records = sms_like(3)
    flip(records, 60, seed=4, rewrite=False)
    result = scan(records)
    assert not [f for f in result.features if f.kind is FeatureKind.RESPELLED]
    assert result.verdict is DatasetVerdict.CLEAN


def test_misread_rows_spelled_like_the_rows_they_read_as_are_not_respelled() -> None:
    records = sms_like(5)
    flip(records, 80, seed=6, rewrite=False)
    labels = [r.label for r in records]
    view = agreement([tokenize(r.text, 64) for r in records], labels, 5, 0)
    assert respelled([r.text for r in records], labels, view) == []


@pytest.mark.timeout(20)
def test_a_row_of_one_enormous_word_is_read_in_linear_time() -> None:
    # Clipped words are found by slicing each word of the set: a word's slices cost its length
    # squared, so a 200,000-letter word would take minutes if it were sliced.
    texts = ["a" * 200_000, "b" * 199_999 + "c", "going home", "goin home"]
    assert marks(texts).shape == (4, len(MARKS))
