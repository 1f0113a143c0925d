"""Which of a flipped style's family rows carry only a member the rest of the family does
not vouch for, which carry one it does, and which family a reported single member stands
for (pure; issue 23, ADRs 0121, 0125 and 0127).

A style that uses a natural word of its target label ("love", "best" in positive SST-2)
has that word's natural rows join its family, and they carry nothing else of the style.
:mod:`.corroborated` asks of a clean-label group's markers which rows the rest of the
style vouches for; this module asks the same of a family's members (their label rows and
the tokens each spells out), so a family's listing can leave those rows out. It never
decides a verdict: the scan's verdict reads features and their strength, not listed rows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from airlock.imports.datasets.corroborated import corroborated, vouched
from airlock.imports.datasets.features import Measured
from airlock.imports.datasets.results import FeatureKind

# a member whose label rows read like another label at least this often is a flipped
# style's own (a natural word of the label reads like its label)
ODD_MEMBER = 0.5


def spelt(m: Measured) -> frozenset[str]:
    """The tokens a family member spells out, for telling its marks apart: a phrase's
    words, a form's tokens other than its shapes (``W``, ``NUM``: upper-case names); none
    for a cluster or representation (their rows alone tell them apart)."""
    if m.kind is FeatureKind.NGRAM:
        return frozenset(m.text.split())
    if m.kind is FeatureKind.STRUCTURE:
        grams = m.text.removeprefix("form [").removesuffix("]").split()
        return frozenset(t for t in grams if not (t.isalpha() and t.isupper()))
    return frozenset()


def _own(m: Measured, labels: Sequence[str]) -> list[tuple[int, ...]]:
    return [tuple(r for r in part if labels[r] == m.label) for part in m.parts]


def sure_rows(m: Measured, labels: Sequence[str], odd: Collection[int]) -> frozenset[int]:
    """Of ``odd`` (a family's label rows that read like another label), those carrying a
    member the rest of its style vouches for at the style's rate
    (:func:`.corroborated.vouched`, ADR 0127) and whose label rows mostly read like
    another label, as a flipped style's own rows do: planted whatever the form classifier
    makes of them. A natural word of the label reads like its label; in a family mostly of
    the label's own words (SST-2's positive register), the estimate vouches for some of
    them, and only this keeps them out. None without an estimate."""
    if len(m.spelt) != len(m.parts):
        return frozenset()
    own = _own(m, labels)
    inside = frozenset(odd)
    sure = [
        i
        for i in vouched(range(len(own)), own, lambda i: m.spelt[i])
        if len(inside.intersection(own[i])) >= ODD_MEMBER * len(own[i])
    ]
    return frozenset(r for i in sure for r in own[i] if r in inside)


def lone_rows(m: Measured, labels: Sequence[str]) -> set[int]:
    """A family's label rows whose only member is one the rest of the family's style does
    not vouch for (:func:`.corroborated.corroborated`); none when it makes no estimate (too
    few marks, a low rate, a template's alternative forms) or the family has no members'
    tokens (``m.spelt``)."""
    if len(m.spelt) != len(m.parts):
        return set()
    own = _own(m, labels)
    kept = corroborated(range(len(own)), own, lambda i: m.spelt[i])
    if kept is None:
        return set()
    return {r for part in own for r in part}.difference(kept)


def merged_family(
    member: tuple[int, ...],
    label: str,
    families: Mapping[tuple[int, ...], Measured],
    reported: Collection[tuple[int, ...]],
    *,
    strength: Callable[[Measured], float],
    bar: float,
) -> Measured | None:
    """The strongest of ``families`` of ``label`` that has ``member`` (a reported single
    feature's rows) among its members, was not reported itself and is at least ``bar``
    strong; None when there is none (ADR 0127: a style's sharpest mark can outscore its
    family, which is then merged into it and never listed)."""
    strong = [
        (s, m)
        for rows, m in families.items()
        if rows not in reported and m.label == label and member in m.parts
        for s in (strength(m),)
        if s >= bar
    ]
    if not strong:
        return None
    return max(strong, key=lambda item: (item[0], len(item[1].rows)))[1]
