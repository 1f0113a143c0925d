"""Ledger leaves: canonical JSON records of decisions.

Canonical form (after RFC 8785): UTF-8, object keys sorted, no insignificant whitespace,
integers only (floats have more than one spelling), no lone surrogates. Equal records have
equal bytes, so equal leaf hashes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from airlock.errors import InvalidInput, LedgerIntegrityError

MAX_RECORD_BYTES = 256 * 1024
MAX_DEPTH = 16
RECORD_VERSION = 1
_SURROGATE = "ledger record holds an unpaired surrogate"


def _check(value: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise InvalidInput(f"ledger record nests deeper than {MAX_DEPTH}")
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise InvalidInput(_SURROGATE) from e
        return
    if isinstance(value, list | tuple):
        if depth < MAX_DEPTH and all(type(item) is int for item in value):
            return  # a list of integers (token ids): what the walk below would accept
        for item in value:
            _check(item, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput("ledger record keys must be strings")
            _check(key, depth + 1)
            _check(item, depth + 1)
        return
    raise InvalidInput(
        f"ledger records hold only JSON integers, strings, lists and objects, "
        f"not {type(value).__name__}"
    )


def canonical_json(value: Any) -> bytes:
    """Raises: InvalidInput for floats, non-string keys, surrogates, depth or size."""
    _check(value)
    return canonical_json_of_checked(value)


def canonical_json_of_checked(value: Any) -> bytes:
    """:func:`canonical_json` without its walk over every value, for a caller that knows
    each value is of a type the walk accepts (strings, integers, and lists and string-keyed
    objects of them, at most MAX_DEPTH deep). Lone surrogates and the size bound are still
    refused, with canonical_json's messages.

    Raises: InvalidInput for a surrogate or the size."""
    encoded = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    try:
        data = encoded.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidInput(_SURROGATE) from e
    if len(data) > MAX_RECORD_BYTES:
        raise InvalidInput(f"ledger record exceeds {MAX_RECORD_BYTES} bytes")
    return data


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    """One decision or change, as the audit trail keeps it."""

    kind: str
    actor: str
    at: datetime
    subject: str = ""
    request_digest: str = ""
    policy_version: str = ""
    outcome: str = ""
    reasons: tuple[Mapping[str, str], ...] = ()
    approvals: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.kind or not self.actor:
            raise InvalidInput("a ledger record needs a kind and an actor")
        if self.at.tzinfo is None:
            raise InvalidInput("ledger record time must be timezone-aware")

    def to_json(self) -> dict[str, Any]:
        return {
            "v": RECORD_VERSION,
            "kind": self.kind,
            "actor": self.actor,
            "at": self.at.isoformat(),
            "subject": self.subject,
            "request_digest": self.request_digest,
            "policy_version": self.policy_version,
            "outcome": self.outcome,
            "reasons": [dict(r) for r in self.reasons],
            "approvals": list(self.approvals),
            "details": dict(self.details),
        }

    def to_bytes(self) -> bytes:
        return canonical_json(self.to_json())


def parse_record(data: bytes) -> dict[str, Any]:
    """Decode a stored leaf and check that it is in canonical form.

    Raises:
        LedgerIntegrityError: not JSON, not an object, or not canonical bytes.
    """
    if len(data) > MAX_RECORD_BYTES:
        raise LedgerIntegrityError("ledger entry is larger than any record airlock writes")
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise LedgerIntegrityError(f"ledger entry is not JSON: {e}") from e
    if not isinstance(value, dict):
        raise LedgerIntegrityError("ledger entry is not a JSON object")
    try:
        canonical = canonical_json(value)
    except InvalidInput as e:
        raise LedgerIntegrityError(f"ledger entry is not canonical: {e}") from e
    if canonical != data:
        raise LedgerIntegrityError("ledger entry bytes are not in canonical form")
    return value
