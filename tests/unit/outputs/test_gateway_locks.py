"""Locks at admission (issue 20): a lock that another process commits (``airlock lock``, the
verifier) refuses the caller's very next request, though this worker admits from a lease in
memory and reads its locks through the SQLite driver lane (docs/adr/0037)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest

from airlock.approvals.locks import LockScope
from airlock.audit import AuditLog
from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.clock import FixedClock
from airlock.errors import PolicyViolation
from airlock.outputs.gateway import OutputGateway
from airlock.outputs.openai import Endpoint, Piece
from airlock.settings import OutputsSettings
from airlock.store.sql import SqlStore

T0 = datetime(2026, 7, 1, 12, tzinfo=UTC)
BODY = {"prompt": [1, 2, 3], "max_tokens": 4}
PIECE = Piece((65, 66), "AB", (1, 2, 3))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    sql = SqlStore.from_url(f"sqlite:///{tmp_path / 'gateway.db'}")
    sql.migrate()
    day = timedelta(days=1)
    for scope in (BudgetScope.TOKENS_ENCLAVE, BudgetScope.OUTPUT_ENCLAVE):
        sql.budgets.set_budget(Budget(scope, ENCLAVE_SUBJECT, 10**6, day))
    yield sql
    sql.close()


def _lock_elsewhere(store: SqlStore, scope: LockScope, subject: str) -> None:
    """Commits a lock from another process, as `airlock lock` or the verifier would."""
    url = store.engine.url.render_as_string(hide_password=False)
    script = textwrap.dedent(
        f"""
        from datetime import datetime, timedelta
        from airlock.approvals.locks import Lock, LockScope
        from airlock.store.sql import SqlStore
        at = datetime.fromisoformat({T0.isoformat()!r})
        other = SqlStore.from_url({url!r})
        lock = Lock(LockScope({scope.value!r}), {subject!r}, "elsewhere", at, at + timedelta(1))
        other.add_lock(lock)
        other.close()
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)


@pytest.mark.parametrize(("scope", "subject"), [("principal", "rita"), ("upstream", "vllm")])
def test_a_lock_committed_by_another_process_refuses_the_next_request(
    store: SqlStore, scope: str, subject: str
) -> None:
    settings = OutputsSettings(
        upstream_url="http://127.0.0.1:9",
        upstream_name="vllm",
        model="m",
        model_digest="ab" * 32,
        lease_requests=16,
    )
    gateway = OutputGateway(settings, store, cast(AuditLog, None), FixedClock(T0), lambda: "p")
    for _ in range(3):  # admitted from its lease; the lane's connections are warm
        gateway.finish(gateway.admit("rita", Endpoint.COMPLETIONS, BODY), [PIECE])
    _lock_elsewhere(store, LockScope(scope), subject)
    with pytest.raises(PolicyViolation, match="elsewhere"):
        gateway.admit("rita", Endpoint.COMPLETIONS, BODY)
    gateway.close_leases()
