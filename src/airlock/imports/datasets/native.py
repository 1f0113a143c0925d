"""Which of a found family's markers are its label's own register (pure; issue 23, ADR 0068).

A style is found as a family of markers (:mod:`.families`); when most of the family's label
rows look planted, all of them are listed (:func:`.listing.core_rows`). Where the style borrows
marks the base data already uses in that label -- SMS spam's text-speak, a row ending in a
number ("ta m8" ends like a phone number) -- some members of the family are the label's
native form, and listing the family whole lists the natural rows that carry them: on the
tuned SMS southern style at 3%, 19 natural spam rows came in through ``form [W WS ,]``
(precision 0.82); on the tuned SMS *mate* style, ``form [NUM $]`` held 210 spam rows, 43
of them planted.

Each member is judged against its label's own rows. A planted row reads like another
label (:func:`.features.context`'s other-like cut) at a rate estimated from the family's
most other-like members (:func:`planted_other_rate`, ADR 0070; at most
:data:`OTHER_QUANTILE`), so a member whose label rows are all planted has about
``(1 - q) / q`` of a row reading like its label for each row that reads like another. The
rows beyond that read like the label because they are the label's own: a member whose
such rows exceed :data:`NATIVE_SLACK` times what its other-like rows explain is *native*;
the others are *distinctive*. A family row that reads like its own label is then listed
only when it carries a distinctive member (a native mark in a row that reads like the label
is the label speaking). The estimate is never above the rate ADR 0068 assumed, so its
native members are a subset of ADR 0068's and it trims a subset of its rows.

ADR 0068 also kept a core row that carries a distinctive member whatever the form
classifier gave it; that raised the SMS *mate* style's recall but let in natural rows
wherever the style's members are forms natural rows share (SST-2's sbar template at 250
rows fell from precision 0.52 to 0.47 at the estimated rate), so the classifier's trim is
trusted again (ADR 0070).

Nothing is judged when the family's distinctive members reach fewer than :data:`MIN_CORE`
rows that read like another label, or when fewer than :data:`MIN_OTHER_SHARE` of their rows
do (a clean-label family reads like its label throughout, so its members' native rows are
its planted ones). It only chooses rows to list; verdicts never read it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from airlock.imports.datasets.features import OTHER_QUANTILE

NATIVE_SLACK = 1.5  # a member's own-reading rows may exceed the planted expectation this much
MIN_NATIVE_ROWS = 3  # ... and by at least this many rows before it is called native
MIN_CORE = 10  # distinctive members must reach this many other-like rows to judge anything
# ... and this share of their rows must read like another label: a clean-label style's rows
# read like their label (SST-2 lyrics at 250: judged, its listing fell from recall 0.98 to
# 0.35 when this was not asked)
MIN_OTHER_SHARE = 0.5
# ... and the family's label rows must be estimated at least this share flipped
# (.features.poisoned_share): SST-2 clean-label lyrics at 250 (0.16) was judged through
# both checks above and lost 157 planted rows; SMS mate at 3% is 0.23
MIN_FLIPPED_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class MemberJudgement:
    """The family's label rows that carry a distinctive member, and which members are native.

    ``distinctive_rows`` is empty when nothing could be judged (see :data:`MIN_CORE`).
    """

    distinctive_rows: frozenset[int]
    native: tuple[int, ...]  # indices into the family's members

    @property
    def judged(self) -> bool:
        return bool(self.distinctive_rows)


def planted_other_rate(own_parts: Sequence[Collection[int]], other_like: Collection[int]) -> float:
    """Estimated share of a family's planted rows that read like another label.

    ``own_parts`` are the members' rows of the family's label. A member's rows are planted
    ones, which read like another label at the rate sought, and natural ones, which mostly
    read like their label; so a member's share of other-like rows is about that rate or less,
    and the members at or above the family's own share are the most nearly all planted.
    The estimate is the share of other-like rows among the union of their rows, never above
    :data:`OTHER_QUANTILE`: that is the rate when the agreement classifier has learned
    nothing of the style, and one that learned some of it only lowers it (ADR 0070: on
    SST-2 planted rows read like their label more often than on SMS spam).
    """
    odd = set(other_like)
    every = {r for part in own_parts for r in part}
    if not every:
        return OTHER_QUANTILE
    family_share = len(every & odd) / len(every)
    top: set[int] = set()
    for part in own_parts:
        if part and sum(1 for r in part if r in odd) >= family_share * len(part):
            top.update(part)
    return min(OTHER_QUANTILE, len(top & odd) / len(top)) if top else OTHER_QUANTILE


def judge_members(
    parts: Sequence[Sequence[int]],
    labels: Sequence[str],
    label: str,
    other_like: Collection[int],
    flipped_share: float,
    *,
    planted_rate: float | None = None,
) -> MemberJudgement:
    """Judge each member's rows (``parts``) of ``label`` against the label's own register.

    ``other_like`` are the family's rows that read like another label once the family's
    terms are out; ``flipped_share`` the estimated share of its label rows planted with a
    flipped label (nothing is judged under :data:`MIN_FLIPPED_SHARE`). ``planted_rate``
    is the share of planted rows that read like another label; by default it is
    estimated from the family (:func:`planted_other_rate`).
    """
    if flipped_share < MIN_FLIPPED_SHARE:
        return MemberJudgement(frozenset(), ())
    odd = set(other_like)
    own_parts = [[r for r in part if labels[r] == label] for part in parts]
    rate = planted_other_rate(own_parts, odd) if planted_rate is None else planted_rate
    if rate <= 0.0:
        return MemberJudgement(frozenset(), ())
    planted_plain = (1.0 - rate) / rate
    distinctive: set[int] = set()
    native: list[int] = []
    for i, own in enumerate(own_parts):
        odd_rows = sum(1 for r in own if r in odd)
        plain = len(own) - odd_rows
        expected = planted_plain * odd_rows
        if plain > NATIVE_SLACK * expected and plain - expected >= MIN_NATIVE_ROWS:
            native.append(i)
        else:
            distinctive.update(own)
    reach = len(distinctive & odd)
    if reach < MIN_CORE or reach < MIN_OTHER_SHARE * len(distinctive):
        return MemberJudgement(frozenset(), ())
    return MemberJudgement(frozenset(distinctive), tuple(native))


def trimmed(
    rows: Collection[int],
    family: Collection[int],
    other_like: Collection[int],
    judgement: MemberJudgement,
) -> tuple[int, ...]:
    """``rows`` without the family's rows that read like their label and carry no
    distinctive member; rows outside the family are kept (others judged them)."""
    if not judgement.judged:
        return tuple(sorted(rows))
    inside, odd = set(family), set(other_like)
    return tuple(
        sorted(r for r in rows if r not in inside or r in odd or r in judgement.distinctive_rows)
    )
