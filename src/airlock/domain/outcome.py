"""The three answers airlock gives, on their own (``airlock package vet`` needs only them)."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """A decision. ``hold`` is the fail-closed answer whenever airlock is unsure."""

    ALLOW = "allow"
    HOLD = "hold"
    DENY = "deny"
