"""A label's misread rows respelled in a way the rows they read like are not (pure; ADR 0172).

A flipped style written in the data's own informal register (SMS text-speak: "u", "2",
dropped g's, a row all in lower case) has no word or form skewed to its target label, so no
n-gram, form or family feature exists to test (issue 23). Its rows are still ham rows with a
spam label: the classifier reads them as the label they came from, as it reads honest label
noise. What tells the two apart is *how the rows are spelled*. Noise flips a random sample of
a label, so its misread rows are spelled like the label they read as; a rewrite spells its
rows its own way. ADR 0163 compared their *words* and was rejected: a classifier's errors
gather by topic, so word counts of misread rows differ from a random sample's on clean data
too, by more the larger the set.

This module compares a few *orthographic* marks of a row, which carry no topic
(:data:`MARKS`): a dropped g ("goin", "nothin'" where the set also spells the -ing word), a
row with letters and no capital, a word said twice in a row. For each label, the share of
its misread rows with a mark is compared with the higher of (a) the share expected if they
were rows of the labels they read as (each misread row stands for a row of the label it reads
as, drawn at random: :data:`DRAWS` bootstrap draws give the null's spread) and (b) the
share among the label's own rows that read like it (a label's own spelling is no flip).
A mark is *respelled* when its share is at least :data:`MIN_LIFT` times that reference and
:data:`MIN_EXCESS` over it (effect sizes, which do not grow with the row count as a tail
does), in at least :data:`MIN_MARKED` rows, and :data:`MIN_Z` bootstrap standard deviations
over it (which only keeps a few rows from passing by chance).

It does not say which misread rows were rewritten (a flipped row of a text-speak style
carries one or two of the marks, some none), and it does not look at words at all, so a
style that respells nothing is not found here. On a clean set a label's misread rows are
spelled like the rows they read as or more formally (SMS spam, 18 controls: lift at most
3.0 on a mark seen in too few rows, at most 1.4 on the others).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from airlock.imports.datasets.classifier import Agreement
from airlock.imports.datasets.results import FeatureKind, SuspiciousFeature

MARKS = ("dropped g", "all lower case", "a word said twice")
MIN_MISREAD = 30  # misread rows of a label before their spelling is compared
MIN_MARKED = 10  # misread rows with the mark
MIN_LIFT = 2.5  # share of the mark in misread rows over the reference share
# share of misread rows beyond the reference that carry the mark: clean SMS spam's misread rows
# are in lower case about 3 points more often than ham (lift up to 3.0), whatever the size
MIN_EXCESS = 0.06
MIN_Z = 5.0  # bootstrap standard deviations over the null's mean
DRAWS = 1000
MIN_LETTERS = 3  # a row with fewer letters has no casing to speak of
_WORD = re.compile(r"[a-z]+(?:'[a-z]*)?|[a-z0-9]+")  # of the lower-cased text


@dataclass(frozen=True, slots=True)
class Respelled:
    """One mark a label's misread rows carry far more often than the rows they read like."""

    label: str
    mark: str
    misread: tuple[int, ...]  # the label's rows the classifier gives another label
    marked: int  # misread rows with the mark
    share: float  # marked / misread
    reference: float  # the higher of the read-as and own-label shares
    lift: float
    z: float

    def __post_init__(self) -> None:
        if not 0 <= self.marked <= len(self.misread) or self.reference <= 0:
            raise ValueError("a respelled mark needs marked <= misread and a positive reference")

    @property
    def decades(self) -> float:
        """-log10 of the normal tail of ``z`` (the bootstrap's spread; reported, not tested)."""
        return -math.log10(max(0.5 * math.erfc(self.z / math.sqrt(2)), 1e-300))


def marks(texts: Sequence[str]) -> np.ndarray:
    """Rows x :data:`MARKS` booleans. A dropped g is a word of four or more letters ending
    in "in" or "in'" whose "-ing" spelling is a word of the set ("goin" beside "going"), so a
    word that merely ends in "in" ("begin", "cousin") is not one."""
    words = [_WORD.findall(t.lower()) for t in texts]
    vocabulary = {w for row in words for w in row}
    dropped = {
        w for w in vocabulary if len(w) >= 4 and w.rstrip("'").endswith("in")
        and w.rstrip("'") + "g" in vocabulary
    }  # fmt: skip
    out = np.zeros((len(texts), len(MARKS)), dtype=bool)
    for i, (text, row) in enumerate(zip(texts, words, strict=True)):
        out[i, 0] = not dropped.isdisjoint(row)
        out[i, 1] = text == text.lower() and sum(map(str.isalpha, text)) >= MIN_LETTERS
        out[i, 2] = any(a == b and a.isalpha() for a, b in pairwise(row))
    return out


