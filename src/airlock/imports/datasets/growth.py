"""Which rows of a label carry a found form: a classifier seeded by a feature's core (pure).

A template or a style is found as a family of markers (:mod:`.families`), but the family's
rows are only partly planted: its members include natural phrases and forms ("when you
see" starts some real reviews too), and a style's rewrite puts a few markers in each row,
so some planted rows carry none of the members that were found. Listing the family's rows
that read like another label once its terms are out (the *core*) missed a fifth to a third
of the planted rows and kept clean rows that read oddly by chance (issue 23: SST-2 sbar
template at 3%, precision 0.67 and recall 0.78).

The core is mostly planted, so what its rows share in *form* is the template or the style.
A logistic regression on binary skeleton n-grams (:mod:`.structure`) and the family's
enriched terms learns that from the core against every row outside the family, and scores
every row of the label: planted rows outside the core (or the family) score high, clean
core rows whose form is ordinary score low. The core's own rows are scored out of fold.
Skeletons hold no content words, so the classifier cannot learn the other label's sentiment
or topic, only the form. Tuned on the SST-2 tuned split (bench/eval_poisoning.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from airlock.imports.datasets.ngrams import Tokens

FloatArray = npt.NDArray[np.float64]
MIN_CORE = 10  # fewer core rows cannot teach a form
MIN_COLUMN_ROWS = 3  # a column must be in this many core rows (and CORE_COLUMN_SHARE of it)
CORE_COLUMN_SHARE = 0.02
FOLDS = 3
REGULARISATION = 1.0  # C of the logistic regression
MAX_BACKGROUND = 5_000  # background rows sampled beyond this (seeded), for time
# grown_rows: thresholds on the classifier's P(core) tried (it is fitted on a core of tens
# of rows against thousands, so a planted row outside the family scores 0.01-0.2), the rows
# a threshold must add, the share of them beyond the natural rows expected, and refits.
GROW_GRID = (0.5, 0.3, 0.2, 0.1, 0.07, 0.05, 0.03, 0.02, 0.015, 0.01)
MIN_GROWN = 10
GROWN_PRECISION = 0.8
GROW_ROUNDS = 3
# ordinary_floor: thresholds tried, lowest first (a planted row of a template scores near 1;
# a natural row that shares one of its forms scores anywhere), and the natural rows that
# weigh as much as one planted row (1: rows are kept where planted ones are the majority)
FLOOR_GRID = (0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8,
              0.85, 0.9, 0.95, 0.97, 0.99)  # fmt: skip
NATURAL_PER_PLANTED = 1.0


def form_scores(
    forms: dict[Tokens, tuple[int, ...]],
    terms: object,
    core: Sequence[int],
    family: Sequence[int],
    *,
    rows: int,
    seed: int = 0,
) -> FloatArray | None:
    """P(form of the core) for every row, or None when the core is too small to learn from.

    ``forms`` maps skeleton n-grams to their rows; ``terms`` is a rows x columns sparse
    matrix of extra binary evidence (the family's enriched classifier terms) or None;
    ``core`` are the rows taken as planted; ``family`` rows other than the core are left
    out of training (unknown); every other row is background.
    """
    if len(core) < MIN_CORE:
        return None
    from scipy.sparse import csr_matrix, hstack  # noqa: PLC0415 -- heavy, on demand
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415
    from sklearn.model_selection import StratifiedKFold  # noqa: PLC0415

    from airlock.imports.datasets.classifier import SOLVER  # noqa: PLC0415 -- heavy imports

    core_set = set(core)
    need = max(MIN_COLUMN_ROWS, CORE_COLUMN_SHARE * len(core))
    row_ids: list[int] = []
    col_ids: list[int] = []
    width = 0
    for gram_rows in forms.values():
        if sum(1 for r in gram_rows if r in core_set) >= need:
            row_ids.extend(gram_rows)
            col_ids.extend([width] * len(gram_rows))
            width += 1
    matrix = csr_matrix((np.ones(len(row_ids)), (row_ids, col_ids)), shape=(rows, max(width, 1)))
    if terms is not None:
        matrix = hstack([matrix, terms]).tocsr()
    target = np.zeros(rows, dtype=np.int64)
    target[np.asarray(sorted(set(family) - core_set), dtype=np.int64)] = -1
    target[np.asarray(sorted(core_set), dtype=np.int64)] = 1
    rng = np.random.default_rng(seed)
    background = np.flatnonzero(target == 0)
    if len(background) > MAX_BACKGROUND:
        background = np.sort(rng.choice(background, MAX_BACKGROUND, replace=False))
    train = np.concatenate([background, np.flatnonzero(target == 1)])
    scores = np.zeros(rows)

    def model() -> LogisticRegression:
        return LogisticRegression(C=REGULARISATION, max_iter=200, solver=SOLVER)

    splitter = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    for fit, held in splitter.split(np.zeros(len(train)), target[train]):
        fitted = model().fit(matrix[train[fit]], target[train[fit]])
        scores[train[held]] = fitted.predict_proba(matrix[train[held]])[:, 1]
    rest = np.setdiff1d(np.arange(rows), train)
    if len(rest):
        fitted = model().fit(matrix[train], target[train])
        scores[rest] = fitted.predict_proba(matrix[rest])[:, 1]
    return scores


def grown_rows(
    forms: dict[Tokens, tuple[int, ...]],
    core: Sequence[int],
    family: Sequence[int],
    labels: Sequence[str],
    label: str,
    *,
    listed: Sequence[int],
    seed: int = 0,
) -> tuple[int, ...]:
    """Rows of ``label`` outside ``family`` and ``listed`` whose form is the core's (ADR 0062).

    :func:`form_scores` fitted with the family's own members cannot list a row outside the
    family: the members are in every core row and in no row outside it, so they explain the
    core and every other column gets little weight (tuned SMS chant at 3%: no row outside
    the family scored over 0.1). Here the classifier is fitted on ``forms`` without the
    columns whose rows all lie in the family (its members and their parts), so it learns
    what else the core shares: the rest of its form. Rows are scored out of fold.

    A row is added when its score is at least the lowest threshold of :data:`GROW_GRID`
    whose additions look mostly planted: the other labels' rows outside the family (the
    rows a flipped style was written over, and never the target of a clean-label one) say
    how often a natural row of that form scores so high, and the label's rows over the
    threshold must be at least :data:`MIN_GROWN` and at least :data:`GROWN_PRECISION` of
    them beyond what that rate expects. The added rows join the core and the classifier is
    fitted again, :data:`GROW_ROUNDS` times (a larger core shows more of the form). It
    only adds rows of a family already found; it never decides a verdict.
    """
    added: set[int] = set()
    family_set = set(family) | set(core)
    taken = set(listed)
    for _ in range(GROW_ROUNDS):
        known = family_set | added
        columns = {g: rows for g, rows in forms.items() if any(r not in known for r in rows)}
        positive = sorted(set(core) | added)
        scores = form_scores(columns, None, positive, sorted(known), rows=len(labels), seed=seed)
        if scores is None:
            break
        outside = [r for r in range(len(labels)) if r not in known]
        candidates = [r for r in outside if labels[r] == label and r not in taken]
        others = [r for r in outside if labels[r] != label]
        new = _lowest_passing(scores, candidates, others)
        if not new:
            break
        added |= new
    return tuple(sorted(added))


def _lowest_passing(scores: FloatArray, candidates: list[int], others: list[int]) -> set[int]:
    """The candidates over the lowest threshold whose additions look mostly planted."""
    if not candidates or not others:
        return set()
    own = scores[np.asarray(candidates, dtype=np.int64)]
    null = scores[np.asarray(others, dtype=np.int64)]
    best: set[int] = set()
    for threshold in GROW_GRID:  # highest first; a lower one that passes lists more rows
        over = int(np.count_nonzero(own >= threshold))
        expected = float(np.count_nonzero(null >= threshold)) / len(others) * len(candidates)
        if over >= MIN_GROWN and over - expected >= GROWN_PRECISION * over:
            best = {r for r, s in zip(candidates, own.tolist(), strict=True) if s >= threshold}
    return best


def ordinary_floor(scores: FloatArray, labels: Sequence[str], label: str) -> float:
    """The core's form score under which ``label``'s rows are estimated mostly natural.

    The other labels' rows say how often a natural row reaches each score of the core's
    form classifier (:func:`form_scores`), as in :func:`grown_rows`: their share at or
    over a threshold, times the label's rows, is the natural rows of the label expected
    over it, and the rest of the label's rows over it are estimated planted. The floor is
    the threshold of :data:`FLOOR_GRID` that maximises planted minus
    :data:`NATURAL_PER_PLANTED` times natural rows over it: the rows under it lie where
    natural rows outnumber planted ones. 0.0 when no threshold has more planted than
    natural rows over it (the form tells the label's rows from natural ones nowhere, so it
    says nothing) or when no label or no other rows are scored. It only says where a found
    form is ordinary; it lists and drops nothing itself.
    """
    own = np.asarray([given == label for given in labels], dtype=bool)
    label_rows, other_rows = int(own.sum()), int((~own).sum())
    if not label_rows or not other_rows:
        return 0.0
    best, floor = 0.0, 0.0
    for threshold in FLOOR_GRID:
        over = scores >= threshold
        natural = float(np.count_nonzero(over & ~own)) / other_rows * label_rows
        gain = float(np.count_nonzero(over & own)) - (1.0 + NATURAL_PER_PLANTED) * natural
        if gain > best:
            best, floor = gain, threshold
    return floor
