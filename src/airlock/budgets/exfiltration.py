"""How long stealing a protected model would take under the current enclave-wide limit.

Published attacks compress weights 16-100x before exfiltration, so the estimate assumes the
attacker achieves the top of that range: the bytes that must leave are the model's size
divided by the compression factor, and they can leave no faster than the enclave budget.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from airlock.budgets.limits import Budget, BudgetScope, describe_window
from airlock.errors import InvalidInput, PolicyViolation

ASSUMED_COMPRESSION = 100.0


@dataclass(frozen=True, slots=True)
class ExfiltrationEstimate:
    model: str
    model_bytes: int
    compressed_bytes: int
    seconds: float  # math.inf when the enclave budget is zero and nothing can leave

    @property
    def days(self) -> float:
        return self.seconds / 86400


def time_to_exfiltrate(
    model: str, model_bytes: int, enclave: Budget, compression: float = ASSUMED_COMPRESSION
) -> ExfiltrationEstimate:
    """Minimum time for ``model_bytes`` to leave through the enclave budget.

    The budget is a sliding window, so a full window's allowance can leave at once and the
    rest follows one window at a time: the time is ``(ceil(needed / limit) - 1) * window``
    plus the instant of the last burst; we report whole windows, the attacker's best case.
    """
    if enclave.scope is not BudgetScope.ENCLAVE:
        raise InvalidInput("time to exfiltrate is measured against the enclave-wide budget")
    if model_bytes <= 0 or compression < 1:
        raise InvalidInput("model size must be positive and compression at least 1")
    needed = math.ceil(model_bytes / compression)
    if enclave.limit_bytes == 0:
        return ExfiltrationEstimate(model, model_bytes, needed, math.inf)
    windows = -(-needed // enclave.limit_bytes) - 1  # integer ceil: exact for huge models
    return ExfiltrationEstimate(
        model, model_bytes, needed, windows * enclave.window.total_seconds()
    )


def refuse_if_below_floor(
    proposed: Budget, models: Sequence[tuple[str, int]], floor: timedelta | None
) -> list[ExfiltrationEstimate]:
    """Estimates under a proposed enclave budget, refusing one that breaks the floor.

    Raises:
        PolicyViolation: some protected model could leave faster than ``floor``.
    """
    estimates = [time_to_exfiltrate(name, size, proposed) for name, size in models]
    if floor is not None:
        too_fast = [e for e in estimates if e.seconds < floor.total_seconds()]
        if too_fast:
            worst = min(too_fast, key=lambda e: e.days)
            raise PolicyViolation(
                f"with {proposed.limit_bytes} bytes per {describe_window(proposed.window)}, "
                f"{worst.model} could "
                f"leave in {worst.days:.1f} days (at {ASSUMED_COMPRESSION:.0f}x compression), "
                f"under the policy floor of {floor.days} days: choose a smaller budget"
            )
    return estimates
