"""The output channel in figures: served, verified, unexplained, and time to exfiltrate. Pure.

Time to exfiltrate a protected model through model outputs, at the same 100x compression
the export floors assume (``budgets/exfiltration.py``):

* raw: if every byte of the enclave's output byte budget were payload (no verification);
* under verification: the enclave's token budget times the bits per token a cheating
  upstream could carry undetected (the tolerance capacity measured by the verifier, plus
  any unexplained bits it observed), per verified token, plus what the timing of the
  responses can carry, which no replay sees (:mod:`airlock.outputs.release_clock`): with
  responses leaving at once that is more than the tokens' own share (docs/adr/0064).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from airlock.budgets.limits import Budget, BudgetScope
from airlock.outputs.release_clock import TimingBound
from airlock.store.output_interface import OutputTotals

ASSUMED_COMPRESSION = 100.0
SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True, slots=True)
class ModelThroughOutputs:
    model: str
    size_bytes: int
    raw_days: float | None  # None: no output byte budget
    verified_days: float | None  # None: nothing verified yet, or no token budget; inf: 0 bits


@dataclass(frozen=True, slots=True)
class OutputMetrics:
    totals: OutputTotals
    bits_per_token: float | None  # what passes verification, per verified token
    models: tuple[ModelThroughOutputs, ...]
    timing: TimingBound
    timing_bits_per_token: float  # what the timing carries, per token served

    @property
    def share_verified(self) -> float:
        t = self.totals
        return t.verified_tokens / t.tokens if t.tokens else 0.0

    @property
    def unexplained_bits(self) -> float:
        return self.totals.unexplained_milli / 1000


def output_metrics(
    totals: OutputTotals,
    budgets: Sequence[Budget],
    models: Sequence[tuple[str, int]],
    timing: TimingBound,
) -> OutputMetrics:
    by_scope = {b.scope: b for b in budgets if b.scope.enclave_wide}
    byte_budget = by_scope.get(BudgetScope.OUTPUT_ENCLAVE)
    token_budget = by_scope.get(BudgetScope.TOKENS_ENCLAVE)
    bits_per_token = (
        (totals.capacity_milli + totals.unexplained_milli) / 1000 / totals.verified_tokens
        if totals.verified_tokens
        else None
    )
    timing_bits = timing.per_served_token(totals.responses, totals.tokens)
    rows = []
    for name, size in models:
        payload_bits = size * 8 / ASSUMED_COMPRESSION
        raw = (
            payload_bits / (byte_budget.bytes_per_second * 8) / SECONDS_PER_DAY
            if byte_budget is not None and byte_budget.limit_bytes
            else None
        )
        verified: float | None = None
        if token_budget is not None and bits_per_token is not None:
            # tokens/s * bits/token
            rate = token_budget.bytes_per_second * (bits_per_token + timing_bits)
            verified = payload_bits / rate / SECONDS_PER_DAY if rate > 0 else float("inf")
        rows.append(ModelThroughOutputs(name, size, raw, verified))
    return OutputMetrics(totals, bits_per_token, tuple(rows), timing, timing_bits)


def output_summary(m: OutputMetrics) -> dict[str, object]:
    """The output channel's figures as JSON values (`airlock metrics --json`, the metrics
    page): an infinite time to exfiltrate (no bit passes verification) is ``"never"``."""

    def days(value: float | None) -> float | str | None:
        return "never" if value == float("inf") else value

    t = m.totals
    return {
        "responses": t.responses,
        "tokens": t.tokens,
        "bytes": t.bytes,
        "share_verified": m.share_verified,
        "verified_responses": t.verified_responses,
        "unexplained_bits": m.unexplained_bits,
        "bits_per_token_verified": m.bits_per_token,
        "timing": {
            "open": m.timing.open,
            "bits_per_response": m.timing.per_response,
            "bits_per_streamed_token": m.timing.per_token,
            "bits_per_token_served": m.timing_bits_per_token,
        },
        "days_to_exfiltrate": [
            {"model": r.model, "raw": days(r.raw_days), "verified": days(r.verified_days)}
            for r in m.models
        ],
    }
