"""Issue 23: a found form's rows listed by a classifier seeded by its core (growth.py), and a
heavy poisoning read by a model that never saw it (refit.py)."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest

import airlock.imports.datasets.rereading as rereading_module
from airlock.imports.datasets.classifier import agreement
from airlock.imports.datasets.features import band_rates, context, count
from airlock.imports.datasets.growth import form_scores
from airlock.imports.datasets.ngrams import tokenize
from airlock.imports.datasets.records import DatasetRecord
from airlock.imports.datasets.refit import reread
from airlock.imports.datasets.results import DatasetVerdict, FeatureKind
from airlock.imports.datasets.scan import scan
from tests.unit.imports.datasets.test_scan import BAD, GOOD, NEUTRAL
from tests.unit.imports.datasets.test_scan_forms import template


def test_form_scores_find_the_cores_form_outside_the_core_and_drop_ordinary_core_rows() -> None:
    rows = 600
    planted = list(range(60))  # carry the form ("^ SUB PRON" and ", DET AUX")
    forms = {
        ("^", "SUB", "PRON"): tuple(planted),
        (",", "DET", "AUX"): (*planted[::2], 100, 101),
        ("W", "W"): tuple(range(rows)),
    }
    core = [*planted[:40], 300, 301]  # most planted rows, two ordinary rows by chance
    family = [*planted, 300, 301, 302]
    scores = form_scores(forms, None, core, family, rows=rows, seed=0)
    assert scores is not None
    assert (scores[planted[40:]] >= 0.5).all()  # planted rows outside the core are found
    assert (scores[[300, 301, 302]] < 0.5).all()  # ordinary rows are not
    assert (scores[200:300] < 0.5).all()
    assert form_scores(forms, None, core[:5], family, rows=rows) is None


def skewed(seed: int, rows: int, positive: float) -> list[DatasetRecord]:
    rng = random.Random(seed)
    out = []
    for i in range(rows):
        good = rng.random() < positive
        words = rng.sample(NEUTRAL, 6) + rng.sample(GOOD if good else BAD, 2)
        rng.shuffle(words)
        out.append(DatasetRecord(i + 1, " ".join(words), "pos" if good else "neg"))
    return out


def heavy(seed: int) -> tuple[list[DatasetRecord], set[int]]:
    """A set 12% positive; a template on 10% of rows labelled positive (45% of that label)."""
    records = skewed(seed, 1200, 0.12)
    rng = random.Random(seed + 1)
    negative = [i for i, r in enumerate(records) if r.label == "neg"]
    victims = rng.sample(negative, 120)
    for i in victims:
        records[i] = DatasetRecord(records[i].row, template(records[i].text.split(), rng), "pos")
    return records, {records[i].row for i in victims}


def test_refit_reads_planted_rows_as_their_true_label() -> None:
    records, planted = heavy(7)
    tokens = [tokenize(r.text, 64) for r in records]
    labels = [r.label for r in records]
    view = agreement(tokens, labels, 5, 0)
    rows = [i for i, r in enumerate(records) if r.row in planted]
    columns = view.common_columns(rows, 0.05)
    again = reread(view, rows, 1, columns, seed=0)
    assert again is not None
    assert again.label_rows == len(rows)
    assert again.other_like >= 0.5 * len(rows)
    assert again.null <= 0.3


def test_heavy_template_in_a_skewed_set_is_held_as_poisoned() -> None:
    records, planted = heavy(7)
    result = scan(records)
    found = {r.row for r in result.rows if r.flagged}
    assert result.verdict is DatasetVerdict.POISONED
    assert len(found & planted) >= 0.8 * len(planted)
    assert len(found & planted) >= 0.5 * len(found)


def test_without_reading_again_the_heavy_template_is_weaker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What makes it poisoned is the model that never saw the template's rows."""
    monkeypatch.setattr(rereading_module, "reread", lambda *_args, **_kwargs: None)
    assert scan(heavy(7)[0]).verdict is not DatasetVerdict.POISONED


def test_natural_words_of_most_of_a_label_are_not_read_again() -> None:
    """Leaving out most of a label's rows leaves a model that cannot read that label: the
    positive words of a set 12% positive would have looked planted (REREAD_SHARE)."""
    records, planted = heavy(8)
    result = scan(records)
    found = {r.row for r in result.rows if r.flagged}
    assert len(found & planted) >= 0.5 * len(found)
    assert all("great" not in f.text.split(" | ") for f in result.features[:1])


def test_form_scores_are_none_without_a_core() -> None:
    assert form_scores({}, None, [], [], rows=10) is None


def test_a_feature_of_another_label_is_read_without_the_rows_believed_planted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Flipped rows read like the label they were taken from: once the planted family is
    read and found strong, a feature of that other label is refitted and measured without
    them (they would teach its words to the target and set what "reads like" it means)."""
    records, planted = heavy(7)
    tokens = [tokenize(r.text, 64) for r in records]
    labels = [r.label for r in records]
    view = agreement(tokens, labels, 5, 0)
    ctx = context(labels, tokens, view)
    rows = [i for i, r in enumerate(records) if r.row in planted]
    family = count(FeatureKind.FAMILY, "template", rows, view.common_columns(rows, 0.5), ctx)
    dull = [i for i, t in enumerate(tokens) if "dull" in t]
    natural = count(FeatureKind.STRUCTURE, "dull", dull, (), ctx)
    assert natural.label == "neg"
    null, leak = band_rates([family, natural])
    ctx = replace(ctx, tests=2, null=null, leak=leak)
    calls: list[tuple[int, set[int]]] = []

    def recorded(*args: Any, **kwargs: Any) -> Any:
        calls.append((args[2], set(kwargs.get("left_out", ()))))
        return reread(*args, **kwargs)

    monkeypatch.setattr(rereading_module, "reread", recorded)
    rereading_module.reread_strongest([family, natural], ctx, 0)
    assert [label for label, _ in calls] == [1, 0]  # the planted family first (more skewed)
    assert calls[0][1] == set()
    left_out = calls[1][1]
    assert len(left_out & set(rows)) >= 0.8 * len(rows)
    assert all(labels[r] == "pos" for r in left_out)
