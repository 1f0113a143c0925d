"""A found style's rows by the words its core shares too, not only its form (pure; issue 23).

:mod:`.growth` lists a family's rows by a classifier of the core's *form* (skeleton
n-grams) and the family's own enriched terms. A style is more than a form: it swaps words
("thou", "kindly", "enquire"), and each planted row carries only a few of the swaps, so a
planted row whose markers are not among the family's members, and whose form is ordinary,
was not listed (SMS archaic at 10%: precision 0.99, recall 0.68), while the family's
natural members ("please" in spam) listed clean rows of the label (tuned-sms business at
10%: 153 of 626 listed rows clean).

Here the classifier also sees every word 1..2-gram that is in enough of the core's rows
(binary presence, the same columns as the out-of-fold classifier's), and learns the core
against the rows of the *other* labels only. The core's rows were flipped from those
labels, so their words are those labels' words and do not tell the core apart; the style's
words and form do. The label's own rows are left out of training (the planted rows that
the family missed are among them: learned as unlike the core, they taught the classifier
that the style's other words are ordinary) and are all scored by the fitted model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from airlock.imports.datasets.classifier import Agreement
from airlock.imports.datasets.growth import (
    CORE_COLUMN_SHARE,
    MIN_COLUMN_ROWS,
    FloatArray,
    form_scores,
)
from airlock.imports.datasets.ngrams import Tokens


def kin_scores(
    forms: dict[Tokens, tuple[int, ...]],
    agreement: Agreement,
    core: Sequence[int],
    unknown: Sequence[int],
    columns: Sequence[int],
    *,
    seed: int = 0,
) -> FloatArray | None:
    """P(like the core) for every row, from form and words; None when the core is too
    small to learn from (see :func:`.growth.form_scores`) or there is no classifier.

    ``unknown`` rows are left out of training: the label's rows (planted rows the family
    missed are there, and would be learned as unlike the core) and the family's.
    ``columns`` are the family's enriched terms, always kept; the other word columns are
    those present in at least :data:`.growth.MIN_COLUMN_ROWS` and
    :data:`.growth.CORE_COLUMN_SHARE` of the core's rows.
    """
    if not agreement.available or not core:
        return None
    binary = (agreement.features != 0).astype(np.float64).tocsc()
    present = np.asarray(binary[np.asarray(sorted(core), dtype=np.int64)].sum(axis=0)).ravel()
    need = max(MIN_COLUMN_ROWS, CORE_COLUMN_SHARE * len(core))
    chosen = sorted(set(np.flatnonzero(present >= need).tolist()).union(columns))
    terms = binary[:, chosen].tocsr() if chosen else None
    return form_scores(forms, terms, core, unknown, rows=binary.shape[0], seed=seed)
