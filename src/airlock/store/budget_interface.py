"""Persistence of byte budgets, with reservations that are exact under concurrency."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from airlock.budgets.limits import Budget, BudgetCheck, BudgetScope
from airlock.budgets.refusals import Candidate, RefusedContent, Sketch

BudgetKey = tuple[BudgetScope, str]


class BudgetStore(Protocol):
    def set_budget(self, budget: Budget) -> None:
        """Create or replace the budget for its (scope, subject). A default ('*' for a
        principal or project scope) binds each subject of the scope without its own."""
        ...

    def budgets(self) -> Sequence[Budget]:
        """The budgets set, defaults included; not what subjects inherit from them."""
        ...

    def reserve(
        self,
        keys: Sequence[BudgetKey],
        request_id: str,
        size: int,
        now: datetime,
        sizes: Mapping[BudgetScope, int] | None = None,
        *,
        hold_until: datetime | None = None,
    ) -> list[BudgetCheck]:
        """Count ``size`` bytes against every budget in ``keys`` if all of them fit.

        ``sizes`` overrides ``size`` per scope (a model response reserves tokens in the
        token scopes and bytes in the output scopes, in one transaction).

        Atomic: either every budget is charged or none is; concurrent reservations are
        serialised on the budget rows, so no interleaving can exceed a limit. Keys without
        a budget of their own take their scope's default, counted under their own key (per
        principal, never shared); keys with neither are ignored: the caller decides whether
        that is allowed.
        Each check's ``used_bytes`` is exactly :meth:`used` at ``now``, also when ``now``
        is earlier than that of a previous call (two processes whose clocks disagree).

        ``hold_until`` (not before ``now``) dates the reservation then instead of at
        ``now``: it counts from now until ``hold_until`` plus the window (a budget lease,
        whose requests are admitted until then).
        """
        ...

    def settle(self, request_id: str, sizes: Mapping[BudgetScope, int]) -> None:
        """Shrink a request's reservations in the given scopes to the sizes that were used.

        For a reservation made for the most a request could use (a model response's
        ``max_tokens``) and settled once its real size is known: the limit holds throughout,
        since a reservation only ever shrinks. A size above the reservation leaves it as is.
        """
        ...

    def release(self, request_id: str) -> int:
        """Drop a request's reservations (refused or expired); returns rows removed."""
        ...

    def used(self, key: BudgetKey, now: datetime) -> int:
        """Bytes counted against ``key`` at ``now``: of the reservations not released, those
        made at ``at`` with ``now - window < at``, under the budget's current window."""
        ...

    def remember_refusal(self, refused: RefusedContent) -> None:
        """Keep what was refused (digest and chunk sketch), for :meth:`refusals_like`."""
        ...

    def refusals_like(self, digest: str, sketch: Sketch, since: datetime) -> list[Candidate]:
        """Content refused after ``since`` with the digest ``digest`` or sharing a digest of
        ``sketch``; each candidate's sketch holds only the shared digests. Bounded by the
        size of ``sketch`` (index probes), not by the number of refusals kept."""
        ...
