"""Issue 23, ADR 0197: a label found poisoned also lists its rows the classifier doubts.

A style rewrite that leaves a row's tokens as they were plants a plain label flip, which no
feature names (ADR 0194). Once a trigger at the poisoned bar shows a label was flipped
into, its other rows that read like the label they were taken from, past the label's
natural rate, are listed; a set no feature holds lists nothing more. Generated rows, no
``../shared``.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from airlock.imports.datasets.classifier import Agreement
from airlock.imports.datasets.doubted import CUTS, doubted_rows, with_doubted
from airlock.imports.datasets.features import Context
from airlock.imports.datasets.records import DatasetRecord
from airlock.imports.datasets.results import DatasetVerdict, FeatureKind, SuspiciousFeature
from airlock.imports.datasets.scan import scan

# a label of distinctive words (as SMS spam's) and a diverse one (as ham)
HAM = [f"h{i}" for i in range(60)]
SPAM = [f"s{i}" for i in range(30)]


def messages(seed: int, rows: int = 800) -> list[DatasetRecord]:
    """A quarter of the rows "spam" (four of its words and two of ham's), the rest "ham"."""
    rng = random.Random(seed)
    out = []
    for i in range(rows):
        spam = rng.random() < 0.25
        words = rng.sample(SPAM, 4) + rng.sample(HAM, 2) if spam else rng.sample(HAM, 6)
        rng.shuffle(words)
        out.append(DatasetRecord(i + 1, " ".join(words), "spam" if spam else "ham"))
    return out


def flip(records: list[DatasetRecord], count: int, seed: int, trigger: str = "") -> set[int]:
    """Label ``count`` ham rows spam, with ``trigger`` inserted or (plain flips) unchanged."""
    rng = random.Random(seed)
    victims = rng.sample([i for i, r in enumerate(records) if r.label == "ham"], count)
    for i in victims:
        words = records[i].text.split()
        if trigger:
            words.insert(rng.randrange(len(words) + 1), trigger)
        records[i] = DatasetRecord(records[i].row, " ".join(words), "spam")
    return {records[i].row for i in victims}


@pytest.mark.parametrize("seed", [1, 2])
def test_plain_flips_beside_a_found_trigger_are_listed(seed: int) -> None:
    records = messages(seed)
    triggered = flip(records, 60, seed + 10, trigger="zq")
    plain = flip(records, 60, seed + 20)
    result = scan(records)
    listed = {r.row for r in result.rows if r.flagged}
    assert result.verdict is DatasetVerdict.POISONED
    assert result.features[0].text == "zq"
    assert len(listed & triggered) >= 57
    assert len(listed & plain) >= 0.8 * len(plain)  # none without ADR 0197
    assert len(listed & (triggered | plain)) >= 0.9 * len(listed)
    assert "classifier reads as another label" in result.features[0].evidence


def test_plain_flips_alone_list_nothing() -> None:
    """No feature at the poisoned bar, so doubt alone lists no row (a label-noise control)."""
    records = messages(1)
    flip(records, 60, 21)
    result = scan(records)
    assert result.verdict is DatasetVerdict.CLEAN
    assert not any(r.flagged for r in result.rows)


def _context(labels: list[str], own: list[float]) -> Context:
    size = len(labels)
    view = Agreement(
        y=np.asarray([0 if label == "neg" else 1 for label in labels], dtype=np.int64),
        own_probability=np.asarray(own),
        disagrees=np.zeros(size, dtype=bool),
        label_issue=np.zeros(size, dtype=bool),
        available=True,
    )
    return Context(labels, [()] * size, view, {"neg": 0.5, "pos": 0.5}, {}, 1, {}, {})


def test_the_cut_adds_the_most_rows_past_the_natural_rate() -> None:
    # 100 unlisted rows of "pos": 30 read as "neg" at 0.1, 5 more at 0.4, the rest at 0.9
    own = [0.1] * 30 + [0.4] * 5 + [0.9] * 65
    ctx = _context(["pos"] * 100, own)
    rates = np.full(len(CUTS), 0.05)
    got = doubted_rows("pos", list(range(100)), rates, ctx)
    assert got is not None
    assert got.rows == tuple(range(35))  # every cut from 0.4 up adds 35 against 5 expected
    assert got.cut == 0.4
    assert got.expected_natural == 5.0


def test_no_cut_when_natural_rows_would_be_half_of_those_added() -> None:
    own = [0.1] * 30 + [0.9] * 70
    ctx = _context(["pos"] * 100, own)
    assert doubted_rows("pos", list(range(100)), np.full(len(CUTS), 0.16), ctx) is None
    assert doubted_rows("pos", list(range(100)), np.full(len(CUTS), 0.15), ctx) is not None


def test_a_label_under_the_poisoned_bar_lists_nothing_more() -> None:
    labels = ["neg"] * 50 + ["pos"] * 50
    ctx = _context(labels, [0.9] * 50 + [0.1] * 50)
    weak = SuspiciousFeature(
        kind=FeatureKind.NGRAM, text="zq", rows=20, label="pos", label_rows=20, base_rate=0.5,
        disagreeing=15, skew_p_value=1e-6, p_value=1e-6, strength=7.9,
    )  # fmt: skip
    found = [(weak, tuple(range(50, 70)))]
    assert with_doubted(found, [], ctx) == (found, frozenset())


def test_rows_a_feature_names_rank_before_the_doubted_ones() -> None:
    records = messages(1)
    triggered = flip(records, 60, 11, trigger="zq")
    flip(records, 60, 21)
    result = scan(records)
    flagged = [r.row for r in result.rows if r.flagged]
    # The doubted rows are doubted most: ranked by score alone, they came first.
    assert len(set(flagged[: len(triggered)]) & triggered) >= 57
