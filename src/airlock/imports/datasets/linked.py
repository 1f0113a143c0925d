"""Exclusive markers of one label linked by co-occurrence, joined into groups (pure; ADR 0019).

Markers of one label (:mod:`.markers`) that co-occur within that label far more than their
sizes make likely (lift >= :data:`MIN_LIFT`, binomial p <= :data:`LINK_P_VALUE`), and are
not parts of one phrase, are linked and joined into components; each component is grown by
the markers whose rows lie mostly in its rows. A group is the label's rows with any member.

On a formulaic label (SMS spam, where the label's exclusive markers are one component) a
style's markers chain into that component; there the component is carved where its links
are thin (:func:`communities`) and the markers outside it form a loose group (ADR 0031).
Which of these groups are reported is :mod:`.outliers`' question; this only finds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from scipy.sparse import csr_matrix

from airlock.imports.datasets.markers import Marker, atoms, ordered
from airlock.imports.datasets.stats import binomial_tail

MIN_LIFT = 3.0  # co-occurrence within the label over what independence gives
MIN_SHARED = 3  # rows two markers share before they can be linked
LINK_P_VALUE = 1e-4  # ... and so many shared rows must be this unlikely if independent
NESTED = 0.9  # two n-grams of one kind sharing this share of the smaller's rows are one thing
JOIN_SHARE = 0.5  # a marker with this share of its label rows in a group joins it
JOIN_ROUNDS = 2
MIN_JOIN_ROWS = 5  # ... and at least this many (a 3-row name joined by chance)
MIN_MEMBERS = 3  # markers in a group
MIN_CORES = 2  # ... of which found apart from each other (see _cores)
MAX_SHARE_OF_LABEL = 0.6  # a larger group is the label's own vocabulary
SHARED_NEIGHBOURS = 0.3  # linked neighbourhoods' overlap that keeps a link in such a group
# how a group was found
COMPONENT, CARVED, LOOSE = "component", "carved", "loose"
LOOSE_ROWS = 20  # label rows of a marker left out of every group that joins the loose group


def components(
    markers: Sequence[Marker], rows: int, label_rows: int
) -> list[tuple[list[int], tuple[int, ...], str]]:
    """Components of markers linked by co-occurrence within the label; each with its
    members (largest first), the union of their label rows and how it was found
    (:data:`COMPONENT`, :data:`CARVED` or :data:`LOOSE`).

    In a label whose own vocabulary is one component (SMS spam) and that is not most of the
    data, the markers of :data:`LOOSE_ROWS` rows or more outside that component are one
    more group: a planted style's markers are alternatives ("arrr", "avast", one or two to
    a row) that link to nothing with lift 3, and at a large share (10% of SMS rows, 75% of
    spam) cannot (two independent markers of a style over 75% of a label have lift 1.3).
    In a label that is most of the data every word the others never use is "exclusive"
    (SMS ham: 40-50 loose words), so that label is not asked."""
    if len(markers) < MIN_MEMBERS:
        return []
    sizes = np.array([len(m[2]) for m in markers], dtype=np.float64)
    columns = np.concatenate([np.asarray(m[2], dtype=np.int64) for m in markers])
    pointers = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    incidence = csr_matrix((np.ones(len(columns)), columns, pointers), shape=(len(markers), rows))
    links = _links(markers, incidence, sizes, label_rows)
    split: list[tuple[list[int], bool]] = []
    minority = label_rows <= rows / 2  # in a majority label every foreign word is "exclusive"
    for found in _joined(range(len(markers)), links):
        union_rows = len({r for i in found for r in markers[i][2]})
        if minority and union_rows > MAX_SHARE_OF_LABEL * label_rows:
            split += [(piece, True) for piece in communities(set(found), links)]
        else:
            split.append((found, False))
    out = []
    for found, carved in split:
        if len(found) >= MIN_MEMBERS:
            members = _grown(found, incidence, sizes)
            if _cores(members, markers) >= MIN_CORES:
                out.append((*ordered(members, markers), CARVED if carved else COMPONENT))
    vocabulary = {i for found, carved in split if carved for i in found}
    if vocabulary:
        loose = [i for i in range(len(markers)) if i not in vocabulary and sizes[i] >= LOOSE_ROWS]
        if _cores(loose, markers) >= MIN_CORES:
            out.append((*ordered(loose, markers), LOOSE))
    return out


def _links(
    markers: Sequence[Marker],
    incidence: csr_matrix,
    sizes: np.ndarray,
    label_rows: int,
) -> list[tuple[int, int]]:
    """Pairs of markers found together within the label far more than chance (lift >=
    :data:`MIN_LIFT`, binomial p <= :data:`LINK_P_VALUE`) that are not parts of one."""
    overlap = (incidence @ incidence.T).tocoo()
    small = np.minimum(sizes[overlap.row], sizes[overlap.col])
    large = np.maximum(sizes[overlap.row], sizes[overlap.col])
    chance = binomial_tail(overlap.data, small, large / label_rows)
    links = []
    for i, j, shared, p in zip(overlap.row, overlap.col, overlap.data, chance, strict=True):
        if i >= j or shared < MIN_SHARED or shared * label_rows < MIN_LIFT * sizes[i] * sizes[j]:
            continue
        if p > LINK_P_VALUE:  # three shared rows of two five-row bigrams happen by chance
            continue
        if _parts_of_one(markers[i], markers[j], shared, min(sizes[i], sizes[j])):
            continue
        links.append((int(i), int(j)))
    return links


def _joined(items: Iterable[int], pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components of ``items`` joined by ``pairs`` (ascending within each)."""
    parent = {i: i for i in items}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs:
        parent[root(i)] = root(j)
    found: dict[int, list[int]] = {}
    for i in sorted(parent):
        found.setdefault(root(i), []).append(i)
    return list(found.values())


