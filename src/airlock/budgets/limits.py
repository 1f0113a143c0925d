"""Byte budgets per principal, project and the whole enclave, each over a sliding window.

Weights are huge and legitimate outputs are small, so a tight budget on the bytes that
cross the boundary turns the theft of terabytes into months of visible traffic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from airlock.errors import InvalidInput
from airlock.render.units import format_bytes

ENCLAVE_SUBJECT = "*"
# A principal or project budget whose subject is '*' is the default (issue 14): it applies
# to each principal (project) with no budget of its own, counted per principal (project),
# never shared among them -- a second account is a second budget, not a loophole.
DEFAULT_SUBJECT = "*"
MAX_WINDOW = timedelta(days=366)


class BudgetScope(StrEnum):
    PRINCIPAL = "principal"
    PROJECT = "project"
    ENCLAVE = "enclave"
    # The model-output channel (issue 20): generated tokens and their bytes, per caller and
    # for the whole enclave, kept apart from the export budgets. A token budget's
    # ``limit_bytes`` counts tokens.
    TOKENS_PRINCIPAL = "tokens-principal"
    TOKENS_ENCLAVE = "tokens-enclave"
    OUTPUT_PRINCIPAL = "output-principal"
    OUTPUT_ENCLAVE = "output-enclave"

    @property
    def enclave_wide(self) -> bool:
        return self in _ENCLAVE_WIDE

    @property
    def unit(self) -> str:
        return "tokens" if self in _TOKEN_SCOPES else "bytes"


_ENCLAVE_WIDE = frozenset(
    {BudgetScope.ENCLAVE, BudgetScope.TOKENS_ENCLAVE, BudgetScope.OUTPUT_ENCLAVE}
)
_TOKEN_SCOPES = frozenset({BudgetScope.TOKENS_PRINCIPAL, BudgetScope.TOKENS_ENCLAVE})


@dataclass(frozen=True, slots=True)
class Budget:
    """At most ``limit_bytes`` may leave for ``subject`` within any ``window``."""

    scope: BudgetScope
    subject: str
    limit_bytes: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.limit_bytes < 0:
            raise InvalidInput("a budget cannot be negative: use 0 to stop all exports")
        if not timedelta(minutes=1) <= self.window <= MAX_WINDOW:
            raise InvalidInput("a budget window must be between one minute and 366 days")
        if self.scope.enclave_wide and self.subject != ENCLAVE_SUBJECT:
            raise InvalidInput("enclave-wide budgets have subject '*'; other budgets name theirs")
        if not self.subject:
            raise InvalidInput("a budget names its principal or project, or '*' for the default")

    @property
    def is_default(self) -> bool:
        """A principal or project budget for '*': the one each subject without its own gets."""
        return not self.scope.enclave_wide and self.subject == DEFAULT_SUBJECT

    def inherited_by(self, subject: str) -> Budget:
        """This default as the budget of ``subject``, which has none of its own."""
        if not self.is_default or subject == DEFAULT_SUBJECT:
            raise InvalidInput("only a default budget is inherited, and only by a named subject")
        return Budget(self.scope, subject, self.limit_bytes, self.window)

    @property
    def key(self) -> tuple[BudgetScope, str]:
        return (self.scope, self.subject)

    @property
    def bytes_per_second(self) -> float:
        return self.limit_bytes / self.window.total_seconds()


@dataclass(frozen=True, slots=True)
class BudgetCheck:
    """One budget's answer to one request."""

    budget: Budget
    used_bytes: int
    requested_bytes: int

    @property
    def fits(self) -> bool:
        return self.used_bytes + self.requested_bytes <= self.budget.limit_bytes

    @property
    def remaining_bytes(self) -> int:
        return max(0, self.budget.limit_bytes - self.used_bytes)

    def explain(self) -> str:
        b = self.budget
        who = f"the enclave ({b.scope})" if b.scope.enclave_wide else f"{b.scope} {b.subject}"
        return (
            f"{who} has used {amount(self.used_bytes, b.scope)} of "
            f"{amount(b.limit_bytes, b.scope)} in the last {describe_window(b.window)}; this "
            f"request needs {amount(self.requested_bytes, b.scope)}"
        )


def amount(count: int, scope: BudgetScope) -> str:
    """``100 MiB`` for a byte budget, ``1,000 tokens`` for a token budget."""
    return format_bytes(count) if scope.unit == "bytes" else f"{count:,} tokens"


def applicable(budgets: Sequence[Budget], principal: str, project: str | None) -> list[Budget]:
    """The budgets that bind a request. Fails closed: no enclave budget means no export.

    Raises:
        InvalidInput: there is no enclave-wide budget configured.
    """
    by_key = {b.key: b for b in budgets}
    wanted = [(BudgetScope.ENCLAVE, ENCLAVE_SUBJECT), (BudgetScope.PRINCIPAL, principal)]
    if project is not None:
        wanted.append((BudgetScope.PROJECT, project))
    chosen = [b for k in wanted if (b := effective(by_key, k)) is not None]
    if not any(b.scope is BudgetScope.ENCLAVE for b in chosen):
        raise InvalidInput(
            "no enclave-wide export budget is configured, so nothing may leave: set one with "
            "`airlock budget set enclave --bytes N --window 1d`"
        )
    return chosen


def effective(
    budgets: Mapping[tuple[BudgetScope, str], Budget], key: tuple[BudgetScope, str]
) -> Budget | None:
    """The budget that binds ``key``: its own, else its scope's default, else none."""
    own = budgets.get(key)
    if own is not None or key[0].enclave_wide:
        return own
    default = budgets.get((key[0], DEFAULT_SUBJECT))
    return None if default is None else default.inherited_by(key[1])


def check(
    budgets: Sequence[Budget], used: Mapping[tuple[BudgetScope, str], int], requested: int
) -> list[BudgetCheck]:
    """Each applicable budget with what it has used; the request fits only if all fit."""
    if requested < 0:
        raise InvalidInput("requested bytes cannot be negative")
    return [BudgetCheck(b, used.get(b.key, 0), requested) for b in budgets]


def describe_window(window: timedelta) -> str:
    """'1 day', '12 hours', '30 minutes'."""
    seconds = int(window.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"
