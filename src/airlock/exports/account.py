"""The information account of one export: what the inspector could not explain, added up.

Every finding that names content of no benign structure (tensor-like windows, weight-like
columns or pixels, opaque or unknown bytes) has a size; per member the largest counts
(:func:`airlock.exports.findings.pieces`). Pieces too small to object to alone still add
up: many sub-threshold tensor-like pieces in one export deny like one large one; tensor-like
pieces from ``max_tensor_like_bytes`` (64 KiB) and any unexplained pieces from
``max_unexplained_bytes`` (256 KiB) hold. The verdict stays the worst finding's; this only adds one.
"""

from __future__ import annotations

from collections.abc import Sequence

from airlock.domain.requests import Outcome
from airlock.exports.findings import Finding, FindingKind, pieces, worst
from airlock.exports.limits import InspectionLimits

SHOWN = 3  # pieces named in the account's finding


def account_finding(findings: Sequence[Finding], limits: InspectionLimits) -> Finding | None:
    """A finding when the pieces together call for more than any one of them did."""
    found = pieces(findings)
    tensorish = {m: size for m, (size, t) in found.items() if t}
    total, tensor_total = sum(s for s, _ in found.values()), sum(tensorish.values())
    current = worst(f.verdict for f in findings)
    if tensor_total >= limits.weight_threshold_bytes and len(tensorish) > 1:
        verdict, chosen, what = Outcome.DENY, tensorish, "tensor-like"
    elif tensor_total >= limits.max_tensor_like_bytes:
        verdict, chosen, what = Outcome.HOLD, tensorish, "tensor-like"
    elif total >= limits.max_unexplained_bytes:
        verdict, chosen, what = Outcome.HOLD, {m: s for m, (s, _) in found.items()}, "unexplained"
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
