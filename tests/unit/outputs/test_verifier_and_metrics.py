from __future__ import annotations

import hashlib
import math
from datetime import timedelta

import pytest

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.errors import InvalidInput
from airlock.outputs.metrics import output_metrics
from airlock.outputs.release_clock import TimingBound
from airlock.outputs.verifier import beacon_of, selected
from airlock.store.output_interface import OutputTotals

SEALED = TimingBound(per_response=0.0, per_token=0.0)  # no timing channel at all
DIGESTS = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(2000)]


def test_selection_follows_the_beacon_and_the_fraction() -> None:
    beacon = beacon_of("checkpoint note\n\n— sig\n")
    chosen = [d for d in DIGESTS if selected(beacon, d, 0.1)]
    assert 140 <= len(chosen) <= 260  # about 10%
    assert chosen == [d for d in DIGESTS if selected(beacon, d, 0.1)]  # reproducible
    other = [d for d in DIGESTS if selected(beacon_of("another note"), d, 0.1)]
    assert len(set(chosen) & set(other)) < len(chosen) // 2  # a new beacon, a new draw
    assert all(selected(beacon, d, 1.0) for d in DIGESTS[:50])
    with pytest.raises(InvalidInput):
        selected(beacon, DIGESTS[0], 0.0)


def _totals(verified_tokens: int, capacity_milli: int, unexplained_milli: int = 0) -> OutputTotals:
    return OutputTotals(
        responses=10,
        tokens=2 * verified_tokens,
        bytes=0,
        verified_responses=5,
        verified_tokens=verified_tokens,
        unexplained_milli=unexplained_milli,
        capacity_milli=capacity_milli,
    )


def test_time_to_exfiltrate_through_outputs() -> None:
    day = timedelta(days=1)
    budgets = [
        Budget(BudgetScope.OUTPUT_ENCLAVE, ENCLAVE_SUBJECT, 10**8, day),
        Budget(BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT, 10**7, day),
    ]
    size = 10**12  # 1 TB; 10^10 bytes after 100x
    m = output_metrics(_totals(1000, 10_000), budgets, [("frontier", size)], SEALED)
    assert m.share_verified == 0.5
    assert m.bits_per_token == pytest.approx(0.01)
    (row,) = m.models
    assert row.raw_days == pytest.approx(100.0)  # 10^10 bytes at 10^8 bytes/day
    # 10^7 tokens/day * 0.01 bits = 10^5 bits/day; 8 * 10^10 bits -> 8 * 10^5 days
    assert row.verified_days == pytest.approx(8e5)
    never = output_metrics(_totals(1000, 0), budgets, [("frontier", size)], SEALED)
    assert never.models[0].verified_days == math.inf
    unverified = output_metrics(_totals(0, 0), budgets, [("frontier", size)], SEALED)
    assert unverified.models[0].verified_days is None


def test_the_summary_is_plain_json_and_says_never_for_no_bits() -> None:
    import json  # noqa: PLC0415

    from airlock.outputs.metrics import output_summary  # noqa: PLC0415

    day = timedelta(days=1)
    budgets = [
        Budget(BudgetScope.OUTPUT_ENCLAVE, ENCLAVE_SUBJECT, 10**8, day),
        Budget(BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT, 10**7, day),
    ]
    summary = output_summary(output_metrics(_totals(1000, 0), budgets, [("f", 10**12)], SEALED))
    assert summary["days_to_exfiltrate"] == [
        {"model": "f", "raw": pytest.approx(100.0), "verified": "never"}
    ]
    assert json.loads(json.dumps(summary, allow_nan=False))["timing"]["open"] is False
