"""Which of a flipped style's family rows carry only a member the rest of the family does
not vouch for (pure; issue 23, ADRs 0121 and 0125).

A style that uses a natural word of its target label ("love", "best" in positive SST-2)
has that word's natural rows join its family, and they carry nothing else of the style.
:mod:`.corroborated` asks of a clean-label group's markers which rows the rest of the
style vouches for; this module asks the same of a family's members (their label rows and
the tokens each spells out), so a family's listing can leave those rows out. It never
decides a verdict: the scan's verdict reads features and their strength, not listed rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from airlock.imports.datasets.corroborated import corroborated
from airlock.imports.datasets.features import Measured
from airlock.imports.datasets.results import FeatureKind


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


def lone_rows(m: Measured, labels: Sequence[str]) -> set[int]:
    """A family's label rows whose only member is one the rest of the family's style does
    not vouch for (:func:`.corroborated.corroborated`); none when it makes no estimate (too
    few marks, a low rate, a template's alternative forms) or the family has no members'
    tokens (``m.spelt``)."""
    if len(m.spelt) != len(m.parts):
        return set()
    own = [tuple(r for r in part if labels[r] == m.label) for part in m.parts]
    kept = corroborated(range(len(own)), own, lambda i: m.spelt[i])
    if kept is None:
        return set()
    return {r for part in own for r in part}.difference(kept)
