"""A label already found poisoned: its rows the classifier reads as another label (pure;
issue 23, ADR 0197).

A style rewrite that leaves a row's tokens unchanged plants a plain label flip: no word or
form of the style is in it, so no feature lists it (ADR 0194: 318 of southern's 1,114
planted rows at 20 % of SMS spam, 306 of textspeak's). What it keeps is its text: it reads
like the label it was taken from, and the out-of-fold classifier doubts its label. A
label's natural rows are doubted too, so doubt alone lists nothing; once a feature at the
poisoned bar has shown the label was flipped into, its unlisted rows doubted beyond the
label's natural rate of doubt are the flips the listing missed.

The natural rate is the one the scan's disagreement test already measures
(:func:`.features.band_rates`): the share of a label's rows that read like another label,
its 75th percentile over the label's features (each with its own terms taken out, which
only makes its rows read less like their label), here at each cut instead of one. The
cut lists the most rows past that rate while the natural rows expected among them stay at
most half of them, so the rows added are at least as often planted as not and cannot pull
the finding's precision under one half. Never asked of a label no poisoned-bar feature
holds: a clean set, or one only suspicious, lists nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from airlock.imports.datasets.features import (
    MIN_NULL_RATE,
    NULL_QUANTILE,
    Context,
    Measured,
    independent,
)
from airlock.imports.datasets.listing import poisoned_labels
from airlock.imports.datasets.results import SuspiciousFeature
from airlock.imports.datasets.verdict import SUSPICIOUS_STRENGTH

FloatArray = npt.NDArray[np.float64]
Found = list[tuple[SuspiciousFeature, tuple[int, ...]]]
# Cuts on P(own label): a row at or above even odds reads like its label and is never added.
CUTS = np.round(np.arange(0.05, 0.501, 0.05), 2)
# Natural rows expected among the rows added, at most this share of them (precision >= 0.5).
MAX_NATURAL_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Doubted:
    """The rows of one label added at one cut, with the natural rows expected among them."""

    label: str
    cut: float
    rows: tuple[int, ...]
    expected_natural: float


def natural_doubt(label: str, measured: Sequence[Measured], ctx: Context) -> FloatArray:
    """Per cut in :data:`CUTS`: the expected share of a natural row of ``label`` whose own
    label's probability is at most the cut, as :func:`.features.band_rates` measures it
    (its quantile over the label's independent features, each read without its terms, and
    never under :data:`.features.MIN_NULL_RATE`)."""
    shares = []
    for m in independent(measured):
        if m.label != label:
            continue
        own = [r for r in m.rows if ctx.labels[r] == label]
        if own:
            remaining = ctx.agreement.without(m.columns, own)
            shares.append((remaining[:, None] <= CUTS[None, :]).mean(axis=0))
    if not shares:
        return np.ones(len(CUTS))  # no yardstick: every row counts as natural, none added
    rates = np.quantile(np.vstack(shares), NULL_QUANTILE, axis=0)
    return np.asarray(np.maximum(MIN_NULL_RATE, rates), dtype=np.float64)


def doubted_rows(
    label: str, unlisted: Sequence[int], rates: FloatArray, ctx: Context
) -> Doubted | None:
    """Of ``unlisted`` rows of ``label``, those doubted at the cut that adds the most rows
    past the natural rate ``rates`` (per cut) while the natural rows expected among them,
    the rate times all of ``unlisted`` (each could be natural), are at most
    :data:`MAX_NATURAL_SHARE` of them; None when no cut does."""
    if not unlisted:
        return None
    index = np.asarray(unlisted, dtype=np.int64)
    own = ctx.agreement.own_probability[index]
    best: Doubted | None = None
    best_excess = 0.0
    for cut, rate in zip(CUTS.tolist(), rates.tolist(), strict=True):
        rows = index[own <= cut]
        expected = rate * len(index)
        excess = len(rows) - expected
        if len(rows) and expected <= MAX_NATURAL_SHARE * len(rows) and excess > best_excess:
            best = Doubted(label, cut, tuple(sorted(rows.tolist())), expected)
            best_excess = excess
    return best


def with_doubted(
    found: Found, measured: Sequence[Measured], ctx: Context
) -> tuple[Found, frozenset[int]]:
    """``found`` with each poisoned label's doubted rows (:func:`doubted_rows`) added to the
    listing of its strongest feature, with the reason, and the rows so added (ranked after
    the rows a feature names: they are doubted most, and up to half of them may be natural);
    unchanged when no feature is at the poisoned bar (:data:`.verdict.POISONED_STRENGTH`
    over :data:`.verdict.MIN_POISON_ROWS` label rows) or the classifier could not be
    cross-validated."""
    if not ctx.agreement.available:
        return found, frozenset()
    out = list(found)
    added_rows: set[int] = set()
    # labels a feature at the poisoned bar holds and lists rows of
    for label in sorted(poisoned_labels([(f, rows) for f, rows in found if rows])):
        listed = {
            r
            for f, rows in found
            if f.label == label and f.strength >= SUSPICIOUS_STRENGTH
            for r in rows
            if ctx.labels[r] == label
        }
        unlisted = [r for r, given in enumerate(ctx.labels) if given == label and r not in listed]
        added = doubted_rows(label, unlisted, natural_doubt(label, measured, ctx), ctx)
        if added is None:
            continue
        at = max(
            (i for i, (f, rows) in enumerate(out) if f.label == label and rows),
            key=lambda i: out[i][0].strength,
        )
        f, rows = out[at]
        note = (
            f"with {len(added.rows)} more of its label's rows the classifier reads as another "
            f"label (P({label}) <= {added.cut:.2f}; about {added.expected_natural:.0f} of "
            "its natural rows are expected so doubted)"
        )
        evidence = f"{f.evidence}; {note}" if f.evidence else note
        out[at] = (replace(f, evidence=evidence), tuple(sorted({*rows, *added.rows})))
        added_rows.update(set(added.rows) - set(rows))
    return out, frozenset(added_rows)
