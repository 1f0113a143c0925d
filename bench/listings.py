"""One scan, a found family's rows listed three ways (issue 23, ADRs 0068 and 0070).

The scan's verdict never reads which rows a family lists, so one scan can list each family
with the native-register judgement (:mod:`airlock.imports.datasets.native`) off (the listing
of main before ADR 0068), as ADR 0068 made it (the planted rows' other-like rate assumed
0.75) and as it is now (estimated from the family), and rank the rows each way: a same-run
baseline that costs two more listings per family, not two more scans.

Bench only: it patches the scan's and the listing's names for the length of one scan.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import airlock.imports.datasets.listing as listing_module
import airlock.imports.datasets.scan as scan_module
import airlock.imports.datasets.verdict as verdict_module
from airlock.imports.datasets.features import OTHER_QUANTILE
from airlock.imports.datasets.native import MemberJudgement, judge_members

VARIANTS = ("off", "assumed", "now")  # the judgement: none, rate assumed (ADR 0068), estimated


def _off(*_: object, **__: object) -> MemberJudgement:
    return MemberJudgement(frozenset(), ())


def _assumed(
    parts: Sequence[Sequence[int]],
    labels: Sequence[str],
    label: str,
    other_like: Collection[int],
    flipped_share: float,
) -> MemberJudgement:
    """ADR 0068's judgement as it was (``pois-native`` at f86ade7): the rate assumed."""
    return judge_members(
        parts, labels, label, other_like, flipped_share, planted_rate=OTHER_QUANTILE
    )


JUDGES: dict[str, Callable[..., MemberJudgement]] = {
    "off": _off,
    "assumed": _assumed,
    "now": judge_members,
}


@dataclass
class Listings:
    """What one scan listed, to re-rank with another variant's family rows."""

    by_rows: dict[int, dict[str, tuple[int, ...]]] = field(default_factory=dict)
    keep: list[tuple[int, ...]] = field(default_factory=list)  # holds the ids above alive
    ranked: tuple[Any, ...] = ()  # the last call of the scan's row ranking

    def flagged(self, variant: str) -> set[int]:
        """Rows the scan would flag had each family been listed the ``variant`` way."""
        if not self.ranked:
            return set()
        records, labels, found, view = self.ranked
        swapped = [(f, self.by_rows.get(id(rows), {}).get(variant, rows)) for f, rows in found]
        rows = _RANK(records, labels, swapped, view)
        return {r.index for r in rows if r.flagged}


_LISTED = listing_module.listed  # the bench lists each family three ways
_RANK = verdict_module.rank_rows


@contextmanager
def compared() -> Iterator[Listings]:
    """Within the block, each family the scan lists is listed every way of :data:`VARIANTS`
    (the scan keeps the last, the code's own) and the row ranking is recorded."""
    seen = Listings()

    def listed(*args: Any, **kwargs: Any) -> Any:
        out: dict[str, Any] = {}
        try:
            for variant in VARIANTS:
                setattr(listing_module, "judge_members", JUDGES[variant])  # noqa: B010
                out[variant] = _LISTED(*args, **kwargs)
        finally:
            setattr(listing_module, "judge_members", judge_members)  # noqa: B010
        feature, rows = out[VARIANTS[-1]]
        seen.keep.append(rows)
        seen.by_rows[id(rows)] = {v: r for v, (_, r) in out.items()}
        return feature, rows

    def rank(*args: Any) -> Any:
        seen.ranked = args
        return _RANK(*args)

    setattr(scan_module, "listed", listed)  # noqa: B010 - patched for one scan
    setattr(scan_module, "rank_rows", rank)  # noqa: B010
    try:
        yield seen
    finally:
        setattr(scan_module, "listed", _LISTED)  # noqa: B010
        setattr(scan_module, "rank_rows", _RANK)  # noqa: B010
