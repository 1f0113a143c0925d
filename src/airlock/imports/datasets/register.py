"""A register of small markers found together in one label (pure; issue 23, ADR 0146).

A style spreads its marks over many alternatives: an archaic rewrite draws one of five
openers and four closers and swaps twenty words ("thou", "hath", "unto"), so at 3% of a
label each of its exclusive markers is on 5-29 rows. Too few for any test of one marker
(:mod:`.scattered` asks markers of 15 rows and up), and too few for two of them to be
linked by their shared rows (:func:`.linked._links`, p <= 1e-4: two markers of 15 and
29 rows of a 13% label share about 4 rows, p ~ 1e-2).

Taken together they are plain: each marker's rows carry *another* of the label's exclusive
markers far more often than the label's rows without it do. A rewrite gives a row several
of its marks at once; a natural exclusive word ("solid", "stunning") sits in a row of the
label whatever else the row says, so its rows meet the label's other markers as often as
any row of the label does. :func:`_together` counts a marker's rows that carry another
(its *company*) against the share of the label's other rows that do, rows of about its
rows' length (a long row carries more of any words), as a binomial tail:

1. **Core**: the markers whose company, against every exclusive word marker of the label,
   is beyond chance at :data:`CORE_P_VALUE`, at least :data:`MIN_THINGS` different things.
2. **Joined**: the others, asked against the core's markers, join when their company is
   likelier at the core's own rate than at their chance share, weighed by how many of the
   label's markers the register is estimated to hold (:func:`_posterior`, a two-part
   binomial mixture): a style's opener keeps less company than its word swaps (openers
   are alternatives, one to a row), and in a label whose exclusive markers are nearly all
   the style's a modest excess is enough; among hundreds of natural ones it is not.
   Repeated while markers join (:data:`JOIN_ROUNDS`).

The union is one more candidate group of :mod:`.outliers` (origin ``register``), judged as
its other groups are: label skew against the base rate (the carved groups' bar), mixing and
twins against chance. It is the same selection the existing groups make (markers exclusive
to a label), so the skew alone says little; the company test is what picks the markers.

A formulaic label (SMS spam) has hundreds of exclusive markers that meet each other
everywhere: the share of its rows that carry one is most of the label, and no marker's
company can be much beyond that; where a core forms all the same (a campaign's words) its
rows are each other's twins and the group is dropped there. Markers of one phrase ("it
came", "came to pass": nearly the same rows) or sharing a word ("a sweet", "sweet ,") are
parts of one thing and are not each other's company. Skeleton n-grams are not asked: a
word's shape and the punctuation around it nest in its rows and would be its company by
construction. It does not see a style whose rows carry one mark each (no company), nor a
register in a label so full of natural exclusive words that a third or more of its rows
carry one (the chance share is then too high for a marker of 10 rows to stand out).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix

from airlock.imports.datasets.markers import Marker, incidence_of, separate, things
from airlock.imports.datasets.ngrams import Tokens
from airlock.imports.datasets.stats import binomial_tail

# A core marker's company must be this unlikely by chance. Tuned SST-2 thinned to 13%
# positive, archaic at 3% (bench/eval_poisoning.py): "unto" 2.5e-8, "lo" 2e-4, "verily"
# 4e-4, "behold" 6e-4, "selah" 8e-4; the natural exclusive words 0.5-1. On the 18 bench
# controls no SST-2 label has a core; SMS spam's campaign words make one on two of them,
# whose groups are the label's vocabulary (62-69% of spam, twins 23-24) and are dropped.
CORE_P_VALUE = 1e-3
MIN_THINGS = 3  # different things in the core (see .markers.separate)
JOIN_ROUNDS = 4
MIXTURE_ROUNDS = 20  # rounds estimating the register's part of the label's markers
NESTED = 0.9  # two markers sharing this share of the smaller's rows are one phrase's parts
LENGTH_BINS = 5  # rows of about a row's length: a long row carries more of any words


def register(
    markers: Sequence[Marker], tokens: Sequence[Tokens], inside: np.ndarray, *, form: str
) -> list[int]:
    """Indices of ``markers`` (a label's exclusive markers, ``inside`` its rows) that are one
    register of markers found together (see the module text): the core and the markers
    joined to it; none unless the core is :data:`MIN_THINGS` different things. Skeleton
    n-grams (kind ``form``) are not asked."""
    asked = [i for i, m in enumerate(markers) if m[0] != form]
    if len(asked) < MIN_THINGS:
        return []
    label_rows = np.flatnonzero(inside)
    position = np.full(len(inside), -1)
    position[label_rows] = np.arange(len(label_rows))
    incidence = incidence_of([markers[i][2] for i in asked], position, len(label_rows))
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
    its thing (:func:`.markers.things`, as :func:`.markers.separate` counts), so a
    phrase's n-grams count once."""
    thing = things(incidence)
    members = np.bincount(thing, minlength=len(thing))
    return np.asarray(1.0 / members[thing], dtype=np.float64)


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


def _parts(asked: Sequence[int], markers: Sequence[Marker], incidence: csr_matrix) -> csr_matrix:
    """Pairs of asked markers that are parts of one thing, each with itself: sharing nearly
    all of the smaller's rows (n-grams of one phrase, "it came" and "came to pass") or a
    word ("a sweet", "sweet ,": natural SST-2 phrases that overlap in part), as
    :func:`.linked._parts_of_one` asks. Two phrases of a register sharing a closed-class
    word ("and it came to pass", "and it was so") lose only the rows carrying both."""
    overlap = (incidence @ incidence.T).tocoo()
    sizes = np.asarray(incidence.sum(axis=1)).ravel()
    words = [set(markers[i][1]) for i in asked]
    keep = [
        int(n)
        for n, (i, j, shared) in enumerate(zip(overlap.row, overlap.col, overlap.data, strict=True))
        if i == j or shared >= NESTED * min(sizes[i], sizes[j]) or words[i] & words[j]
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
    label's rows of the row's length bin without the marker that carry one.

    A row carries company unless every chosen marker on it is one of the marker's parts,
    so each marker is counted on its parts' rows alone (sparse: a label of many rows and
    markers costs their incidence, not their product)."""
    chosen_incidence = incidence[np.flatnonzero(chosen)]
    carried = np.asarray(chosen_incidence.sum(axis=0)).ravel()  # chosen markers per row
    anyone = carried > 0
    # per marker and row, how many chosen markers on the row are its own parts
    own_parts = (parts[:, np.flatnonzero(chosen)] @ chosen_incidence).tocsr()
    count = incidence.shape[0]
    seen, trials, null = np.zeros(count), np.zeros(count), np.zeros(count)
    width = int(bins.max()) + 1
    bin_sizes = np.bincount(bins, minlength=width).astype(np.float64)
    with_anyone = np.bincount(bins[anyone], minlength=width).astype(np.float64)
    for m in range(count):
        mine = incidence.indices[incidence.indptr[m] : incidence.indptr[m + 1]]
        if not len(mine):
            continue
        rows = own_parts.indices[own_parts.indptr[m] : own_parts.indptr[m + 1]]
        own = own_parts.data[own_parts.indptr[m] : own_parts.indptr[m + 1]]
        lost = rows[carried[rows] - own <= 0]  # rows whose only company is m's own parts
        company = anyone[mine] & ~np.isin(mine, lost)
        outside = with_anyone - np.bincount(bins[lost], minlength=width)
        outside -= np.bincount(bins[mine[company]], minlength=width)
        without_m = bin_sizes - np.bincount(bins[mine], minlength=width)
        share = outside / np.maximum(without_m, 1.0)
        null[m] = float(share[bins[mine]].mean())
        seen[m] = float(np.count_nonzero(company))
        trials[m] = float(len(mine))
    return seen, trials, null
