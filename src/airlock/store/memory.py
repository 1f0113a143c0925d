"""In-memory Store, for tests. Same contract as the SQL store (tests/contract)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

from airlock.approvals.locks import Lock, LockScope
from airlock.domain.names import PrincipalName, ProjectName, RequestId
from airlock.domain.principals import Principal
from airlock.domain.projects import Project
from airlock.domain.requests import BoundaryRequest, Decision, Outcome, RequestStatus
from airlock.domain.tokens import TokenHash
from airlock.errors import Conflict, NotFound, StoreError
from airlock.exports.model_fingerprint import ModelFingerprint
from airlock.ledger.state_seal import RowSeal
from airlock.store.interface import PackageFile, StoreCounts
from airlock.store.memory_approvals import MemoryApprovalStore
from airlock.store.memory_budgets import MemoryBudgetStore
from airlock.store.memory_datasets import MemoryDatasetStore
from airlock.store.memory_known_bad import MemoryKnownBadStore
from airlock.store.memory_leases import MemoryLeaseStore
from airlock.store.memory_ledger import MemoryLedgerStore
from airlock.store.memory_members import MemoryMembershipStore
from airlock.store.memory_outputs import MemoryOutputStore
from airlock.store.memory_tokens import MemoryTokenStore
from airlock.store.seal_interface import Row


class MemoryStore:
    """Dictionaries behind one lock; nothing survives the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._batch_lock = threading.Lock()
        self._principals: dict[PrincipalName, Principal] = {}
        self._tokens = MemoryTokenStore(self.get_principal)
        self._projects: dict[ProjectName, Project] = {}
        self._requests: dict[RequestId, BoundaryRequest] = {}
        self._decisions: dict[RequestId, list[Decision]] = {}
        self._ledger = MemoryLedgerStore()
        self._models: dict[str, ModelFingerprint] = {}
        self._locks: list[Lock] = []
        self._packages: dict[str, PackageFile] = {}
        self._budgets = MemoryBudgetStore()
        self._leases = MemoryLeaseStore(self._budgets)
        self._approvals = MemoryApprovalStore()
        self._datasets = MemoryDatasetStore()
        self._members = MemoryMembershipStore(self._known_member)
        self._outputs = MemoryOutputStore(self._leases)
        self._known_bad = MemoryKnownBadStore()

    @property
    def seals(self) -> UnsealedStore:
        return UnsealedStore()

    @property
    def approvals(self) -> MemoryApprovalStore:
        return self._approvals

    @property
    def known_bad(self) -> MemoryKnownBadStore:
        return self._known_bad

    @property
    def members(self) -> MemoryMembershipStore:
        return self._members

    def _known_member(self, project: ProjectName, principal: PrincipalName) -> None:
        self.get_project(project)
        self.get_principal(principal)

    @property
    def budgets(self) -> MemoryBudgetStore:
        return self._budgets

    @property
    def leases(self) -> MemoryLeaseStore:
        return self._leases

    @property
    def datasets(self) -> MemoryDatasetStore:
        return self._datasets

    @property
    def outputs(self) -> MemoryOutputStore:
        return self._outputs

    @property
    def ledger(self) -> MemoryLedgerStore:
        return self._ledger

    @property
    def backend(self) -> str:
        return "memory"

    def migrate(self) -> None:
        """Nothing to migrate."""

    def check_ready(self) -> None:
        """Always ready."""

    def check_writable(self) -> None:
        """Always writable."""

    def close(self) -> None:
        """Nothing to release."""

    @contextmanager
    def write_batch(self, *, durable: bool = True) -> Iterator[None]:
        """Serialises batches against each other. Nothing here is durable, so there is no
        commit to share; a batch that raises keeps the writes its units made."""
        with self._batch_lock:
            yield

    def sync(self) -> None:
        """Nothing to flush."""

    @contextmanager
    def unit(self) -> Iterator[None]:
        """Marks a unit of work; unlike the SQL store, a unit that raises is not undone."""
        yield

    def add_principal(
        self, principal: Principal, token_hash: TokenHash, expires_at: datetime | None = None
    ) -> None:
        with self._lock:
            if principal.name in self._principals:
                raise Conflict(f"principal {principal.name!r} already exists")
            self._principals[principal.name] = principal
        self._tokens.issue(principal.name, token_hash, principal.created_at, expires_at)

    @property
    def tokens(self) -> MemoryTokenStore:
        return self._tokens

    def get_principal(self, name: PrincipalName) -> Principal:
        with self._lock:
            return self._principal(name)

    def list_principals(self) -> Sequence[Principal]:
        with self._lock:
            return sorted(self._principals.values(), key=lambda p: p.name)

    def add_token(self, name: PrincipalName, token_hash: TokenHash) -> None:
        principal = self.get_principal(name)
        self._tokens.issue(name, token_hash, principal.created_at, None)

    def principal_for_token(self, token_hash: TokenHash) -> Principal | None:
        found = self._tokens.lookup(token_hash)
        return None if found is None or found[1].revoked_at is not None else found[0]

    def add_project(self, project: Project) -> None:
        with self._lock:
            if project.name in self._projects:
                raise Conflict(f"project {project.name!r} already exists")
            self._projects[project.name] = project

    def get_project(self, name: ProjectName) -> Project:
        with self._lock:
            if name not in self._projects:
                raise NotFound(f"no project named {name!r}: list them with `airlock project list`")
            return self._projects[name]

    def list_projects(self) -> Sequence[Project]:
        with self._lock:
            return sorted(self._projects.values(), key=lambda p: p.name)

    def add_request(self, request: BoundaryRequest, decision: Decision | None = None) -> None:
        if decision is not None and decision.request_id != request.id:
            raise ValueError("a request's first decision must be about that request")
        with self._lock:
            if request.id in self._requests:
                raise Conflict(f"request {request.id} already exists")
            self._principal(request.principal)
            if request.project is not None and request.project not in self._projects:
                raise NotFound(f"no project named {request.project!r}")
            self._requests[request.id] = request
            if decision is not None:
                self._record_decision(decision)

    def get_request(self, request_id: RequestId) -> BoundaryRequest:
        with self._lock:
            return self._request(request_id)

    def list_requests(
        self, status: RequestStatus | None = None, limit: int = 100
    ) -> Sequence[BoundaryRequest]:
        with self._lock:
            chosen = [r for r in self._requests.values() if status is None or r.status is status]
            chosen.sort(key=lambda r: (r.created_at, r.id), reverse=True)
            return chosen[:limit]

    def request_digests(self) -> set[str]:
        with self._lock:
            return {r.digest for r in self._requests.values()}

    def record_decision(self, decision: Decision) -> None:
        with self._lock:
            self._record_decision(decision)

    def _record_decision(self, decision: Decision) -> None:  # the caller holds self._lock
        request = self._request(decision.request_id)
        self._requests[request.id] = _with_status(request, decision.status)
        self._decisions.setdefault(request.id, []).append(decision)

    def decisions_for(self, request_id: RequestId) -> Sequence[Decision]:
        with self._lock:
            return list(self._decisions.get(request_id, []))

    def counts(self) -> StoreCounts:
        with self._lock:
            by_status = dict.fromkeys(RequestStatus, 0)
            for request in self._requests.values():
                by_status[request.status] += 1
            return StoreCounts(len(self._principals), len(self._projects), by_status)

    def add_protected_model(self, model: ModelFingerprint, registered_at: datetime) -> None:
        with self._lock:
            if model.name in self._models:
                raise Conflict(f"a protected model named {model.name!r} is registered already")
            self._models[model.name] = model

    def protected_models(self) -> Sequence[ModelFingerprint]:
        with self._lock:
            return [self._models[n] for n in sorted(self._models)]

    def protected_model_sizes(self) -> Sequence[tuple[str, int]]:
        with self._lock:
            return [(n, self._models[n].size) for n in sorted(self._models)]

    def protected_models_stamp(self) -> str:
        with self._lock:
            return ",".join(sorted(self._models))

    def add_package_file(self, entry: PackageFile) -> None:
        with self._lock:
            if entry.filename in self._packages:
                raise Conflict(f"{entry.filename} was submitted before")
            self._packages[entry.filename] = entry

    def package_files(
        self, project: str | None = None, *, released_only: bool = True
    ) -> Sequence[PackageFile]:
        with self._lock:
            return sorted(
                (
                    p
                    for p in self._packages.values()
                    if (project is None or p.project == project)
                    and (
                        not released_only
                        or self._requests[p.request_id].status is RequestStatus.RELEASED
                    )
                ),
                key=lambda p: p.filename,
            )

    def add_lock(self, lock: Lock) -> None:
        with self._lock:
            self._locks.append(lock)

    def locks(self) -> Sequence[Lock]:
        with self._lock:
            return sorted(self._locks, key=lambda k: k.created_at, reverse=True)

    def active_locks(
        self, subjects: Sequence[tuple[LockScope, str]], now: datetime
    ) -> Sequence[Lock]:
        wanted = set(subjects)
        return [k for k in self.locks() if (k.scope, k.subject) in wanted and k.active_at(now)]

    def lift_locks(self, scope: LockScope, subject: str, by: str, at: datetime) -> int:
        with self._lock:
            lifted = 0
            for i, lock in enumerate(self._locks):
                if lock.scope is scope and lock.subject == subject and lock.liftable_at(at):
                    self._locks[i] = replace(lock, lifted_at=at, lifted_by=by)
                    lifted += 1
            return lifted

    def decisions_since(self, since: datetime) -> Sequence[Decision]:
        with self._lock:
            found = [d for ds in self._decisions.values() for d in ds if d.decided_at >= since]
            return sorted(found, key=lambda d: d.decided_at)

    def recent_outcomes(self, principal: PrincipalName, since: datetime) -> Sequence[Decision]:
        with self._lock:
            mine = {r.id for r in self._requests.values() if r.principal == principal}
            found = [
                d
                for rid in mine
                for d in self._decisions.get(rid, [])
                if d.decided_at >= since and d.outcome is not Outcome.ALLOW
            ]
            return sorted(found, key=lambda d: d.decided_at)

    def _principal(self, name: PrincipalName) -> Principal:
        if name not in self._principals:
            raise NotFound(f"no principal named {name!r}: list them with `airlock principal list`")
        return self._principals[name]

    def _request(self, request_id: RequestId) -> BoundaryRequest:
        if request_id not in self._requests:
            raise NotFound(f"no request {request_id}: list them with `airlock request list`")
        return self._requests[request_id]


def _with_status(request: BoundaryRequest, status: RequestStatus) -> BoundaryRequest:
    return replace(request, status=status)


class UnsealedStore:
    """The memory store keeps no seals: every call fails, so nothing trusts unsealed state.

    Seals are computed over rows as the SQL store reads them (docs/adr/0012-sealed-state.md);
    the facade only ever runs on the SQL store.
    """

    def _refuse(self) -> StoreError:
        return StoreError("sealed state needs the SQL store; the memory store keeps no seals")

    def rows(self, table: str, where: Mapping[str, object] | None = None) -> list[Row]:
        raise self._refuse()

    def put(self, seals: Sequence[RowSeal]) -> None:
        raise self._refuse()

    def get(self, table: str, row_key: str) -> RowSeal | None:
        raise self._refuse()

    def all(self) -> list[RowSeal]:
        raise self._refuse()
