"""The information account of one export: what the inspector could not explain, added up.

Every finding that names content of no benign structure (tensor-like windows, weight-like
columns or pixels, opaque or unknown bytes) has a size; per member the largest counts
(:func:`airlock.exports.findings.pieces`). Pieces too small to object to alone still add
up: many sub-threshold tensor-like pieces in one export deny like one large one; tensor-like
pieces from ``max_tensor_like_bytes`` (64 KiB) and any unexplained pieces from
``max_unexplained_bytes`` (256 KiB) hold. The verdict stays the worst finding's; this only adds one.

Weight-like *values* (a numeric column, dataset or histogram judged by
:func:`airlock.exports.arrays.judge_array`) are the exception, by decision (ADR 0003): a
column of per-example margins cannot be told from a column of weights, so such pieces are
not held at 64 KiB but count towards ``max_weight_like_values_bytes`` (512 KiB) together
with everything else unexplained. They still deny from ``weight_threshold_bytes`` like any
tensor-like piece, and raw bytes, text and images keep the stricter thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence

from airlock.domain.requests import Outcome
from airlock.exports.findings import TENSORISH, Finding, FindingKind, pieces, worst
from airlock.exports.limits import InspectionLimits

SHOWN = 3  # pieces named in the account's finding


def account_finding(findings: Sequence[Finding], limits: InspectionLimits) -> Finding | None:
    """A finding when the pieces together call for more than any one of them did."""
    found = pieces(findings)
    tensorish = {m: size for m, (size, t) in found.items() if t}
    total, tensor_total = sum(s for s, _ in found.values()), sum(tensorish.values())
    values = sum(tensorish[m] for m in _values_only(findings) if m in tensorish)
    current = worst(f.verdict for f in findings)
    everything = {m: s for m, (s, _) in found.items()}
    if tensor_total >= limits.weight_threshold_bytes and len(tensorish) > 1:
        verdict, chosen, what = Outcome.DENY, tensorish, "tensor-like"
    elif tensor_total - values >= limits.max_tensor_like_bytes:
        verdict, chosen, what = Outcome.HOLD, tensorish, "tensor-like"
    elif total - values >= limits.max_unexplained_bytes:
        verdict, chosen, what = Outcome.HOLD, everything, "unexplained"
    elif values and total >= limits.max_weight_like_values_bytes:
        verdict, chosen, what = Outcome.HOLD, everything, "unexplained (weight-like values)"
    else:
        return None
    if worst([current, verdict]) is current:
        return None
    largest = sorted(chosen.items(), key=lambda item: -item[1])[:SHOWN]
    named = ", ".join(f"{m or '(the file)'}: {s} bytes" for m, s in largest)
    return Finding(
        FindingKind.ACCOUNT,
        verdict,
        f"{len(chosen)} {what} pieces add up to {sum(chosen.values())} bytes "
        f"(largest: {named}); each is small, together they are a payload",
        member="",
        size=sum(chosen.values()),
        confidence=0.8,
    )


def _values_only(findings: Sequence[Finding]) -> set[str]:
    """Members whose tensor-like findings are all weight-like values (columns, datasets)."""
    values = {f.member for f in findings if f.kind is FindingKind.WEIGHT_LIKE_VALUES}
    other = {
        f.member
        for f in findings
        if f.kind in TENSORISH and f.kind is not FindingKind.WEIGHT_LIKE_VALUES and f.size
    }
    return values - other
