"""Which of a clean-label group's rows to list: those whose mark the rest of the style
vouches for (pure; issue 23, ADR 0121).

A clean-label group (:mod:`.outliers`) is listed as the label's rows that carry any of its
markers. A style is several marks at once -- words of its register, a line separator, a
rhyme, a vocative -- and a rewrite gives each row a few of them. A marker that is also a
natural mark of the label is exclusive to it all the same (SMS spam writes "150p/msg",
"£5/month": a style that cuts lines with "/" has its skeleton n-grams ``/ NUM``, ``/ WT``
exclusive to spam, half of their rows natural), and its natural rows carry nothing else of
the style. On a drawn style of that kind, clean-label at 3% of SMS spam (bench
``tuned-random``), the group listed 328 rows for 167 planted (P 0.49).

Markers that share a word or a skeleton token other than a bare word shape are one *mark*
(``/ NUM`` and ``WT /`` are both the slash; as :func:`.linked._cores` counts them). A
group row is *corroborated* when it carries markers of two marks. A planted row is
corroborated at the style's own rate, whatever mark it is counted under (its marks are
drawn independently of one another); a natural row almost never is (it carries one natural
mark, not two foreign ones). So for each mark, the share of its rows that are corroborated,
over the style's rate (the median share over the group's marks: most of a style's marks are
its own), estimates the share of its rows that are planted. A row carrying one mark alone is
listed only when its mark's planted rows, left uncorroborated at the style's rate, are
estimated to be at least :data:`MIN_PLANTED` of that mark's uncorroborated rows.

Nothing is trimmed when the estimate has nothing to stand on: under :data:`MIN_MARKS`
marks of :data:`MIN_MARK_ROWS` rows (a template's markers share its closed-class words and
are one mark), or a style rate under :data:`MIN_RATE` (a style whose rows carry one mark
each says nothing of which are natural). A template's *alternative forms*
(:func:`_alternatives`: markers that (nearly) never share a row and between them carry
almost every corroborated row -- a gerund first or an inverted conditional, never both) are
not judged at all: each row carries one by construction, so they are not marks drawn
independently. The rest of the template's markers are vouched for by a form on nearly
every row, the forms only by whichever of the template's fillers made the group, and the
median rate then read the forms' own planted rows as natural (ADR 0125: nested SST-2
two-forms at 3% as a family, recall 1.00 -> 0.81). The template's other markers are still
judged. It only drops listed rows of a group already found and tested on all of its rows;
it never decides a verdict.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

import numpy as np

from airlock.imports.datasets.stats import binomial_tail

NESTED = 0.9  # two markers sharing this share of the smaller's rows are one phrase's parts
MIN_MARK_ROWS = 10  # a mark's rows needed for its corroborated share to be measured
MIN_MARKS = 3  # marks measured before the style's rate is taken as their median
MIN_RATE = 0.2  # a style corroborating fewer of its rows gives no estimate
MIN_PLANTED = 0.5  # estimated planted share of a mark's lone rows for them to be listed
BELOW_P = 1e-3  # ... asked only of a marker vouched for less often than the rate beyond chance
EXCLUSIVE = 0.05  # two markers sharing at most this share of the smaller's rows exclude each other
COVERING = 0.9  # alternatives carrying this share of the corroborated rows are not judged
ALTERNATIVE = 0.1  # ... each of them carrying at least this share (a form, not a stray word)

Literals = Callable[[int], frozenset[str]]


def corroborated(
    members: Sequence[int], label_rows: Sequence[Sequence[int]], literals: Literals
) -> tuple[int, ...] | None:
    """The rows to list of a group of ``members`` (indices into ``label_rows``, each
    marker's rows in the group's label; ``literals`` gives the tokens a marker spells out),
    or None when no estimate can be made or nothing is dropped (see the module text)."""
    spelt = {i: literals(i) for i in members}
    carried: dict[int, list[int]] = {}
    for i in members:
        for r in label_rows[i]:
            carried.setdefault(r, []).append(i)

    sets = {i: frozenset(label_rows[i]) for i in members}
    apart: dict[tuple[int, int], bool] = {}

    def other_mark(i: int, j: int) -> bool:
        """Whether markers ``i`` and ``j`` are two marks: no token in common, and not
        parts of one phrase (nearly all of the smaller's rows shared)."""
        key = (min(i, j), max(i, j))
        if key not in apart:
            smaller = min(len(sets[i]), len(sets[j]))
            shared = len(sets[i] & sets[j])
            apart[key] = not spelt[i] & spelt[j] and shared < NESTED * smaller
        return apart[key]

    def vouched(r: int, i: int) -> bool:
        return any(other_mark(i, j) for j in carried[r] if j != i)

    share = {
        i: sum(vouched(r, i) for r in label_rows[i]) / len(label_rows[i])
        for i in members
        if len(label_rows[i]) >= MIN_MARK_ROWS
    }
    if len(share) < MIN_MARKS:
        return None
    rate = statistics.median(share.values())
    if rate < MIN_RATE or rate >= 1.0:
        return None
    held_up = [r for r, held in carried.items() if any(vouched(r, i) for i in held)]
    lone_ok = {
        i
        for i, s in share.items()
        if _lone_planted(s, rate) >= MIN_PLANTED or not _below(s, len(label_rows[i]), rate)
    }
    lone_ok |= _alternatives({i: sets[i] for i in share}, held_up)  # forms are not judged
    lone_ok |= set(members) - set(share)  # too few rows to judge: kept as before
    kept = tuple(
        sorted(r for r, held in carried.items() if any(i in lone_ok or vouched(r, i) for i in held))
    )
    return kept if len(kept) < len(carried) else None


def _alternatives(marker_rows: dict[int, frozenset[int]], held_up: Sequence[int]) -> set[int]:
    """The markers that are a template's alternative forms, or none: two or more markers
    that exclude one another (at most :data:`EXCLUSIVE` of the smaller's rows shared), each
    carrying at least :data:`ALTERNATIVE` of the ``held_up`` (corroborated) rows and
    together at least :data:`COVERING` of them. A style's marks are drawn independently,
    so two of them share rows at the product of their rates; a mark on nearly every row
    with stray natural words beside it is one marker, not alternatives."""
    if not held_up:
        return set()
    wanted = ALTERNATIVE * len(held_up)
    big = [i for i, s in marker_rows.items() if len(s.intersection(held_up)) >= wanted]
    big.sort(key=lambda i: -len(marker_rows[i]))

    def exclusive(i: int, j: int) -> bool:
        a, b = marker_rows[i], marker_rows[j]
        return len(a & b) <= EXCLUSIVE * min(len(a), len(b))

    for seed in big:
        forms = [seed]
        for other in big:
            if other != seed and all(exclusive(other, f) for f in forms):
                forms.append(other)
        covered = frozenset[int]().union(*(marker_rows[f] for f in forms)).intersection(held_up)
        if len(forms) > 1 and len(covered) >= COVERING * len(held_up):
            return set(forms)
    return set()


def _below(share: float, trials: int, rate: float) -> bool:
    """Whether a marker's vouched share is lower than the style's rate beyond chance
    (binomial lower tail at most :data:`BELOW_P`): the marks of a style's own words vary
    around its rate, and at a high rate a small shortfall reads as many natural rows."""
    vouched = round(share * trials)
    lower = binomial_tail(
        np.array([float(trials - vouched)]), np.array([float(trials)]), np.array([1.0 - rate])
    )
    return float(lower[0]) <= BELOW_P


def _lone_planted(share: float, rate: float) -> float:
    """Estimated planted share of a marker's rows no other mark vouches for: of its rows,
    ``share / rate`` are planted (at most all), and ``1 - rate`` of those are alone."""
    planted = min(1.0, share / rate)
    lone_planted = planted * (1.0 - rate)
    lone = lone_planted + (1.0 - planted)
    return lone_planted / lone if lone > 0 else 1.0
