"""Canonical records and offline receipts."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from airlock.audit import AuditLog
from airlock.clock import FixedClock
from airlock.errors import InvalidInput, LedgerIntegrityError
from airlock.ledger.receipts import verify_receipt
from airlock.ledger.records import LedgerRecord, canonical_json, parse_record
from airlock.store.memory_ledger import MemoryLedgerStore

AT = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)


def record(n: int) -> LedgerRecord:
    return LedgerRecord(
        kind="export.decision",
        actor="rita",
        at=AT,
        subject=f"req {n}",
        outcome="hold",
        reasons=({"code": "opaque", "message": "ünïcode"},),
    )


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert (
        canonical_json({"b": 1, "a": ["é", None, True]}) == '{"a":["é",null,true],"b":1}'.encode()
    )
    for bad in ({"x": 1.5}, {1: "x"}, {"x": "\ud800"}, {"x": object()}):
        with pytest.raises(InvalidInput):
            canonical_json(bad)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    )
)
def test_canonical_round_trip(value: Any) -> None:
    try:
        data = canonical_json({"v": value})
    except InvalidInput:
        return  # surrogates and the like are refused, which is the contract
    assert canonical_json(parse_record(data)) == data


def test_non_canonical_stored_bytes_are_integrity_errors() -> None:
    with pytest.raises(LedgerIntegrityError):
        parse_record(b'{"b":1, "a":2}')
    with pytest.raises(LedgerIntegrityError):
        parse_record(b"[1]")


def audit_log() -> AuditLog:
    return AuditLog(MemoryLedgerStore(), Ed25519PrivateKey.generate(), "enclave/log", FixedClock())


def test_receipt_verifies_offline_and_names_the_decision() -> None:
    log = audit_log()
    for n in range(11):
        log.append(record(n))
    data = log.receipt(6)
    verified = verify_receipt(data, log.verifier_key)
    assert verified.index == 6
    assert verified.record["subject"] == "req 6"
    assert verified.checkpoint.checkpoint.size == 11


def mutate(document: dict[str, Any], field: str) -> dict[str, Any]:
    changed: dict[str, Any] = json.loads(json.dumps(document))
    if field == "entry":
        raw = bytearray(base64.b64decode(changed["entry"]))
        raw[10] ^= 1
        changed["entry"] = base64.b64encode(bytes(raw)).decode()
    elif field == "proof":
        raw = bytearray(base64.b64decode(changed["inclusion_proof"][0]))
        raw[0] ^= 0x80
        changed["inclusion_proof"][0] = base64.b64encode(bytes(raw)).decode()
    elif field == "index":
        changed["index"] += 1
    elif field == "tree_size":
        changed["tree_size"] += 1
    elif field == "checkpoint":
        changed["checkpoint"] = changed["checkpoint"].replace("\n11\n", "\n12\n")
    elif field == "format":
        changed["format"] = "something-else"
    return changed


@pytest.mark.parametrize("field", ["entry", "proof", "index", "tree_size", "checkpoint", "format"])
def test_tampered_receipt_is_rejected(field: str) -> None:
    log = audit_log()
    for n in range(11):
        log.append(record(n))
    document = json.loads(log.receipt(6))
    with pytest.raises(LedgerIntegrityError):
        verify_receipt(json.dumps(mutate(document, field)).encode(), log.verifier_key)


def test_receipt_against_the_wrong_key_fails() -> None:
    log = audit_log()
    log.append(record(1))
    with pytest.raises(LedgerIntegrityError):
        verify_receipt(log.receipt(0), audit_log().verifier_key)


@pytest.mark.parametrize(
    "data", [b"", b"{", b"[]", b'{"format": "airlock-receipt/v1"}', b"x" * (1024 * 1024 + 1)]
)
def test_malformed_receipts_are_clear_errors(data: bytes) -> None:
    with pytest.raises(LedgerIntegrityError):
        verify_receipt(data, audit_log().verifier_key)
