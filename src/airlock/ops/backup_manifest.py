"""The backup manifest and the restore rules, without I/O.

A snapshot is a folder of files and one ``manifest.json`` naming each file with its size
and SHA-256, signed with the ledger key (``manifest.sig``). Restore trusts nothing in the
folder that the manifest does not name and the signature does not cover.

The staleness rule follows Trillian/Tessera operators' practice: a log restored from backup
must still contain the newest checkpoint a witness cosigned -- same size or larger, with
the same root at that size. A snapshot older than that would silently drop decisions that
were acknowledged and witnessed, and the log would fork as soon as it grew again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from airlock.errors import LedgerIntegrityError
from airlock.ledger.checkpoints import Checkpoint

FORMAT = "airlock-backup/1"
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FileDigest:
    """One file of the snapshot, by its path relative to the snapshot folder."""

    path: str
    size: int
    sha256: str

    def __post_init__(self) -> None:
        parts = PurePosixPath(self.path).parts
        if not parts or self.path.startswith("/") or ".." in parts or "\\" in self.path:
            raise LedgerIntegrityError(f"backup manifest names an unsafe path {self.path!r}")
        if self.size < 0 or len(self.sha256) != 64:
            raise LedgerIntegrityError(f"backup manifest entry for {self.path} is malformed")


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a snapshot holds; ``ledger_size`` is a lower bound read before the copy."""

    created_at: datetime
    enclave: str
    backend: str
    log_key: str
    ledger_size: int
    database_file: str
    private_key_file: str  # "" when the private key was not included
    files: tuple[FileDigest, ...]

    def to_bytes(self) -> bytes:
        value = {
            "format": FORMAT,
            "created_at": self.created_at.isoformat(),
            "enclave": self.enclave,
            "backend": self.backend,
            "log_key": self.log_key,
            "ledger_size": self.ledger_size,
            "database_file": self.database_file,
            "private_key_file": self.private_key_file,
            "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in self.files],
        }
        return json.dumps(value, indent=1, sort_keys=True).encode() + b"\n"

    @classmethod
    def parse(cls, data: bytes) -> Manifest:
        """Raises: LedgerIntegrityError for anything but a well-formed manifest."""
        try:
            raw = json.loads(data)
            if raw.get("format") != FORMAT:
                raise LedgerIntegrityError(f"not an {FORMAT} manifest")
            manifest = cls(
                created_at=datetime.fromisoformat(raw["created_at"]),
                enclave=_text(raw, "enclave"),
                backend=_text(raw, "backend"),
                log_key=_text(raw, "log_key"),
                ledger_size=int(raw["ledger_size"]),
                database_file=_text(raw, "database_file"),
                private_key_file=str(raw.get("private_key_file", "")),
                files=tuple(
                    FileDigest(str(f["path"]), int(f["size"]), str(f["sha256"]))
                    for f in raw["files"]
                ),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise LedgerIntegrityError(f"the backup manifest is malformed ({e})") from e
        if manifest.database_file not in {f.path for f in manifest.files}:
            raise LedgerIntegrityError("the backup manifest does not list its database file")
        return manifest

    def by_path(self) -> dict[str, FileDigest]:
        return {f.path: f for f in self.files}


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} must be a non-empty string")
    return value


def file_problems(manifest: Manifest, found: Mapping[str, tuple[int, str] | None]) -> list[str]:
    """Every listed file that is missing or whose size or digest differs."""
    problems: list[str] = []
    for entry in manifest.files:
        actual = found.get(entry.path)
        if actual is None:
            problems.append(f"{entry.path} is missing")
        elif actual != (entry.size, entry.sha256):
            problems.append(f"{entry.path} does not match its digest in the manifest")
    return problems


def witnessed_loss(
    snapshot_size: int, snapshot_root_at_witnessed: bytes | None, witnessed: Checkpoint
) -> str | None:
    """Why a snapshot cannot be restored against the newest witnessed checkpoint, or None.

    ``snapshot_root_at_witnessed`` is the snapshot's tree root at ``witnessed.size`` (None
    when the snapshot is smaller than that).
    """
    if snapshot_size < witnessed.size:
        lost = witnessed.size - snapshot_size
        return (
            f"the snapshot's ledger holds {snapshot_size} entries but a witness cosigned "
            f"{witnessed.size}: restoring it would lose {lost} acknowledged "
            f"entr{'y' if lost == 1 else 'ies'} (indexes {snapshot_size}-{witnessed.size - 1})"
            "; use a newer backup"
        )
    if snapshot_root_at_witnessed != witnessed.root:
        return (
            f"the snapshot's ledger disagrees with the witnessed checkpoint at size "
            f"{witnessed.size}: it is not this log's history (a fork or a tampered copy)"
        )
    return None
