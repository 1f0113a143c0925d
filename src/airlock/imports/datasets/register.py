"""A style made of its label's own register, found by its marks' rate (pure; issue 23, ADR 0075).

Text-speak planted on SMS ham rows relabelled spam ("u", "ur", "2", "goin") has no marker
of its own: spam and ham both use every mark, so no n-gram is label-pure and no family is
found. Three things measured on the tuned split (``bench/native_marks.py``) shape this test:

* mark density among the label's rows does not separate: at most 0.39 of the spam rows
  with at least k of the style's marks are planted, at any k;
* the label's rows that read like another label are nearly all planted, but counting the
  marks among them finds nothing (0.0 decades): the label leans on the marks, so a row
  that reads like another label is one that lacks them;
* read again without the label's *shared register* (:func:`shared_marks`: tokens the other
  label uses too, that this label uses several times as often), that selection is gone:
  the rows that then read like another label carry marks the other label's own rows
  rarely carry together.

Which marks is not known in advance, so they are found in one half of those rows (tokens
over-represented there against the other label's rows) and counted, as a group, in the
other half: rows with at least k of them against the other label's own rate of such rows
(robust to any planted share of this label, as it reads only the other's rows), binomial,
Bonferroni over halves, k and labels. Honest label noise is a sample of the other label's
register and leaves no excess. Asked only when nothing else holds the dataset.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from airlock.imports.datasets.classifier import Agreement
from airlock.imports.datasets.ngrams import Tokens
from airlock.imports.datasets.results import FeatureKind, SuspiciousFeature
from airlock.imports.datasets.stats import binomial_tail, strength

SHARED_LIFT = 3.0  # a shared mark: this many times as common in the label's rows ...
SHARED_SHARE = 0.02  # ... as in the other labels' rows, where it is in at least this share
FIND_DECADES = 2.0  # a mark found in one half: this over-represented (uncorrected) ...
FIND_ROWS = 3  # ... in at least this many of its rows
GROUP_SIZES = (1, 2)  # rows with at least k found marks, for each k
MIN_ROWS = 10  # the tested half must hold at least this many such rows
SHOWN = 6  # marks named in a finding's text
UNSURE = 0.5  # listed: rows at or below even odds for their label once the register is out


@dataclass(frozen=True, slots=True)
class RegisterFinding:
    """Rows of ``label`` whose text, without the label's shared register, reads like another
    label and carries ``marks`` beyond the other label's rate."""

    label: str
    marks: tuple[str, ...]  # found in either half, commonest first
    shared: tuple[str, ...]  # the label's shared register taken out
    core: int  # rows that read like another label without it
    hits: int  # of the tested half, rows with at least ``k`` marks
    tested: int
    k: int
    other_rate: float
    p_value: float  # uncorrected
    strength: float  # decades, corrected
    rows: tuple[int, ...]  # rows to list


def shared_marks(tokens: Sequence[Tokens], own: Sequence[int], other: Sequence[int]) -> set[str]:
    """Tokens in at least :data:`SHARED_SHARE` of ``other``'s rows and :data:`SHARED_LIFT`
    times as common in ``own``'s: the label's native register (SMS spam: "2", "4", "ur",
    "your", "call", "!"). A token of ``own`` alone is not one: it is a candidate feature of
    its own, tested elsewhere."""
    if not own or not other:
        return set()
    in_own = Counter(t for r in own for t in set(tokens[r]))
    in_other = Counter(t for r in other for t in set(tokens[r]))
    return {
        t
        for t, n in in_own.items()
        if in_other[t] >= SHARED_SHARE * len(other)
        and n / len(own) >= SHARED_LIFT * in_other[t] / len(other)
    }


def register_findings(
    tokens: Sequence[Tokens], labels: Sequence[str], view: Agreement, other: dict[str, float]
) -> list[RegisterFinding]:
    """Per label, the group test of the module docstring; findings of any strength, the
    strongest first (the caller keeps those over its bar). ``other`` is each label's cut at
    or below which a row reads like another label (:func:`.features.context`)."""
    if not view.available:
        return []
    classes = sorted(set(labels))
    tests = 2 * len(GROUP_SIZES) * len(classes)
    plain = [view.own_probability[r] > other[lb] for r, lb in enumerate(labels)]
    out = []
    for label in classes:
        own = [r for r, lb in enumerate(labels) if lb == label]
        # the other labels' register: their rows that read like their own label (a row
        # flipped into them by honest noise carries this label's words and would make
        # them look shared)
        rest = [r for r, lb in enumerate(labels) if lb != label and plain[r]]
        found = _finding(label, tokens, own, rest, view=view, cut=other[label], tests=tests)
        if found is not None:
            out.append(found)
    return sorted(out, key=lambda f: -f.strength)


