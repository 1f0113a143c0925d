"""Rows of a label whose form is likelier under a clean-label group than under the rest (pure).

A clean-label group (:mod:`.outliers`) lists the rows of its exclusive markers. A style whose
forms are skewed towards its label, not exclusive to it, leaves many of its rows without
any such marker: all-caps shouting on SMS spam (ham and spam shout too) is found by its
"!!" skeleton n-grams, and the half of its rows that carry none of them were not listed
(issue 23, ADR 0043). What those rows do share with the group is their form: a casing
profile, runs of "!", the shapes of a row's words.

So, once a group is found, every row of its label is scored by the log-likelihood ratio of
its form under the group against the rest of the label (a naive Bayes over the skeleton
n-grams, :mod:`.structure`, that are skewed towards the group: binomial p <=
:data:`SKEW_P_VALUE` against the group's share of the label). The threshold is the score that
:data:`NULL_SHARE` of the *other* labels' rows reach: they were not rewritten (a clean-label
style is laid over the target label only), so their scores say how often natural rows look
like the group by chance. The label's other rows above that threshold are listed only when
there are far more of them than that share makes likely (binomial p <=
:data:`EXCESS_P_VALUE`): a group that already lists its style's rows leaves no excess, and
nothing is added.

It only adds rows to a group that was found and reported on its own evidence; it never
makes a group. It does not drop a listed row that scores low.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.sparse import csr_matrix

from airlock.imports.datasets.ngrams import Tokens
from airlock.imports.datasets.stats import binomial_tail

MAX_FORM = 3  # skeleton n-grams up to this long are the form features
MIN_FEATURE_ROWS = 5  # label rows a form feature needs to be weighed
SKEW_P_VALUE = 1e-4  # a feature's rows in the group against the group's share of the label
SMOOTHING = 0.5  # added to each count of a feature's presence and absence
# Share of the other labels' rows allowed above the threshold. On SMS spam (tuned-sms-clean,
# seed 23) the label's natural rows above it were 0.2-1.2% (about as many as the other
# label's), the unlisted rows of all-caps shouting 95-100%.
NULL_SHARE = 0.01
EXCESS_P_VALUE = 1e-4  # the label's rows above the threshold against NULL_SHARE of them
MIN_NULL_ROWS = 100  # other labels' rows needed to set the threshold


def form_incidence(forms: Mapping[Tokens, tuple[int, ...]], rows: int) -> csr_matrix:
    """Rows by skeleton n-grams (up to :data:`MAX_FORM` long) of ``forms``: 1 where present."""
    grams = [r for g, r in forms.items() if len(g) <= MAX_FORM]
    if not grams:
        return csr_matrix((rows, 0))
    columns = np.concatenate([np.full(len(r), j, dtype=np.int64) for j, r in enumerate(grams)])
    cells = np.concatenate([np.asarray(r, dtype=np.int64) for r in grams])
    ones = np.ones(len(cells))
    return csr_matrix((ones, (cells, columns)), shape=(rows, len(grams)))


def kindred_rows(incidence: csr_matrix, group: Sequence[int], inside: np.ndarray) -> list[int]:
    """The rows of the label (``inside``) outside ``group`` whose form is likelier under the
    group than under the rest of the label, beyond what the other labels' rows reach by
    chance (see the module text); empty when there is no such excess."""
    chosen = np.zeros(len(inside), dtype=bool)
    chosen[list(group)] = True
    rest = inside & ~chosen
    others = ~inside
    n_group, n_rest = float(chosen.sum()), float(rest.sum())
    if not n_group or not n_rest or others.sum() < MIN_NULL_ROWS or not incidence.shape[1]:
        return []
    in_group = np.asarray(incidence[chosen].sum(axis=0)).ravel()
    in_rest = np.asarray(incidence[rest].sum(axis=0)).ravel()
    seen = in_group + in_rest
    skew = binomial_tail(in_group, seen, np.full(len(seen), n_group / (n_group + n_rest)))
    picked = np.flatnonzero((seen >= MIN_FEATURE_ROWS) & (skew <= SKEW_P_VALUE))
    if not len(picked):
        return []
    a = SMOOTHING
    g, r = in_group[picked], in_rest[picked]
    present = np.log((g + a) / (n_group + 2 * a)) - np.log((r + a) / (n_rest + 2 * a))
    absent = np.log((n_group - g + a) / (n_group + 2 * a)) - np.log(
        (n_rest - r + a) / (n_rest + 2 * a)
    )
    # every row starts with all features absent; a present one swaps its absent weight
    scores = absent.sum() + np.asarray(incidence[:, picked] @ (present - absent)).ravel()
    threshold = float(np.quantile(scores[others], 1.0 - NULL_SHARE))
    above = rest & (scores > threshold)
    count = float(above.sum())
    excess = binomial_tail(np.array([count]), np.array([n_rest]), np.array([NULL_SHARE]))
    if excess[0] > EXCESS_P_VALUE:
        return []
    return np.flatnonzero(above).tolist()