def communities(members: set[int], links: Sequence[tuple[int, int]]) -> list[list[int]]:
    """A component as large as its label's own vocabulary, split where its links are thin.

    On formulaic data (SMS spam) a planted style's markers chain into the label's natural
    component through a few links (a substituted "ye" keeps the "you have won" of the
    campaign it was laid over). Two linked markers stay together only if their linked
    neighbourhoods overlap by :data:`SHARED_NEIGHBOURS` (Jaccard, each counted with itself):
    a style's markers are linked to each other, a campaign's to each other, and the few
    links between them are thin. The pieces are campaigns as often as styles; the twins
    test (:func:`.overlaid.twin_odds`) tells them apart."""
    inner = [(i, j) for i, j in links if i in members]
    near: dict[int, set[int]] = {i: {i} for i in members}
    for i, j in inner:
        near[i].add(j)
        near[j].add(i)
    kept = [
        (i, j)
        for i, j in inner
        if len(near[i] & near[j]) >= SHARED_NEIGHBOURS * len(near[i] | near[j])
    ]
    return _joined(members, kept)


def _cores(members: Sequence[int], markers: Sequence[Marker]) -> int:
    """Markers of a component that name different things: one word exclusive to a label
    ("lovely") brings along its bigrams and skeleton n-grams (``form [W WLY]``), which
    co-occur with it by construction and are still one marker. Markers sharing a word, or a
    skeleton token other than a bare word shape, are one thing."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    firsts = []
    for i in members:
        made = atoms(markers[i][0], markers[i][1])
        if not made:
            continue
        firsts.append(made[0])
        for atom in made[1:]:
            parent[root(atom)] = root(made[0])
    return len({root(a) for a in firsts})


def _grown(members: list[int], incidence: csr_matrix, sizes: np.ndarray) -> list[int]:
    """``members`` with every marker of the label whose rows lie mostly (:data:`JOIN_SHARE`)
    in the group's rows, twice over: a style's rarer markers ("thy", "-eth" verbs) are in
    rewritten rows that lack the commoner ones, so linking by pairs alone missed a quarter of
    an archaic rewrite's rows (issue 23, SST-2 tuned split)."""
    chosen = set(members)
    for _ in range(JOIN_ROUNDS):
        inside = np.asarray(incidence[sorted(chosen)].sum(axis=0)).ravel() > 0
        shared = np.asarray(incidence @ inside.astype(np.float64)).ravel()
        joining = np.flatnonzero((shared >= JOIN_SHARE * sizes) & (shared >= MIN_JOIN_ROWS))
        if set(joining.tolist()) <= chosen:
            break
        chosen.update(joining.tolist())
    return sorted(chosen)


def _parts_of_one(
    a: Marker,
    b: Marker,
    shared: float,
    smaller: float,
) -> bool:
    """Two n-grams that share nearly all rows (a word and its skeleton n-gram, a spam
    campaign's phrase and its form), or two of one kind that share a token, are one phrase,
    not two markers found together."""
    return shared >= NESTED * smaller or (a[0] == b[0] and bool(set(a[1]) & set(b[1])))
