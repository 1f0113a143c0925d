"""The Airlock facade: the single code path behind every CLI command and API endpoint.

Adapters authenticate, parse and render; this class checks permissions, builds domain
values, and persists them. Wiring happens only in :meth:`Airlock.from_settings`.

It is also the composition root of the capabilities behind it, and builds each one when it
is first used: egress and the inspection engine (numpy), data ingress (cleanlab,
scikit-learn, pyarrow, sentence models), package ingress, lineage and the ledger verifier
are imported by the property or method that needs them, so that `airlock status` or a
gateway's start does not pay seconds for all of them (issue 13; the import budget is
guarded by tests/unit/test_import_budget.py).
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, BinaryIO

from airlock.approvals.friction import FrictionReport, friction
from airlock.approvals.locks import Lock, LockScope
from airlock.approvals.permissions import Action, Reach, reach, refuse_reserved, require
from airlock.approvals.refusals import ANONYMOUS, OVERFLOW
from airlock.budgets.exfiltration import (
    ExfiltrationEstimate,
    estimates_for,
    refuse_if_below_floor,
)
from airlock.budgets.limits import Budget, BudgetScope
from airlock.capability import capability
from airlock.clock import Clock, SystemClock
from airlock.domain.identity import (
    BREAK_GLASS_SUBJECT,
    STRONG_METHODS,
    Auth,
    AuthMethod,
    Credential,
    auth_details,
)
from airlock.domain.names import (
    PrincipalName,
    RequestId,
    principal_name,
    project_name,
    request_id,
)
from airlock.domain.principals import Principal, PrincipalKind, Role
from airlock.domain.projects import Project
from airlock.domain.requests import BoundaryRequest, Decision, Outcome, RequestStatus
from airlock.domain.tokens import (
    TokenHash,
    TokenRecord,
    hash_token,
    new_token,
    parse_token_id,
    token_id,
    token_lifetime,
)
from airlock.enclave_status import EnclaveStatus, StoreGlance, enclave_status
from airlock.errors import (
    AirlockError,
    AuthenticationRequired,
    ConfigError,
    Conflict,
    InvalidInput,
    LedgerIntegrityError,
    NotFound,
    PermissionDenied,
    StoreError,
)
from airlock.ledger.records import LedgerRecord
from airlock.settings import Settings
from airlock.store.dataset_interface import DatasetEntry, dataset_id
from airlock.store.interface import PackageFile, Store
from airlock.store.outbox import FileOutbox, Outbox, Staged, probe_writable

if TYPE_CHECKING:
    from airlock.approvals.decide import CompiledPolicy
    from airlock.approvals.friction_trends import FrictionTrends
    from airlock.approvals.policy import PolicyBundle
    from airlock.approvals.progress import RequestProgress
    from airlock.approvals.refusals import Entry as RefusalEntry
    from airlock.approvals.workflow import ApprovalCase
    from airlock.assess.attest import Answer
    from airlock.assess.gather import Assessment
    from airlock.audit import AuditLog
    from airlock.audit_verify import VerifyReport
    from airlock.data_ingress import DataIngress, DatasetImport, ImportOptions
    from airlock.egress import Egress, ExportResult
    from airlock.exports.engine import Inspector
    from airlock.exports.model_fingerprint import ModelFingerprint
    from airlock.identity.marking import MarkReceipt, RecordedMark
    from airlock.identity.watermark import MarkParams, TraceResult
    from airlock.imports.datasets.lineage import BlastRadius
    from airlock.imports.datasets.manifest import FileEntry
    from airlock.ledger.signed_note import LedgerKey, VerifierKey
    from airlock.lineage_log import LineageLog
    from airlock.outbox_sweep import SweepReport
    from airlock.outputs.gateway import OutputGateway
    from airlock.outputs.metrics import OutputMetrics
    from airlock.outputs.reference import ReferenceModel
    from airlock.outputs.verifier import VerifyReport as OutputsReport
    from airlock.package_ingress import Admission, FeedImport
    from airlock.package_policy import NamesRefresh, PolicyChange
    from airlock.state_seals import StateSeals
    from airlock.state_verify import StateReport

if TYPE_CHECKING:
    from pathlib import Path

    from airlock.ops.backup import BackupReport
    from airlock.ops.metrics import BoundaryFigures
    from airlock.ops.notifier import Notifier
    from airlock.ops.siem import LedgerEvent

_log = logging.getLogger("airlock.notify")
LOCAL_OPERATOR = "local-operator"
BREAK_GLASS_LOCK_DAYS = 3650  # a break-glass lock ends by confirmation, not by waiting
FRESHNESS_SECONDS = 1.0  # how stale a cached token lookup or protected-model stamp may be
MAX_CACHED_TOKENS = 4096
FRICTION_CACHE_SECONDS = 60.0  # how stale the friction gauges of /metrics may be
_monotonic = time.monotonic  # a seam for tests; cache ages are not domain time


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking, and how they proved it (issue 14).

    A principal acts with its own credential (``auth`` token or peercred). The local
    operator is whoever can open the home folder: it acts only to initialise the enclave
    (before any admin exists) or in a break-glass recovery, and is recorded with the OS user.
    """

    name: str
    role: Role
    auth: AuthMethod = AuthMethod.TOKEN
    os_user: str = ""
    break_glass: bool = False
    uid: int | None = None  # the OS uid, for a principal signed in by peercred

    @classmethod
    def local_operator(cls, os_user: str = "", *, break_glass: bool = False) -> Actor:
        return cls(LOCAL_OPERATOR, Role.ADMIN, AuthMethod.LOCAL_OPERATOR, os_user, break_glass)

    @classmethod
    def of(cls, principal: Principal, auth: Auth = AuthMethod.TOKEN) -> Actor:
        if isinstance(auth, Credential):
            return cls(principal.name, principal.role, auth.method, auth.os_user, uid=auth.uid)
        return cls(principal.name, principal.role, auth)

    @property
    def credential(self) -> Credential:
        return Credential(self.auth, self.os_user, self.uid)

    def ledger_details(self) -> dict[str, str]:
        """What every ledger entry this actor makes says about how they were authenticated."""
        found = auth_details(self.auth, self.os_user, self.break_glass)
        if self.uid is not None:
            found["uid"] = str(self.uid)
        return found


