"""Candidate features (n-grams, near-duplicate clusters) and their count-aware tests.

For a feature found in ``n`` rows, ``k`` of which carry its majority label ``L``:

* label skew: P(Binomial(n, share of L) >= k) -- is the feature purer than chance?
* the ranking test: take the feature's own terms out of the classifier's score and count the
  ``d`` of its ``k`` rows whose remaining text reads like the *other* labels (P(L) at or
  below the 75th percentile of P(L) over rows not labelled L). Then P(Binomial(k, mu_L) >=
  d), where ``mu_L`` is the same share pooled over every candidate feature of label L. A
  trigger inserted with a flipped label leaves rows that read like the other class; a
  natural cue, however pure, leaves rows that still read like its own. Both tests know the
  count, so thirty trigger rows outrank a common sentiment word seen a thousand times.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from airlock.imports.datasets.classifier import Agreement
from airlock.imports.datasets.ngrams import Tokens, grow_phrase, rows_with
from airlock.imports.datasets.results import FeatureKind, SuspiciousFeature
from airlock.imports.datasets.stats import binomial_tail, strength

# A feature must put at least this share of its rows in one label to be a candidate; below
# it the feature is not what a backdoor looks like (its trigger forces the target label).
CANDIDATE_PURITY = 0.8
# A row "reads like the other labels" when P(own label) is at most this quantile of P(that
# label) among the rows that do not carry it.
OTHER_QUANTILE = 0.75
# The pooled null rate never goes below this, so three odd rows of a rare phrase in a
# dataset where the classifier is nearly perfect do not count as decades of evidence.
MIN_NULL_RATE = 0.05
GROW_SHARE = 0.9  # phrase growth: extend while this share of the rows agree on the token
GROW_KEEP = 0.75  # a grown phrase may cost this much of its seed's evidence
TEMPLATE_SHARE = 0.5  # terms in this share of a cluster's rows are its template


@dataclass(frozen=True, slots=True)
class Context:
    """What every feature test needs about the dataset."""

    labels: Sequence[str]
    tokens: Sequence[Tokens]
    agreement: Agreement
    base: dict[str, float]  # share of rows per label
    other: dict[str, float]  # P(label) at or below which a row reads like the other labels
    tests: int
    null: dict[str, tuple[int, int]]  # per label: pooled other-like rows, pooled label rows


@dataclass(frozen=True, slots=True)
class Measured:
    """Counts of one feature before its p-values."""

    kind: FeatureKind
    text: str
    rows: tuple[int, ...]
    label: str
    label_rows: int
    other_like: int
    columns: tuple[int, ...] = ()  # classifier terms taken out when counting


def context(labels: Sequence[str], tokens: Sequence[Tokens], agreement: Agreement) -> Context:
    """Base rates of the dataset for the feature tests (``tests`` and ``null`` come later)."""
    counts = Counter(labels)
    classes = sorted(counts)
    base = {label: count / max(len(labels), 1) for label, count in counts.items()}
    other = dict.fromkeys(classes, 0.0)
    if agreement.available:
        probabilities = agreement.probabilities()
        given = np.asarray(labels)
        for column, label in enumerate(classes):
            others = probabilities[given != label, column]
            other[label] = float(np.quantile(others, OTHER_QUANTILE)) if len(others) else 0.0
    return Context(labels, tokens, agreement, base, other, 1, {})


def majority(rows: Sequence[int], labels: Sequence[str]) -> tuple[str, int]:
    """Most common label among ``rows`` and its count (ties broken by label order)."""
    counts = Counter(labels[r] for r in rows)
    return min(counts.items(), key=lambda item: (-item[1], item[0]))


def count(
    kind: FeatureKind, text: str, rows: Sequence[int], columns: Sequence[int], ctx: Context
) -> Measured:
    """Count a feature's label rows and those that read like the other labels without it."""
    label, k = majority(rows, ctx.labels)
    own = [r for r in rows if ctx.labels[r] == label]
    remaining = ctx.agreement.without(columns, own)
    d = int(np.count_nonzero(remaining <= ctx.other[label])) if ctx.agreement.available else 0
    return Measured(kind, text, tuple(rows), label, k, d, tuple(columns))


def pooled_null(measured: Sequence[Measured]) -> dict[str, tuple[int, int]]:
    """Per label: rows that read like the other labels, and all rows, over the candidates.

    Features found in exactly the same rows count once, so that the dozen sub-phrases of
    one inserted sentence do not drag the null rate towards the sentence's own.
    """
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for m in {m.rows: m for m in measured}.values():
        hits[m.label] += m.other_like
        totals[m.label] += m.label_rows
    return {label: (hits[label], totals[label]) for label in totals}


def null_rate(m: Measured, ctx: Context) -> float:
    """The pooled rate of ``m``'s label leaving ``m`` itself out (a large trigger in a small
    dataset would otherwise raise the bar it is measured against), floored."""
    hits, total = ctx.null.get(m.label, (0, 0))
    if total - m.label_rows <= 0:
        return MIN_NULL_RATE
    return max(MIN_NULL_RATE, (hits - m.other_like) / (total - m.label_rows))


