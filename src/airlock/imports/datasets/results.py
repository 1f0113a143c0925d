"""What the poisoning scan returns: ranked features, ranked rows and a dataset verdict."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

from airlock.errors import InvalidInput


class DatasetVerdict(StrEnum):
    """Dataset-level outcome; anything but ``clean`` should hold the import for review."""

    CLEAN = "clean"
    SUSPICIOUS = "suspicious"
    POISONED = "poisoned"


class FeatureKind(StrEnum):
    """Where a suspicious feature came from."""

    NGRAM = "ngram"  # a word n-gram, grown into the longest phrase its rows share
    CLUSTER = "cluster"  # a group of near-duplicate rows (a template)
    STRUCTURE = "structure"  # a skeleton n-gram: a form (template, style) rather than words
    FAMILY = "family"  # candidate features that co-occur, tested together as one
    REPRESENTATION = "representation"  # a k-means cluster of form profiles or embeddings
    CLEAN_LABEL = "clean-label"  # foreign markers found together in one label (outliers.py)
    RESPELLED = "respelled"  # a label's misread rows spelled unlike what they read as (ADR 0172)


@dataclass(frozen=True, slots=True)
class SuspiciousFeature:
    """A phrase or template whose rows carry one label more than chance and text allows.

    ``skew_p_value`` tests the label count against the dataset's base rate of that label;
    ``p_value`` tests how many rows have that label *and* text a classifier blind to the
    phrase (and to every term enriched in its rows) labels differently;
    ``purity_p_value`` tests the share of other labels against what features of that label
    and size usually have (reported for reviewers, clean-label poison shows there; it does not
    decide: natural spam forms are as pure). ``strength`` is -log10 of ``p_value`` after
    Bonferroni correction over ``tests`` candidates (decades of evidence), equal to
    ``disagreement_strength``. ``example`` is one of its rows, ``evidence`` the finding in words.
    """

    kind: FeatureKind
    text: str
    rows: int
    label: str
    label_rows: int
    base_rate: float
    disagreeing: int
    skew_p_value: float
    p_value: float
    strength: float
    members: tuple[str, ...] = ()  # n-grams merged into this feature
    purity_p_value: float = 1.0
    disagreement_strength: float = 0.0
    example: str = ""
    evidence: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.disagreeing <= self.label_rows <= self.rows:
            raise InvalidInput("feature counts must satisfy disagreeing <= label rows <= rows")

    @property
    def purity(self) -> float:
        """Share of the feature's rows that carry its label."""
        return self.label_rows / self.rows if self.rows else 0.0


@dataclass(frozen=True, slots=True)
class SuspiciousRow:
    """One row's suspicion; ``flagged`` rows carry a significant feature with its label."""

    index: int  # position in the scanned sequence (0-based)
    row: int  # row number in the source
    score: float  # 0..1
    flagged: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The verdict with its evidence, ranked features and ranked rows (flagged first)."""

    verdict: DatasetVerdict
    evidence: tuple[str, ...]
    features: tuple[SuspiciousFeature, ...]
    rows: tuple[SuspiciousRow, ...]
    rows_scanned: int
    flagged_rows: int
    label_issues: int  # rows cleanlab's filter flags (label noise or poison)
    tests: int  # candidate features tested (the Bonferroni factor)

    def __post_init__(self) -> None:
        if not self.evidence:
            raise InvalidInput("a scan verdict needs evidence")


def scan_to_json(result: ScanResult) -> dict[str, object]:
    """A JSON-ready dict of a scan result (enums as their values, purity included)."""
    out = asdict(result)
    out["verdict"] = result.verdict.value
    out["features"] = [
        {**asdict(f), "kind": f.kind.value, "purity": round(f.purity, 4)} for f in result.features
    ]
    return out