@dataclass(frozen=True, slots=True)
class RequestDetail:
    """A request as a person reviewing it needs it. ``ledger_entry`` is the index of the
    ledger entry behind the request's current state (its row seal), for a receipt."""

    request: BoundaryRequest
    decisions: tuple[Decision, ...]
    case: ApprovalCase | None
    ledger_entry: int | None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A principal with a bearer token that is shown once and never stored in clear."""

    principal: Principal
    token: str
    token_id: str = ""
    expires_at: datetime | None = None


class Airlock:
    """Every action on the enclave boundary."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        policy: PolicyBundle,
        signing_key: LedgerKey | Callable[[], LedgerKey],
    ) -> None:
        """``signing_key`` may be a function that loads it: it is called when the ledger is
        first used, so commands that sign nothing do not import cryptography (issue 13)."""
        self.settings = settings
        self._store = store
        self._clock = clock
        self._policy = policy
        self._key_source = signing_key
        self._inspector: Inspector | None = None
        self._inspector_stamp = ""
        self._inspector_checked = 0.0
        # Known tokens only (an unknown one is asked again each time, so a new token works at
        # once); a revoked token stops working within FRESHNESS_SECONDS.
        self._principals_by_token: dict[TokenHash, tuple[Principal, float, TokenRecord]] = {}
        self._friction_cache: tuple[float, FrictionReport] | None = None
        self.outbox: Outbox = FileOutbox(settings.home / "outbox")
        self._build_lock = threading.RLock()  # see airlock.capability
        self._outputs: OutputGateway | None = None

    # --- capabilities, each built (and its module imported) when first used ------------

    @capability
    def _signing_key(self) -> LedgerKey:
        source = self._key_source
        return source() if callable(source) else source

    @capability
    def identity_key(self) -> bytes:
        """The enclave's key for sampled fingerprints and derivative sketches (issue 19),
        derived from the ledger key: whoever cannot read the home cannot tell which chunks
        are sampled or what a sketch projects onto."""
        from airlock.audit import seal_key
        from airlock.identity.sampled_index import identity_key

        return identity_key(seal_key(self._signing_key))

    @capability
    def ledger(self) -> AuditLog:
        from airlock.audit import AuditLog
        from airlock.ledger.signed_note import NoteSigner
        from airlock.local_witness import LocalWitness

        return AuditLog(
            self._store.ledger,
            self._signing_key,
            self.settings.enclave_name,
            self._clock,
            timedelta(seconds=self.settings.ledger.checkpoint_interval_seconds),
            witness=LocalWitness.in_home(
                self.settings.home,
                NoteSigner(self.settings.enclave_name, self._signing_key).verifier,
            ),
        )

    @capability
    def seals(self) -> StateSeals:
        from airlock.audit import state_seal_key
        from airlock.state_seals import StateSeals

        return StateSeals(self._store.seals, state_seal_key(self._signing_key), self.ledger)

    @capability
    def _compiled(self) -> CompiledPolicy:
        from airlock.approvals.decide import CompiledPolicy

        return CompiledPolicy(self._policy)

    @capability
    def _egress(self) -> Egress:
        from airlock.egress import Egress

        return Egress(
            self._store,
            seals=self.seals,
            outbox=self.outbox,
            ledger=self.ledger,
            clock=self._clock,
            policy=self._compiled,
            inspector=self.inspector,
            max_bytes=self.settings.uploads.max_export_bytes,
            keep_denied=self.settings.uploads.keep_denied,
            vote_methods=frozenset(AuthMethod(m) for m in self.settings.approvals.vote_methods),
        )

    @capability
    def _data(self) -> DataIngress:
        from airlock.data_ingress import DataIngress
        from airlock.imports.datasets.limits import DatasetLimits, ScanLimits
        from airlock.sentence_embeddings import load_packaged_minilm

        return DataIngress(
            self._store,
            seals=self.seals,
            outbox=self.outbox,
            ledger=self.ledger,
            clock=self._clock,
            policy_version=lambda: self._policy.version,
            load_embedder=load_packaged_minilm,
            limits=DatasetLimits(
                max_total_bytes=self.settings.datasets.max_file_bytes,
                max_rows=self.settings.datasets.max_rows,
            ),
            scan_limits=ScanLimits(max_rows=self.settings.datasets.scan_max_rows),
        )

    @capability
    def _lineage(self) -> LineageLog:
        from airlock.lineage_log import LineageLog

        return LineageLog(self._store, self.ledger, self._clock)

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> Airlock:
        """Open the configured store and policy.

        Raises:
            StoreError: the database is unreachable or not migrated.
            ConfigError: policy files or the signing key file are missing or unreadable.
            InvalidInput: the policy does not validate.
        """
        from airlock.home import load_policy, load_signing_key, parse_signing_key, read_signing_key
        from airlock.store.sql import SqlStore

        store = SqlStore.from_url(settings.database_url)
        try:
            store.check_ready()
            policy = load_policy(settings)
            # A missing or open key file fails here; a PKCS#11 token is opened when first used.
            key_pem = b"" if settings.ledger.signing_key else read_signing_key(settings)
        except BaseException:
            store.close()
            raise
        key_source: Callable[[], LedgerKey] = (
            (lambda: load_signing_key(settings))
            if settings.ledger.signing_key
            else (lambda: parse_signing_key(settings.signing_key_path, key_pem))
        )
        return cls(settings, store, clock or SystemClock(), policy, key_source)

    def close(self) -> None:
        notifier = self.__dict__.get("_notifier")
        if notifier is not None:
            notifier.close()  # a short CLI run still sends its notice (bounded wait)
        self._store.close()

    @capability
    def _notifier(self) -> Notifier | None:
        if not self.settings.notify.enabled:
            return None
        from airlock.ops.notifier import Notifier

        return Notifier(self.settings.notify)

    def _announce(self, request: BoundaryRequest) -> None:
        """Tell the approvers' groups of a newly held request (issue 18), without waiting:
        the notifier delivers from its own thread. Nothing here may fail the decision."""
        if request.status is not RequestStatus.HELD or not self.settings.notify.enabled:
            return
        notifier = self._notifier
        if notifier is None:
            return
        try:
            notifier.held(self.request_progress(Actor.local_operator(), request.id))
        except AirlockError as e:
            _log.warning("could not build the notice of %s: %s", request.id, e.message)

    @property
    def store_backend(self) -> str:
        return self._store.backend

    def sweep_outbox(self) -> SweepReport:
        """Remove partial uploads and blobs no request refers to (see
        :mod:`airlock.outbox_sweep`). Raises: StoreError; then nothing was swept."""
        from airlock.outbox_sweep import sweep_outbox

        return sweep_outbox(
            self.settings.home / "outbox",
            self._store,
            self.settings.uploads.orphan_min_age_seconds,
        )

    def check_ready(self) -> None:
        """Raises: StoreError if the store is unreachable or its schema is not current."""
        self._store.check_ready()

    def check_writable(self) -> None:
        """Readiness: whether an export could be recorded now (issue 22).

        Raises: StoreError if the store is not current, or the store or the outbox cannot
        take a write. Nothing is written: the store's probe is rolled back.
        """
        self._store.check_ready()
        self._store.check_writable()
        probe_writable(self.settings.home / "outbox")

    # --- principals -------------------------------------------------------------------

    def add_principal(
        self,
        actor: Actor,
        name: str,
        role: Role,
        kind: PrincipalKind = PrincipalKind.PERSON,
        days: int | None = None,
    ) -> IssuedToken:
        """Create a principal with its first API token, which expires after ``days``.

        Raises:
            PermissionDenied: the actor may not add principals.
            InvalidInput: the name is malformed or reserved for the system, or days is out
                of range.
            Conflict: the name is taken.
        """
        require(actor, Action.PRINCIPAL_ADD)
        principal = Principal(principal_name(name), kind, role, self._clock.now())
        refuse_reserved(principal.name)
        self._refuse_existing_principal(principal.name)
        token = new_token()
        hashed = hash_token(token)
        expires = principal.created_at + token_lifetime(days)
        index = self._record(
            "principal.add",
            actor,
            principal.name,
            role=role.value,
            kind=kind.value,
            token_id=token_id(hashed),
            expires_at=expires.isoformat(),
        )
        self._store.add_principal(principal, hashed, expires)
        self.seals.seal("principals", {"name": principal.name}, index)
        self.seals.seal("api_tokens", {"principal": principal.name}, index)
        return IssuedToken(principal, token, token_id(hashed), expires)

    def issue_token(self, actor: Actor, name: str, days: int | None = None) -> IssuedToken:
        """Another token for an existing principal (rotation: issue, switch, revoke the old).

        Raises: PermissionDenied, InvalidInput (name, days), NotFound.
        """
        require(actor, Action.TOKEN_ISSUE, owner=name)
        principal = self._store.get_principal(principal_name(name))
        token = new_token()
        hashed = hash_token(token)
        now = self._clock.now()
        expires = now + token_lifetime(days)
        index = self._record(
            "principal.token",
            actor,
            principal.name,
            token_id=token_id(hashed),
            expires_at=expires.isoformat(),
        )
        self._store.tokens.issue(principal.name, hashed, now, expires)
        self.seals.seal("api_tokens", {"principal": principal.name}, index)
        return IssuedToken(principal, token, token_id(hashed), expires)

    def tokens(self, actor: Actor, name: str) -> Sequence[TokenRecord]:
        """A principal's tokens (ids, times, never the tokens). Raises: PermissionDenied."""
        who = principal_name(name)
        require(actor, Action.TOKEN_LIST, owner=who)
        self._store.get_principal(who)
        return self._store.tokens.of(who)

    def revoke_tokens(self, actor: Actor, target: str, reason: str = "") -> int:
        """Revoke one token (``tok_...``) or every token of a principal (its name).

        The ledger entry is written before the revocation takes effect; this process stops
        accepting the token at once, other processes within FRESHNESS_SECONDS.

        Raises: PermissionDenied, InvalidInput, NotFound (unknown principal or token id).
        """
        if target.startswith("tok_"):
            id_hex = parse_token_id(target)
            holder = next(
                (
                    PrincipalName(r.principal)
                    for p in self._store.list_principals()
                    for r in self._store.tokens.of(p.name)
                    if r.token_id == target
                ),
                None,
            )
            if holder is None:
                raise NotFound(f"no token {target}: list them with `airlock principal token list`")
        else:
            id_hex, holder = None, principal_name(target)
            self._store.get_principal(holder)
        require(actor, Action.TOKEN_REVOKE, owner=holder)
        now = self._clock.now()
        live = [r for r in self._store.tokens.of(holder) if r.state(now) != "revoked"]
        if id_hex is not None and not any(r.token_id == target for r in live):
            raise Conflict(f"token {target} is revoked already")
        index = self._record(
            "principal.token.revoke",
            actor,
            holder,
            token_id=target if id_hex is not None else "*",
            reason=reason[:500],
        )
        count = self._store.tokens.revoke(holder, id_hex, now)
        self.seals.seal("api_tokens", {"principal": holder}, index)
        self._principals_by_token.clear()
        return count

    def recently_authenticated(self, token: str) -> Principal | None:
        """The token's principal if it was looked up within FRESHNESS_SECONDS; no I/O, so an
        async caller can try it before handing :meth:`authenticate` to a thread."""
        return self._recently_authenticated(hash_token(token), _monotonic())

    def _recently_authenticated(self, hashed: TokenHash, now: float) -> Principal | None:
        cached = self._principals_by_token.get(hashed)
        if cached is None or now >= cached[1]:
            return None
        try:
            cached[2].check_usable(self._clock.now())  # expiry is not stretched by the cache
        except AuthenticationRequired:
            return None
        return cached[0]

    def authenticate(self, token: str) -> Principal:
        """The principal of a usable token.

        The store is asked by the token's SHA-256 (an index lookup): a timing difference
        could at most hint at a prefix of a hash of 256 random bits, which does not help to
        forge a token; the found hash is compared again in constant time all the same.

        Raises: AuthenticationRequired for a malformed, unknown, expired or revoked token.
        """
        return self.token_record(token)[0]

    def token_record(self, token: str) -> tuple[Principal, TokenRecord]:
        """The token's principal and record (expiry, for a session bound to it).

        Raises: AuthenticationRequired for a malformed, unknown, expired or revoked token.
        """
        hashed = hash_token(token)
        now = _monotonic()
        cached = self._principals_by_token.get(hashed)
        if cached is not None and self._recently_authenticated(hashed, now) is not None:
            return cached[0], cached[2]
        found = self._store.tokens.lookup(hashed)
        if found is None or not hmac.compare_digest(token_id(hashed), found[1].token_id):
            raise AuthenticationRequired(
                "the API token is unknown: check it, or ask an admin for a new one"
            )
        principal, record = found
        record.check_usable(self._clock.now())
        # Fail closed on a token or principal row written or edited outside airlock
        # (issue 22): a forged admin or a role raised by SQL must not authenticate.
        self.seals.check("api_tokens", {"token_hash": hashed})
        self.seals.check("principals", {"name": principal.name})
        if len(self._principals_by_token) >= MAX_CACHED_TOKENS:
            self._principals_by_token.clear()
        self._principals_by_token[hashed] = (principal, now + FRESHNESS_SECONDS, record)
        return principal, record

    def authenticate_peer(self, uid: int) -> tuple[Principal, str]:
        """The principal ``[identity] os_users`` maps the OS user of ``uid`` to, and that
        OS user's name: the peer of a Unix socket, as the kernel reported it (SO_PEERCRED).

        Raises: AuthenticationRequired when the uid has no user name, the user is mapped to
        no principal, or to one that does not exist (or whose row fails its seal).
        """
        import pwd

        try:
            os_user = pwd.getpwuid(uid).pw_name
        except KeyError:
            raise AuthenticationRequired(
                f"OS uid {uid} has no user name: send a token instead"
            ) from None
        mapped = self.settings.identity.principal_of(os_user)
        if mapped is None:
            raise AuthenticationRequired(
                f"OS user {os_user} (uid {uid}) is mapped to no principal: an admin adds it to "
                "[identity] os_users, or send your token"
            )
        try:
            principal = self._store.get_principal(principal_name(mapped))
        except (NotFound, InvalidInput):
            raise AuthenticationRequired(
                f"OS user {os_user} is mapped to {mapped!r}, which is no principal: fix "
                "[identity] os_users"
            ) from None
        self.seals.check("principals", {"name": principal.name})
        return principal, os_user

    def list_principals(self) -> Sequence[Principal]:
        return self._store.list_principals()

    # --- projects ---------------------------------------------------------------------

    def add_project(self, actor: Actor, name: str, description: str = "") -> Project:
        """Raises: PermissionDenied, InvalidInput, Conflict."""
        require(actor, Action.PROJECT_MANAGE)
        project = Project(project_name(name), description, self._clock.now())
        if any(p.name == project.name for p in self._store.list_projects()):
            raise Conflict(f"project {project.name!r} already exists")
        index = self._record("project.add", actor, project.name, description=description)
        self._store.add_project(project)
        self.seals.seal("projects", {"name": project.name}, index)
        return project

    def list_projects(self) -> Sequence[Project]:
        return self._store.list_projects()

    def add_member(self, actor: Actor, project: str, principal: str) -> None:
        """Make ``principal`` a member of ``project``: its exports are charged to the project
        (see :func:`airlock.domain.membership.charged_project`).

        Raises: PermissionDenied (not admin), InvalidInput, NotFound, Conflict (a member).
        """
        require(actor, Action.PROJECT_MANAGE)
        where, who = project_name(project), principal_name(principal)
        self._store.get_project(where)
        self._store.get_principal(who)
        if who in self._store.members.members(where):
            raise Conflict(f"{who} is already a member of project {where!r}")
        self._record("project.member.add", actor, where, principal=who)
        self._store.members.add_member(where, who, self._clock.now())

    def project_members(self, project: str) -> Sequence[PrincipalName]:
        """Raises: InvalidInput, NotFound."""
        where = project_name(project)
        self._store.get_project(where)
        return self._store.members.members(where)

    # --- requests ---------------------------------------------------------------------

    def list_requests(
        self, actor: Actor, status: RequestStatus | None = None, limit: int = 100
    ) -> Sequence[BoundaryRequest]:
        """The requests the actor may read: all of them, or only their own.

        Raises: PermissionDenied if the actor may read none.
        """
        match reach(actor, Action.REQUEST_READ):
            case Reach.ANY:
                return self._store.list_requests(status, limit)
            case Reach.OWN:
                # Filtered after the store's newest-first limit, from a wider window.
                wider = self._store.list_requests(status, min(limit * 50, 100_000))
                return [r for r in wider if r.principal == actor.name][:limit]
            case _:
                require(actor, Action.REQUEST_READ)
                return []

    def request_detail(self, actor: Actor, raw_id: str) -> RequestDetail:
        """A request with its decisions, its approval case (votes in and needed) and the
        ledger entry that made its current state, for `request show` and receipts.

        Raises: InvalidInput (malformed id), NotFound, PermissionDenied (someone else's
        request for a role that reads only its own).
        """
        request, decisions = self.get_request(actor, raw_id)
        rid = request.id
        try:
            case: ApprovalCase | None = self._store.approvals.get_case(rid)
        except NotFound:
            case = None
        try:
            seal = self._store.seals.get("requests", rid)
        except StoreError:  # a store that keeps no seals (the memory store)
            seal = None
        return RequestDetail(
            request,
            tuple(decisions),
            case,
            None if seal is None else seal.ledger_index,
        )

    def request_progress(self, actor: Actor, raw_id: str) -> RequestProgress:
        """The request's progress and next step as ``actor`` sees it (issue 18): the same
        view model for `request show`, the API and the pages.

        Raises: InvalidInput, NotFound, PermissionDenied (as :meth:`request_detail`).
        """
        from airlock.approvals.progress import progress

        detail = self.request_detail(actor, raw_id)
        return progress(
            detail.request,
            detail.decisions,
            detail.case,
            self._store.list_principals(),
            origin=self._origin_details(detail.ledger_entry),
            viewer=None if actor.name == LOCAL_OPERATOR else actor.name,
            now=self._clock.now(),
        )

    def export_progress(self, actor: Actor, result: ExportResult) -> RequestProgress:
        """:meth:`request_progress` of an export just decided, from the result in hand when
        no case was opened (allowed or denied: no votes, nobody to ask): the gateway answers
        every export with it, and six reads per export cost a third of its throughput."""
        if result.decision.outcome is Outcome.HOLD:
            return self.request_progress(actor, result.request.id)
        from airlock.approvals.progress import progress

        require(actor, Action.REQUEST_READ, owner=result.request.principal)
        return progress(
            result.request,
            (result.decision,),
            None,
            (),
            origin=result.recorded,
            viewer=None if actor.name == LOCAL_OPERATOR else actor.name,
            now=self._clock.now(),
        )

    def _origin_details(self, index: int | None) -> dict[str, object] | None:
        """The details the request's deciding ledger entry recorded (file name, type,
        findings), when the entry behind its current state is that decision."""
        for _ in range(2):  # a closing vote's entry points at the first decision: one hop
            if index is None:
                return None
            try:
                record = self.ledger.record(index)
            except AirlockError:
                return None
            details = record.get("details")
            if not isinstance(details, dict):
                return None
            origin = details.get("origin")
            if not isinstance(origin, int) or origin >= index:
                return details
            index = origin
        return None

    def get_request(self, actor: Actor, raw_id: str) -> tuple[BoundaryRequest, Sequence[Decision]]:
        """Raises: InvalidInput (malformed id), NotFound, PermissionDenied (someone else's
        request for a role that reads only its own)."""
        rid = request_id(raw_id)
        found = self._store.get_request(rid)
        require(actor, Action.REQUEST_READ, owner=found.principal)
        return found, self._store.decisions_for(rid)

    def _request(self, rid: RequestId) -> BoundaryRequest:
        return self._store.get_request(rid)

    # --- status -----------------------------------------------------------------------

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

    # --- egress -----------------------------------------------------------------------

    def submit_export(
        self,
        principal: Principal,
        stream: BinaryIO,
        name: str,
        purpose: str,
        project: str | None = None,
        *,
        auth: Auth = AuthMethod.TOKEN,
    ) -> ExportResult:
        """Inspect, budget, decide and record an export (see :mod:`airlock.egress`).

        Raises: PermissionDenied for a role that may not submit (an auditor, an admin).
        """
        require(principal, Action.EXPORT_SUBMIT)
        result = self._egress.submit(principal, stream, name, purpose, project, auth=auth)
        self._announce(result.request)
        return result

    def submit_staged_export(
        self,
        principal: Principal,
        staged: Staged,
        name: str,
        purpose: str,
        project: str | None = None,
        *,
        auth: Auth = AuthMethod.TOKEN,
    ) -> ExportResult:
        """:meth:`submit_export` of an upload already staged in the outbox."""
        try:
            require(principal, Action.EXPORT_SUBMIT)  # the HTTP gate checked too
        except PermissionDenied:
            self.outbox.drop(staged)
            raise
        result = self._egress.submit_staged(principal, staged, name, purpose, project, auth=auth)
        self._announce(result.request)
        return result

    def export_allowance(self, principal: Principal) -> int:
        """Bytes ``principal`` could export now (see :meth:`airlock.egress.Egress.allowance`)."""
        return self._egress.allowance(principal)

    def vote(
        self,
        voter: Principal,
        request: str,
        approve: bool,
        reason: str,
        digest: str,
        *,
        auth: Auth = AuthMethod.TOKEN,
    ) -> BoundaryRequest:
        """Approve or deny a held request; the result is the request after the vote.

        Raises: PermissionDenied (a weak ``auth``: see :mod:`airlock.votes`; role, or the
        voter's own request), NotFound, Conflict.
        """
        require(voter, Action.VOTE, owner=self._request(request_id(request)).principal)
        return self._egress.vote(voter, request, approve, reason, digest, auth=auth)[0]

    def release(self, actor: Actor, request: str) -> tuple[BoundaryRequest, Iterator[bytes]]:
        """The bytes of a released request, digest-checked; refuses anything else.

        Raises: PermissionDenied unless the actor requested it or audits; NotFound; Conflict.
        """
        require(actor, Action.RELEASE_FETCH, owner=self._request(request_id(request)).principal)
        return self._egress.release_stream(request)

    def lock(
        self, actor: Actor, scope: LockScope, subject: str, reason: str, hours: float = 24
    ) -> Lock:
        """Lock a principal or project by hand. Raises: PermissionDenied unless admin/approver."""
        require(actor, Action.LOCK_IMPOSE, owner=self._lock_concerns(actor, scope, subject))
        if scope is LockScope.ENCLAVE:
            raise PermissionDenied("only a break-glass recovery locks the whole enclave")
        now = self._clock.now()
        lock = Lock(scope, subject, reason, now, now + timedelta(hours=hours))
        self._egress.impose_lock(lock, actor.name, actor.ledger_details())
        return lock

    def lift_lock(self, actor: Actor, scope: LockScope, subject: str, reason: str) -> int:
        """Lift active locks in one logged step.

        Raises: PermissionDenied (role; a lock on the actor or on a project they belong to:
        nobody lifts their own lock), NotFound.
        """
        require(actor, Action.LOCK_LIFT, owner=self._lock_concerns(actor, scope, subject))
        if scope is LockScope.ENCLAVE:
            raise PermissionDenied(
                "the enclave lock of a break-glass lifts only when a second admin confirms "
                "it with their own token: `airlock break-glass confirm --reason ...`"
            )
        now = self._clock.now()
        if not any(
            k.scope is scope and k.subject == subject and k.active_at(now)
            for k in self._store.locks()
        ):
            raise NotFound(f"{scope} {subject} has no active lock")
        index = self._record("lock.lift", actor, f"{scope}:{subject}", reason=reason[:500])
        lifted = self._store.lift_locks(scope, subject, actor.name, now)
        self.seals.seal("locks", {"scope": scope.value, "subject": subject}, index)
        return lifted

    def locks(self, actor: Actor) -> Sequence[Lock]:
        """The locks the actor may read: all, or those on themselves and their projects."""
        match reach(actor, Action.LOCK_READ):
            case Reach.ANY:
                return self._store.locks()
            case Reach.OWN:
                return [
                    k
                    for k in self._store.locks()
                    if self._lock_concerns(actor, k.scope, k.subject) == actor.name
                ]
            case _:
                require(actor, Action.LOCK_READ)
                return []

    def _lock_concerns(self, actor: Actor, scope: LockScope, subject: str) -> str:
        """Whom a lock concerns, for the matrix: the actor if it is on them or on a project
        they are a member of, else the locked principal or project."""
        if scope is LockScope.PRINCIPAL:
            return subject
        try:
            members = self._store.members.members(project_name(subject))
        except InvalidInput:
            return subject
        return actor.name if actor.name in members else subject

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

    def principal(self, name: str) -> Principal:
        return self._store.get_principal(principal_name(name))

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

    # --- software ingress -------------------------------------------------------------

    def admit_package(
        self,
        principal: Principal,
        filename: str,
        data: bytes | BinaryIO,
        *,
        auth: Auth = AuthMethod.TOKEN,
        attestation: bytes | None = None,
    ) -> Admission:
        """Vet a package and, if clean (or once approved), serve it on the internal index;
        ``attestation`` is its PEP 740 attestation or PyPI provenance, verified offline."""
        from airlock.package_ingress import admit_package

        require(principal, Action.PACKAGE_SUBMIT)
        admission = admit_package(
            self._store,
            seals=self.seals,
            outbox=self.outbox,
            ledger=self.ledger,
            clock=self._clock,
            principal=principal,
            filename=filename,
            data=data,
            policy_version=self._policy.version,
            max_bytes=self.settings.uploads.max_package_bytes,
            keep_denied=self.settings.uploads.keep_denied,
            auth=auth,
            attestation=attestation,
        )
        self._announce(admission.request)
        return admission

    def import_package_feed(self, actor: Actor, paths: Sequence[Path]) -> FeedImport:
        """Import an offline OSV malicious-packages feed (files, folders or a zip of JSON).

        Raises: PermissionDenied unless admin; SourceError (unreadable), InvalidInput (not
        OSV, no PyPI record, over the size bounds) before anything is recorded.
        """
        from airlock.imports.packages.feed import feed_entries
        from airlock.imports.packages.feed_files import feed_texts
        from airlock.package_ingress import import_feed

        require(actor, Action.PACKAGE_FEED_IMPORT)
        entries = feed_entries(feed_texts(paths))
        return import_feed(
            self._store,
            self._policy_change(actor),
            entries=entries,
        )

    def pin_publisher(self, actor: Actor, project: str, publisher: str) -> int:
        """Pin ``project``'s Trusted Publisher (``''`` unpins); returns the ledger index.

        Raises: PermissionDenied unless admin; InvalidInput for a malformed publisher.
        """
        from airlock.package_policy import pin_publisher

        require(actor, Action.PACKAGE_POLICY)
        return pin_publisher(
            self._store,
            self._policy_change(actor),
            project=project,
            publisher=publisher,
        )

    def _policy_change(self, actor: Actor) -> PolicyChange:
        from airlock.package_policy import PolicyChange

        return PolicyChange(
            self.ledger, self._clock, actor.name, actor.ledger_details(), self._policy.version
        )

    def publisher_pins(self) -> dict[str, str]:
        """project -> pinned Trusted Publisher."""
        return self._store.known_bad.publisher_pins()

    def attested_publishers(self) -> dict[tuple[str, str], str]:
        """(project, version) -> the publisher a verified attestation named at admission."""
        return self._store.known_bad.attested_publishers()

    def refresh_protected_names(self, actor: Actor, popular: Sequence[str]) -> NamesRefresh:
        """Add ``popular`` names and every project the index serves to the typosquat check's
        protected names (issue 16). Raises: PermissionDenied unless admin."""
        from airlock.package_policy import refresh_names

        require(actor, Action.PACKAGE_POLICY)
        return refresh_names(
            self._store,
            self._policy_change(actor),
            popular=popular,
            index_projects=sorted({f.project for f in self._store.package_files()}),
        )

    def package_feed_size(self) -> int:
        """Entries of the known-bad package feed the store holds."""
        return self._store.known_bad.known_bad_count()

    def admit_staged_package(
        self,
        principal: Principal,
        filename: str,
        staged: Staged,
        *,
        auth: Auth = AuthMethod.TOKEN,
        attestation: bytes | None = None,
    ) -> Admission:
        """:meth:`admit_package` of a file already staged in the outbox."""
        from airlock.package_ingress import admit_staged_package

        try:
            require(principal, Action.PACKAGE_SUBMIT)  # the HTTP gate checked too
        except PermissionDenied:
            self.outbox.drop(staged)
            raise
        admission = admit_staged_package(
            self._store,
            seals=self.seals,
            outbox=self.outbox,
            ledger=self.ledger,
            clock=self._clock,
            principal=principal,
            filename=filename,
            staged=staged,
            policy_version=self._policy.version,
            keep_denied=self.settings.uploads.keep_denied,
            auth=auth,
            attestation=attestation,
        )
        self._announce(admission.request)
        return admission

    def index_files(self, project: str | None = None) -> Sequence[PackageFile]:
        """Released package files, as the internal index lists them.

        Raises:
            LedgerIntegrityError: a listed file or its request is not as airlock sealed it.
        """
        files = self._store.package_files(project)
        for entry in files:
            self._check_package(entry)
        return files

    def package_file(self, filename: str) -> PackageFile:
        """A released package file whose row and release are sealed (issue 22).

        Raises: NotFound, LedgerIntegrityError.
        """
        entry = next((f for f in self._store.package_files() if f.filename == filename), None)
        if entry is None:
            raise NotFound(f"{filename} is not a vetted file on this index")
        self._check_package(entry)
        return entry

    def _check_package(self, entry: PackageFile) -> None:
        self.seals.check("package_files", {"filename": entry.filename})
        self._egress.check_released(self._store.get_request(entry.request_id))

    # --- data ingress -----------------------------------------------------------------

    def import_dataset(
        self, actor: Actor, files: Sequence[tuple[str, BinaryIO]], options: ImportOptions
    ) -> DatasetImport:
        """Quarantine, manifest, scan and decide a dataset (see :mod:`airlock.data_ingress`).

        Raises: PermissionDenied for a role that may not import (auditor, approver).
        """
        require(actor, Action.DATASET_IMPORT)
        result = self._data.import_dataset(
            principal_name(actor.name), files, options, actor.ledger_details()
        )
        self._announce(result.request)
        return result

    def rescan_dataset(self, actor: Actor, dataset: str) -> DatasetImport:
        """Raises: PermissionDenied unless admin; NotFound."""
        require(actor, Action.DATASET_RESCAN)
        return self._data.rescan(actor.name, dataset, actor.ledger_details())

    def release_dataset(
        self, actor: Actor, dataset: str
    ) -> tuple[DatasetEntry, str, list[tuple[FileEntry, Iterator[bytes]]]]:
        """A dataset's files out of quarantine, if its scan passed or approvers overrode it.

        Raises: PermissionDenied (not admin or approver), NotFound, Conflict (held, denied).
        """
        require(actor, Action.DATASET_RELEASE)
        return self._data.release(actor.name, dataset, actor.ledger_details())

    def datasets(self) -> Sequence[DatasetEntry]:
        return self._store.datasets.list_datasets()

    def datasets_for(self, actor: Actor) -> list[DatasetEntry]:
        """The datasets the actor may read: all of them, or those they imported.

        Raises: PermissionDenied if the actor may read no request.
        """
        match reach(actor, Action.REQUEST_READ):
            case Reach.ANY:
                return list(self._store.datasets.list_datasets())
            case Reach.OWN:
                return [
                    d
                    for d in self._store.datasets.list_datasets()
                    if self._store.get_request(d.request_id).principal == actor.name
                ]
            case _:
                require(actor, Action.REQUEST_READ)
                return []

    def dataset_for(self, actor: Actor, dataset: str) -> DatasetEntry:
        """One dataset, if the actor may read the request that brought it in.

        Raises: InvalidInput (not an id), NotFound, PermissionDenied.
        """
        entry = self._store.datasets.get_dataset(dataset_id(dataset))
        self.get_request(actor, entry.request_id)
        return entry

    def dataset_for_request(self, request: str) -> DatasetEntry | None:
        """The dataset a data-import request brought in, if it is one."""
        return self._store.datasets.dataset_for_request(request_id(request))

    def dataset(self, dataset: str) -> DatasetEntry:
        """Raises: InvalidInput (not an id), NotFound."""
        return self._store.datasets.get_dataset(dataset_id(dataset))

    def add_lineage(self, actor: Actor, model: str, trained_on: Sequence[str]) -> int:
        """Raises: PermissionDenied unless admin; NotFound; InvalidInput."""
        require(actor, Action.LINEAGE_ADD)
        return self._lineage.add_lineage(actor.name, model, trained_on, actor.ledger_details())

    def taint(self, actor: Actor, origin: str) -> BlastRadius:
        """Blast radius of a compromised source, dataset or model. Raises: NotFound."""
        require(actor, Action.TAINT_READ)
        return self._lineage.taint(
            actor.name, self._lineage.resolve_node(origin), actor.ledger_details()
        )

    # --- protected weights ------------------------------------------------------------

    def register_protected_model(
        self,
        actor: Actor,
        name: str,
        pieces: Iterable[bytes],
        tensors: tuple[str, ...] = (),
        *,
        shards: Iterable[tuple[str, Iterable[bytes]]] | None = None,
        sampled: bool = False,
    ) -> ModelFingerprint:
        """Fingerprint a model so that any piece of it, or a derivative, in an export is denied.

        ``shards`` (name, pieces) replace ``pieces`` for a model of many files. In one pass:
        every chunk's SHA-256 (``sampled=False``) or the enclave-keyed 1/32 sample of them
        (``sampled=True``: about 50 MB per TB, any 1 MiB piece still named with > 99%),
        per-tensor derivative sketches, and the lossless ratio (issue 19).

        Raises:
            PermissionDenied: the actor is not an administrator.
            InvalidInput: the name is empty or the model has no informative content.
            Conflict: a model of that name is registered already.
        """
        require(actor, Action.MODEL_REGISTER)
        if not name.strip() or len(name) > 128:
            raise InvalidInput("a protected model needs a name of 1-128 characters")
        if any(m.name == name for m in self._store.protected_models()):
            raise Conflict(f"a protected model named {name!r} is registered already")
        from airlock.identity.registration import register_shards

        registration = register_shards(
            self.identity_key,
            name,
            shards if shards is not None else [("", pieces)],
            sampled=sampled,
            tensors=tensors,
        )
        model = registration.model
        if not model.chunks:
            hint = " too small to sample: register it with a full fingerprint" if sampled else ""
            raise InvalidInput(f"{name} has no informative content to fingerprint;{hint}")
        index = self._record(
            "weights.register",
            actor,
            name,
            size=str(model.size),
            chunks=str(len(model.chunks)),
            fingerprint="sampled" if sampled else "full",
            sketched_tensors=str(registration.tensors_sketched),
            # measured lossless compression, in thousandths (ledger records hold no floats)
            lossless_ratio_milli=str(round(registration.lossless_ratio * 1000)),
        )
        self._store.add_protected_model(model, self._clock.now())
        self.seals.seal("protected_models", {"name": name}, index)
        self._inspector = None  # this process matches the new model from the next export on
        return model

    def protected_models(self) -> Sequence[ModelFingerprint]:
        return self._store.protected_models()

    def inspector(self) -> Inspector:
        """An inspection engine that knows every registered protected model.

        Fingerprints are loaded once and reloaded when the store's stamp changes. The stamp
        is read at most every ``FRESHNESS_SECONDS`` (one read per export was a fifth of an
        export's cost, issue 5), so a model registered through another process is matched
        within that time; one registered through this facade is matched at once.
        """
        now = _monotonic()
        if self._inspector is not None and now < self._inspector_checked + FRESHNESS_SECONDS:
            return self._inspector
        from airlock.exports.engine import Inspector

        stamp = self._store.protected_models_stamp()
        if self._inspector is None or stamp != self._inspector_stamp:
            from airlock.home import load_sampling_key

            models = self._store.protected_models()
            keyed = any(m.sampled or m.identity for m in models)
            self._inspector = Inspector(
                protected=models,
                identity_key=self.identity_key if keyed else b"",
                sampling_key=load_sampling_key(self.settings.home),
            )
            self._inspector_stamp = stamp
        self._inspector_checked = now
        return self._inspector

    # --- per-copy watermarks (issue 19) --------------------------------------------------

    def mark_weights(
        self, actor: Actor, source: Path, copy: str, out: Path, params: MarkParams | None = None
    ) -> MarkReceipt:
        """Write ``out``: a copy of the safetensors model ``source`` carrying copy ``copy``'s
        keyed mark (:mod:`airlock.identity.watermark`); the ``weights.mark`` entry records the
        copy, both files' digests and a commitment to the key, never the key.

        Raises:
            PermissionDenied: the actor is not an administrator.
            InvalidInput: a bad copy name, or a model with nothing to mark.
            Conflict: that copy of that model is recorded already, or ``out`` exists.
            SourceError: a file cannot be read or written.
        """
        from airlock.identity import marking
        from airlock.identity.marking import MarkReceipt
        from airlock.identity.watermark import MarkParams, copy_key

        require(actor, Action.MODEL_REGISTER)
        if not copy.strip() or len(copy) > 128:
            raise InvalidInput("a marked copy needs a name of 1-128 characters")
        if out.exists():
            raise Conflict(f"{out} exists already: remove it or choose another --out")
        params = params or MarkParams()
        model_digest = marking.file_digest(source)
        for m in self._recorded_marks():
            if m.copy == copy and m.model_digest == model_digest:
                raise Conflict(
                    f"copy {copy!r} of this model is recorded already (ledger entry {m.index}); "
                    "give each recipient a new copy name"
                )
        key = copy_key(self._watermark_secret, model_digest, copy)
        staged = out.with_name(f".{out.name}.marking")
        marked = marking.write_marked(source, staged, key, params)
        try:
            index = self._record(
                marking.MARK_KIND,
                actor,
                copy,
                **marking.mark_details(model_digest, key, marked, params),
            )
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        marking.publish(marked, out)
        return MarkReceipt(
            copy, model_digest, marked.digest, marked.tensors, marked.elements, index
        )

    def trace_weights(self, actor: Actor, suspect: Path, alpha: float = 1e-6) -> TraceResult:
        """Which recorded copy ``suspect`` (a safetensors file) comes from, if any, with a
        p-value per copy; no original is needed. Raises: PermissionDenied (not an
        administrator), InvalidInput/SourceError (an unreadable file or a changed key)."""
        from airlock.identity import marking
        from airlock.identity.watermark import copy_key

        require(actor, Action.MODEL_REGISTER)
        secret = self._watermark_secret
        copies = marking.candidates(
            self._recorded_marks(), lambda digest, copy: copy_key(secret, digest, copy)
        )
        return marking.trace_file(suspect, copies, alpha)

    @capability
    def _watermark_secret(self) -> bytes:
        from airlock.identity.marking import watermark_secret

        return watermark_secret(self._signing_key)

    def _recorded_marks(self) -> list[RecordedMark]:
        """Every ``weights.mark`` entry: the ledger is the registry of marked copies."""
        from airlock.audit import seal_entry, seal_key
        from airlock.identity.marking import MARK_KIND, recorded_mark
        from airlock.ledger.records import parse_record

        ledger, key, marks = self._store.ledger, seal_key(self._signing_key), []
        needle = f'"kind":"{MARK_KIND}"'.encode()
        for entry in ledger.entries(0, ledger.size()):
            if needle not in entry.body:  # parse only candidates: a ledger has millions
                continue
            if not hmac.compare_digest(entry.seal, seal_entry(key, entry.index, entry.body)):
                raise LedgerIntegrityError(
                    f"ledger entry {entry.index} has an invalid seal: run `airlock ledger "
                    "verify` before trusting a trace"
                )
            if (mark := recorded_mark(entry.index, parse_record(entry.body))) is not None:
                marks.append(mark)
        return marks

    # --- assessment (issue 17) ----------------------------------------------------------

    def assess(
        self, target: int, sbom: tuple[tuple[str, str], ...] | None = None, record: bool = True
    ) -> Assessment:
        """Judge every SL measure from the store and ledger (see :mod:`airlock.assess.gather`).

        With ``record``, appends an ``assess.snapshot`` entry and signs a checkpoint over it.
        """
        from airlock.assess.gather import Sources, assess

        sources = Sources(
            store=self._store,
            ledger=self.ledger,
            policy=self._compiled,
            policy_version=self._policy.version,
            clock=self._clock,
            checkpoint_interval=timedelta(seconds=self.settings.ledger.checkpoint_interval_seconds),
            witness_names=tuple(k.name for k in self.independent_witness_keys()),
            anomaly_rules=self._egress.rules,
            verify=self.verify_ledger,
            friction=self.friction,
        )
        return assess(sources, self.settings.enclave_name, target, sbom, record)

    def record_assessment(self, assessment: Assessment, results_sha256: str) -> int:
        """Append the ``assess.result`` entry a later ``--since`` compares with."""
        from airlock.assess.gather import record_result

        return record_result(self.ledger, self._clock, assessment, results_sha256)

    def last_assessment(self, before: int) -> int | None:
        """The ledger index of the newest ``assess.result`` entry below ``before``."""
        from airlock.assess.gather import last_result

        return last_result(self._store, before)

    def attest(self, principal: Principal, answers: Sequence[Answer]) -> list[int]:
        """Record questionnaire answers as the authenticated principal's own.

        Raises:
            PermissionDenied: an answer names someone else, or the principal is not a person.
        """
        if principal.kind is not PrincipalKind.PERSON:
            raise PermissionDenied(f"{principal.name} is a service; only people attest")
        for answer in answers:
            if answer.by != principal.name:
                raise PermissionDenied(
                    f"the answer to {answer.control} is by {answer.by!r}, but {principal.name} "
                    "signed in: each person records their own answers with their own token"
                )
        return [
            self._record(
                "assess.attest",
                Actor.of(principal),
                a.control,
                answer="yes" if a.satisfied else "no",
                note=a.note,
            )
            for a in answers
        ]

    # --- identity (issue 14) ------------------------------------------------------------

    def has_admin(self) -> bool:
        """Whether any admin exists: until one does, the local operator bootstraps the
        enclave; after, direct access acts only in a break-glass recovery."""
        return any(p.role is Role.ADMIN for p in self._store.list_principals())

    def refuse_identity(self, actor: Actor, action: str, claimed: str, reason: str) -> int:
        """Record that an action was refused for want of the right identity (a name claimed
        without its credential, or someone else's). Returns the ledger index."""
        return self._record(
            "identity.refused", actor, action, claimed=claimed[:128], reason=reason[:500]
        )

    def refuse_access(self, actor: Actor, action: str, error: AirlockError, path: str = "") -> int:
        """Record one refusal of ``actor`` outside the gateway (the CLI acting on the home
        with a person's token), as the gateway records its own, uncoalesced: each such
        command is a process of its own. Returns the ledger index."""
        from airlock.approvals.refusals import Entry, Refusal

        refusal = Refusal(
            actor.name,
            "local",
            action,
            type(error).__name__,
            error.message,
            error.http_status,
            actor.auth.value,
            path,
        )
        return self.record_refusal(Entry(refusal, 1, summary=False))

    def record_refusal(self, entry: RefusalEntry) -> int:
        """Append an ``access.refused`` entry: a refusal answered at the gateway's gate, by
        the facade's owner checks or by the upload guard (issue 14), as the refusal tally
        (:mod:`airlock.approvals.refusals`) coalesced it. Returns the ledger index.

        It records; it decides nothing (the refusal was answered already).
        """
        first = entry.first
        coalesced = "overflow" if entry.overflow else "summary" if entry.summary else "first"
        return self.ledger.append(
            LedgerRecord(
                kind="access.refused",
                actor=first.who or ANONYMOUS,
                at=self._clock.now(),
                subject=OVERFLOW if entry.overflow else first.action,
                policy_version=self._policy.version,
                outcome="refused",
                details={
                    "auth": first.auth,
                    "address": first.address,
                    "error": first.reason,
                    "status": first.status,
                    "reason": first.message,
                    "path": first.subject,
                    "count": entry.count,
                    "coalesced": coalesced,
                },
            )
        )

    def break_glass(self, os_user: str, command: str, reason: str) -> Actor:
        """Act as the local operator in a recovery: record it with the OS user, and lock
        every export of the enclave until a second person confirms it.

        The entry and the lock come before the action, so a recovery that fails half way
        still leaves the enclave locked (fail closed).

        Raises: InvalidInput without a reason.
        """
        if not reason.strip():
            raise InvalidInput("a break-glass needs --reason: why direct access was necessary")
        actor = Actor.local_operator(os_user, break_glass=True)
        now = self._clock.now()
        lock = Lock(
            LockScope.ENCLAVE,
            BREAK_GLASS_SUBJECT,
            f"break-glass by OS user {os_user or '?'} ({command}): {reason}"[:500],
            now,
            now + timedelta(days=BREAK_GLASS_LOCK_DAYS),
        )
        self._record("break_glass.use", actor, command[:200], reason=reason[:500])
        self._record(
            "lock.add",
            actor,
            f"{lock.scope}:{lock.subject}",
            expires_at=lock.expires_at.isoformat(),
        )
        self._store.add_lock(lock)
        return actor

    def confirm_break_glass(self, actor: Actor, reason: str) -> int:
        """A second person, an admin with their own credential, confirms a break-glass and
        so lifts the enclave's export lock.

        Raises:
            PermissionDenied: the actor is not an admin, or acts with direct access.
            NotFound: no break-glass awaits confirmation.
        """
        if actor.auth not in STRONG_METHODS:
            raise PermissionDenied(
                "a break-glass is confirmed by a second person with their own credential: "
                "set AIRLOCK_TOKEN to an admin's token"
            )
        if actor.role is not Role.ADMIN:
            raise PermissionDenied(f"{actor.name} ({actor.role}) may not confirm a break-glass")
        now = self._clock.now()
        if not any(
            k.scope is LockScope.ENCLAVE and k.subject == BREAK_GLASS_SUBJECT and k.active_at(now)
            for k in self._store.locks()
        ):
            raise NotFound("no break-glass awaits confirmation")
        self._record("break_glass.confirm", actor, BREAK_GLASS_SUBJECT, reason=reason[:500])
        return self._store.lift_locks(LockScope.ENCLAVE, BREAK_GLASS_SUBJECT, actor.name, now)

    # --- model outputs (issue 20) -----------------------------------------------------

    def outputs_gateway(self) -> OutputGateway:
        """The inference gateway's workflow, built on first use (it pulls in httpx clients)."""
        if self._outputs is None:
            from airlock.outputs.gateway import OutputGateway

            self._outputs = OutputGateway(
                self.settings.outputs,
                self._store,
                self.ledger,
                self._clock,
                lambda: self._policy.version,
            )
        return self._outputs

    def commit_outputs(self) -> int | None:
        """Commit pending transcripts as one ledger leaf; the leaf's index, if any."""
        return self.outputs_gateway().commit_batch()

    def verify_outputs(
        self,
        actor: Actor,
        reference: ReferenceModel,
        fraction: float | None = None,
        tolerance: float | None = None,
        lock_bits: int | None = None,
    ) -> OutputsReport:
        """Replay a beacon-chosen sample of logged responses (see airlock.outputs.verifier).

        Raises:
            PermissionDenied: the actor is neither admin nor approver.
        """
        from airlock.outputs.verifier import (
            VERIFIER_ACTOR,
            VerifyOptions,
            verify_outputs,
        )

        require(actor, Action.OUTPUTS_VERIFY)
        s = self.settings.outputs
        self.commit_outputs()
        options = VerifyOptions(
            fraction=s.verify_fraction if fraction is None else fraction,
            tolerance=s.logit_tolerance if tolerance is None else tolerance,
            lock_bits=s.lock_bits if lock_bits is None else lock_bits,
        )
        return verify_outputs(
            self._store,
            self.ledger,
            self._clock,
            reference,
            options=options,
            impose=lambda lock: self._egress.impose_lock(lock, VERIFIER_ACTOR),
            policy_version=self._policy.version,
            timer=time.perf_counter,
        )

    def output_proof(self, digest: str) -> bytes:
        """An offline proof that a response is in the output log (committing it if needed).

        Raises:
            NotFound: no transcript with that digest.
        """
        from airlock.outputs.batches import build_output_proof
        from airlock.outputs.transcript import TranscriptDigest

        key = TranscriptDigest(digest.lower())
        row = self._store.outputs.get(key)
        if row.batch_index is None:
            self.commit_outputs()
            row = self._store.outputs.get(key)
        if row.batch_index is None or row.leaf_index is None:
            raise Conflict(f"transcript {digest[:16]}... is not committed yet: try again")
        digests = self._store.outputs.batch(row.batch_index)
        return build_output_proof(
            row.transcript, row.leaf_index, digests, self.ledger.receipt(row.batch_index)
        )

    def output_metrics(self) -> OutputMetrics:
        from airlock.outputs.metrics import output_metrics
        from airlock.outputs.release_clock import timing_bound

        outputs = self.settings.outputs
        return output_metrics(
            self._store.outputs.totals(),
            self._store.budgets.budgets(),
            [(m.name, m.size) for m in self._store.protected_models()],
            timing_bound(outputs.release_quantum_ms, outputs.timeout_seconds),
        )

    # --- ledger -----------------------------------------------------------------------

    def accept_cosignature(self, actor: Actor, cosigned_note: str) -> str:
        """Store cosignatures by configured witnesses on one of our checkpoints.

        Raises:
            LedgerIntegrityError: not our checkpoint, or no configured witness cosigned it.
            ConfigError: a configured witness key is malformed.
        """
        require(actor, Action.COSIGNATURE_DELIVER)
        return self.ledger.add_cosignature(cosigned_note, self.witness_keys())

    def ledger_record(self, actor: Actor, index: int) -> dict[str, object]:
        """The decoded ledger entry at ``index``, if the actor may read it (auditors and
        approvers any; researchers and services their own).

        Raises: NotFound, LedgerIntegrityError, PermissionDenied (someone else's entry).
        """
        record = self.ledger.record(index)
        require(actor, Action.LEDGER_READ, owner=str(record.get("actor", "")))
        return record

    def witness_keys(self) -> list[VerifierKey]:
        """The local witness (if any) and the configured ones.

        Raises: ConfigError naming a malformed key in [ledger] witness_keys."""
        from airlock.local_witness import LocalWitness

        local = LocalWitness.in_home(self.settings.home, self.ledger.verifier_key)
        return ([] if local is None else [local.verifier]) + self.independent_witness_keys()

    def independent_witness_keys(self) -> list[VerifierKey]:
        """The witnesses of [ledger] witness_keys. The local witness is left out: it lives in
        the home, so whoever can rewrite the home can rewrite it; it catches a rolled-back
        database, not an operator (issue 22), and the assessment does not count it.

        Raises: ConfigError naming a malformed key in [ledger] witness_keys."""
        from airlock.ledger.signed_note import VerifierKey

        keys: list[VerifierKey] = []
        for text in self.settings.ledger.witness_keys:
            try:
                keys.append(VerifierKey.parse(text))
            except LedgerIntegrityError as e:
                raise ConfigError(
                    f"[ledger] witness_keys entry {text[:40]!r} is invalid: {e}"
                ) from e
        return keys

    def verify_ledger(self) -> VerifyReport:
        """Replay the whole ledger from storage (see :mod:`airlock.audit_verify`), and
        compare it with the checkpoint retained outside the database (issue 22)."""
        from airlock.audit import seal_key
        from airlock.audit_verify import Problem, verify_log

        report = verify_log(
            self._store.ledger, self.ledger.verifier_key, seal_key(self._signing_key)
        )
        try:
            problem = self.ledger.rollback_problem()
        except LedgerIntegrityError as e:
            problem = f"the retained checkpoint does not verify: {e}"
        if problem is not None:
            report.problems.append(Problem(None, problem))
        return report

    def seal_unsealed_state(self, actor: Actor) -> int:
        """Seal the rows of a database from before seals existed (migration 0013), once,
        right after upgrading. It trusts those rows as they stand: run it only on a
        database you trust. Rows with a failing seal are left to be reported.

        Raises:
            PermissionDenied: not an administrator.
            LedgerIntegrityError: the ledger itself does not verify.
        """
        require(actor, Action.STATE_SEAL)
        if not self.verify_ledger().ok:
            raise LedgerIntegrityError("the ledger does not verify: run `airlock ledger verify`")
        index = self._record("state.seal", actor, "rows without a seal")
        return self.seals.seal_unsealed(index)

    def verify_state(self) -> StateReport:
        """Every sealed row against its seal and the ledger (see :mod:`airlock.state_verify`)."""
        from airlock.audit import state_seal_key
        from airlock.state_verify import verify_state

        return verify_state(
            self._store.seals, self._store.ledger, state_seal_key(self._signing_key)
        )

    # --- operations (issue 21): built on demand, so the CLI starts without them -------------

    def ledger_events(
        self,
        since: int,
        *,
        follow: bool,
        poll_seconds: float = 1.0,
        on_error: Callable[[AirlockError], None] = lambda _e: None,
    ) -> Iterator[list[LedgerEvent]]:
        """Ledger entries from ``since`` on, in batches (:mod:`airlock.ops.ledger_export`)."""
        from airlock.ops.ledger_export import ledger_events

        return ledger_events(
            self._store.ledger,
            self.ledger.origin,
            since,
            follow=follow,
            poll_seconds=poll_seconds,
            on_error=on_error,
        )

    def backup(self, folder: Path, passphrase: bytes | None = None) -> BackupReport:
        """Snapshot the deployment into ``folder`` (see :mod:`airlock.ops.backup`)."""
        from airlock.ops.backup import take_backup

        return take_backup(self.settings, self._signing_key, folder, self._clock.now(), passphrase)

    def boundary_figures(self) -> BoundaryFigures:
        """What `GET /metrics` reports, read from the store now (:mod:`airlock.ops.metrics`).

        Raises:
            StoreError: the database did not answer.
        """
        from sqlalchemy.exc import SQLAlchemyError

        from airlock.ops.metrics_sql import read_figures
        from airlock.store.sql import SqlStore

        if not isinstance(self._store, SqlStore):
            raise ConfigError("metrics need the SQL store")
        # The friction figures read every request of the last week (about 0.1 s per 2000,
        # bench/bench_ops.py): recomputed at most once a minute, not on every scrape.
        now = _monotonic()
        if self._friction_cache is None or now >= self._friction_cache[0]:
            self._friction_cache = (now + FRICTION_CACHE_SECONDS, self.friction())
        report = self._friction_cache[1]
        try:
            return read_figures(self._store.engine, self._clock.now(), report)
        except SQLAlchemyError as e:
            raise StoreError(f"cannot read metrics from the store: {e}") from e

    def _record(self, record_kind: str, actor: Actor, subject: str, **details: str) -> int:
        """Append the ledger entry for an action before the action takes effect."""
        return self.ledger.append(
            LedgerRecord(
                kind=record_kind,
                actor=actor.name,
                at=self._clock.now(),
                subject=subject,
                policy_version=self._policy.version,
                details={**details, **actor.ledger_details()},
            )
        )

    def _refuse_existing_principal(self, name: PrincipalName) -> None:
        # Checked before the ledger entry is written, so a refused duplicate leaves no record
        # claiming it happened; the store's own uniqueness still settles any race.
        try:
            self._store.get_principal(name)
        except NotFound:
            return
        raise Conflict(f"principal {name!r} already exists")
