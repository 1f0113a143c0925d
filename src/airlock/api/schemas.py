"""Request and response bodies of the HTTP API (and only of the API)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from airlock.approvals.locks import Lock, LockScope
from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope, amount, describe_window
from airlock.domain.principals import Principal, PrincipalKind, Role
from airlock.domain.projects import Project
from airlock.domain.requests import BoundaryRequest, Decision, RequestStatus
from airlock.domain.tokens import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, TokenRecord
from airlock.enclave_status import EnclaveStatus
from airlock.render.units import MAX_PARSED_BYTES, format_seconds
from airlock.store.dataset_interface import DatasetEntry

if TYPE_CHECKING:  # egress imports the inspection engine (numpy): first export, not start
    from airlock.approvals.progress import RequestProgress
    from airlock.egress import ExportResult


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorBody(Strict):
    type: str
    message: str


class ErrorResponse(Strict):
    error: ErrorBody


class Health(Strict):
    status: str
    store: str


_DAYS = f"Token lifetime in days (default {DEFAULT_TOKEN_DAYS})."


class PrincipalOut(Strict):
    name: str
    kind: PrincipalKind
    role: Role
    created_at: datetime

    @classmethod
    def of(cls, principal: Principal) -> PrincipalOut:
        return cls(
            name=principal.name,
            kind=principal.kind,
            role=principal.role,
            created_at=principal.created_at,
        )


class PrincipalIn(Strict):
    name: str = Field(max_length=63)
    role: Role
    kind: PrincipalKind = PrincipalKind.PERSON
    days: int | None = Field(default=None, ge=1, le=MAX_TOKEN_DAYS, description=_DAYS)


class IssuedTokenOut(Strict):
    principal: PrincipalOut
    token: str = Field(description="Bearer token; shown once, stored only as a hash.")
    token_id: str = Field(description="The token's public id, for listing and revoking.")
    expires_at: datetime | None


class TokenIn(Strict):
    days: int | None = Field(default=None, ge=1, le=MAX_TOKEN_DAYS, description=_DAYS)


class RevokeIn(Strict):
    reason: str = Field(default="", max_length=500)


class TokenOut(Strict):
    token_id: str
    principal: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, record: TokenRecord) -> TokenOut:
        return cls(
            token_id=record.token_id,
            principal=record.principal,
            created_at=record.created_at,
            expires_at=record.expires_at,
            revoked_at=record.revoked_at,
        )


class ProjectIn(Strict):
    name: str = Field(max_length=63)
    description: str = Field(default="", max_length=1000)


class ProjectOut(Strict):
    name: str
    description: str
    created_at: datetime

    @classmethod
    def of(cls, project: Project) -> ProjectOut:
        return cls(
            name=project.name, description=project.description, created_at=project.created_at
        )


class MemberIn(Strict):
    principal: str = Field(max_length=63)


class MembersOut(Strict):
    project: str
    members: list[str]


class ReasonOut(Strict):
    code: str
    message: str


class DecisionOut(Strict):
    outcome: str
    reasons: list[ReasonOut]
    decided_at: datetime
    decided_by: str
    policy_version: str

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        return cls(
            outcome=decision.outcome.value,
            reasons=[ReasonOut(code=r.code, message=r.message) for r in decision.reasons],
            decided_at=decision.decided_at,
            decided_by=decision.decided_by,
            policy_version=decision.policy_version,
        )


class FindingOut(Strict):
    code: str
    plain: str = Field(description="What was found, in plain words.")
    detail: str
    member: str = Field(description="Where inside a container ('' for the file itself).")
    offset: int | None = Field(description="Byte offset within the member, when known.")
    where: str


class VoteOut(Strict):
    voter: str
    vote: str = Field(description="approve or deny")
    reason: str
    cast_at: datetime


class ProgressOut(Strict):
    """A request's progress and next step, as the caller sees it (issue 18)."""

    request_id: str
    kind: str
    principal: str
    project: str | None
    purpose: str
    status: str
    digest: str
    name: str | None = Field(description="The file's name, when its decision recorded it.")
    size_bytes: int
    size_text: str = Field(description="The size in B/KiB/MiB/GiB.")
    media_type: str | None
    created_at: datetime
    waited_text: str
    findings: list[FindingOut]
    approvals: int
    required: int | None = Field(description="Approvals needed; null when none is.")
    summary: str = Field(description="Approvals in and needed, e.g. '1 of 2 (you)'.")
    votes: list[VoteOut]
    eligible: list[str] = Field(description="Who else may still vote.")
    expires_at: datetime | None
    expires_text: str | None
    viewer: str | None
    viewer_may_vote: bool
    next_step: str

    @classmethod
    def of(cls, shown: RequestProgress) -> ProgressOut:
        return cls.model_validate(shown.to_json())


