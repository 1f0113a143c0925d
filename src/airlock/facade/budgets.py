"""What the boundary allows and what it costs: the enclave status, egress budgets and
their use, the time a theft of a protected model would take, and the friction figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from airlock.approvals.friction import FrictionReport, friction
from airlock.approvals.permissions import Action, require
from airlock.budgets.exfiltration import ExfiltrationEstimate, estimates_for, refuse_if_below_floor
from airlock.budgets.limits import Budget, BudgetScope
from airlock.enclave_status import EnclaveStatus, StoreGlance, enclave_status
from airlock.facade.core import FacadeCore
from airlock.facade.values import Actor

if TYPE_CHECKING:
    from airlock.approvals.friction_trends import FrictionTrends


class BudgetsMixin(FacadeCore):
    """Status, budgets, exfiltration and friction, for :class:`airlock.service.Airlock`."""

    def status(self, accounts: int | None = None) -> EnclaveStatus:
        """Raises: InvalidInput (``accounts`` below 1)."""
        k = self.settings.egress.colluding_accounts if accounts is None else accounts
        counts = self._store.counts()
        glance = StoreGlance(
            backend=self._store.backend,
            principals=counts.principals,
            projects=counts.projects,
            requests_by_status=counts.requests_by_status,
            budgets=self._store.budgets.budgets(),
            models=self._store.protected_model_sizes(),
        )
        return enclave_status(self.settings.enclave_name, self._policy.version, glance, k)

    def time_to_exfiltrate(
        self, enclave: Budget | None = None, accounts: int = 1, *, measured: bool = False
    ) -> list[ExfiltrationEstimate]:
        """Per protected model, the fastest theft by ``accounts`` colluding accounts that the
        (given or current) enclave budget and the personal budgets allow: at the assumed
        100x compression, or (``measured``) at the lossless ratio measured at registration.

        Raises: InvalidInput (``accounts`` below 1).
        """
        budgets = list(self._store.budgets.budgets())
        if enclave is not None:
            budgets = [b for b in budgets if b.scope is not BudgetScope.ENCLAVE] + [enclave]
        if not measured:
            return estimates_for(budgets, self._store.protected_model_sizes(), accounts)
        from airlock.exports.model_fingerprint import lossless_ratio

        models = self._store.protected_models()
        return estimates_for(
            budgets,
            [(m.name, m.size) for m in models],
            accounts,
            compression={m.name: lossless_ratio(m) for m in models},
        )

    def set_budget(self, actor: Actor, budget: Budget) -> None:
        """Raises: PermissionDenied unless admin."""
        require(actor, Action.BUDGET_SET)
        if budget.scope is BudgetScope.ENCLAVE:
            floor = self.settings.egress.min_days_to_exfiltrate
            refuse_if_below_floor(
                budget,
                self._store.protected_model_sizes(),
                timedelta(days=floor) if floor else None,
            )
        index = self._record(
            "budget.set",
            actor,
            f"{budget.scope}:{budget.subject}",
            limit_bytes=str(budget.limit_bytes),
            window=str(budget.window),
        )
        self._store.budgets.set_budget(budget)
        self.seals.seal("budgets", {"scope": budget.scope.value, "subject": budget.subject}, index)

    def budgets(self) -> Sequence[Budget]:
        return self._store.budgets.budgets()

    def budget_usage(self, actor: Actor) -> list[tuple[Budget, int]]:
        """Each budget with what is counted against it now (0 for a default '*', which each
        principal or project without its own budget inherits and uses separately).

        Raises: PermissionDenied for a role that may not read the enclave status.
        """
        require(actor, Action.STATUS_READ)
        now = self._clock.now()
        return [
            (b, 0 if b.is_default else self._store.budgets.used(b.key, now))
            for b in self._store.budgets.budgets()
        ]

    def budget_leased(self, actor: Actor) -> dict[tuple[BudgetScope, str], int]:
        """Per budget, what workers hold on lease for the output channel and have not used
        yet (docs/adr/0020 decision 6): part of :meth:`budget_usage`'s count, not spent.

        Raises: PermissionDenied for a role that may not read the enclave status.
        """
        from airlock.store.lease_interface import leased_unused

        require(actor, Action.STATUS_READ)
        return leased_unused(self._store.leases.leases(open_only=True))

    def friction(self, window: timedelta = timedelta(days=7)) -> FrictionReport:
        """What security cost research over ``window`` (see :mod:`airlock.approvals.friction`)."""
        now = self._clock.now()
        since = now - window
        return friction(
            [r for r in self._store.list_requests(limit=100_000) if r.created_at >= since],
            self._store.decisions_since(since),
            self._store.approvals.votes_since(since),
            self._store.locks(),
            window=window,
            now=now,
        )

    def friction_trends(self, weeks: int = 8) -> FrictionTrends:
        """The friction figures week by week and team by team over the last ``weeks``
        weeks (see :mod:`airlock.approvals.friction_trends`), for the dashboard and
        `airlock metrics --weeks N`."""
        from airlock.approvals.friction_trends import trends

        now = self._clock.now()
        since = now - timedelta(weeks=weeks)
        return trends(
            [r for r in self._store.list_requests(limit=100_000) if r.created_at >= since],
            self._store.decisions_since(since),
            self._store.approvals.votes_since(since),
            self._store.locks(),
            weeks=weeks,
            now=now,
        )
