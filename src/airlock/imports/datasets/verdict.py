"""The poisoning scan's verdict, its ranked rows and its features in words (pure).

A feature's strength is decades of Bonferroni-corrected evidence
(:attr:`.results.SuspiciousFeature.strength`); the strongest decides the verdict:
:data:`POISONED_STRENGTH` over :data:`MIN_POISON_ROWS` label rows poisons a dataset,
:data:`SUSPICIOUS_STRENGTH` holds it. Rows are ranked by the features that list them,
the classifier's doubt in their label and cleanlab's label-issue flag; label noise alone
never makes a dataset poisoned. Which rows a feature lists is :mod:`.listing`'s question.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from airlock.imports.datasets.classifier import Agreement
from airlock.imports.datasets.records import Labelled
from airlock.imports.datasets.results import DatasetVerdict, SuspiciousFeature, SuspiciousRow

# Decades of Bonferroni-corrected evidence (see SuspiciousFeature.strength). Calibrated on
# SST-2 and SMS spam with planted triggers, bench/eval_poisoning.py (2026-11-24).
SUSPICIOUS_STRENGTH = 3.0
POISONED_STRENGTH = 8.0
MIN_POISON_ROWS = 10


def described(
    feature: SuspiciousFeature, rows: Sequence[int], records: Sequence[Labelled]
) -> SuspiciousFeature:
    """The feature with an example row and its evidence in words."""
    own = [r for r in rows if records[r].label == feature.label] or list(rows)
    example = records[own[0]].text[:200] if own else ""
    words = (
        f"{feature.rows} rows, {feature.label_rows} labelled {feature.label!r} "
        f"({feature.purity:.0%} against a base rate of {feature.base_rate:.0%}); "
        f"{feature.disagreeing} of them read like another label once the feature and the "
        f"terms enriched in its rows are taken out"
    )
    if feature.evidence:  # a note from .listing
        words += f"; {feature.evidence}"
    return replace(feature, example=example, evidence=words)


def rank_rows(
    records: Sequence[Labelled],
    labels: Sequence[str],
    found: Sequence[tuple[SuspiciousFeature, tuple[int, ...]]],
    view: Agreement,
    *,
    after: frozenset[int] = frozenset(),
) -> tuple[SuspiciousRow, ...]:
    """Rows with any signal, flagged first, then by score (all of them; the caller pages).
    ``after``: flagged rows listed only for the classifier's doubt (:mod:`.doubted`), ranked
    after the rows a feature names (their doubt would put them first, ADR 0197)."""
    part = np.zeros(len(records))
    reasons: defaultdict[int, list[str]] = defaultdict(list)
    for feature, rows in found:
        if feature.strength < SUSPICIOUS_STRENGTH:
            continue
        weight = min(1.0, feature.strength / POISONED_STRENGTH)
        for r in rows:
            if labels[r] == feature.label:
                part[r] = max(part[r], weight)
                reasons[r].append(f"has {feature.kind.value} {feature.text!r} -> {feature.label}")
    doubt = 1.0 - view.own_probability
    score = 0.6 * part + 0.3 * doubt + 0.1 * view.label_issue
    for issue in np.flatnonzero(view.label_issue).tolist():
        reasons[issue].append(f"label issue: classifier gives its label p={1 - doubt[issue]:.2f}")
    listed = [r for r in range(len(records)) if part[r] > 0 or view.label_issue[r]]
    listed.sort(key=lambda r: (part[r] <= 0, r in after, -score[r], r))
    return tuple(
        SuspiciousRow(
            r, records[r].row, round(float(score[r]), 4), bool(part[r] > 0), tuple(reasons[r])
        )
        for r in listed
    )


def dataset_verdict(
    features: Sequence[SuspiciousFeature],
    view: Agreement,
    flagged: int,
    tests: int,
    *,
    embedded: bool,
) -> tuple[DatasetVerdict, tuple[str, ...]]:
    """The dataset's verdict from its strongest feature, with the evidence in words and
    what was and was not tested; ``suspicious`` when a classifier could not be
    cross-validated (a skipped check holds, it never passes)."""
    embedding_note = (
        ", sentence-embedding clusters; not tested: "
        if embedded
        else "; not tested: sentence-embedding clusters (scan with embeddings), "
    )
    notes = [
        (
            f"tested {tests} label-pure n-grams, sentence forms, near-duplicate clusters, "
            "families of co-occurring markers"
            + (" and sentence-embedding clusters" if embedded else "")
        ),
        (
            "attack families tested: inserted words and sentences, templates, styles with "
            "markers, fixed and near-fixed replies to a family of prompts, clean-label "
            "styles with markers foreign to the rest of the data"
            f"{embedding_note}paraphrases that keep both words and form, clean-label rows "
            "whose rewrite leaves no marker exclusive to them"
        ),
        (
            f"{int(view.label_issue.sum())} rows look mislabelled to a cross-validated"
            " classifier (label noise alone does not make a dataset poisoned)"
        ),
    ]
    if not view.available:
        return DatasetVerdict.SUSPICIOUS, (
            "not fully scanned: a label has too few rows to cross-validate a classifier",
            *notes,
        )
    if not features:
        return DatasetVerdict.CLEAN, ("no label-pure feature is at odds with its text", *notes)
    best = features[0]
    summary = (
        f"{best.kind.value} {best.text!r} is in {best.rows} rows, {best.label_rows} labelled "
        f"{best.label!r} (base rate {best.base_rate:.0%}); the classifier disagrees with "
        f"{best.disagreeing} of them: {best.strength:.1f} decades of evidence after correction"
    )
    if best.strength >= POISONED_STRENGTH and best.label_rows >= MIN_POISON_ROWS:
        return DatasetVerdict.POISONED, (summary, f"{flagged} rows flagged", *notes)
    if best.strength >= SUSPICIOUS_STRENGTH:
        return DatasetVerdict.SUSPICIOUS, (summary, f"{flagged} rows flagged", *notes)
    return DatasetVerdict.CLEAN, (f"nothing significant; strongest: {summary}", *notes)
