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
* label purity (issue 23): P(at most n - k rows of other labels), where the expected
  share of other labels is the median over candidate features of L of similar size. When
  the whole form of a row is the trigger the classifier learns it, agrees with the poisoned
  labels, and only the purity is left. It is reported, not decided on: natural forms of
  SMS spam ("£") are as pure as a planted style, and deciding on it held clean sets.

Issue 23 also moved both expected rates from one pool per label (which a heavy poisoning
raised until it hid itself) to robust quantiles per label and frequency band, and takes out
every term enriched in a feature's rows, not only the feature's own.
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
from airlock.imports.datasets.structure import describe

# A feature is a candidate when the share of its rows in one label is at least that label's
# base rate plus this share of the rest (0.81 of a 52% label, 0.95 of an 88% one): a fixed
# cut-off made every common word of a set that is 88% one label a candidate (issue 23).
CANDIDATE_LIFT = 0.6
# Terms taken out with a feature: in this share of its rows and this many times commoner
# there than elsewhere (the trigger's other words, a style's markers).
ENRICH_SHARE = 0.05
ENRICH_LIFT = 4.0
NULL_QUANTILE = 0.75  # of other-like shares among a label's features of similar size
MIN_BAND_FEATURES = 8  # a band with fewer features borrows the whole label's
MIN_LEAK = 0.01  # expected share of other labels never goes below this
# A row "reads like the other labels" when P(own label) is at most this quantile of P(that
# label) among the rows that do not carry it.
OTHER_QUANTILE = 0.75
# The pooled null rate never goes below this, so three odd rows of a rare phrase in a
# dataset where the classifier is nearly perfect do not count as decades of evidence.
MIN_NULL_RATE = 0.05
GROW_SHARE = 0.9  # phrase growth: extend while this share of the rows agree on the token
GROW_KEEP = 0.75  # a grown phrase may cost this much of its seed's evidence
TEMPLATE_SHARE = 0.5  # terms in this share of a cluster's rows are its template
# Features with no words or form to name; reported only when no named feature explains them.
UNNAMED = frozenset({FeatureKind.REPRESENTATION})


@dataclass(frozen=True, slots=True)
class Context:
    """What every feature test needs about the dataset."""

    labels: Sequence[str]
    tokens: Sequence[Tokens]
    agreement: Agreement
    base: dict[str, float]  # share of rows per label
    other: dict[str, float]  # P(label) at or below which a row reads like the other labels
    tests: int
    null: dict[tuple[str, int], float]  # per (label, band): expected other-like share
    leak: dict[tuple[str, int], float]  # per (label, band): expected share of other labels


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
    parts: tuple[tuple[int, ...], ...] = ()  # a family's members' rows
    spelt: tuple[frozenset[str], ...] = ()  # ... and the tokens each spells out (ADR 0121)
    null: float | None = None  # expected other-like share measured for this feature alone


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
    return Context(labels, tokens, agreement, base, other, 1, {}, {})


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
    enriched = ctx.agreement.enriched_columns(own, ENRICH_SHARE, ENRICH_LIFT)
    columns = tuple(sorted({*columns, *enriched}))
    remaining = ctx.agreement.without(columns, own)
    d = int(np.count_nonzero(remaining <= ctx.other[label])) if ctx.agreement.available else 0
    return Measured(kind, text, tuple(rows), label, k, d, tuple(columns))


def band(label_rows: int) -> int:
    """Frequency band of a feature: log2 of its label rows."""
    return max(label_rows, 1).bit_length()


def band_rates(
    measured: Sequence[Measured],
) -> tuple[dict[tuple[str, int], float], dict[tuple[str, int], float]]:
    """Per (label, band): the expected other-like share and the expected share of other labels.

    Quantiles over features of one label and similar size, not a pool: a heavy poisoning
    adds a few large features, which move a quantile little but a pooled mean a lot (a
    trigger at 20% raised its own bar until it scored 0). Features found in exactly the same
    rows count once. ``(label, -1)`` holds the label-wide rate, ``("", -1)`` the dataset's.
    """
    odd: defaultdict[tuple[str, int], list[float]] = defaultdict(list)
    leaks: defaultdict[tuple[str, int], list[float]] = defaultdict(list)
    for m in independent(measured):
        for key in ((m.label, band(m.label_rows)), (m.label, -1), ("", -1)):
            odd[key].append(m.other_like / max(m.label_rows, 1))
            leaks[key].append(1.0 - m.label_rows / max(len(m.rows), 1))
    null = {k: max(MIN_NULL_RATE, float(np.quantile(v, NULL_QUANTILE))) for k, v in odd.items()}
    leak = {k: max(MIN_LEAK, float(np.median(v))) for k, v in leaks.items()}
    # A band, then a label, with too few features of its own borrows the next wider rate: a
    # label whose only features are one trigger's would otherwise be its own yardstick.
    for wide in (True, False):
        for key, values in odd.items():
            if (key[1] == -1) is wide and key[0] and len(values) < MIN_BAND_FEATURES:
                fallback = ("", -1) if wide else (key[0], -1)
                null[key], leak[key] = null[fallback], leak[fallback]
    return null, leak