def judge(m: Measured, ctx: Context, members: tuple[str, ...] = ()) -> SuspiciousFeature:
    """Both p-values and the corrected strength of one counted feature."""
    rate = null_rate(m, ctx)
    n = np.array([float(len(m.rows))])
    skew = binomial_tail(np.array([float(m.label_rows)]), n, np.array([ctx.base[m.label]]))
    tail = binomial_tail(
        np.array([float(m.other_like)]), np.array([float(m.label_rows)]), np.array([rate])
    )
    p_value = float(tail[0]) if ctx.agreement.available else 1.0
    return SuspiciousFeature(
        kind=m.kind,
        text=m.text,
        rows=len(m.rows),
        label=m.label,
        label_rows=m.label_rows,
        base_rate=round(ctx.base[m.label], 6),
        disagreeing=m.other_like,
        skew_p_value=float(skew[0]),
        p_value=p_value,
        strength=float(strength(np.array([p_value]), ctx.tests)[0]),
        members=members,
    )


def candidates(index: dict[Tokens, tuple[int, ...]], labels: Sequence[str]) -> list[Tokens]:
    """N-grams whose rows are at least :data:`CANDIDATE_PURITY` one label."""
    return [
        gram
        for gram, rows in index.items()
        if majority(rows, labels)[1] >= CANDIDATE_PURITY * len(rows)
    ]


def count_ngrams(
    grams: Sequence[Tokens], index: dict[Tokens, tuple[int, ...]], ctx: Context
) -> list[Measured]:
    """Count every candidate n-gram with its own terms taken out.

    N-grams found in exactly the same rows are parts of one thing (the words and bigrams
    of an inserted sentence), so all their terms are taken out together and counted once.
    """
    same_rows: defaultdict[tuple[int, ...], list[Tokens]] = defaultdict(list)
    for gram in grams:
        same_rows[index[gram]].append(gram)
    out = []
    for rows, group in same_rows.items():
        columns = sorted({c for gram in group for c in ctx.agreement.columns(gram)})
        first = count(FeatureKind.NGRAM, " ".join(group[0]), rows, columns, ctx)
        out += [replace(first, text=" ".join(gram)) for gram in group]
    return out


def count_cluster(rows: Sequence[int], ctx: Context) -> Measured:
    """Count a near-duplicate cluster with its template's terms taken out."""
    sample = " ".join(ctx.tokens[rows[0]])[:120]
    columns = ctx.agreement.common_columns(rows, TEMPLATE_SHARE)
    return count(FeatureKind.CLUSTER, sample, rows, columns, ctx)


def ranked(
    measured: Sequence[Measured], ctx: Context, *, keep: int, max_phrase: int
) -> list[tuple[SuspiciousFeature, tuple[int, ...]]]:
    """The ``keep`` strongest features with their rows; n-grams grown into phrases.

    An n-gram inside an already kept phrase, or found in mostly the same rows, is merged
    into it (listed in ``members``) rather than reported again.
    """
    judged = sorted(
        ((judge(m, ctx), m) for m in measured),
        key=lambda item: (-item[0].strength, item[0].p_value, -len(item[1].text), item[1].text),
    )
    kept: list[tuple[SuspiciousFeature, tuple[int, ...]]] = []
    merged: list[list[str]] = []
    for feature, m in judged:
        if len(kept) >= keep or feature.strength <= 0:
            break
        home = _home(m, kept)
        if home is not None:
            if len(merged[home]) < 8:
                merged[home].append(feature.text)
            continue
        kept.append(_grown(feature, m, ctx, max_phrase))
        merged.append([])
    return [
        (replace(feature, members=tuple(extra)), rows)
        for (feature, rows), extra in zip(kept, merged, strict=True)
    ]


def _grown(
    feature: SuspiciousFeature, m: Measured, ctx: Context, max_phrase: int
) -> tuple[SuspiciousFeature, tuple[int, ...]]:
    """Grow an n-gram into the longest phrase its rows share, if that keeps the evidence."""
    if m.kind is not FeatureKind.NGRAM:
        return feature, m.rows
    gram = tuple(m.text.split(" "))
    own = [r for r in m.rows if ctx.labels[r] == m.label]
    phrase = grow_phrase(gram, own, ctx.tokens, max_phrase, GROW_SHARE)
    if phrase == gram:
        return feature, m.rows
    rows = rows_with(phrase, m.rows, ctx.tokens)
    # Judged with the seed's terms taken out: the phrase's outer tokens are often common
    # words ("i", ".") whose removal says nothing about the trigger. A phrase found in
    # slightly fewer rows names the trigger better than a word of it that also occurs
    # naturally, so it may cost a little evidence.
    grown = judge(count(FeatureKind.NGRAM, " ".join(phrase), rows, m.columns, ctx), ctx)
    if grown.strength >= GROW_KEEP * feature.strength:
        return grown, tuple(rows)
    return feature, m.rows


def _home(m: Measured, kept: Sequence[tuple[SuspiciousFeature, tuple[int, ...]]]) -> int | None:
    """Index of the kept feature ``m`` belongs to, if any."""
    padded = f" {m.text} "
    rows = set(m.rows)
    for i, (feature, feature_rows) in enumerate(kept):
        if m.kind is FeatureKind.NGRAM and padded in f" {feature.text} ":
            return i
        if len(rows.intersection(feature_rows)) >= 0.5 * len(rows):
            return i
    return None