def respelled(
    texts: Sequence[str], labels: Sequence[str], view: Agreement, seed: int = 0
) -> list[Respelled]:
    """Each label's strongest respelled mark (at most one per label), strongest first; empty
    when the classifier is not available."""
    if not view.available or len(texts) != len(labels):
        return []
    classes = sorted(set(labels))
    given = view.y
    read_as = view.logits.argmax(axis=1)
    marked = marks(texts)
    members = [np.flatnonzero(given == c) for c in range(len(classes))]
    rng = np.random.default_rng(seed)
    out = []
    for c, label in enumerate(classes):
        misread = np.flatnonzero((given == c) & view.disagrees)
        own = np.flatnonzero((given == c) & ~view.disagrees)
        if len(misread) < MIN_MISREAD:
            continue
        # each misread row stands for a random row of the label it reads as
        draws = np.empty((DRAWS, len(misread)), dtype=np.int64)
        for other in np.unique(read_as[misread]).tolist():
            columns = np.flatnonzero(read_as[misread] == other)
            pool = members[other]
            draws[:, columns] = pool[rng.integers(0, len(pool), (DRAWS, len(columns)))]
        best: Respelled | None = None
        for j, mark in enumerate(MARKS):
            count = int(marked[misread, j].sum())
            null = marked[draws, j].sum(axis=1)
            own_share = float(marked[own, j].mean()) if len(own) else 0.0
            reference = max(float(null.mean()) / len(misread), own_share, 1 / len(misread))
            share = count / len(misread)
            z = (count - reference * len(misread)) / max(float(null.std()), 1.0)
            found = Respelled(
                label, mark, tuple(misread.tolist()), count, share, reference,
                share / reference, z,
            )  # fmt: skip
            strong = found.lift >= MIN_LIFT and share - reference >= MIN_EXCESS
            if count >= MIN_MARKED and strong and z >= MIN_Z:
                best = found if best is None or found.z > best.z else best
        if best is not None:
            out.append(best)
    return sorted(out, key=lambda f: -f.z)


def respelled_features(
    texts: Sequence[str], labels: Sequence[str], view: Agreement, seed: int = 0
) -> list[tuple[SuspiciousFeature, tuple[int, ...]]]:
    """:func:`respelled` as ``respelled`` features, each listing *all* its label's misread
    rows: the test says they are not the label noise they look like, not which were
    rewritten. Their strength is the bootstrap tail's decades; the scan holds such a set as
    suspicious, never poisoned (no label is shown wrong row by row)."""
    counts = Counter(labels)
    out = []
    for f in respelled(texts, labels, view, seed):
        evidence = (
            f"possible label-flip poisoning in the set's own register: {len(f.misread)} rows "
            f"labelled {f.label!r} read like another label, and {f.marked} of them "
            f"({f.share:.1%}) are spelled with {f.mark} against {f.reference:.1%} of the rows "
            f"they read like or of the label's own ({f.lift:.1f}x, {f.z:.1f} standard deviations "
            "over random rows of the labels they read as); label noise leaves misread rows "
            "spelled like the rows they read as, a style rewritten over them does not. All "
            "of the label's misread rows are listed: the test does not say which were rewritten"
        )
        feature = SuspiciousFeature(
            kind=FeatureKind.RESPELLED,
            text=f"misread rows spelled with {f.mark}",
            rows=len(f.misread),
            label=f.label,
            label_rows=len(f.misread),
            base_rate=round(counts[f.label] / len(labels), 6),
            disagreeing=len(f.misread),
            skew_p_value=1.0,
            p_value=10.0**-f.decades,
            strength=round(f.decades, 2),
            example=texts[f.misread[0]][:200],
            evidence=evidence,
        )
        out.append((feature, f.misread))
    return out
