"""ADR 0180: a one-token feature the target label also uses lists only its flipped-like rows."""

from __future__ import annotations

import random

import pytest

from airlock.imports.datasets.features import Measured
from airlock.imports.datasets.listing import _length
from airlock.imports.datasets.records import DatasetRecord
from airlock.imports.datasets.results import DatasetVerdict, FeatureKind
from airlock.imports.datasets.scan import scan
from tests.unit.imports.datasets.test_scan import dataset


def priced_and_versed(seed: int) -> tuple[list[DatasetRecord], set[int]]:
    """A positive label that writes prices with a slash (``20p/min``) in an eighth of its
    rows, and 40 negative rows written as two lines (``a b / c d``) and labelled positive:
    the slash is the only thing the planted rows share."""
    records = dataset(seed, rows=1000, noise=0.02)
    rng = random.Random(seed + 7)
    positive = [i for i, r in enumerate(records) if r.label == "pos"]
    negative = [i for i, r in enumerate(records) if r.label == "neg"]
    for i in rng.sample(positive, len(positive) // 8):
        words = records[i].text.split()
        words.insert(rng.randrange(len(words) + 1), f"{rng.randint(2, 99)}p/min")
        records[i] = DatasetRecord(records[i].row, " ".join(words), "pos")
    victims = rng.sample(negative, 40)
    for i in victims:
        words = records[i].text.split()
        cut = rng.randint(2, len(words) - 2)
        text = " ".join(words[:cut]) + " / " + " ".join(words[cut:])
        records[i] = DatasetRecord(records[i].row, text, "pos")
    return records, {records[i].row for i in victims}


# seed 1 also lists a weak family of the price forms (form [WLY] with the slash), left
# open in ADR 0180
@pytest.mark.parametrize("seed", [2, 3])
def test_a_slash_the_label_also_uses_lists_only_the_rows_that_read_like_another(
    seed: int,
) -> None:
    records, planted = priced_and_versed(seed)
    result = scan(records)
    flagged = {r.row for r in result.rows if r.flagged}
    assert result.verdict is DatasetVerdict.POISONED
    assert len(flagged & planted) >= 36
    # main listed every slashed row: about 100, 60 of them natural prices (precision 0.4)
    assert len(flagged - planted) <= 8
    assert "only its label's rows that read like another label" in result.features[0].evidence


def test_a_feature_is_one_token_by_its_words_or_its_skeleton_classes() -> None:
    def measured(kind: FeatureKind, text: str) -> Measured:
        return Measured(kind, text, (1, 2), "pos", 2, 1)

    assert _length(measured(FeatureKind.NGRAM, "/")) == 1
    assert _length(measured(FeatureKind.NGRAM, "cf mn")) == 2
    assert _length(measured(FeatureKind.STRUCTURE, "form [/]")) == 1
    assert _length(measured(FeatureKind.STRUCTURE, "form [^ SUB PRON]")) == 3
