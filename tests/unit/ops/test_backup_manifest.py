"""The manifest and the restore rule against the newest witnessed checkpoint."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from airlock.errors import LedgerIntegrityError
from airlock.ledger.checkpoints import Checkpoint
from airlock.ledger.hashes import hash_leaf
from airlock.ops.backup_manifest import FileDigest, Manifest, file_problems, witnessed_loss

ROOT = hash_leaf(b"root")
MANIFEST = Manifest(
    created_at=datetime(2026, 3, 1, tzinfo=UTC),
    enclave="e",
    backend="sqlite",
    log_key="e+0000+key",
    ledger_size=7,
    database_file="database.sqlite",
    private_key_file="",
    files=(
        FileDigest("database.sqlite", 10, "a" * 64),
        FileDigest("outbox/" + "b" * 64, 3, "b" * 64),
    ),
)


def test_manifest_round_trips() -> None:
    assert Manifest.parse(MANIFEST.to_bytes()) == MANIFEST


@pytest.mark.parametrize("path", ["../etc/passwd", "/abs", "a/../../b", "a\\b", ""])
def test_unsafe_paths_are_refused(path: str) -> None:
    with pytest.raises(LedgerIntegrityError):
        FileDigest(path, 1, "a" * 64)


def test_file_problems_name_missing_and_changed_files() -> None:
    found = {"database.sqlite": (10, "c" * 64)}
    assert file_problems(MANIFEST, found) == [
        "database.sqlite does not match its digest in the manifest",
        f"outbox/{'b' * 64} is missing",
    ]


def test_a_snapshot_older_than_the_witnessed_checkpoint_says_what_it_would_lose() -> None:
    loss = witnessed_loss(5, None, Checkpoint("e", 8, ROOT))
    assert loss is not None and "lose 3 acknowledged entries (indexes 5-7)" in loss


def test_a_snapshot_that_forks_is_refused_and_one_that_extends_is_not() -> None:
    assert "fork" in (witnessed_loss(9, hash_leaf(b"other"), Checkpoint("e", 8, ROOT)) or "")
    assert witnessed_loss(9, ROOT, Checkpoint("e", 8, ROOT)) is None
    assert witnessed_loss(8, ROOT, Checkpoint("e", 8, ROOT)) is None
