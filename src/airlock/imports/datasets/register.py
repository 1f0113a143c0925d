"""A register of small markers found together in one label (pure; issue 23, ADR 0146).

A style spreads its marks over many alternatives: an archaic rewrite draws one of five
openers and four closers and swaps twenty words ("thou", "hath", "unto"), so at 3% of a
label each of its exclusive markers is on 5-29 rows. Too few for any test of one marker
(:mod:`.scattered` asks markers of 15 rows and up), and too few for two of them to be
linked by their shared rows (:func:`.outliers._links`, p <= 1e-4: two markers of 15 and
29 rows of a 13% label share about 4 rows, p ~ 1e-2).

Taken together they are plain: each marker's rows carry *another* of the label's small
exclusive markers far more often than the label's rows without it do. A style's rows carry
several of its marks at once; a natural exclusive word ("solid", "stunning") sits in a row
of the label whatever else the row says, so its rows meet the label's other markers as
often as any row of the label does. Each marker is asked that (:func:`_together`: its rows
carrying another, against a binomial at the share of the label's other rows that carry
one, rows of about its rows' length); the markers that pass :data:`CORE_P_VALUE` against
the whole pool are the core, and the others join when they pass :data:`JOIN_P_VALUE`
against the core's rows (twice). The union is one more candidate group of
:mod:`.outliers` (origin ``register``), judged as its other groups are: label skew against
the base rate, mixing and twins against chance.

A formulaic label (SMS spam) has hundreds of exclusive markers that meet each other
everywhere: the share of its rows that carry one is most of the label, and no marker's
rows can carry another much more often than that. Markers of one phrase ("it came",
"came to pass") are parts of one thing and are not counted as each other's company.
Skeleton n-grams are not asked: a word's shape and the punctuation around it nest in
its rows and would be its company by construction.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix

from airlock.imports.datasets.ngrams import Tokens
from airlock.imports.datasets.scattered import Marker, separate
from airlock.imports.datasets.stats import binomial_tail

CORE_P_VALUE = 1e-3
SAME_ROWS = 0.5  # a marker with over half its rows in a smaller one's is that one (counting)
MIXTURE_ROUNDS = 20
JOIN_ROUNDS = 4
MIN_THINGS = 3  # different things in the core (see .scattered.separate)
NESTED = 0.9  # two markers sharing this share of the smaller's rows are one phrase's parts
LENGTH_BINS = 5  # rows of about a row's length: a long row carries more of any words


def register(
    markers: Sequence[Marker], tokens: Sequence[Tokens], inside: np.ndarray, *, form: str
) -> list[int]:
    """Indices of ``markers`` (a label's exclusive markers, ``inside`` its rows) that are one
    register of small markers found together (see the module text); none unless the core
    is :data:`MIN_THINGS` different things."""
    asked = [i for i, m in enumerate(markers) if m[0] != form]
    if len(asked) < MIN_THINGS:
        return []
    label_rows = np.flatnonzero(inside)
    position = np.full(len(inside), -1)
    position[label_rows] = np.arange(len(label_rows))
    incidence = _incidence([markers[i][2] for i in asked], position, len(label_rows))
    parts = _parts(asked, markers, incidence)
    lengths = np.array([len(tokens[r]) for r in label_rows.tolist()])
    bins = _bins(lengths)
    seen, trials, null = _together(incidence, parts, np.ones(len(asked), dtype=bool), bins)
    core = binomial_tail(seen, trials, null) <= CORE_P_VALUE
    if separate([asked[i] for i in np.flatnonzero(core)], markers) < MIN_THINGS:
        return []
    weight = _weights(incidence)
    chosen = core
    for _ in range(JOIN_ROUNDS):
        seen, trials, null = _together(incidence, parts, chosen, bins)
        rate = float(seen[core].sum() / max(trials[core].sum(), 1.0))
        joined = chosen | (_posterior(seen, trials, null, rate, weight) > 0.5)
        if (joined == chosen).all():
            break
        chosen = joined
    return sorted(asked[i] for i in np.flatnonzero(chosen))


def _weights(incidence: csr_matrix) -> np.ndarray:
    """Each marker's weight in the count of the label's markers: one over the markers of
    its thing (smallest first, one with over half its rows in a counted one's is that
    one's, as :func:`.scattered.separate` counts), so a phrase's n-grams count once."""
    sizes = np.asarray(incidence.sum(axis=1)).ravel()
    overlap = (incidence @ incidence.T).tocsr()
    thing = np.full(len(sizes), -1)
    for i in np.argsort(sizes, kind="stable").tolist():
        row = overlap.getrow(i)
        counted = [
            int(j) for j, shared in zip(row.indices, row.data, strict=True)
            if thing[j] == j and shared > SAME_ROWS * sizes[i]
        ]
        thing[i] = counted[0] if counted else i
    members = np.bincount(thing, minlength=len(sizes))
    return 1.0 / members[thing]


def _posterior(
    seen: np.ndarray, trials: np.ndarray, null: np.ndarray, rate: float, weight: np.ndarray
) -> np.ndarray:
    """Each marker's probability of being the register's: a two-part binomial mixture of
    its company (``seen`` of ``trials`` rows), at the register's ``rate`` or at its own
    ``null`` share, with the register's part of the label's markers (counted by
    ``weight``) estimated from them all. A label with a few markers of a style and many
    natural ones needs far more company of a marker to take it than a label whose
    exclusive markers are nearly all the style's."""
    null = np.clip(null, 1e-9, 1 - 1e-9)
    rate = min(max(rate, 1e-9), 1 - 1e-9)
    ratio = seen * np.log(rate / null) + (trials - seen) * np.log((1 - rate) / (1 - null))
    ratio = np.where(rate > null, ratio, -np.inf)
    share = 0.5
    posterior = np.zeros(len(seen))
    for _ in range(MIXTURE_ROUNDS):
        odds = np.exp(np.clip(ratio, -700, 700)) * share / (1 - share)
        posterior = odds / (1 + odds)
        share = float(np.clip((weight * posterior).sum() / weight.sum(), 1e-6, 1 - 1e-6))
    return posterior


def _incidence(rows: Sequence[tuple[int, ...]], position: np.ndarray, width: int) -> csr_matrix:
    """Markers by label rows (positions), 0/1."""
    columns = [position[np.asarray(r, dtype=np.int64)] for r in rows]
    pointers = np.concatenate([[0], np.cumsum([len(c) for c in columns])]).astype(np.int64)
    data = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)
    return csr_matrix((np.ones(len(data)), data, pointers), shape=(len(rows), width))


def _parts(asked: Sequence[int], markers: Sequence[Marker], incidence: csr_matrix) -> csr_matrix:
    """Pairs of asked markers that are parts of one thing: sharing nearly all of the
    smaller's rows (n-grams of one phrase, "it came" and "came to pass"), each with itself.
    Not by a shared word, as :func:`.outliers._parts_of_one` also asks: a register's
    phrases share closed-class words ("and it came to pass", "and it was so")."""
    overlap = (incidence @ incidence.T).tocoo()
    sizes = np.asarray(incidence.sum(axis=1)).ravel()
    keep = [
        int(n)
        for n, (i, j, shared) in enumerate(zip(overlap.row, overlap.col, overlap.data, strict=True))
        if i == j or shared >= NESTED * min(sizes[i], sizes[j])
    ]
    return csr_matrix(
        (np.ones(len(keep)), (overlap.row[keep], overlap.col[keep])), shape=overlap.shape
    )


def _bins(lengths: np.ndarray) -> np.ndarray:
    """Each row's length bin: :data:`LENGTH_BINS` quantiles of the label's row lengths."""
    edges = np.unique(np.quantile(lengths, np.linspace(0, 1, LENGTH_BINS + 1)[1:-1]))
    return np.asarray(np.searchsorted(edges, lengths, side="right"), dtype=np.int64)


def _together(
    incidence: csr_matrix, parts: csr_matrix, chosen: np.ndarray, bins: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each marker, how many of its rows carry a ``chosen`` marker that is not part of
    it, of how many, and the share expected: the mean, over its rows, of the share of the
    label's rows of the row's length bin without the marker that carry one."""
    chosen_incidence = incidence[np.flatnonzero(chosen)]
    # per row, how many chosen markers it carries; per marker and row, how many of them
    # are its own parts (those do not count as company)
    carried = np.asarray(chosen_incidence.sum(axis=0)).ravel()
    own_parts = parts[:, np.flatnonzero(chosen)] @ chosen_incidence  # markers x rows
    count = incidence.shape[0]
    seen, trials, null = np.zeros(count), np.zeros(count), np.zeros(count)
    bin_sizes = np.bincount(bins, minlength=int(bins.max()) + 1).astype(np.float64)
    for m in range(count):
        mine = incidence.indices[incidence.indptr[m] : incidence.indptr[m + 1]]
        if not len(mine):
            continue
        company = carried - own_parts[m].toarray().ravel() > 0
        outside = np.ones(len(bins), dtype=bool)
        outside[mine] = False
        with_company = np.bincount(bins[outside & company], minlength=len(bin_sizes))
        without_m = bin_sizes - np.bincount(bins[mine], minlength=len(bin_sizes))
        share = with_company / np.maximum(without_m, 1.0)
        null[m] = float(share[bins[mine]].mean())
        seen[m] = float(np.count_nonzero(company[mine]))
        trials[m] = float(len(mine))
    return seen, trials, null
