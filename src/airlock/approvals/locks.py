"""Anomaly locks: stop a principal or project quickly, lift it just as quickly.

A lock is cheap to impose and to undo, so rules may be trigger-happy: a lock blocks new
exports at once, expires on its own, and one authenticated, logged step lifts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from airlock.domain.requests import Outcome
from airlock.errors import InvalidInput
from airlock.render.units import format_duration


class LockScope(StrEnum):
    PRINCIPAL = "principal"
    PROJECT = "project"
    ENCLAVE = "enclave"  # every export: imposed by a break-glass recovery (issue 14)
    UPSTREAM = "upstream"  # an inference upstream behind /v1 (issue 20)


@dataclass(frozen=True, slots=True)
class Lock:
    scope: LockScope
    subject: str
    reason: str
    created_at: datetime
    expires_at: datetime
    lifted_at: datetime | None = None
    lifted_by: str = ""

    def __post_init__(self) -> None:
        if self.expires_at <= self.created_at:
            raise InvalidInput("a lock must expire after it starts")
        if not self.reason.strip():
            raise InvalidInput("a lock needs a reason the locked person can read")

    def active_at(self, now: datetime) -> bool:
        return self.lifted_at is None and self.created_at <= now < self.expires_at

    def liftable_at(self, at: datetime) -> bool:
        """Whether a lift at ``at`` ends this lock: not lifted and not yet expired, even if
        it starts later (the SQL store's ``lift_locks`` says the same in its WHERE)."""
        return self.lifted_at is None and at < self.expires_at


@dataclass(frozen=True, slots=True)
class AnomalyRules:
    weight_denials: int = 2  # denied exports with tensor findings ...
    weight_window: timedelta = timedelta(hours=1)  # ... within this window lock the person
    holds: int = 5  # held exports ...
    holds_window: timedelta = timedelta(minutes=10)  # ... in a burst lock the person
    budget_fraction: float = 0.9  # using this much of a personal budget locks the person
    budget_refusals: int = 20  # exports refused for their budget ... (issue 14)
    budget_refusals_window: timedelta = timedelta(hours=24)  # ... within this lock the person
    duration: timedelta = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class RecentOutcome:
    outcome: Outcome
    weights_found: bool
    at: datetime
    over_budget: bool = False  # refused because a byte budget had no room left


def anomaly_reason(
    recent: Sequence[RecentOutcome],
    budget_fraction_used: float,
    rules: AnomalyRules,
    now: datetime,
) -> str | None:
    """Why the principal's recent activity warrants a lock, or None."""
    denied = sum(
        1
        for r in recent
        if r.outcome is Outcome.DENY and r.weights_found and now - r.at <= rules.weight_window
    )
    if denied >= rules.weight_denials:
        return (
            f"{denied} exports with weight content denied within "
            f"{format_duration(rules.weight_window)}"
        )
    held = sum(1 for r in recent if r.outcome is Outcome.HOLD and now - r.at <= rules.holds_window)
    if held >= rules.holds:
        return f"{held} exports held within {format_duration(rules.holds_window)}"
    refused = sum(
        1
        for r in recent
        if r.outcome is Outcome.DENY
        and r.over_budget
        and now - r.at <= rules.budget_refusals_window
    )
    if refused >= rules.budget_refusals:
        return (
            f"{refused} exports refused for their byte budget within "
            f"{format_duration(rules.budget_refusals_window)}: splitting an export does not get "
            "it out"
        )
    if budget_fraction_used >= rules.budget_fraction:
        return f"{budget_fraction_used:.0%} of the personal export budget used"
    return None
