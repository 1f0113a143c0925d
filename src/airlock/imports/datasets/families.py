"""Families of candidate features that occur together: tested as one (pure; issue 23).

A style or a many-word trigger marks its rows with several features, each in only part of
them ("verily" in some, "unto" in others, a closing formula in a third), so each alone is
small and, taken out alone, leaves the others for the classifier to agree with. Features of
one label whose rows overlap far more than their sizes make likely are joined (union-find)
and their rows tested together, with every term enriched in them taken out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix

MIN_OVERLAP = 3  # shared rows before two features can be linked
MIN_SHARE = 0.1  # ... and this share of the smaller one's rows
MIN_LIFT = 5.0  # overlap / (overlap expected if independent), over all rows
MIN_LINK_ROWS = 10  # smaller features chain natural phrases together through shared rows
MAX_SHARE_OF_LABEL = 0.6  # a family larger than this share of its label is the label itself


def families(
    groups: Sequence[tuple[str, tuple[int, ...]]],
    rows: int,
    label_rows: dict[str, int],
    max_share: float = MAX_SHARE_OF_LABEL,
) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """``(member indices, union of rows)`` of each family of two or more ``groups``.

    ``groups`` are (label, rows) of distinct candidate features. A family whose union is
    one member's rows adds nothing and is left out, and so is one larger than ``max_share``
    of its label.
    """
    if len(groups) < 2 or rows == 0:
        return []
    sizes = np.array([len(r) for _, r in groups], dtype=np.float64)
    data = np.ones(int(sizes.sum()), dtype=np.float64)
    columns = np.concatenate([np.asarray(r, dtype=np.int64) for _, r in groups])
    pointers = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    incidence = csr_matrix((data, columns, pointers), shape=(len(groups), rows))
    overlap = (incidence @ incidence.T).tocoo()
    parent = list(range(len(groups)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, shared in zip(overlap.row, overlap.col, overlap.data, strict=True):
        if i >= j or groups[i][0] != groups[j][0] or shared < MIN_OVERLAP:
            continue
        if min(sizes[i], sizes[j]) < MIN_LINK_ROWS or shared < MIN_SHARE * min(sizes[i], sizes[j]):
            continue
        if shared * rows < MIN_LIFT * sizes[i] * sizes[j]:
            continue
        parent[root(int(i))] = root(int(j))
    members: dict[int, list[int]] = {}
    for i in range(len(groups)):
        members.setdefault(root(i), []).append(i)
    out = []
    for found in members.values():
        if len(found) < 2:
            continue
        union = tuple(sorted({r for i in found for r in groups[i][1]}))
        label = groups[found[0]][0]
        if len(union) > max_share * label_rows.get(label, rows):
            continue
        if any(len(groups[i][1]) == len(union) for i in found):
            continue
        out.append((tuple(found), union))
    return out
