"""Representation clusters of rows by sentence embedding (CUBE-style; optional extra).

CUBE (Cui et al. 2022) clusters a training set's representations and drops small clusters:
a style rewrite or a template puts its rows close together in a space that sees more than
their words. When an :class:`~.classifier.Embedder` is configured (``airlock[embeddings]``),
the scan reduces the sentence embeddings by SVD, clusters all rows with k-means at two
granularities, and tests every cluster that is label-pure against the base rate like any
other candidate feature (:func:`.features.count`: the classifier-disagreement test with the
terms enriched in the cluster's rows taken out, Bonferroni-corrected with the rest).

Not done on form alone: k-means over skeleton n-gram profiles and length, casing and
punctuation statistics was tried (issue 23, SST-2 tuned split at 3%): its label-pure
clusters held 0 to 3 of 207 rewritten rows, because a style or template differs from natural
rows in a few of many dimensions; the skeleton n-grams and families already test those few.

Pure and deterministic (fixed seeds); no model is loaded here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from airlock.imports.datasets.ngrams import Tokens

FloatArray = npt.NDArray[np.float64]
EMBEDDING_DIMENSIONS = 32  # SVD components of sentence embeddings
# Rows per cluster at the two granularities: a 3% poisoning of 7,000 rows is ~200 rows,
# which a ~250-row cluster isolates and a ~100-row one splits in a few.
ROWS_PER_CLUSTER = (250, 100)
MAX_CLUSTERS = 96
MIN_CLUSTERS = 4


def embedding_profile(vectors: FloatArray, seed: int = 0) -> FloatArray:
    """Rows x dims: sentence embeddings reduced by SVD (centred), for clustering."""
    from sklearn.decomposition import TruncatedSVD  # noqa: PLC0415 -- heavy, on demand

    centred: FloatArray = np.asarray(vectors - vectors.mean(axis=0), dtype=np.float64)
    width = min(EMBEDDING_DIMENSIONS, centred.shape[1] - 1, len(vectors) - 1)
    if width < 2:
        return centred
    reduced = TruncatedSVD(width, random_state=seed).fit_transform(centred)
    return np.asarray(reduced, dtype=np.float64)


def kmeans_groups(points: FloatArray, min_size: int, seed: int = 0) -> list[tuple[int, ...]]:
    """Clusters of ``points`` at each granularity of :data:`ROWS_PER_CLUSTER`, each at least
    ``min_size`` rows, as sorted row tuples (duplicates dropped)."""
    from sklearn.cluster import MiniBatchKMeans  # noqa: PLC0415 -- heavy, on demand

    rows = len(points)
    found: dict[tuple[int, ...], None] = {}
    for per in ROWS_PER_CLUSTER:
        k = min(MAX_CLUSTERS, max(MIN_CLUSTERS, rows // per))
        if k >= rows:
            continue
        model = MiniBatchKMeans(
            n_clusters=k, random_state=seed, n_init=3, batch_size=2048, max_iter=100
        )
        assigned = model.fit_predict(points)
        for cluster in range(k):
            members = tuple(np.flatnonzero(assigned == cluster).tolist())
            if len(members) >= min_size:
                found.setdefault(members)
    return list(found)


def document_frequency(forms: Sequence[Tokens]) -> dict[str, int]:
    """Rows each skeleton token occurs in (for :func:`distinctive`)."""
    out: dict[str, int] = {}
    for form in forms:
        for token in set(form):
            out[token] = out.get(token, 0) + 1
    return out


def distinctive(
    rows: Sequence[int], forms: Sequence[Tokens], frequency: dict[str, int], top: int = 3
) -> str:
    """The skeleton tokens most over-represented in ``rows`` (a cluster's form in words)."""
    inside: dict[str, int] = {}
    for r in rows:
        for token in set(forms[r]):
            inside[token] = inside.get(token, 0) + 1
    share = len(rows) / max(len(forms), 1)
    lifts = sorted(
        (
            ((inside[t] + 1) / (share * frequency.get(t, 0) + 1), t)
            for t in inside
            if inside[t] >= 0.2 * len(rows) and t not in {"^", "$"}
        ),
        reverse=True,
    )
    return " ".join(t for _, t in lifts[:top]) or "mixed"
