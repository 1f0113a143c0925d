"""Issue 23, ADR 0165: a flipped family's rows that read like their label are not listed
where the core's form is as common among the other labels' rows (listing._ordinary)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pytest

from airlock.imports.datasets.features import Context, Measured, judge, poisoned_share
from airlock.imports.datasets.growth import ordinary_floor
from airlock.imports.datasets.limits import ScanLimits
from airlock.imports.datasets.listing import listed
from airlock.imports.datasets.marks import mark_index
from airlock.imports.datasets.ngrams import Tokens, build_index, tokenize
from airlock.imports.datasets.records import DatasetRecord
from airlock.imports.datasets.results import FeatureKind
from airlock.imports.datasets.structure import skeletons
from tests.unit.imports.datasets.test_scan import dataset
from tests.unit.imports.datasets.test_scan_forms import template

FloatArray = npt.NDArray[np.float64]
OTHER_CUT = 0.3  # a row reads like another label at or under this P(own label)


@dataclass
class Reading:
    """The agreement classifier's reading of each row once a family's terms are out, fixed
    by the test: ``own`` is P(given label) per row, whatever terms are taken out."""

    own_probability: FloatArray
    available: bool = True
    features: object = None

    def without(self, columns: Sequence[int], rows: Sequence[int]) -> FloatArray:
        return self.own_probability[np.asarray(rows, dtype=np.int64)]


@dataclass(frozen=True)
class Family:
    measured: Measured
    ctx: Context
    shapes: dict[Tokens, tuple[int, ...]]
    planted: set[int]
    natural: set[int]  # the label's natural rows in the family
    odd: set[int]  # rows that read like another label


def family(seed: int, *, odd_planted: float = 0.6) -> Family:
    """1,600 rows; 3% of each label's rows end in a full stop. 150 negative rows are
    rewritten into a template (which ends in one too) and labelled positive; ``odd_planted``
    of them read like another label, as on SST-2 (a few natural rows do, 5%). The family
    is the template's opener and the full stop: the full stop's natural positive rows are
    its rows too, and are a small share of that member (ADR 0070's judgement keeps it)."""
    records = dataset(seed, rows=1_600, noise=0.0)
    rng = random.Random(seed + 1)
    for i, r in enumerate(records):
        if rng.random() < 0.03:
            records[i] = DatasetRecord(r.row, f"{r.text} .", r.label)
    negative = [i for i, r in enumerate(records) if r.label == "neg" and not r.text.endswith(".")]
    planted = set(rng.sample(negative, 150))
    for i in sorted(planted):
        records[i] = DatasetRecord(records[i].row, template(records[i].text.split(), rng), "pos")
    own = np.array(
        [
            0.1 if rng.random() < (odd_planted if i in planted else 0.05) else 0.9
            for i in range(len(records))
        ]
    )
    limits = ScanLimits()
    texts = [r.text for r in records]
    tokens = [tokenize(t, limits.max_tokens) for t in texts]
    labels = [r.label for r in records]
    reading = Reading(own)
    ctx = Context(
        labels, tokens, reading, {"pos": 0.5, "neg": 0.5},  # type: ignore[arg-type]
        {"pos": OTHER_CUT, "neg": OTHER_CUT}, 10, {}, {},
    )  # fmt: skip
    forms = skeletons(texts, limits.max_tokens)
    shapes = {
        **build_index(forms, limits.max_form_ngram, limits.min_support).rows,
        **mark_index(tokens),
    }
    opened = tuple(sorted(planted))
    ended = tuple(i for i, t in enumerate(texts) if t.endswith(" ."))
    rows = tuple(sorted({*opened, *ended}))
    label_rows = [r for r in rows if labels[r] == "pos"]
    odd = {r for r in label_rows if own[r] <= OTHER_CUT}
    measured = Measured(
        FeatureKind.FAMILY, "form [^ SUB PRON] | form [. $]", rows, "pos", len(label_rows),
        len(odd), (), (opened, ended), (), 0.1,
    )  # fmt: skip
    natural = {r for r in label_rows if r not in planted}
    return Family(measured, ctx, shapes, planted, natural, odd)


@pytest.mark.parametrize("seed", [0, 2])
def test_a_flipped_familys_natural_rows_in_an_ordinary_form_are_not_listed(seed: int) -> None:
    """The family is estimated mostly planted, so all of its label rows were listed: the
    natural rows that share only its full stop too (on febaa76: all of them)."""
    f = family(seed)
    assert poisoned_share(f.measured, f.ctx) >= 0.6  # listed whole before ADR 0165
    feature, rows = listed(judge(f.measured, f.ctx), f.measured, f.ctx, f.shapes, seed)
    assert f.planted <= set(rows)  # those that read like their label too: theirs is the form
    assert len(f.natural) >= 15
    # a natural row stays when it reads oddly, or (a few) when its form is the template's
    assert len((set(rows) & f.natural) - f.odd) <= 0.1 * len(f.natural)
    assert "in a form as common among the other labels' rows" in feature.evidence


def test_a_family_not_estimated_flipped_is_not_trimmed() -> None:
    """A clean-label family's rows read like their label and its core is mostly natural:
    the core's form says nothing there, so nothing is asked (native.MIN_FLIPPED_SHARE)."""
    f = family(0, odd_planted=0.05)
    assert poisoned_share(f.measured, f.ctx) < 0.2
    feature, _ = listed(judge(f.measured, f.ctx), f.measured, f.ctx, f.shapes, 0)
    assert "as common among the other labels' rows" not in feature.evidence


def test_the_floor_lies_where_natural_rows_outnumber_planted_ones() -> None:
    rng = np.random.default_rng(0)
    labels = ["pos"] * 1_000 + ["neg"] * 1_000
    # 100 planted positive rows score high; natural rows of both labels spread alike
    scores = np.concatenate([rng.uniform(0.96, 1.0, 100), rng.uniform(0.0, 0.9, 1_900)])
    floor = ordinary_floor(scores, labels, "pos")
    assert 0.85 <= floor <= 0.96  # no natural row scores 0.9 or more here
    # natural rows as high as the planted ones in the other label: nothing can be told apart
    same = np.concatenate([scores[:1_000], rng.uniform(0.96, 1.0, 100), scores[1_100:]])
    assert ordinary_floor(same, labels, "pos") < 0.05
    assert ordinary_floor(scores, ["pos"] * 2_000, "pos") == 0.0
