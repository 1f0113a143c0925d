"""A label's misread rows respelled unlike the rows they read like (pure; ADRs 0172, 0175).

A flipped style written in the data's own informal register (SMS text-speak: "u", "2",
dropped g's, a row all in lower case) has no word or form skewed to its target label, so no
n-gram, form or family feature exists to test (issue 23). Its rows are still ham rows with a
spam label: the classifier reads them as the label they came from, as it reads honest label
noise. What tells the two apart is *how the rows are spelled*. Noise flips a random sample of
a label, so its misread rows are spelled like the label they read as; a rewrite spells its
rows its own way. ADR 0163 compared their *words* and was rejected: a classifier's errors
gather by topic, so word counts of misread rows differ from a random sample's on clean data
too, by more the larger the set.

This module compares *orthographic* marks of a row, which carry no topic: the classes of
spelling change of :mod:`.orthography` (clipped words, words cut at an apostrophe, letters
or digits for words, stretched letters, a word said twice, casing; ADR 0175 replaced ADR
0172's three hand-chosen marks with them). For each label, the share of
its misread rows with a mark is compared with the higher of (a) the share expected if they
were rows of the labels they read as (each misread row stands for a row of the label it reads
as, drawn at random: :data:`DRAWS` bootstrap draws give the null's spread) and (b) the
share among the label's own rows that read like it (a label's own spelling is no flip).
A mark is *respelled* when its share is at least :data:`MIN_LIFT` times that reference and
:data:`MIN_EXCESS` over it (effect sizes, which do not grow with the row count as a tail
does), in at least :data:`MIN_MARKED` rows, and :data:`MIN_Z` bootstrap standard deviations
over it (which only keeps a few rows from passing by chance).

A respelled label lists all its misread rows and its rows read as its own with the
respelled mark (:func:`listed`); a planted row the classifier reads as its new label and
that carries no respelled mark is not listed. It does not look at words at all, so a style
that respells nothing is not found here. On a clean set a label's misread rows are spelled
like the rows they read as or more formally (the bench's 18 controls: no mark passes the
bars).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from airlock.imports.datasets.classifier import Agreement
from airlock.imports.datasets.orthography import MARKS, marks
from airlock.imports.datasets.results import FeatureKind, SuspiciousFeature

MIN_MISREAD = 30  # misread rows of a label before their spelling is compared
MIN_MARKED = 10  # misread rows with the mark
MIN_LIFT = 2.5  # share of the mark in misread rows over the reference share
# share of misread rows beyond the reference that carry the mark: clean SMS spam's misread rows
# are in lower case about 3 points more often than ham (lift up to 3.0), whatever the size
MIN_EXCESS = 0.06
MIN_Z = 5.0  # bootstrap standard deviations over the null's mean
DRAWS = 1000


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
    rows: tuple[int, ...]  # the misread rows with the mark
    read_rows: tuple[int, ...] = ()  # the label's rows read as its own, with the mark

    def __post_init__(self) -> None:
        if self.marked != len(self.rows) or self.marked > len(self.misread) or self.reference <= 0:
            raise ValueError("a respelled mark needs marked <= misread and a positive reference")

    @property
    def decades(self) -> float:
        """-log10 of the normal tail of ``z`` (the bootstrap's spread; reported, not tested)."""
        return -math.log10(max(0.5 * math.erfc(self.z / math.sqrt(2)), 1e-300))


def measured(
    texts: Sequence[str], labels: Sequence[str], view: Agreement, seed: int = 0
) -> list[Respelled]:
    """Every mark of every label with enough misread rows, measured whatever its size (the
    bars are :func:`is_respelled`'s); empty when the classifier is not available."""
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
        seen = marked[misread]
        null = np.stack([marked[draws, j].sum(axis=1) for j in range(len(MARKS))], axis=1)
        own_shares = marked[own].mean(axis=0) if len(own) else np.zeros(len(MARKS))
        for j, mark in enumerate(MARKS):
            count = int(seen[:, j].sum())
            reference = max(
                float(null[:, j].mean()) / len(misread), float(own_shares[j]), 1 / len(misread)
            )
            share = count / len(misread)
            z = (count - reference * len(misread)) / max(float(null[:, j].std()), 1.0)
            out.append(Respelled(
                label, mark, tuple(misread.tolist()), count, share, reference,
                share / reference, z, tuple(misread[seen[:, j]].tolist()),
                tuple(own[marked[own, j]].tolist()),
            ))  # fmt: skip
    return out


def is_respelled(f: Respelled) -> bool:
    """The bars: both effect sizes, enough rows, and enough deviations."""
    strong = f.lift >= MIN_LIFT and f.share - f.reference >= MIN_EXCESS
    return f.marked >= MIN_MARKED and strong and f.z >= MIN_Z


def respelled(
    texts: Sequence[str], labels: Sequence[str], view: Agreement, seed: int = 0
) -> list[Respelled]:
    """Every respelled mark of every label, strongest first; empty when the classifier is
    not available."""
    return sorted(filter(is_respelled, measured(texts, labels, view, seed)), key=lambda f: -f.z)


def listed(found: Sequence[Respelled], label: str) -> tuple[int, ...]:
    """The rows of a respelled label (ADR 0175): all its misread rows, as ADR 0172 listed
    them (the test says they are not the label noise they look like, not which of them were
    rewritten: a rewrite marks some rows one way, some another and some not at all), and its
    rows read as its own that carry a respelled mark (a rewritten row the classifier learned
    to read as its new label because of its spelling; a respelled mark is at most 1 in 2.5
    of the label's own rows by the bars). Listing only the misread rows with a raised mark
    was more precise and lost five tuned cells' recall (ADR 0175)."""
    mine = [f for f in found if f.label == label]
    rows = {i for f in mine for i in f.misread}
    rows.update(i for f in mine if is_respelled(f) for i in f.read_rows)
    return tuple(sorted(rows))


def respelled_features(
    texts: Sequence[str], labels: Sequence[str], view: Agreement, seed: int = 0
) -> list[tuple[SuspiciousFeature, tuple[int, ...]]]:
    """:func:`respelled` as ``respelled`` features, one per label (its strongest mark),
    each listing the label's misread rows and its rows read as its own with the respelled
    mark (:func:`listed`): the test says the misread rows are not the label noise they look
    like, not which of them were rewritten. Their strength is the bootstrap
    tail's decades; the scan holds such a set as suspicious, never poisoned (no label is
    shown wrong row by row)."""
    counts = Counter(labels)
    found = measured(texts, labels, view, seed)
    out = []
    done: set[str] = set()
    for f in sorted(filter(is_respelled, found), key=lambda f: -f.z):
        if f.label in done:
            continue
        done.add(f.label)
        rows = listed(found, f.label)
        evidence = (
            f"possible label-flip poisoning in the set's own register: {len(f.misread)} rows "
            f"labelled {f.label!r} read like another label, and {f.marked} of them "
            f"({f.share:.1%}) are spelled with {f.mark} against {f.reference:.1%} of the rows "
            f"they read like or of the label's own ({f.lift:.1f}x, {f.z:.1f} standard deviations "
            "over random rows of the labels they read as); label noise leaves misread rows "
            "spelled like the rows they read as, a style rewritten over them does not. Listed: "
            f"the label's {len(rows)} misread rows, and its rows read as {f.label!r} with "
            f"{f.mark}"
        )
        feature = SuspiciousFeature(
            kind=FeatureKind.RESPELLED,
            text=f"misread rows spelled with {f.mark}",
            rows=len(rows),
            label=f.label,
            label_rows=len(rows),
            base_rate=round(counts[f.label] / len(labels), 6),
            disagreeing=len(rows),
            skew_p_value=1.0,
            p_value=10.0**-f.decades,
            strength=round(f.decades, 2),
            example=texts[rows[0]][:200],
            evidence=evidence,
        )
        out.append((feature, rows))
    return out
