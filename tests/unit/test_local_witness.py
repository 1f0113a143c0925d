"""The home's witness: retains each signed checkpoint, refuses rollbacks, tolerates races."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from airlock.audit import AuditLog
from airlock.clock import FixedClock
from airlock.errors import LedgerIntegrityError
from airlock.ledger.records import LedgerRecord
from airlock.ledger.signed_note import NoteSigner
from airlock.local_witness import LocalWitness, create_witness
from airlock.store.memory_ledger import MemoryLedgerStore

KEY = Ed25519PrivateKey.generate()
CLOCK = FixedClock(datetime(2026, 11, 24, tzinfo=UTC))


def log_with(witness_dir: Path, entries: int) -> AuditLog:
    witness = LocalWitness(witness_dir, NoteSigner("test", KEY).verifier)
    log = AuditLog(MemoryLedgerStore(), KEY, "test", CLOCK, witness=witness)
    for i in range(entries):
        log.append(LedgerRecord(kind="test", actor="t", at=CLOCK.now(), subject=str(i)))
    return log


@pytest.fixture
def witness_dir(tmp_path: Path) -> Path:
    create_witness(tmp_path / "w", "test.witness")
    return tmp_path / "w"


def test_each_checkpoint_is_cosigned_and_retained(witness_dir: Path) -> None:
    log = log_with(witness_dir, 3)
    log.checkpoint()
    log.append(LedgerRecord(kind="test", actor="t", at=CLOCK.now()))
    log.checkpoint()
    witness = LocalWitness(witness_dir, log.verifier_key)
    retained = witness.retained()
    assert retained is not None and retained.size == 4
    assert "test.witness" in log.cosigned_checkpoint()
    assert log.rollback_problem() is None


def test_a_shorter_log_is_a_rollback(witness_dir: Path) -> None:
    log_with(witness_dir, 5).checkpoint()
    shorter = log_with(witness_dir, 3)
    assert "truncated or rolled back" in (shorter.rollback_problem() or "")
    with pytest.raises(LedgerIntegrityError, match="refusing to start"):
        shorter.check_not_rolled_back()
    with pytest.raises(LedgerIntegrityError, match="rollback"):
        shorter.checkpoint()


def test_a_forked_log_of_the_same_length_is_named(witness_dir: Path) -> None:
    log_with(witness_dir, 4).checkpoint()
    other = AuditLog(
        MemoryLedgerStore(),
        KEY,
        "test",
        CLOCK,
        witness=LocalWitness(witness_dir, NoteSigner("test", KEY).verifier),
    )
    for i in range(4):
        other.append(LedgerRecord(kind="other", actor="t", at=CLOCK.now(), subject=str(i)))
    assert "rewritten" in (other.rollback_problem() or "")


def test_an_older_checkpoint_from_another_process_is_skipped(witness_dir: Path) -> None:
    log = log_with(witness_dir, 2)
    older = log.checkpoint().text
    log.append(LedgerRecord(kind="test", actor="t", at=CLOCK.now()))
    log.checkpoint()
    witness = LocalWitness(witness_dir, log.verifier_key)
    assert witness.cosign(older, 3, lambda old, new: []) is None  # the log holds the newer
    with pytest.raises(LedgerIntegrityError, match="rollback"):
        witness.cosign(older, 2, lambda old, new: [])  # the log shrank: a rollback