def _finding(
    label: str,
    tokens: Sequence[Tokens],
    own: Sequence[int],
    rest: Sequence[int],
    *,
    view: Agreement,
    cut: float,
    tests: int,
) -> RegisterFinding | None:
    register = shared_marks(tokens, own, rest)
    if not register:
        return None
    columns = sorted({c for t in register for c in view.columns((t,))})
    remaining = view.without(columns, list(own)).tolist()
    core = [r for r, p in zip(own, remaining, strict=True) if p <= cut]
    inside = set(core)
    in_rest = Counter(t for r in rest for t in set(tokens[r]))
    outside = [r for r in own if r not in inside]
    in_outside = Counter(t for r in outside for t in set(tokens[r]))
    best: tuple[float, int, int, int, float] | None = None
    marks: Counter[str] = Counter()
    for half in (0, 1):
        find = [r for i, r in enumerate(core) if i % 2 == half]
        test = [r for i, r in enumerate(core) if i % 2 != half]
        found = _over(tokens, find, (in_rest, len(rest)), (in_outside, len(outside)))
        marks.update(dict.fromkeys(found, 1))
        for k in GROUP_SIZES:
            hits = sum(len(found.intersection(tokens[r])) >= k for r in test)
            among = sum(len(found.intersection(tokens[r])) >= k for r in rest)
            rate = (among + 1) / (len(rest) + 2)
            if hits < MIN_ROWS:
                continue
            p = _tail(hits, len(test), rate)
            if best is None or p < best[0]:
                best = (p, hits, len(test), k, rate)
    if best is None:
        return None
    p, hits, tested, k, rate = best
    decades = float(strength(np.array([p]), tests)[0])
    listed = tuple(r for r, q in zip(own, remaining, strict=True) if q <= cut or q < UNSURE)
    named = tuple(sorted(marks, key=lambda t: (-marks[t], t)))
    return RegisterFinding(
        label, named, tuple(sorted(register)), len(core), hits, tested, k, rate, p, decades, listed
    )


def _over(
    tokens: Sequence[Tokens], rows: Collection[int], *against: tuple[Counter[str], int]
) -> set[str]:
    """Tokens of ``rows`` over-represented against each of ``against`` (document counts and
    their rows; add-one rates): the other labels' rows, and the label's rows that still
    read like it. Against the first only, a label's own words would qualify wherever label
    noise carries them into the other label (they are then "shared" and taken out, and the
    label's rows without them read like anything)."""
    seen = Counter(t for r in rows for t in set(tokens[r]))
    return {
        t
        for t, n in seen.items()
        if n >= FIND_ROWS
        and _tail(n, len(rows), max((c[t] + 1) / (m + 2) for c, m in against)) <= 10**-FIND_DECADES
    }


def _tail(successes: int, trials: int, rate: float) -> float:
    return float(
        binomial_tail(np.array([float(successes)]), np.array([float(trials)]), np.array([rate]))[0]
    )


def register_features(
    tokens: Sequence[Tokens],
    labels: Sequence[str],
    view: Agreement,
    other: dict[str, float],
    texts: Sequence[str],
    *,
    least: float,
) -> list[tuple[SuspiciousFeature, tuple[int, ...]]]:
    """Findings of at least ``least`` decades as ``family`` features with the rows to list
    (the label's rows at or below even odds without its shared register), an example and
    the evidence in words."""
    out = []
    counts = Counter(labels)
    for f in register_findings(tokens, labels, view, other):
        if f.strength < least:
            continue
        shown = " | ".join(f.marks[:SHOWN])
        evidence = (
            f"{f.core} rows labelled {f.label!r} read like another label once the words the "
            f"label shares with the others but uses far more ({' '.join(f.shared[:SHOWN])}) "
            f"are taken out; marks found in half of them ({shown}) are in {f.hits} of the "
            f"other half's {f.tested} rows (at least {f.k} each), against {f.other_rate:.1%} "
            f"of the other labels' rows ({f.strength:.1f} decades): a style made of the "
            f"label's own register, laid on rows of another label; {len(f.rows)} rows that "
            "read like another label, or are unsure, without that register are listed"
        )
        feature = SuspiciousFeature(
            kind=FeatureKind.FAMILY,
            text=f"register [{shown}]",
            rows=len(f.rows),
            label=f.label,
            label_rows=len(f.rows),
            base_rate=round(counts[f.label] / len(labels), 6),
            disagreeing=min(f.core, len(f.rows)),
            skew_p_value=1.0,
            p_value=f.p_value,
            strength=f.strength,
            members=f.marks[SHOWN : SHOWN + 8],
            example=texts[f.rows[0]][:200] if f.rows else "",
            evidence=evidence,
        )
        out.append((feature, f.rows))
    return out
