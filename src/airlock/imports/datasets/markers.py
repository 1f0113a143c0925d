"""A clean-label marker of one label, and when markers are one thing (pure; issue 23).

A marker is a word or skeleton n-gram (:mod:`.structure`) whose rows carry one label with
at most :data:`MAX_LEAK` of other labels (:func:`is_exclusive`), as :mod:`.outliers` gathers
them, with its rows of that label and its count of rows of any label (:data:`Marker`).

Markers are counted as things two ways, and each caller picks the one its question needs:

* by shared rows (:func:`.scattered.separate`, :func:`.register._weights`): a marker with
  over half of its rows in those of a smaller one is that one (a word with its n-grams and
  skeleton n-grams); a style's alternative openers are several things, and so is a comma
  after each (ADRs 0035, 0146).
* by shared words (:func:`atoms`, in :func:`.linked._cores`): markers sharing a word or a
  skeleton token other than a bare word shape are one thing, which makes one thing of a
  style's phrases that share closed-class words; components of linked markers count so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from airlock.imports.datasets.ngrams import Tokens
from airlock.imports.datasets.structure import skeleton

MAX_LEAK = 0.03  # a marker's rows may carry other labels at most this often
FORM = "form"  # kind prefix of skeleton n-grams among the markers
GENERIC = frozenset({"W", "WT", "WC", "^", "$"})  # skeleton tokens that name no marker
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
