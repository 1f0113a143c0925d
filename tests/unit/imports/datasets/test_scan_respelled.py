"""Issue 23, ADR 0172: a label flip written in the set's own informal register."""

from __future__ import annotations

import random

from airlock.imports.datasets.classifier import agreement
from airlock.imports.datasets.ngrams import tokenize
from airlock.imports.datasets.records import DatasetRecord
from airlock.imports.datasets.respelled import marks, respelled
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


def sms_like(seed: int, rows: int = 1200) -> list[DatasetRecord]:
    """Ham and spam rows, written formally but for a twentieth of ham in its informal register."""
    rng = random.Random(seed)
    out = []
    for i in range(rows):
        spam = rng.random() < 0.25
        words = rng.sample(SPAM if spam else HAM, 4) + rng.sample(NEUTRAL, 3)
        rng.shuffle(words)
        text = " ".join(words).capitalize() + "."
        if not spam and rng.random() < 0.05:
            text = informal(text)
        out.append(DatasetRecord(i + 1, text, "spam" if spam else "ham"))
    return out


def flip(records: list[DatasetRecord], count: int, seed: int, *, rewrite: bool) -> set[int]:
    """Label ``count`` ham rows spam, rewritten into the informal register or as they are."""
    rng = random.Random(seed)
    victims = rng.sample([i for i, r in enumerate(records) if r.label == "ham"], count)
    for i in victims:
        text = informal(records[i].text) if rewrite else records[i].text
        records[i] = DatasetRecord(records[i].row, text, "spam")
    return {records[i].row for i in victims}


def test_marks_read_spelling_not_words() -> None:
    found = marks(["Goin home now.", "going home now", "the the end", "Begin It Again"])
    assert found[0].tolist() == [True, False, False]  # "going" is a word of the set
    assert found[1].tolist() == [False, True, False]
    assert found[2].tolist() == [False, True, True]
    assert found[3].tolist() == [False, False, False]  # "beging" is not a word of the set


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
