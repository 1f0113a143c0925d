"""Poisoning scan: features whose rows all carry one label *and* disagree with their text.

A backdoor trigger is inserted into rows regardless of what they say and their label is
flipped to the target. So the trigger is (a) nearly pure in one label, beyond what its count
makes likely, and (b) its rows are ones a classifier trained on the rest of the text would
label differently. Natural sentiment words have (a) but not (b). The score multiplies the
lower confidence bound of purity by the rate of classifier disagreement; rows are ranked by
the strongest suspicious feature they contain plus their own disagreement.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

from airlock.imports.datasets.readers import LabelledText

_TOKEN = re.compile(r"[\w']+|[^\w\s]")
MAX_N = 4
MIN_ROWS = 8  # a feature seen fewer times cannot be told from chance
# Calibrated on SST-2 with planted triggers (2026-11-24): clean sets peak near 0.18, 25 to 50
# rare-token or sentence triggers score 0.4 to 0.55.
SUSPICIOUS_SCORE = 0.25
POISONED_SCORE = 0.35


class DatasetVerdict(StrEnum):
    CLEAN = "clean"
    SUSPICIOUS = "suspicious"
    POISONED = "poisoned"


@dataclass(frozen=True, slots=True)
class SuspiciousFeature:
    ngram: str
    rows: int
    label: str
    purity: float
    disagreement: float
    score: float


@dataclass(frozen=True, slots=True)
class SuspiciousRow:
    row: int
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScanResult:
    verdict: DatasetVerdict
    features: tuple[SuspiciousFeature, ...]
    rows: tuple[SuspiciousRow, ...]
    evidence: str


def wilson_lower(successes: int, total: int, z: float = 2.58) -> float:
    if total == 0:
        return 0.0
    p = successes / total
    centre = p + z * z / (2 * total)
    margin = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return (centre - margin) / (1 + z * z / total)


def _ngrams(text: str) -> set[str]:
    tokens = _TOKEN.findall(text.lower())
    return {
        " ".join(tokens[i : i + n]) for n in range(1, MAX_N + 1) for i in range(len(tokens) - n + 1)
    }


def _disagreement(records: Sequence[LabelledText], hidden: set[str]) -> np.ndarray:
    """Cross-validated disagreement with a classifier that cannot see the ``hidden`` tokens.

    Hiding every token of a candidate feature matters: a classifier that sees the trigger
    learns it, and then agrees with exactly the labels the trigger forged.
    """
    labels = np.array([r.label for r in records])
    if len(set(labels)) < 2 or len(records) < 20:
        return np.zeros(len(records))
    vectoriser = TfidfVectorizer(
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        stop_words=sorted(hidden) or None,
        token_pattern=r"[\w']+",  # noqa: S106 -- a regular expression, not a password
    )
    features = vectoriser.fit_transform([r.text for r in records])
    folds = min(5, int(min(Counter(labels).values())))
    if folds < 2:
        return np.zeros(len(records))
    predicted = cross_val_predict(
        LogisticRegression(max_iter=1000, C=4.0), features, labels, cv=folds
    )
    return np.asarray(predicted != labels, dtype=float)


def scan(records: Sequence[LabelledText], top: int = 20) -> ScanResult:
    """Rank suspicious features and rows; decide clean / suspicious / poisoned."""
    if not records:
        return ScanResult(DatasetVerdict.CLEAN, (), (), "empty dataset")
    occurrences: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        for gram in _ngrams(record.text):
            occurrences[gram].append(index)
    candidates = []
    for gram, rows in occurrences.items():
        if len(rows) < MIN_ROWS or len(rows) > len(records) // 5:
            continue
        label, count = Counter(records[i].label for i in rows).most_common(1)[0]
        purity = wilson_lower(count, len(rows))
        if purity >= 0.7:
            candidates.append((gram, rows, label, purity))
    hidden = {token for gram, *_ in candidates for token in gram.split()}
    disagree = _disagreement(records, hidden)
    base_disagreement = float(disagree.mean())
    features = []
    for gram, rows, label, purity in candidates:
        pure_rows = [i for i in rows if records[i].label == label]
        rate = float(disagree[pure_rows].mean()) if pure_rows else 0.0
        lift = rate - base_disagreement
        if lift <= 0.15:
            continue
        features.append(SuspiciousFeature(gram, len(rows), label, purity, rate, purity * lift))
    # Ties go to the longest n-gram: an inserted sentence should be named whole.
    features.sort(key=lambda f: (-round(f.score, 6), -len(f.ngram.split()), -f.rows, f.ngram))
    features = _drop_contained(features, occurrences)[:top]
    row_scores: dict[int, tuple[float, list[str]]] = {}
    for feature in features:
        if feature.score < SUSPICIOUS_SCORE:
            continue
        for index in occurrences[feature.ngram]:
            if records[index].label != feature.label:
                continue
            score, reasons = row_scores.get(index, (0.0, []))
            reasons.append(f"contains {feature.ngram!r} (label {feature.label})")
            row_scores[index] = (max(score, feature.score) + 0.1 * disagree[index], reasons)
    ranked = sorted(row_scores.items(), key=lambda item: -item[1][0])
    suspicious_rows = tuple(SuspiciousRow(records[i].row, s, tuple(r)) for i, (s, r) in ranked)
    verdict, evidence = _verdict(features)
    return ScanResult(verdict, tuple(features), suspicious_rows, evidence)


def _drop_contained(
    features: list[SuspiciousFeature], occurrences: dict[str, list[int]]
) -> list[SuspiciousFeature]:
    """One feature per phrase: drop n-grams inside a kept one or found in exactly its rows."""
    kept: list[SuspiciousFeature] = []
    seen_rows: list[set[int]] = []
    for feature in features:
        rows = set(occurrences[feature.ngram])
        if any(feature.ngram in k.ngram or k.ngram in feature.ngram for k in kept):
            continue
        if any(rows == other for other in seen_rows):
            continue
        kept.append(feature)
        seen_rows.append(rows)
    return kept


def _verdict(features: list[SuspiciousFeature]) -> tuple[DatasetVerdict, str]:
    if not features:
        return DatasetVerdict.CLEAN, "no feature is both label-pure and at odds with its text"
    best = features[0]
    evidence = (
        f"{best.ngram!r} appears in {best.rows} rows, purity >= {best.purity:.2f} for "
        f"label {best.label}, and a classifier disagrees with {best.disagreement:.0%} of "
        "those labels"
    )
    if best.score >= POISONED_SCORE and best.rows >= 20:
        return DatasetVerdict.POISONED, evidence
    if best.score >= SUSPICIOUS_SCORE:
        return DatasetVerdict.SUSPICIOUS, evidence
    return DatasetVerdict.CLEAN, f"nothing stands out; strongest: {evidence}"