def independent(measured: Sequence[Measured]) -> list[Measured]:
    """Features whose rows are not all inside a larger feature's of the same label.

    The fragments of one trigger (the trigger with each prompt word beside it) are many
    features in subsets of its rows; counted as yardsticks they set the expected rate to the
    trigger's own, and it hides (a fixed-reply backdoor scored nothing).
    """
    kept: list[Measured] = []
    sets: list[frozenset[int]] = []
    holders: defaultdict[int, list[int]] = defaultdict(list)  # row -> kept features with it
    for m in sorted({m.rows: m for m in measured}.values(), key=lambda m: -len(m.rows)):
        if not m.rows:
            continue
        inside = any(
            kept[i].label == m.label and sets[i].issuperset(m.rows)
            for i in holders.get(m.rows[0], ())
        )
        if not inside:
            for r in m.rows:
                holders[r].append(len(kept))
            kept.append(m)
            sets.append(frozenset(m.rows))
    return kept


def null_rate(m: Measured, ctx: Context) -> float:
    """Expected share of ``m``'s label rows that read like another label: its own when it
    was read again by a model that never saw it (:mod:`.refit`), else its band's."""
    if m.null is not None:
        return m.null
    return ctx.null.get((m.label, band(m.label_rows)), ctx.null.get((m.label, -1), MIN_NULL_RATE))


def poisoned_share(m: Measured, ctx: Context) -> float:
    """Estimated share of ``m``'s label rows that were planted with a flipped label.

    A clean row of the label reads like another label at the expected rate ``mu``
    (:func:`null_rate`); a row whose label was flipped reads so at about
    :data:`OTHER_QUANTILE` (the cut is that quantile of the other labels' own rows). The
    observed share ``d / k`` mixes the two, so the planted share is
    ``(d / k - mu) / (OTHER_QUANTILE - mu)``, clipped to 0..1.
    """
    if not m.label_rows:
        return 0.0
    mu = null_rate(m, ctx)
    if mu >= OTHER_QUANTILE:
        return 0.0
    return float(min(1.0, max(0.0, (m.other_like / m.label_rows - mu) / (OTHER_QUANTILE - mu))))


def leak_rate(m: Measured, ctx: Context) -> float:
    """Expected share of ``m``'s rows that carry another label."""
    return ctx.leak.get((m.label, band(m.label_rows)), ctx.leak.get((m.label, -1), 1.0))


def judge(m: Measured, ctx: Context, members: tuple[str, ...] = ()) -> SuspiciousFeature:
    """Both p-values and the corrected strength of one counted feature."""
    rate = null_rate(m, ctx)
    n = np.array([float(len(m.rows))])
    skew = binomial_tail(np.array([float(m.label_rows)]), n, np.array([ctx.base[m.label]]))
    tail = binomial_tail(
        np.array([float(m.other_like)]), np.array([float(m.label_rows)]), np.array([rate])
    )
    p_value = float(tail[0]) if ctx.agreement.available else 1.0
    # P(at most n - k rows of other labels) = P(at least k of the label) at 1 - leak
    purity = binomial_tail(np.array([float(m.label_rows)]), n, np.array([1.0 - leak_rate(m, ctx)]))
    decades = strength(np.array([p_value, float(purity[0])]), ctx.tests)
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
        # The purity test is reported, not decided on: on SMS spam natural forms ("£") are as
        # pure as a planted style, and it held every clean SMS set (bench, issue 23).
        strength=float(decades[0]),
        members=members,
        purity_p_value=float(purity[0]),
        disagreement_strength=float(decades[0]),
    )


def purity_floor(base: float) -> float:
    """Least share of one label that makes a feature a candidate (see CANDIDATE_LIFT)."""
    return base + CANDIDATE_LIFT * (1.0 - base)


def is_candidate(rows: Sequence[int], labels: Sequence[str], base: dict[str, float]) -> bool:
    """Whether ``rows`` are purer in their majority label than its base rate allows."""
    label, k = majority(rows, labels)
    return k >= purity_floor(base[label]) * len(rows)


def candidates(
    index: dict[Tokens, tuple[int, ...]], labels: Sequence[str], base: dict[str, float]
) -> list[Tokens]:
    """N-grams whose rows pass :func:`is_candidate`."""
    return [gram for gram, rows in index.items() if is_candidate(rows, labels, base)]


def base_rates(labels: Sequence[str]) -> dict[str, float]:
    """Share of rows per label."""
    counts = Counter(labels)
    return {label: c / max(len(labels), 1) for label, c in counts.items()}


def count_forms(
    grams: Sequence[Tokens], index: dict[Tokens, tuple[int, ...]], ctx: Context
) -> list[Measured]:
    """Count skeleton n-grams (:mod:`.structure`); forms found in the same rows count once."""
    same_rows: defaultdict[tuple[int, ...], list[Tokens]] = defaultdict(list)
    for gram in grams:
        same_rows[index[gram]].append(gram)
    return [
        count(FeatureKind.STRUCTURE, describe(max(group, key=len)), rows, (), ctx)
        for rows, group in same_rows.items()
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
    named = [set(m.rows) for f, m in judged if f.strength > 0 and m.kind not in UNNAMED]
    kept: list[tuple[SuspiciousFeature, tuple[int, ...]]] = []
    merged: list[list[str]] = []
    for feature, m in judged:
        if len(kept) >= keep or feature.strength <= 0:
            break
        if m.kind in UNNAMED and _explained(m.rows, named):
            continue
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


def _explained(rows: Sequence[int], named: Sequence[set[int]]) -> bool:
    """Whether half the rows of some named feature lie in ``rows``: an embedding cluster
    that holds a trigger's rows is reported as the trigger, which an approver can read."""
    inside = set(rows)
    return any(len(inside.intersection(other)) >= 0.5 * len(other) for other in named)


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
