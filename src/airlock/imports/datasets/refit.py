"""A feature's rows read by a classifier that never saw them (pure; issue 23).

The disagreement test (:mod:`.features`) reads a feature's rows with the out-of-fold
classifier, its terms taken out. When a poisoning is a large share of its label (a
template on 10% of SMS spam rows is 43% of the spam label), that classifier has learned
from hundreds of flipped rows that the other label's words go with the target too, so the
flipped rows no longer read like their true label even without the template's terms, and
the expected rate of such rows, estimated over the label's features, is the poisoning's own.
A heavy poisoning hid itself (bench: verdict clean).

Here a few of the most label-skewed form features are read again by a model fitted on every
row *outside* the feature, with its terms dropped: the planted rows are not there to teach
it. The cut ("reads like another label") and the expected share of a clean row of the label
reading so are both measured on a seeded quarter of the outside rows held out of that fit,
so neither is taken from the feature or from the model's own training rows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from airlock.imports.datasets.classifier import MIN_LEFT, SOLVER, Agreement

FloatArray = npt.NDArray[np.float64]
HOLD_OUT = 0.25  # share of the outside rows held out to measure the cut and the null
OTHER_QUANTILE = 0.75  # as features.OTHER_QUANTILE
MIN_NULL = 0.05  # as features.MIN_NULL_RATE
MIN_OUTSIDE = 20  # held-out rows of each label needed to measure anything
MAX_FIT = 6_000  # rows the model is fitted on (a seeded sample beyond this), for time


@dataclass(frozen=True, slots=True)
class Reread:
    """A feature's label rows read by a model that never saw the feature."""

    label_rows: int
    other_like: int
    null: float  # expected share of a clean row of the label reading like another label


def reread(
    agreement: Agreement,
    rows: Sequence[int],
    label: int,
    columns: Sequence[int],
    seed: int = 0,
    *,
    left_out: Collection[int] = (),
) -> Reread | None:
    """Refit without ``rows`` and ``columns``; count ``rows`` of class ``label`` that read
    like another label, or None when the outside rows are too few to fit and measure.

    ``left_out`` rows are neither fitted nor measured: rows of other labels believed
    planted, which read like the label they were taken from and would otherwise teach the
    model and set the cut of what another label looks like (see :mod:`.rereading`).
    """
    if not agreement.available or not rows:
        return None
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 -- heavy, on demand
    from sklearn.preprocessing import normalize  # noqa: PLC0415

    y = agreement.y
    inside = np.zeros(len(y), dtype=bool)
    inside[np.asarray(rows, dtype=np.int64)] = True
    rng = np.random.default_rng(seed)
    absent = inside.copy()
    absent[np.asarray(sorted(left_out), dtype=np.int64)] = True
    outside = np.flatnonzero(~absent)
    held = rng.random(len(outside)) < HOLD_OUT
    fit, measure = outside[~held], outside[held]
    if len(fit) > MAX_FIT:
        fit = np.sort(rng.choice(fit, MAX_FIT, replace=False))
    mine = measure[y[measure] == label]
    theirs = measure[y[measure] != label]
    if min(len(mine), len(theirs)) < MIN_OUTSIDE or len(np.unique(y[fit])) < 2:
        return None
    features = agreement.features.tocsc(copy=True)
    dropped = np.asarray(columns, dtype=np.int64)
    own = np.asarray([r for r in rows if y[r] == label], dtype=np.int64)
    removed = np.zeros(len(own))
    if len(dropped):
        removed = np.asarray(features[own][:, dropped].power(2).sum(axis=1)).ravel()
        for column in dropped.tolist():
            features.data[features.indptr[column] : features.indptr[column + 1]] = 0.0
    matrix = normalize(features.tocsr())
    model = LogisticRegression(C=4.0, max_iter=300, tol=1e-3, solver=SOLVER)
    model.fit(matrix[fit], y[fit])
    column = int(np.flatnonzero(model.classes_ == label)[0])

    def probability(index: npt.NDArray[np.int64]) -> FloatArray:
        return np.asarray(model.predict_proba(matrix[index])[:, column], dtype=np.float64)

    cut = float(np.quantile(probability(theirs), OTHER_QUANTILE))
    null = max(MIN_NULL, float(np.mean(probability(mine) <= cut)))
    odd = (probability(own) <= cut) & (1.0 - removed >= MIN_LEFT)
    return Reread(len(own), int(np.count_nonzero(odd)), null)
