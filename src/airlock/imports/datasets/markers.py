"""A clean-label marker of one label, and when markers are one thing (pure; issue 23).

A marker is a word or skeleton n-gram (:mod:`.structure`) whose rows carry one label with
at most :data:`MAX_LEAK` of other labels (:func:`is_exclusive`), as :mod:`.outliers` gathers
them, with its rows of that label and its count of rows of any label (:data:`Marker`).

Markers are counted as things two ways, and each caller picks the one its question needs:

* by shared rows (:func:`things`, :func:`separate`): a marker with over :data:`SAME_ROWS`
  of its rows in those of a smaller one is that one (a word with its n-grams and skeleton
  n-grams); a style's alternative openers are several things, and so is a comma after each.
  :mod:`.scattered` and :mod:`.register` count so (ADRs 0035, 0146).
* by shared words (:func:`atoms`, in :func:`.linked._cores`): markers sharing a word or a
  skeleton token other than a bare word shape are one thing, which makes one thing of a
  style's phrases that share closed-class words; components of linked markers count so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix

from airlock.imports.datasets.ngrams import Tokens
from airlock.imports.datasets.structure import skeleton

MAX_LEAK = 0.03  # a marker's rows may carry other labels at most this often
FORM = "form"  # kind prefix of skeleton n-grams among the markers
GENERIC = frozenset({"W", "WT", "WC", "^", "$"})  # skeleton tokens that name no marker
SAME_ROWS = 0.5  # a marker with over half its rows in a counted one's is that one
Marker = tuple[str, Tokens, tuple[int, ...], int]  # kind, n-gram, label rows, all rows


def is_exclusive(rows: Sequence[int], inside: np.ndarray, min_support: int) -> bool:
    """Whether a marker with ``rows`` (of every label) is exclusive to the label whose
    rows are ``inside``: at least ``min_support`` of them, at most :data:`MAX_LEAK` not."""
    own = int(np.count_nonzero(inside[list(rows)]))
    return own >= min_support and len(rows) - own <= MAX_LEAK * len(rows)


def name(kind: str, gram: Tokens) -> str:
    """A marker as listed: skeleton n-grams as ``form [...]``."""
    return f"form [{' '.join(gram)}]" if kind == FORM else " ".join(gram)


def ordered(members: list[int], markers: Sequence[Marker]) -> tuple[list[int], tuple[int, ...]]:
    """``members`` commonest first, and the union of their label rows."""
    members = sorted(members, key=lambda i: (-len(markers[i][2]), markers[i][1]))
    return members, tuple(sorted({r for i in members for r in markers[i][2]}))


def literals(kind: str, gram: Tokens) -> frozenset[str]:
    """The tokens a marker spells out: a word n-gram's own, a skeleton n-gram's other than
    its word and part-of-speech shapes (``W``, ``NUM``, ``PREP``: upper-case names)."""
    return frozenset(t for t in gram if kind != FORM or not (t.isalpha() and t.isupper()))


def atoms(kind: str, gram: Tokens) -> list[str]:
    """What a marker is made of: its words and their skeleton tokens, or a skeleton
    n-gram's tokens, without bare word shapes (``W``, ``WT``, ``WC``) and row edges."""
    shapes = list(gram) if kind == FORM else [*gram, *skeleton(" ".join(gram), len(gram) * 4)]
    return [t for t in dict.fromkeys(shapes) if t not in GENERIC]


def things(incidence: csr_matrix) -> np.ndarray:
    """For each marker (a row of ``incidence``, markers by rows), the marker it is counted
    as, smallest first: itself, unless over :data:`SAME_ROWS` of its rows are in the rows
    of a marker counted before it, and then the first such one in the sparse product's
    order (which one only moves :mod:`.register`'s weights, measured with this order).
    Sizes are ``incidence``'s row sums, so its entries must be 0/1 with no repeated row."""
    sizes = np.asarray(incidence.sum(axis=1)).ravel()
    overlap = (incidence @ incidence.T).tocsr()
    thing = np.full(len(sizes), -1)
    for i in np.argsort(sizes, kind="stable").tolist():
        row = overlap.getrow(i)
        counted = [
            int(j)
            for j, shared in zip(row.indices, row.data, strict=True)
            if thing[j] == j and shared > SAME_ROWS * sizes[i]
        ]
        thing[i] = counted[0] if counted else i
    return thing


def separate(members: Sequence[int], markers: Sequence[Marker]) -> int:
    """How many of ``members`` (smallest first) have at most :data:`SAME_ROWS` of their
    rows in the rows of one marker counted before them (:func:`things`): markers that are
    different things (a word with its n-grams is one; a style's alternative openers are
    several, and so is a comma after each of them). Counting by shared words, as
    :func:`.linked._cores` does, makes one thing of a style's phrases: "be advised that",
    "at your disposal .", "kind regards ." share punctuation and closed-class words."""
    rows = [markers[i][2] for i in members]
    width = 1 + max((r for own in rows for r in own), default=-1)
    thing = things(incidence_of(rows, np.arange(width), width))
    return int(np.count_nonzero(thing == np.arange(len(rows))))


def incidence_of(rows: Sequence[tuple[int, ...]], position: np.ndarray, width: int) -> csr_matrix:
    """Markers by rows (``position`` of each row, ``width`` of them), 0/1."""
    columns = [position[np.asarray(r, dtype=np.int64)] for r in rows]
    pointers = np.concatenate([[0], np.cumsum([len(c) for c in columns])]).astype(np.int64)
    data = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)
    return csr_matrix((np.ones(len(data)), data, pointers), shape=(len(rows), width))
