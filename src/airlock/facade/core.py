"""The shared part of the facade: its state, the capabilities it builds on first use,
and the two steps every action takes (its ledger entry, and a notice of what it held).

:class:`airlock.service.Airlock` is this class with one mixin per group of actions
(:mod:`airlock.facade`); a mixin reaches the store, the clock, the policy and the
capabilities through the attributes set here, and another mixin's methods through the
declarations at the end of the class, which exist for the type checker only (ADR 0092).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from airlock.approvals.friction import FrictionReport
from airlock.capability import capability
from airlock.clock import Clock
from airlock.domain.identity import AuthMethod
from airlock.domain.names import RequestId
from airlock.domain.principals import Principal
from airlock.domain.requests import BoundaryRequest, Decision, RequestStatus
from airlock.domain.tokens import TokenHash, TokenRecord
from airlock.errors import AirlockError
from airlock.facade.values import Actor
from airlock.ledger.records import LedgerRecord
from airlock.settings import Settings
from airlock.store.interface import Store
from airlock.store.outbox import FileOutbox, Outbox

if TYPE_CHECKING:
    from airlock.approvals.decide import CompiledPolicy
    from airlock.approvals.policy import PolicyBundle
    from airlock.approvals.progress import RequestProgress
    from airlock.audit import AuditLog
    from airlock.audit_verify import VerifyReport
    from airlock.data_ingress import DataIngress
    from airlock.egress import Egress
    from airlock.exports.engine import Inspector
    from airlock.ledger.signed_note import LedgerKey, VerifierKey
    from airlock.lineage_log import LineageLog
    from airlock.ops.notifier import Notifier
    from airlock.outputs.gateway import OutputGateway
    from airlock.state_seals import StateSeals


_log = logging.getLogger("airlock.notify")
BREAK_GLASS_LOCK_DAYS = 3650  # a break-glass lock ends by confirmation, not by waiting
FRESHNESS_SECONDS = 1.0  # how stale a cached token lookup or protected-model stamp may be


class FacadeCore:
    """The state and capabilities every part of the facade shares."""

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

    if TYPE_CHECKING:
        # Methods one part of the facade calls and another defines (Airlock has them all):
        # declared here for the type checker only.
        def _monotonic_now(self) -> float: ...
        def inspector(self) -> Inspector: ...
        def request_progress(self, actor: Actor, raw_id: str) -> RequestProgress: ...
        def get_request(
            self, actor: Actor, raw_id: str
        ) -> tuple[BoundaryRequest, Sequence[Decision]]: ...
        def _request(self, rid: RequestId) -> BoundaryRequest: ...
        def friction(self, window: timedelta = timedelta(days=7)) -> FrictionReport: ...
        def verify_ledger(self) -> VerifyReport: ...
        def independent_witness_keys(self) -> list[VerifierKey]: ...
