"""Ledger entries as events a SIEM ingests: plain JSON lines or OCSF API Activity.

Pure: it takes an entry's index, bytes and append time and returns a JSON-ready mapping.
Every event carries a *proof handle*: the log's origin, the entry's index and its RFC 9162
leaf hash. A consumer can later ask for ``airlock ledger receipt INDEX`` and check the
receipt offline against the log's public key, and check that the leaf hash it holds is
SHA-256(0x00 || canonical JSON of the record) -- so an event in the SIEM is tied to the
ledger without trusting the transport that carried it (the idea of CloudTrail's digest
files, with Merkle inclusion proofs instead of per-file digests).

What it does not do: decide anything, or redact. The ledger holds no secrets (token
hashes never enter it), so an event shows what the ledger shows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, assert_never

from airlock.errors import InvalidInput
from airlock.ledger.hashes import hash_leaf
from airlock.ledger.records import parse_record

OCSF_VERSION = "1.1.0"
# OCSF 1.1.0: Application Activity (6) / API Activity (6003); type_uid = class_uid * 100 +
# activity_id. Boundary requests create objects (a request, a vote, a lock): activity 1.
OCSF_CATEGORY_UID = 6
OCSF_CLASS_UID = 6003
_ACTIVITY_CREATE = 1
_SEVERITY = {"deny": (4, "High"), "hold": (3, "Medium")}  # else 1 Informational
_STATUS = {"deny": (2, "Failure"), "hold": (99, "Other"), "allow": (1, "Success")}


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    OCSF = "ocsf"


@dataclass(frozen=True, slots=True)
class LedgerEvent:
    """One ledger entry, decoded once, ready to be mapped to any format."""

    origin: str
    index: int
    leaf_hash: bytes
    appended_at: datetime
    record: Mapping[str, Any]

    def __post_init__(self) -> None:
        if self.index < 0:
            raise InvalidInput(f"ledger index {self.index} is negative")
        if len(self.leaf_hash) != 32:
            raise InvalidInput("a leaf hash is 32 bytes (SHA-256)")

    @classmethod
    def of(cls, origin: str, index: int, body: bytes, appended_at: datetime) -> LedgerEvent:
        """Raises: LedgerIntegrityError if ``body`` is not a canonical airlock record."""
        return cls(origin, index, hash_leaf(body), appended_at, parse_record(body))

    @property
    def proof_handle(self) -> dict[str, Any]:
        return {
            "log": self.origin,
            "index": self.index,
            "leaf_hash": self.leaf_hash.hex(),
            "receipt": f"airlock ledger receipt {self.index}",
        }


def to_event(event: LedgerEvent, fmt: ExportFormat, product_version: str) -> dict[str, Any]:
    match fmt:
        case ExportFormat.JSONL:
            return to_jsonl(event)
        case ExportFormat.OCSF:
            return to_ocsf(event, product_version)
        case _:
            assert_never(fmt)


def to_jsonl(event: LedgerEvent) -> dict[str, Any]:
    """Airlock's own shape: the record as the ledger holds it, plus index, cursor and proof."""
    return {
        "index": event.index,
        "cursor": event.index + 1,
        "appended_at": event.appended_at.isoformat(),
        "record": dict(event.record),
        "proof": event.proof_handle,
    }


def to_ocsf(event: LedgerEvent, product_version: str) -> dict[str, Any]:
    """OCSF 1.1.0 API Activity (6003) with every attribute the class requires.

    The airlock record itself travels in ``unmapped`` so nothing is lost in translation.
    """
    record = event.record
    kind = str(record.get("kind", ""))
    outcome = str(record.get("outcome", ""))
    severity_id, severity = _SEVERITY.get(outcome, (1, "Informational"))
    status_id, status = _STATUS.get(outcome, (1, "Success"))
    milliseconds = int(event.appended_at.timestamp() * 1000)
    reasons = record.get("reasons") or []
    message = (
        "; ".join(str(r.get("message", "")) for r in reasons if isinstance(r, Mapping)) or kind
    )
    return {
        "activity_id": _ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": OCSF_CATEGORY_UID,
        "category_name": "Application Activity",
        "class_uid": OCSF_CLASS_UID,
        "class_name": "API Activity",
        "type_uid": OCSF_CLASS_UID * 100 + _ACTIVITY_CREATE,
        "type_name": "API Activity: Create",
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "time": milliseconds,
        "message": message[:1000],
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "airlock", "vendor_name": "airlock", "version": product_version},
            "uid": f"{event.origin}/{event.index}",
            "sequence": event.index,
            "logged_time": milliseconds,
        },
        "actor": {"user": {"name": str(record.get("actor", "")), "type_id": 99}},
        "api": {
            "operation": kind,
            "service": {"name": f"airlock/{event.origin}"},
            "request": {"uid": str(record.get("subject", ""))},
        },
        "src_endpoint": {"svc_name": "airlock-gateway", "hostname": event.origin},
        "resources": [{"uid": str(record.get("subject", "")), "type": kind.partition(".")[0]}],
        "unmapped": {"airlock_record": dict(record), "airlock_proof": event.proof_handle},
    }


def encode_line(event: Mapping[str, Any]) -> str:
    """One event per line, keys sorted, no spaces: stable bytes for deduplication."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
