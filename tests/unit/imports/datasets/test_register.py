"""Issue 23, ADR 0075: a style made of its label's own register (register.py)."""

from __future__ import annotations

import random

from airlock.imports.datasets.classifier import agreement
from airlock.imports.datasets.features import context
from airlock.imports.datasets.limits import ScanLimits
from airlock.imports.datasets.ngrams import Tokens
from airlock.imports.datasets.register import register_findings, shared_marks

HAM = [f"h{i}" for i in range(60)]  # the other label's own words
SPAM = [f"s{i}" for i in range(30)]  # the label's own words
NATIVE = ["u", "ur", "2", "4", "r", "k"]  # both use them, the label far more


def _row(rng: random.Random, words: list[str], marks: int) -> Tokens:
    row = rng.sample(words, 6) + rng.sample(NATIVE, marks)
    rng.shuffle(row)
    return tuple(row)


def sms_like(seed: int, planted: int, flipped: int = 0) -> tuple[list[Tokens], list[str], set[int]]:
    """1,500 ham rows (a fifth with one native mark), 300 spam rows (two thirds with one or
    two); ``planted`` ham rows rewritten with three native marks each and labelled spam;
    ``flipped`` other ham rows labelled spam as they are (honest label noise)."""
    rng = random.Random(seed)
    tokens = [_row(rng, HAM, int(rng.random() < 0.2)) for _ in range(1_500)]
    tokens += [_row(rng, SPAM, rng.choice((0, 1, 2))) for _ in range(300)]
    labels = ["ham"] * 1_500 + ["spam"] * 300
    chosen = rng.sample(range(1_500), planted + flipped)
    for r in chosen[:planted]:
        tokens[r] = _row(rng, HAM, 3)
    for r in chosen:
        labels[r] = "spam"
    return tokens, labels, set(chosen[:planted])


def findings(tokens: list[Tokens], labels: list[str]) -> list[tuple[str, float, set[int]]]:
    view = agreement(tokens, labels, ScanLimits().folds, 0)
    ctx = context(labels, tokens, view)
    return [
        (f.label, f.strength, set(f.rows))
        for f in register_findings(tokens, labels, view, ctx.other)
    ]


def test_shared_marks_are_used_by_both_labels_and_lean_to_one() -> None:
    tokens, labels, _ = sms_like(0, 0)
    own = [r for r, lb in enumerate(labels) if lb == "spam"]
    other = [r for r, lb in enumerate(labels) if lb == "ham"]
    found = shared_marks(tokens, own, other)
    assert found <= set(NATIVE)  # the spam words are spam's alone: not shared
    assert len(found) >= 4


def test_a_style_of_the_labels_own_marks_on_flipped_rows_is_found() -> None:
    tokens, labels, planted = sms_like(1, 120)
    found = findings(tokens, labels)
    assert found and found[0][0] == "spam" and found[0][1] >= 3.0
    rows = found[0][2]
    assert len(rows & planted) >= 0.8 * len(planted)
    assert len(rows & planted) >= 0.5 * len(rows)


def test_honest_label_noise_and_clean_sets_find_nothing() -> None:
    for tokens, labels, _ in (sms_like(2, 0, flipped=120), sms_like(3, 0)):
        assert all(strength < 3.0 for _, strength, _ in findings(tokens, labels))
