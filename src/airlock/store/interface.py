"""The one persistence interface. Implementations: memory (tests) and SQL (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from airlock.approvals.locks import Lock, LockScope
from airlock.domain.names import PrincipalName, ProjectName, RequestId, Sha256Hex
from airlock.domain.principals import Principal
from airlock.domain.projects import Project
from airlock.domain.requests import BoundaryRequest, Decision, RequestStatus
from airlock.domain.tokens import TokenHash
from airlock.exports.model_fingerprint import ModelFingerprint
from airlock.store.approval_interface import ApprovalStore
from airlock.store.budget_interface import BudgetStore
from airlock.store.dataset_interface import DatasetStore
from airlock.store.known_bad_interface import KnownBadStore
from airlock.store.lease_interface import LeaseStore
from airlock.store.ledger_interface import LedgerStore
from airlock.store.membership_interface import MembershipStore
from airlock.store.output_interface import OutputStore
from airlock.store.seal_interface import SealStore
from airlock.store.token_interface import TokenStore


@dataclass(frozen=True, slots=True)
class PackageFile:
    """A package file submitted for the internal index, tied to its boundary request."""

    filename: str
    project: str  # PEP 503 normalised
    version: str
    sha256: Sha256Hex
    request_id: RequestId


@dataclass(frozen=True, slots=True)
class StoreCounts:
    """Sizes shown on the status page."""

    principals: int
    projects: int
    requests_by_status: dict[RequestStatus, int]


class Store(Protocol):
    """Durable state of one enclave.

    Every method either completes atomically or raises; a raised
    :class:`~airlock.errors.StoreError` means nothing was written.
    """

    @property
    def backend(self) -> str:
        """A short name of the backend, e.g. ``sqlite``, ``postgresql`` or ``memory``."""
        ...

    @property
    def ledger(self) -> LedgerStore:
        """The tamper-evident log's storage, in the same database."""
        ...

    @property
    def budgets(self) -> BudgetStore:
        """Byte budgets and their reservations, in the same database."""
        ...

    @property
    def leases(self) -> LeaseStore:
        """Budget leases of the model-output channel (issue 20), in the same database."""
        ...

    @property
    def datasets(self) -> DatasetStore:
        """Imported datasets (quarantine records) and lineage edges, in the same database."""
        ...

    @property
    def seals(self) -> SealStore:
        """Seals on the state the boundary acts on (docs/adr/0012-sealed-state.md)."""
        ...

    @property
    def outputs(self) -> OutputStore:
        """The model-output channel's transcript log (issue 20), in the same database."""
        ...

    @property
    def approvals(self) -> ApprovalStore:
        """Approval cases and votes, in the same database."""
        ...

    @property
    def known_bad(self) -> KnownBadStore:
        """The known-bad package feed, in the same database."""
        ...

    @property
    def members(self) -> MembershipStore:
        """Project membership, in the same database."""
        ...

    @property
    def tokens(self) -> TokenStore:
        """API tokens with their expiry and revocation, in the same database."""
        ...

    def migrate(self) -> None:
        """Bring the schema to the version this code needs (idempotent)."""
        ...

    def check_ready(self) -> None:
        """Raises StoreError if the database is unreachable or its schema is not current."""
        ...

    def check_writable(self) -> None:
        """Raises StoreError unless the store can take a write now (a probe rolled back)."""
        ...

    def close(self) -> None: ...

    def write_batch(self, *, durable: bool = True) -> AbstractContextManager[None]:
        """One write transaction that every store call on this thread joins until it ends.

        It commits once when the block exits normally (group commit: one durable write for
        many units of work) and rolls everything back when it raises. Batches do not nest.
        Raises StoreError when the commit fails; then nothing in the batch happened.

        With ``durable=False`` the commit is visible to every reader at once and survives a
        crash of this process, but a crash of the machine (or database server) before the
        next :meth:`sync` may undo it: for writes whose effect waits for that sync anyway.
        """
        ...

    def sync(self) -> None:
        """Make every commit made so far durable (those of ``durable=False`` batches).

        Raises StoreError when the flush fails."""
        ...

    def unit(self) -> AbstractContextManager[None]:
        """One all-or-nothing unit inside :meth:`write_batch`: if the block raises, the
        unit's writes are undone and the exception propagates; the batch carries on."""
        ...

    def add_principal(
        self, principal: Principal, token_hash: TokenHash, expires_at: datetime | None = None
    ) -> None:
        """Raises Conflict if a principal of that name exists."""
        ...

    def get_principal(self, name: PrincipalName) -> Principal:
        """Raises NotFound."""
        ...

    def list_principals(self) -> Sequence[Principal]: ...

    def add_token(self, name: PrincipalName, token_hash: TokenHash) -> None:
        """Raises NotFound if the principal does not exist."""
        ...

    def principal_for_token(self, token_hash: TokenHash) -> Principal | None:
        """The principal owning an unrevoked token, or None for an unknown token."""
        ...

    def add_project(self, project: Project) -> None:
        """Raises Conflict if a project of that name exists."""
        ...

    def get_project(self, name: ProjectName) -> Project:
        """Raises NotFound."""
        ...

    def list_projects(self) -> Sequence[Project]: ...

    def add_request(self, request: BoundaryRequest, decision: Decision | None = None) -> None:
        """Store a new request, and with ``decision`` its first decision, which sets its status
        (one step instead of :meth:`record_decision` after it).

        Raises Conflict on a duplicate id, NotFound for an unknown principal or project.
        """
        ...

    def get_request(self, request_id: RequestId) -> BoundaryRequest:
        """Raises NotFound."""
        ...

    def list_requests(
        self, status: RequestStatus | None = None, limit: int = 100
    ) -> Sequence[BoundaryRequest]:
        """Newest first."""
        ...

    def request_digests(self) -> set[str]:
        """The digest of every request, whatever its status: the outbox blobs the store
        refers to, for the sweep of orphans at start (issue 22)."""
        ...

    def record_decision(self, decision: Decision) -> None:
        """Store a decision and move its request to the matching status, atomically.

        Raises NotFound for an unknown request.
        """
        ...

    def decisions_for(self, request_id: RequestId) -> Sequence[Decision]:
        """Oldest first."""
        ...

    def counts(self) -> StoreCounts: ...

    def add_protected_model(self, model: ModelFingerprint, registered_at: datetime) -> None:
        """Raises Conflict if a model of that name is registered."""
        ...

    def protected_models(self) -> Sequence[ModelFingerprint]: ...

    def protected_model_sizes(self) -> Sequence[tuple[str, int]]:
        """(name, size) of each protected model, by name, without its chunk digests."""
        ...

    def protected_models_stamp(self) -> str:
        """Changes whenever a protected model is registered (cheap, for cache checks)."""
        ...

    def add_package_file(self, entry: PackageFile) -> None:
        """Raises Conflict if a file of that name was admitted before."""
        ...

    def package_files(
        self, project: str | None = None, *, released_only: bool = True
    ) -> Sequence[PackageFile]:
        """Admitted package files whose request is released (every admitted file when not
        ``released_only``), by project when given, in file-name order."""
        ...

    def add_lock(self, lock: Lock) -> None: ...

    def locks(self) -> Sequence[Lock]:
        """Every lock ever imposed, newest first (for audits and friction metrics)."""
        ...

    def active_locks(
        self, subjects: Sequence[tuple[LockScope, str]], now: datetime
    ) -> Sequence[Lock]:
        """The locks in force at ``now`` on any of ``subjects``, newest first."""
        ...

    def lift_locks(self, scope: LockScope, subject: str, by: str, at: datetime) -> int:
        """Lift the subject's locks that have not expired, including any dated to start
        later (a clock ahead); returns how many were lifted."""
        ...

    def decisions_since(self, since: datetime) -> Sequence[Decision]:
        """Every decision taken since ``since``, oldest first."""
        ...

    def recent_outcomes(self, principal: PrincipalName, since: datetime) -> Sequence[Decision]:
        """Hold and deny decisions on the principal's requests since ``since``, oldest first.

        Allows are left out: anomaly rules look only at refusals, and a busy researcher's
        releases would otherwise make every check slower.
        """
        ...
