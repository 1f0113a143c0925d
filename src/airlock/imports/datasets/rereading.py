"""The most label-skewed form features and families, read again without their rows (pure).

The out-of-fold classifier has learned from a heavy poisoning's flipped rows (a template on
43% of a label), so the flipped rows no longer read like their true label and the
poisoning hides itself. :data:`REREAD` of the most skewed form features and families are
read again by a model fitted without them (:func:`.refit.reread`), most skewed first, each
without the rows of another label that a feature read before it would list as planted;
the new counts replace the feature's when they are the stronger evidence (issue 23, ADR
0049). Which model reads them is :mod:`.refit`'s; this chooses what and in which order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from airlock.imports.datasets.features import (
    ENRICH_LIFT,
    ENRICH_SHARE,
    Context,
    Measured,
    judge,
    null_rate,
    poisoned_share,
)
from airlock.imports.datasets.listing import core_rows
from airlock.imports.datasets.refit import reread
from airlock.imports.datasets.results import FeatureKind
from airlock.imports.datasets.stats import binomial_tail_at
from airlock.imports.datasets.verdict import MIN_POISON_ROWS, POISONED_STRENGTH

# Form features and families read again by a model that never saw their rows (.refit).
REREAD = 3
# ... when they hold at most this share of their label: a model fitted without most of a
# label's rows cannot read that label (natural words of a label, left out, read as the other).
REREAD_SHARE = 0.5


def reread_strongest(
    measured: Sequence[Measured], ctx: Context, seed: int
) -> tuple[list[Measured], int]:
    """The :data:`REREAD` most label-skewed form features and families, each read again by
    a model fitted without its rows (:mod:`.refit`); its counts replace the feature's when
    they are the stronger evidence. Returns the features and how many were read again
    (each one more test for the correction).

    They are read most skewed first, and the rows a feature read so far would list at
    :data:`POISONED_STRENGTH` (:func:`.listing.core_rows`) are believed planted: a later
    feature of another label is read without them. Flipped rows read like the label they were taken
    from, so in the refit they would teach that label's words to the target and set what
    "reads like another label" means: on SST-2 thinned to 13% positive, 250 archaic rows
    planted as positive (a third of that label) made a family of natural negative phrases
    ("bad", "form [NEG DET]") read as 557 of 1,493 rows like positive (6.9 decades), listing
    1,066 clean rows beside 240 planted ones. Read without them it stays under the bar
    (ADR 0049). Only rows of another label than the feature's are left out.
    """
    if not ctx.agreement.available:
        return list(measured), 0
    classes = sorted(set(ctx.labels))
    sizes = Counter(ctx.labels)
    pool = {
        m.rows: m
        for m in measured
        if m.kind in {FeatureKind.STRUCTURE, FeatureKind.FAMILY}
        and MIN_POISON_ROWS <= m.label_rows <= REREAD_SHARE * sizes[m.label]
    }
    skew = {
        rows: binomial_tail_at(m.label_rows, len(rows), ctx.base[m.label])
        for rows, m in pool.items()
    }
    chosen = sorted(pool, key=lambda rows: (skew[rows], -len(rows)))[:REREAD]
    better: dict[tuple[int, ...], Measured] = {}
    planted: set[int] = set()  # rows of the features read so far that are believed planted
    for rows in chosen:
        m = pool[rows]
        left_out = {r for r in planted if ctx.labels[r] != m.label}
        label = classes.index(m.label)
        # the refit drops the terms foreign to every other label as well as the feature's
        # own: the attack's sibling rows outside the feature teach those terms, and the
        # label's own rate is measured without them too (ADR 0192)
        foreign = ctx.agreement.foreign_columns(rows, label, ENRICH_SHARE, ENRICH_LIFT)
        dropped = tuple(sorted({*m.columns, *foreign}))
        again = reread(ctx.agreement, rows, label, dropped, seed, left_out=left_out)
        if again is not None:
            before = binomial_tail_at(m.other_like, m.label_rows, null_rate(m, ctx))
            if binomial_tail_at(again.other_like, again.label_rows, again.null) < before:
                better[rows] = m = replace(m, other_like=again.other_like, null=again.null)
        if judge(m, ctx).strength >= POISONED_STRENGTH:
            planted.update(core_rows(m, ctx, poisoned_share(m, ctx)))
    out = [
        better[m.rows] if m.rows in better and better[m.rows].text == m.text else m
        for m in measured
    ]
    return out, len(chosen)