class RequestOut(Strict):
    id: str
    kind: str
    principal: str
    project: str | None
    purpose: str
    digest: str
    size_bytes: int
    created_at: datetime
    status: RequestStatus
    decisions: list[DecisionOut] = Field(default_factory=list)
    progress: ProgressOut | None = Field(
        default=None, description="Progress and next step (on a single request and a vote)."
    )

    @classmethod
    def of(
        cls,
        request: BoundaryRequest,
        decisions: list[Decision] | None = None,
        shown: RequestProgress | None = None,
    ) -> RequestOut:
        return cls(
            id=request.id,
            kind=request.kind.value,
            principal=request.principal,
            project=request.project,
            purpose=request.purpose,
            digest=request.digest,
            size_bytes=request.size_bytes,
            created_at=request.created_at,
            status=request.status,
            decisions=[DecisionOut.of(d) for d in decisions or []],
            progress=None if shown is None else ProgressOut.of(shown),
        )


class StatusOut(Strict):
    enclave_name: str
    store_backend: str
    policy_version: str
    principals: int
    projects: int
    requests_by_status: dict[str, int]
    days_to_exfiltrate: dict[str, float]
    colluding_accounts: int
    days_to_exfiltrate_colluding: dict[str, float]
    time_to_exfiltrate: dict[str, str] = Field(
        default_factory=dict, description="Per model, through one account: '45 s', '3 days'."
    )

    @classmethod
    def of(cls, status: EnclaveStatus) -> StatusOut:
        colluding = status.exfiltration_colluding
        return cls(
            enclave_name=status.enclave_name,
            store_backend=status.store_backend,
            policy_version=status.policy_version,
            principals=status.principals,
            projects=status.projects,
            requests_by_status={k.value: v for k, v in status.requests_by_status.items()},
            days_to_exfiltrate={e.model: round(e.days, 2) for e in status.exfiltration},
            colluding_accounts=colluding[0].accounts if colluding else 1,
            days_to_exfiltrate_colluding={e.model: round(e.days, 2) for e in colluding},
            time_to_exfiltrate={e.model: format_seconds(e.seconds) for e in status.exfiltration},
        )


class EntryOut(Strict):
    index: int
    record: dict[str, Any]
    leaf_hash: str
    appended_at: datetime


class InclusionProofOut(Strict):
    index: int
    tree_size: int
    root: str
    inclusion_proof: list[str]


class ConsistencyProofOut(Strict):
    old_size: int
    new_size: int
    consistency_proof: list[str]


class VoteIn(Strict):
    approve: bool
    reason: str = Field(default="", max_length=2000)
    digest: str = Field(min_length=64, max_length=64)


class ExportOut(Strict):
    request: RequestOut
    outcome: str
    required_approvals: int
    findings: list[dict[str, object]]
    # Bytes the inspector could not explain as benign structure (issue 15's account).
    unexplained_bytes: int
    budgets: list[dict[str, object]]

    @classmethod
    def of(cls, result: ExportResult, shown: RequestProgress | None = None) -> ExportOut:
        return cls(
            request=RequestOut.of(result.request, [result.decision], shown),
            outcome=result.decision.outcome.value,
            required_approvals=result.required_approvals,
            findings=[f.to_json() for f in result.report.findings],
            unexplained_bytes=result.report.unexplained_bytes,
            budgets=[
                {
                    "scope": c.budget.scope.value,
                    "subject": c.budget.subject,
                    "used_bytes": c.used_bytes,
                    "limit_bytes": c.budget.limit_bytes,
                    "fits": c.fits,
                }
                for c in result.budgets
            ],
        )


