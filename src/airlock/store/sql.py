"""SQL Store on SQLAlchemy Core: SQLite (embedded default, WAL) and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, column, func, inspect, select, table

from airlock.approvals.locks import Lock, LockScope
from airlock.domain.names import PrincipalName, ProjectName, RequestId, request_id, sha256_hex
from airlock.domain.principals import Principal, PrincipalKind, Role
from airlock.domain.projects import Project
from airlock.domain.requests import (
    BoundaryRequest,
    Decision,
    Outcome,
    Reason,
    RequestKind,
    RequestStatus,
)
from airlock.domain.tokens import TokenHash
from airlock.errors import Conflict, NotFound
from airlock.exports.model_fingerprint import ModelFingerprint
from airlock.store import schema
from airlock.store import sql_statements as statements
from airlock.store.interface import PackageFile, StoreCounts
from airlock.store.revision import require_revision
from airlock.store.sql_approvals import SqlApprovalStore
from airlock.store.sql_budgets import SqlBudgetStore
from airlock.store.sql_datasets import SqlDatasetStore
from airlock.store.sql_engine import Transactions, create_store_engine
from airlock.store.sql_known_bad import SqlKnownBadStore
from airlock.store.sql_leases import SqlLeaseStore
from airlock.store.sql_ledger import SqlLedgerStore
from airlock.store.sql_members import SqlMembershipStore
from airlock.store.sql_outputs import SqlOutputStore
from airlock.store.sql_seals import SqlSealStore
from airlock.store.sql_tokens import SqlTokenStore

__all__ = ["SqlStore", "create_store_engine"]

_MIGRATIONS = Path(__file__).parent / "migrations"
# Alembic's version table under its default name (env.py does not change it).
_VERSION = table("alembic_version", column("version_num"))


class SqlStore:
    """The Store on a relational database; every method is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._transactions = Transactions(engine)
        self._begin = self._transactions.begin
        self._ledger = SqlLedgerStore(self._transactions)
        self._budgets = SqlBudgetStore(self._begin)
        self._leases = SqlLeaseStore(self._begin, self._transactions.write_batch, self._budgets)
        self._approvals = SqlApprovalStore(self._begin)
        self._datasets = SqlDatasetStore(self._begin)
        self._members = SqlMembershipStore(self._begin)
        self._seals = SqlSealStore(self._begin)
        self._outputs = SqlOutputStore(self._transactions, self._leases)
        self._tokens = SqlTokenStore(self._begin)
        self._known_bad = SqlKnownBadStore(self._begin)

    @property
    def seals(self) -> SqlSealStore:
        return self._seals

    @property
    def approvals(self) -> SqlApprovalStore:
        return self._approvals

    @property
    def members(self) -> SqlMembershipStore:
        return self._members

    @property
    def known_bad(self) -> SqlKnownBadStore:
        return self._known_bad

    @property
    def tokens(self) -> SqlTokenStore:
        return self._tokens

    @property
    def budgets(self) -> SqlBudgetStore:
        return self._budgets

    @property
    def leases(self) -> SqlLeaseStore:
        return self._leases

    @property
    def datasets(self) -> SqlDatasetStore:
        return self._datasets

    @property
    def outputs(self) -> SqlOutputStore:
        return self._outputs

    @property
    def ledger(self) -> SqlLedgerStore:
        return self._ledger

    @classmethod
    def from_url(cls, database_url: str) -> SqlStore:
        return cls(create_store_engine(database_url))

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def backend(self) -> str:
        return self._engine.dialect.name

    def write_batch(self, *, durable: bool = True) -> AbstractContextManager[None]:
        """One write transaction shared by this thread's store calls, committed once."""
        return self._transactions.write_batch(durable=durable)

    def sync(self) -> None:
        """Flush lazy commits to disk (see Transactions.sync)."""
        self._transactions.sync()

    def unit(self) -> AbstractContextManager[None]:
        """A savepoint in the current write batch; an exception undoes only its writes."""
        return self._transactions.unit()

    def migrate(self) -> None:
        # Alembic (and Mako, Pygments) only here: every command but `init` needs only to
        # read the revision, which check_ready does with one query (issue 13).
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with self._begin(write=True) as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def check_ready(self) -> None:
        """Raises: StoreError unless the schema is at exactly :data:`schema.SCHEMA_REVISION`
        (:func:`~airlock.store.revision.require_revision`), read without importing Alembic."""
        with self._begin() as connection:
            revisions = (
                list(connection.scalars(select(_VERSION.c.version_num)))
                if inspect(connection).has_table(_VERSION.name)
                else []
            )
        require_revision([str(r) for r in revisions])

    def check_writable(self) -> None:
        """A write the way an export's begins (a write transaction, one row changed), then
        rolled back: it fails on a read-only database (SQLite ``query_only`` or a read-only
        file, a PostgreSQL standby or ``default_transaction_read_only``) and on a full disk
        only when the write needs new pages, which this one does not."""
        with self._transactions.probe() as connection:
            connection.execute(statements.WRITE_PROBE)

    def close(self) -> None:
        self._engine.dispose()
        self._transactions.close()

    # --- principals -----------------------------------------------------------------------

    def add_principal(
        self, principal: Principal, token_hash: TokenHash, expires_at: datetime | None = None
    ) -> None:
        with self._begin(write=True) as c:
            if c.execute(
                select(schema.principals.c.name).where(schema.principals.c.name == principal.name)
            ).first():
                raise Conflict(f"principal {principal.name!r} already exists")
            c.execute(
                schema.principals.insert().values(
                    name=principal.name,
                    kind=principal.kind.value,
                    role=principal.role.value,
                    created_at=principal.created_at,
                )
            )
            c.execute(
                schema.api_tokens.insert().values(
                    token_hash=token_hash,
                    principal=principal.name,
                    created_at=principal.created_at,
                    expires_at=expires_at,
                )
            )

    def get_principal(self, name: PrincipalName) -> Principal:
        with self._begin() as c:
            row = c.execute(
                select(schema.principals).where(schema.principals.c.name == name)
            ).first()
        if row is None:
            raise NotFound(f"no principal named {name!r}: list them with `airlock principal list`")
        return _principal(row._mapping)

    def list_principals(self) -> Sequence[Principal]:
        with self._begin() as c:
            rows = c.execute(select(schema.principals).order_by(schema.principals.c.name))
            return [_principal(r._mapping) for r in rows]

    def add_token(self, name: PrincipalName, token_hash: TokenHash) -> None:
        principal = self.get_principal(name)
        with self._begin(write=True) as c:
            c.execute(
                schema.api_tokens.insert().values(
                    token_hash=token_hash, principal=name, created_at=principal.created_at
                )
            )

    def principal_for_token(self, token_hash: TokenHash) -> Principal | None:
        with self._begin() as c:
            row = c.execute(statements.TOKEN_PRINCIPAL, {"token_hash": token_hash}).first()
        return None if row is None else _principal(row._mapping)

    # --- projects -------------------------------------------------------------------------

    def add_project(self, project: Project) -> None:
        with self._begin(write=True) as c:
            if c.execute(
                select(schema.projects.c.name).where(schema.projects.c.name == project.name)
            ).first():
                raise Conflict(f"project {project.name!r} already exists")
            c.execute(
                schema.projects.insert().values(
                    name=project.name,
                    description=project.description,
                    created_at=project.created_at,
                )
            )

    def get_project(self, name: ProjectName) -> Project:
        with self._begin() as c:
            row = c.execute(select(schema.projects).where(schema.projects.c.name == name)).first()
        if row is None:
            raise NotFound(f"no project named {name!r}: list them with `airlock project list`")
        return Project(**row._mapping)

    def list_projects(self) -> Sequence[Project]:
        with self._begin() as c:
            rows = c.execute(select(schema.projects).order_by(schema.projects.c.name))
            return [Project(**r._mapping) for r in rows]

    # --- requests and decisions -----------------------------------------------------------

    def add_request(self, request: BoundaryRequest, decision: Decision | None = None) -> None:
        if decision is not None and decision.request_id != request.id:
            raise ValueError("a request's first decision must be about that request")
        status = request.status if decision is None else decision.status
        with self._begin(write=True) as c:
            refs = c.execute(
                statements.REQUEST_REFS,
                {"id": request.id, "principal": request.principal, "project": request.project},
            ).one()
            if refs.taken:
                raise Conflict(f"request {request.id} already exists")
            if not refs.principal:
                raise NotFound(f"no principal named {request.principal!r}")
            if request.project is not None and not refs.project:
                raise NotFound(f"no project named {request.project!r}")
            c.execute(
                schema.requests.insert(),
                {
                    "id": request.id,
                    "kind": request.kind.value,
                    "principal": request.principal,
                    "project": request.project,
                    "purpose": request.purpose,
                    "digest": request.digest,
                    "size_bytes": request.size_bytes,
                    "created_at": request.created_at,
                    "status": status.value,
                },
            )
            if decision is not None:
                c.execute(schema.decisions.insert(), _decision_row(decision))

    def get_request(self, request_id: RequestId) -> BoundaryRequest:
        with self._begin() as c:
            row = c.execute(
                select(schema.requests).where(schema.requests.c.id == request_id)
            ).first()
        if row is None:
            raise NotFound(f"no request {request_id}: list them with `airlock request list`")
        return _request(row._mapping)

    def list_requests(
        self, status: RequestStatus | None = None, limit: int = 100
    ) -> Sequence[BoundaryRequest]:
        r = schema.requests
        query = select(r).order_by(r.c.created_at.desc(), r.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(r.c.status == status.value)
        with self._begin() as c:
            return [_request(row._mapping) for row in c.execute(query)]

    def request_digests(self) -> set[str]:
        r = schema.requests
        with self._begin() as c:
            return {str(d) for d in c.execute(select(r.c.digest).distinct()).scalars()}

    def record_decision(self, decision: Decision) -> None:
        with self._begin(write=True) as c:
            updated = c.execute(
                statements.SET_REQUEST_STATUS,
                {"request_id": decision.request_id, "status": decision.status.value},
            )
            if updated.rowcount != 1:
                raise NotFound(f"no request {decision.request_id}")
            c.execute(schema.decisions.insert(), _decision_row(decision))

    def decisions_for(self, request_id: RequestId) -> Sequence[Decision]:
        d = schema.decisions
        with self._begin() as c:
            rows = c.execute(select(d).where(d.c.request_id == request_id).order_by(d.c.id))
            return [_decision(row._mapping) for row in rows]

    def add_protected_model(self, model: ModelFingerprint, registered_at: datetime) -> None:
        m, ch = schema.protected_models, schema.protected_chunks
        with self._begin(write=True) as c:
            if c.execute(select(m.c.name).where(m.c.name == model.name)).first():
                raise Conflict(f"a protected model named {model.name!r} is registered already")
            c.execute(
                m.insert().values(
                    name=model.name,
                    size_bytes=model.size,
                    tensors=_tensors_text(model),
                    registered_at=registered_at,
                )
            )
            rows = [{"model": model.name, "digest": d} for d in sorted(model.chunks)]
            for start in range(0, len(rows), 5000):
                c.execute(ch.insert(), rows[start : start + 5000])

    def protected_models(self) -> Sequence[ModelFingerprint]:
        m, ch = schema.protected_models, schema.protected_chunks
        with self._begin() as c:
            models = c.execute(select(m).order_by(m.c.name)).all()
            digests: dict[str, set[bytes]] = {row.name: set() for row in models}
            for row in c.execute(select(ch.c.model, ch.c.digest)):
                digests[row.model].add(bytes(row.digest))
        return [
            ModelFingerprint(
                r.name, int(r.size_bytes), frozenset(digests[r.name]), *_tensors_of(r.tensors)
            )
            for r in models
        ]

    def protected_model_sizes(self) -> Sequence[tuple[str, int]]:
        m = schema.protected_models
        with self._begin() as c:
            rows = c.execute(select(m.c.name, m.c.size_bytes).order_by(m.c.name)).all()
        return [(str(name), int(size)) for name, size in rows]

    def protected_models_stamp(self) -> str:
        with self._begin() as c:
            count, latest = c.execute(statements.MODELS_STAMP).one()
        return f"{count}:{latest}"

    def add_package_file(self, entry: PackageFile) -> None:
        t = schema.package_files
        with self._begin(write=True) as c:
            if c.execute(select(t.c.filename).where(t.c.filename == entry.filename)).first():
                raise Conflict(f"{entry.filename} was submitted before")
            c.execute(
                t.insert().values(
                    filename=entry.filename,
                    project=entry.project,
                    version=entry.version,
                    sha256=entry.sha256,
                    request_id=entry.request_id,
                )
            )

    def package_files(
        self, project: str | None = None, *, released_only: bool = True
    ) -> Sequence[PackageFile]:
        t, r = schema.package_files, schema.requests
        query = select(t).join(r, r.c.id == t.c.request_id).order_by(t.c.filename)
        if released_only:
            query = query.where(r.c.status == RequestStatus.RELEASED.value)
        if project is not None:
            query = query.where(t.c.project == project)
        with self._begin() as c:
            return [
                PackageFile(
                    row.filename,
                    row.project,
                    row.version,
                    sha256_hex(row.sha256),
                    request_id(row.request_id),
                )
                for row in c.execute(query)
            ]

    def add_lock(self, lock: Lock) -> None:
        with self._begin(write=True) as c:
            c.execute(
                schema.locks.insert().values(
                    scope=lock.scope.value,
                    subject=lock.subject,
                    reason=lock.reason,
                    created_at=lock.created_at,
                    expires_at=lock.expires_at,
                    lifted_at=lock.lifted_at,
                    lifted_by=lock.lifted_by,
                )
            )

    def locks(self) -> Sequence[Lock]:
        with self._begin() as c:
            return [_lock(r._mapping) for r in c.execute(statements.ALL_LOCKS)]

    def active_locks(
        self, subjects: Sequence[tuple[LockScope, str]], now: datetime
    ) -> Sequence[Lock]:
        count, params = statements.subject_params(subjects, now=now)
        if not count:
            return []
        query = statements.active_locks(count)
        lane = self._transactions.lane
        if lane is not None:  # every inference request asks: the driver (docs/adr/0037)
            return [_lock(r) for r in lane.query(query, params)]
        with self._begin() as c:
            return [_lock(r._mapping) for r in c.execute(query, params)]

    def lift_locks(self, scope: LockScope, subject: str, by: str, at: datetime) -> int:
        t = schema.locks
        with self._begin(write=True) as c:
            result = c.execute(
                t.update()
                .where(  # Lock.liftable_at
                    t.c.scope == scope.value,
                    t.c.subject == subject,
                    t.c.lifted_at.is_(None),
                    t.c.expires_at > at,
                )
                .values(lifted_at=at, lifted_by=by)
            )
            return int(result.rowcount)

    def decisions_since(self, since: datetime) -> Sequence[Decision]:
        d = schema.decisions
        with self._begin() as c:
            rows = c.execute(
                select(d).where(d.c.decided_at >= since).order_by(d.c.decided_at, d.c.id)
            )
            return [_decision(row._mapping) for row in rows]

    def recent_outcomes(self, principal: PrincipalName, since: datetime) -> Sequence[Decision]:
        with self._begin() as c:
            rows = c.execute(statements.RECENT_REFUSALS, {"principal": principal, "since": since})
            return [_decision(row._mapping) for row in rows]

    def counts(self) -> StoreCounts:
        r = schema.requests
        with self._begin() as c:
            principals = c.execute(select(func.count()).select_from(schema.principals)).scalar_one()
            projects = c.execute(select(func.count()).select_from(schema.projects)).scalar_one()
            grouped = c.execute(select(r.c.status, func.count()).group_by(r.c.status)).all()
        by_status = dict.fromkeys(RequestStatus, 0)
        for status, count in grouped:
            by_status[RequestStatus(status)] = int(count)
        return StoreCounts(int(principals), int(projects), by_status)


def _principal(row: Any) -> Principal:
    return Principal(
        name=PrincipalName(row["name"]),
        kind=PrincipalKind(row["kind"]),
        role=Role(row["role"]),
        created_at=row["created_at"],
    )


def _request(row: Any) -> BoundaryRequest:
    return BoundaryRequest(
        id=request_id(row["id"]),
        kind=RequestKind(row["kind"]),
        principal=PrincipalName(row["principal"]),
        project=None if row["project"] is None else ProjectName(row["project"]),
        purpose=row["purpose"],
        digest=sha256_hex(row["digest"]),
        size_bytes=row["size_bytes"],
        created_at=row["created_at"],
        status=RequestStatus(row["status"]),
    )


def _decision(row: Any) -> Decision:
    return Decision(
        request_id=request_id(row["request_id"]),
        outcome=Outcome(row["outcome"]),
        reasons=tuple(Reason(x["code"], x["message"]) for x in json.loads(row["reasons_json"])),
        decided_at=row["decided_at"],
        decided_by=row["decided_by"],
        policy_version=row["policy_version"],
    )


def _decision_row(decision: Decision) -> dict[str, object]:
    return {
        "request_id": decision.request_id,
        "outcome": decision.outcome.value,
        "reasons_json": json.dumps(
            [{"code": x.code, "message": x.message} for x in decision.reasons]
        ),
        "decided_at": decision.decided_at,
        "decided_by": decision.decided_by,
        "policy_version": decision.policy_version,
    }


def _lock(row: Mapping[Any, Any]) -> Lock:
    return Lock(
        LockScope(row["scope"]),
        row["subject"],
        row["reason"],
        row["created_at"],
        row["expires_at"],
        row["lifted_at"],
        row["lifted_by"],
    )


def _tensors_text(model: ModelFingerprint) -> str:
    """The ``tensors`` column: the list of tensor descriptions, or -- for a model with an
    identity (issue 19: sketches, lossless ratio) -- an object holding both, so that the
    row's seal covers the identity too without a schema change."""
    if not model.identity:
        return json.dumps(list(model.tensors))
    return json.dumps({"tensors": list(model.tensors), "identity": model.identity})


def _tensors_of(text: str) -> tuple[tuple[str, ...], str]:
    value = json.loads(text)
    if isinstance(value, dict):
        return tuple(value.get("tensors", [])), str(value.get("identity", ""))
    return tuple(value), ""
