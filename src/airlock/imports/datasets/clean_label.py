"""Clean-label groups as the scan's features, with their evidence in words (pure; ADR 0027).

:mod:`.outliers` finds and tests the groups; the reportable ones (:func:`.outliers.reportable`)
become ``clean-label`` features here, each with the rows it lists. Such a feature holds a
dataset as suspicious, never poisoned: labels are not wrong, and a natural sub-genre
exclusive to one label and varied in content would pass the same tests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from airlock.imports.datasets.limits import ScanLimits
from airlock.imports.datasets.ngrams import Tokens
from airlock.imports.datasets.outliers import outlier_groups, reportable
from airlock.imports.datasets.results import FeatureKind, SuspiciousFeature

SHOWN_MARKERS = 6


def clean_label_features(
    words: Mapping[Tokens, tuple[int, ...]],
    forms: Mapping[Tokens, tuple[int, ...]],
    tokens: Sequence[Tokens],
    labels: Sequence[str],
    texts: Sequence[str],
    *,
    limits: ScanLimits,
    seed: int = 0,
) -> list[tuple[SuspiciousFeature, tuple[int, ...]]]:
    """Groups of :func:`.outliers.outlier_groups` with the evidence to be reported
    (:func:`.outliers.reportable`), as ``clean-label`` features with their rows, an example
    and the evidence in words."""
    found = outlier_groups(words, forms, tokens, labels, min_support=limits.min_support, seed=seed)
    counts = Counter(labels)
    out = []
    for g in found:
        if not reportable(g):
            continue
        base = counts[g.label] / len(labels)
        shown = " | ".join(g.markers[:SHOWN_MARKERS])
        more = (
            f" and {len(g.markers) - SHOWN_MARKERS} more" if len(g.markers) > SHOWN_MARKERS else ""
        )
        evidence = (
            f"possible clean-label poisoning: {len(g.rows)} rows labelled {g.label!r} "
            f"({len(g.rows) / counts[g.label]:.0%} of that label) share markers found in no "
            f"other rows of any label ({shown}{more}); {g.label_rows} of the {g.total_rows} "
            f"rows with them carry {g.label!r} against a base rate of {base:.0%} "
            f"({g.strength:.1f} decades), and without the markers these rows are no more alike "
            f"than the label's other rows ({g.alike:.2f}x), as a style laid over randomly "
            "chosen rows leaves them; labels are not wrong, so this holds the dataset for "
            "review rather than calling it poisoned"
        )
        if g.kindred:
            evidence += (
                f"; {g.kindred} of the rows carry no marker and are listed for their form, "
                "far likelier under the group's than under the label's other rows"
            )
        feature = SuspiciousFeature(
            kind=FeatureKind.CLEAN_LABEL,
            text=shown,
            rows=g.total_rows,
            label=g.label,
            label_rows=g.label_rows,
            base_rate=round(base, 6),
            disagreeing=0,
            skew_p_value=g.p_value,
            p_value=g.p_value,
            strength=g.strength,
            members=g.markers[SHOWN_MARKERS : SHOWN_MARKERS + 8],
            example=texts[g.rows[0]][:200],
            evidence=evidence,
        )
        out.append((feature, g.rows))
    return out