class LiftIn(Strict):
    scope: LockScope
    subject: str = Field(max_length=63)
    reason: str = Field(min_length=1, max_length=2000)


class LockOut(Strict):
    scope: LockScope
    subject: str
    reason: str
    created_at: datetime
    expires_at: datetime
    active: bool

    @classmethod
    def of(cls, lock: Lock, now: datetime) -> LockOut:
        return cls(
            scope=lock.scope,
            subject=lock.subject,
            reason=lock.reason,
            created_at=lock.created_at,
            expires_at=lock.expires_at,
            active=lock.active_at(now),
        )


# --- budgets, datasets, lineage, protected models, scans, locks (issue 18) -------------


class BudgetIn(Strict):
    scope: BudgetScope
    subject: str = Field(
        default=ENCLAVE_SUBJECT,
        max_length=63,
        description="The principal or project; '*' for the enclave or the default of each.",
    )
    limit: (
        Annotated[int, Field(ge=0, le=MAX_PARSED_BYTES)]
        | Annotated[str, Field(min_length=1, max_length=32)]
    ) = Field(
        description="Bytes (4096) or a size with a unit ('100MB', '1.5GiB'); tokens for the "
        "tokens-* scopes."
    )
    window: str = Field(default="1d", max_length=16, description="30m, 12h, 1d, 2w...")


class BudgetOut(Strict):
    scope: BudgetScope
    subject: str
    unit: str
    limit: int
    limit_text: str
    used: int
    used_text: str
    # Of ``used``: held by the output gateway's workers on lease, not yet spent (ADR 0020).
    leased: int = 0
    window_seconds: int
    window_text: str

    @classmethod
    def of(cls, budget: Budget, used: int, leased: int = 0) -> BudgetOut:
        return cls(
            scope=budget.scope,
            subject=budget.subject,
            unit=budget.scope.unit,
            limit=budget.limit_bytes,
            limit_text=amount(budget.limit_bytes, budget.scope),
            used=used,
            used_text=amount(used, budget.scope),
            leased=leased,
            window_seconds=int(budget.window.total_seconds()),
            window_text=describe_window(budget.window),
        )


class DatasetOut(Strict):
    id: str
    request: str
    source: str
    license: str
    verdict: str
    manifest_sha256: str
    manifest: dict[str, Any]
    scan: dict[str, Any]
    created_at: datetime
    released_at: datetime | None
    released_by: str | None

    @classmethod
    def of(cls, entry: DatasetEntry) -> DatasetOut:
        return cls(
            id=entry.id,
            request=entry.request_id,
            source=entry.source,
            license=entry.license,
            verdict=entry.verdict,
            manifest_sha256=entry.manifest_sha256,
            manifest=json.loads(entry.manifest_json),
            scan=json.loads(entry.scan_json),
            created_at=entry.created_at,
            released_at=entry.released_at,
            released_by=entry.released_by or None,
        )


class DatasetImportOut(Strict):
    dataset: DatasetOut
    request: RequestOut
    outcome: str
    signature: str
    reasons: list[ReasonOut]


class LineageIn(Strict):
    model: str = Field(min_length=1, max_length=128)
    trained_on: list[str] = Field(min_length=1, max_length=1000, description="Dataset ids.")


class LineageOut(Strict):
    model: str
    added: int


class BlastRadiusIn(Strict):
    origin: str = Field(
        min_length=1, max_length=2000, description="A source, a dataset id or a model name."
    )


class BlastRadiusOut(Strict):
    origin: str
    datasets: list[str]
    models: list[str]


class ProtectedModelOut(Strict):
    name: str
    size_bytes: int
    size_text: str
    chunks: int
    tensors: list[str]
    seconds_to_exfiltrate: float | None = Field(
        description="Fastest theft through one account at the current budgets (null with "
        "no enclave budget; a very large number when nothing can leave)."
    )
    time_to_exfiltrate: str


class LockIn(Strict):
    scope: LockScope
    subject: str = Field(min_length=1, max_length=63)
    reason: str = Field(min_length=1, max_length=2000)
    hours: float = Field(default=24.0, ge=0.01, le=24 * 30)


class ScanOut(Strict):
    verdict: str
    path: str
    size_bytes: int
    size_text: str
    findings: list[dict[str, Any]]
