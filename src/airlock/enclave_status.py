"""What `airlock status` and `/status` show: a pure summary built from store reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from airlock.budgets.exfiltration import ExfiltrationEstimate, estimates_for
from airlock.budgets.limits import Budget
from airlock.domain.requests import RequestStatus


@dataclass(frozen=True, slots=True)
class EnclaveStatus:
    enclave_name: str
    store_backend: str
    policy_version: str
    principals: int
    projects: int
    requests_by_status: dict[RequestStatus, int]
    exfiltration: tuple[ExfiltrationEstimate, ...] = ()  # one account
    # The same for k colluding accounts, each with the most generous personal budget
    # (issue 14): k is [egress] colluding_accounts unless the caller asks for another.
    exfiltration_colluding: tuple[ExfiltrationEstimate, ...] = ()


@dataclass(frozen=True, slots=True)
class StoreGlance:
    """The store reads a status needs: counts, the enclave's own budgets (not rows
    inherited from a default) and each protected model's name and size."""

    backend: str
    principals: int
    projects: int
    requests_by_status: dict[RequestStatus, int]
    budgets: Sequence[Budget]
    models: Sequence[tuple[str, int]]


def enclave_status(
    enclave_name: str, policy_version: str, glance: StoreGlance, accounts: int
) -> EnclaveStatus:
    """Raises: InvalidInput (``accounts`` below 1)."""
    return EnclaveStatus(
        enclave_name=enclave_name,
        store_backend=glance.backend,
        policy_version=policy_version,
        principals=glance.principals,
        projects=glance.projects,
        requests_by_status=dict(glance.requests_by_status),
        exfiltration=tuple(estimates_for(glance.budgets, glance.models)),
        exfiltration_colluding=tuple(estimates_for(glance.budgets, glance.models, accounts)),
    )
