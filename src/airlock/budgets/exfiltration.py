"""How long stealing a protected model would take under the current enclave-wide limit.

Published attacks compress weights 16-100x before exfiltration, so the estimate assumes the
attacker achieves the top of that range: the bytes that must leave are the model's size
divided by the compression factor, and they can leave no faster than the enclave budget.

Per-person budgets bound one insider; ``k`` colluding accounts move ``min(k * b, E)`` per
window (issue 14), so the estimate is given for one account and for ``k``. A person with no
budget of their own and no default ('*') is bound by the enclave budget alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
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
    accounts: int = 1  # colluding accounts the estimate assumes

    @property
    def days(self) -> float:
        return self.seconds / 86400


def time_to_exfiltrate(
    model: str,
    model_bytes: int,
    enclave: Budget,
    compression: float = ASSUMED_COMPRESSION,
    *,
    personal: Budget | None = None,
    accounts: int = 1,
) -> ExfiltrationEstimate:
    """Minimum time for ``model_bytes`` to leave through the budgets, for ``accounts``
    colluding accounts each bound by ``personal`` (None: by the enclave budget alone).

    Each budget is a sliding window, so a full window's allowance can leave at once and the
    rest follows one window at a time: through a budget of ``limit`` per ``window`` the time
    is ``(ceil(needed / limit) - 1) * window`` plus the instant of the last burst; we report
    whole windows, the attacker's best case. ``accounts`` personal budgets together allow
    ``accounts * limit`` per their window; both the enclave's and theirs must be respected,
    so the time is the longer of the two: ``min(k * b, E)`` per window when the windows agree.
    """
    if enclave.scope is not BudgetScope.ENCLAVE:
        raise InvalidInput("time to exfiltrate is measured against the enclave-wide budget")
    if personal is not None and personal.scope is not BudgetScope.PRINCIPAL:
        raise InvalidInput("colluding accounts are bound by a principal budget")
    if model_bytes <= 0 or compression < 1 or accounts < 1:
        raise InvalidInput("model size, compression and accounts must be at least 1")
    needed = math.ceil(model_bytes / compression)
    seconds = _through(needed, enclave.limit_bytes, enclave.window)
    if personal is not None:
        together = personal.limit_bytes * accounts
        seconds = max(seconds, _through(needed, together, personal.window))
    return ExfiltrationEstimate(model, model_bytes, needed, seconds, accounts)


def _through(needed: int, limit: int, window: timedelta) -> float:
    if limit == 0:
        return math.inf
    windows = -(-needed // limit) - 1  # integer ceil: exact for huge models
    return windows * window.total_seconds()


def most_generous(budgets: Sequence[Budget]) -> Budget | None:
    """The per-person budget a colluding account has at best: the highest rate among the
    principal budgets, or None (unbounded) when there is no default ('*') for those with
    none of their own."""
    personal = [b for b in budgets if b.scope is BudgetScope.PRINCIPAL]
    if not any(b.is_default for b in personal):
        return None
    return max(personal, key=lambda b: b.bytes_per_second)


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


def estimates_for(
    budgets: Sequence[Budget],
    models: Sequence[tuple[str, int]],
    accounts: int = 1,
    *,
    compression: Mapping[str, float] | None = None,
) -> list[ExfiltrationEstimate]:
    """Per protected model (name, size), the fastest theft by ``accounts`` colluding accounts
    that ``budgets`` allow: bound by the enclave budget and the most generous personal one.
    No enclave budget, no estimate (nothing bounds the theft but the link).

    ``compression`` gives a model's own ratio (the lossless one measured at registration,
    issue 19) instead of the assumed 100x.

    Raises: InvalidInput (``accounts`` below 1).
    """
    ratios = compression or {}
    enclave = next((b for b in budgets if b.scope is BudgetScope.ENCLAVE), None)
    if enclave is None:
        return []
    personal = most_generous(budgets)
    return [
        time_to_exfiltrate(
            name,
            size,
            enclave,
            ratios.get(name, ASSUMED_COMPRESSION),
            personal=personal,
            accounts=accounts,
        )
        for name, size in models
    ]
