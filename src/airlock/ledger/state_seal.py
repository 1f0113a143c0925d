"""Seals on the state the boundary acts on (issue 22, docs/adr/0012-sealed-state.md).

A seal is an HMAC-SHA-256, keyed from the ledger signing key, over a canonical encoding of
one row's security-relevant columns, the table, the row's key and the index of the ledger
entry that made the row what it is. Whoever can write to the database but cannot read the
airlock home can neither edit a sealed row, nor add one, nor move a seal to another row.
Deleting a row together with its seal is caught by the ledger cross-check instead
(:mod:`airlock.state_verify`), since the entry that made the row stays in the log.

Pure: no I/O. Rows come in as mappings of column name to value, as the store reads them;
a few tables carry counts of dependent rows (``decisions`` of a request, ``votes`` of a case,
``chunks`` of a protected model) and a request the bytes it holds reserved against budgets
(``reserved``), which the store computes with them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from airlock.errors import InvalidInput
from airlock.ledger.records import canonical_json

SEAL_VERSION = 1
_HKDF_INFO = b"airlock/state-seal/v1"

Value = str | int | bool | None


@dataclass(frozen=True, slots=True)
class TableSpec:
    """Which columns name a row of a table and which ones a seal covers."""

    table: str
    key: tuple[str, ...]
    fields: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.key or not self.fields or set(self.key) & set(self.fields):
            raise InvalidInput(f"seal spec for {self.table} needs disjoint key and fields")


SPECS: Mapping[str, TableSpec] = {
    s.table: s
    for s in (
        TableSpec("principals", ("name",), ("kind", "role")),
        TableSpec("api_tokens", ("token_hash",), ("principal", "expires_at", "revoked_at")),
        TableSpec("projects", ("name",), ("description",)),
        TableSpec(
            "requests",
            ("id",),
            (
                "kind",
                "principal",
                "project",
                "digest",
                "size_bytes",
                "status",
                "decisions",
                "reserved",
            ),
        ),
        TableSpec(
            "approval_cases",
            ("request_id",),
            ("requester", "digest", "required", "roles", "ttl_seconds", "closed", "votes"),
        ),
        TableSpec("approval_votes", ("request_id", "voter"), ("approve", "digest")),
        TableSpec("budgets", ("scope", "subject"), ("limit_bytes", "window_seconds")),
        TableSpec("locks", ("id",), ("scope", "subject", "created_at", "expires_at", "lifted_at")),
        TableSpec("protected_models", ("name",), ("size_bytes", "tensors", "chunks")),
        TableSpec("package_files", ("filename",), ("project", "version", "sha256", "request_id")),
        TableSpec("datasets", ("id",), ("request_id", "manifest_sha256", "verdict", "released_at")),
    )
}


@dataclass(frozen=True, slots=True)
class RowSeal:
    """A stored seal: the row it covers, the ledger entry behind it and the MAC."""

    table: str
    row_key: str
    ledger_index: int
    mac: bytes

    def __post_init__(self) -> None:
        if self.table not in SPECS:
            raise InvalidInput(f"no seal is defined for table {self.table!r}")
        if self.ledger_index < 0 or len(self.mac) != 32:
            raise InvalidInput("a seal needs a ledger index >= 0 and a 32-byte MAC")


def state_key(ledger_seed: bytes) -> bytes:
    """The state-seal key, derived (HKDF-SHA-256) from the ledger's Ed25519 seed.

    Distinct from the ledger-entry seal key, so neither MAC can stand in for the other.
    """
    # Imported here: the stores import this module for RowSeal, and `airlock status` should
    # not pay for cryptography (issue 13).
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(hashes.SHA256(), 32, salt=None, info=_HKDF_INFO).derive(ledger_seed)


def canonical_value(value: object) -> Value:
    """A column value in the one spelling seals use (UTC ISO times, hex bytes).

    Raises: InvalidInput for a type no sealed column has.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInput("sealed times must be timezone-aware")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    raise InvalidInput(f"a sealed column cannot hold {type(value).__name__}")


def row_key(table: str, row: Mapping[str, object]) -> str:
    """The row's key as seals name it: key columns joined with ``/``."""
    return "/".join(str(canonical_value(row[c])) for c in SPECS[table].key)


def fields(table: str, row: Mapping[str, object]) -> dict[str, Value]:
    return {c: canonical_value(row[c]) for c in SPECS[table].fields}


def compute_mac(key: bytes, table: str, row: Mapping[str, object], ledger_index: int) -> bytes:
    """Raises: InvalidInput for an unknown table or a row missing a sealed column."""
    spec = SPECS.get(table)
    if spec is None:
        raise InvalidInput(f"no seal is defined for table {table!r}")
    missing = [c for c in (*spec.key, *spec.fields) if c not in row]
    if missing:
        raise InvalidInput(f"{table} row lacks sealed columns {missing}")
    message = canonical_json(
        {
            "v": SEAL_VERSION,
            "table": table,
            "key": row_key(table, row),
            "fields": fields(table, row),
            "entry": ledger_index,
        }
    )
    return hmac.new(key, message, hashlib.sha256).digest()


def seal_row(key: bytes, table: str, row: Mapping[str, object], ledger_index: int) -> RowSeal:
    return RowSeal(
        table, row_key(table, row), ledger_index, compute_mac(key, table, row, ledger_index)
    )


def seal_problem(
    key: bytes, table: str, row: Mapping[str, object] | None, seal: RowSeal | None
) -> str | None:
    """What is wrong with a row and its seal, or None when the seal holds.

    ``row`` None: the seal's row is gone; ``seal`` None: the row has no seal.
    """
    if row is None and seal is None:
        return None
    if row is None:
        assert seal is not None
        return f"{table} row {seal.row_key} was deleted outside airlock (its seal remains)"
    name = row_key(table, row)
    if seal is None:
        return f"{table} row {name} has no seal: it was added outside airlock"
    if not hmac.compare_digest(seal.mac, compute_mac(key, table, row, seal.ledger_index)):
        return f"{table} row {name} does not match its seal: it was edited outside airlock"
    return None
