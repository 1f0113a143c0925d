"""The timing channel's release points and what they leave to an upstream (docs/adr/0064)."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.outputs.metrics import output_metrics
from airlock.outputs.release_clock import ReleaseClock, timing_bound
from airlock.store.output_interface import OutputTotals

CLOCK = ReleaseClock(0.05)


def test_release_points_start_linear_then_grow_by_a_quarter() -> None:
    points = []
    elapsed = 0.0
    for _ in range(8):
        elapsed = CLOCK.next_point(elapsed + 1e-9)
        points.append(round(elapsed, 6))
    assert points == [0.05, 0.1, 0.15, 0.2, 0.25, 0.3125, 0.390625, 0.488281]


def test_a_response_waits_at_most_a_quantum_or_a_quarter_of_its_time() -> None:
    for ms in range(0, 600_000, 7):
        ready = ms / 1000
        point = CLOCK.next_point(ready)
        assert point >= ready
        assert point - ready <= max(0.05, 0.25 * ready) + 1e-9


def test_every_ready_time_maps_to_one_of_the_counted_points() -> None:
    horizon = 30.0
    seen = {round(CLOCK.next_point(ms / 1000), 9) for ms in range(30_001)}
    # the last point may lie past the horizon: an answer ready just before it waits for it
    assert len(seen) <= CLOCK.points_within(horizon) + 1
    assert CLOCK.points_within(0.01) == 1


def test_bits_per_response_are_few_and_grow_with_the_log_of_the_timeout() -> None:
    short = CLOCK.bits_per_response(300.0)
    assert 5.0 < short < 7.0  # about 40 points, and answer or failure
    assert CLOCK.bits_per_response(3000.0) - short < 1.5  # ten times the timeout: ~1 bit more
    with pytest.raises(ValueError, match="positive"):
        ReleaseClock(0.0)


def test_an_open_channel_is_charged_per_token_and_a_quantized_one_per_response() -> None:
    opened = timing_bound(0, 300)
    assert opened.open
    assert opened.per_token == pytest.approx(math.log2(300_001))
    quantized = timing_bound(50, 300)
    assert not quantized.open
    assert quantized.per_token == 0
    assert quantized.per_response == pytest.approx(CLOCK.bits_per_response(300))
    # 100 responses of 1,000 tokens: a tenth of a response's bits per token
    assert quantized.per_served_token(100, 100_000) == pytest.approx(quantized.per_response / 1000)
    assert quantized.per_served_token(0, 0) == quantized.per_response  # nothing served yet


def test_an_open_timing_channel_shortens_the_time_to_exfiltrate_through_outputs() -> None:
    day = timedelta(days=1)
    budgets = [
        Budget(BudgetScope.OUTPUT_ENCLAVE, ENCLAVE_SUBJECT, 10**8, day),
        Budget(BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT, 10**7, day),
    ]
    totals = OutputTotals(
        responses=100,
        tokens=100_000,
        bytes=0,
        verified_responses=10,
        verified_tokens=10_000,
        unexplained_milli=0,
        capacity_milli=100_000,  # 0.01 bits per verified token
    )
    size = 10**12
    days = {
        name: output_metrics(totals, budgets, [("m", size)], bound).models[0].verified_days
        for name, bound in (("open", timing_bound(0, 300)), ("quantized", timing_bound(50, 300)))
    }
    assert days["open"] is not None
    assert days["quantized"] is not None
    # open: ~18 bits a token beside 0.01: verification bounds almost nothing
    assert days["open"] == pytest.approx(8e10 / (10**7 * (0.01 + math.log2(300_001))))
    # quantized: ~6 bits per 1,000-token response add ~0.006 bits a token
    quantized_rate = 0.01 + timing_bound(50, 300).per_response / 1000
    assert days["quantized"] == pytest.approx(8e10 / (10**7 * quantized_rate))
    assert days["quantized"] > 1000 * days["open"]
