"""The Airlock facade: the single code path behind every CLI command and API endpoint.

Adapters authenticate, parse and render; this class checks permissions, builds domain
values, and persists them. Wiring happens only in :meth:`Airlock.from_settings`.

It is also the composition root of the capabilities behind it, and builds each one when it
is first used: egress and the inspection engine (numpy), data ingress (cleanlab,
scikit-learn, pyarrow, sentence models), package ingress, lineage and the ledger verifier
are imported by the property or method that needs them, so that `airlock status` or a
gateway's start does not pay seconds for all of them (issue 13; the import budget is
guarded by tests/unit/test_import_budget.py).

The actions are grouped by job in :mod:`airlock.facade`, one mixin class per module
(principals, requests, exports, budgets, packages, datasets, weights, assessment, access,
outputs, ledger), on a shared :class:`airlock.facade.core.FacadeCore`; this module composes
them and keeps the wiring, the lifecycle and the operations (ADR 0092).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from airlock.clock import Clock, SystemClock
from airlock.errors import ConfigError, StoreError
from airlock.facade.access import AccessMixin
from airlock.facade.assessment import AssessmentMixin
from airlock.facade.budgets import BudgetsMixin
from airlock.facade.core import BREAK_GLASS_LOCK_DAYS, FRESHNESS_SECONDS, FacadeCore
from airlock.facade.datasets import DatasetsMixin
from airlock.facade.exports import ExportsMixin
from airlock.facade.ledger import LedgerMixin
from airlock.facade.outputs import OutputsMixin
from airlock.facade.packages import PackagesMixin
from airlock.facade.principals import MAX_CACHED_TOKENS, PrincipalsMixin
from airlock.facade.requests import RequestsMixin
from airlock.facade.values import LOCAL_OPERATOR, Actor, IssuedToken, RequestDetail
from airlock.facade.weights import WeightsMixin
from airlock.settings import Settings
from airlock.store.outbox import probe_writable

if TYPE_CHECKING:
    from pathlib import Path

    from airlock.ledger.signed_note import LedgerKey
    from airlock.ops.backup import BackupReport
    from airlock.ops.metrics import BoundaryFigures
    from airlock.outbox_sweep import SweepReport


__all__ = [
    "BREAK_GLASS_LOCK_DAYS",
    "FRESHNESS_SECONDS",
    "FRICTION_CACHE_SECONDS",
    "LOCAL_OPERATOR",
    "MAX_CACHED_TOKENS",
    "Actor",
    "Airlock",
    "IssuedToken",
    "RequestDetail",
]

FRICTION_CACHE_SECONDS = 60.0  # how stale the friction gauges of /metrics may be
_monotonic = time.monotonic  # a seam for tests; cache ages are not domain time


class Airlock(
    PrincipalsMixin,
    RequestsMixin,
    ExportsMixin,
    BudgetsMixin,
    PackagesMixin,
    DatasetsMixin,
    WeightsMixin,
    AssessmentMixin,
    AccessMixin,
    OutputsMixin,
    LedgerMixin,
    FacadeCore,
):
    """Every action on the enclave boundary."""

    def _monotonic_now(self) -> float:
        """Seconds for cache ages (tokens, protected-model stamps, friction gauges), read
        through this module's ``_monotonic`` so that a test can move it."""
        return _monotonic()

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

    # --- operations (issue 21): built on demand, so the CLI starts without them -------------

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
