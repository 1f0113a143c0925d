"""Families of co-occurring candidate features, each counted as one feature (pure; issue 23).

:mod:`.families` links features whose rows overlap; here the scan's measured features are
linked twice and each family is counted like any other candidate feature, its rows tested
together with every member's terms taken out (:func:`.features.count`). The second linking
takes only the features that read like another label more often than their band's
(:func:`_odd_features`), so a style linked to a formulaic label's own phrases is found.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from airlock.imports.datasets.families import families
from airlock.imports.datasets.features import Context, Measured, band_rates, count, null_rate
from airlock.imports.datasets.lonemembers import spelt
from airlock.imports.datasets.results import FeatureKind
from airlock.imports.datasets.stats import binomial_tail_at
from airlock.imports.datasets.verdict import MIN_POISON_ROWS

# Features this unlikely to read so often like another label may be linked into families
# on their own (see family_features).
ODD_P = 0.01
# ... and such a family may hold this share of its label: the label's own phrases do not
# read like another label, so a large family of odd features is not the label's vocabulary
# (a register on 10% of SMS spam rows is 43% of the spam label, and natural phrases it
# uses, "please", bring that family to 64%).
ODD_MAX_SHARE = 0.8


def family_features(
    measured: Sequence[Measured], labels: Sequence[str], ctx: Context
) -> list[Measured]:
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
        and binomial_tail_at(m.other_like, m.label_rows, null_rate(m, banded)) <= ODD_P
    ]
