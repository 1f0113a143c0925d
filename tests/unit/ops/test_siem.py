"""The SIEM mapping: OCSF's required fields, and a proof handle that ties back to the leaf."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from airlock.errors import LedgerIntegrityError
from airlock.ledger.hashes import hash_leaf
from airlock.ledger.records import LedgerRecord, canonical_json
from airlock.ops.siem import ExportFormat, LedgerEvent, encode_line, to_event, to_ocsf
from tests.support.ocsf import ocsf_problems

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _event(outcome: str = "deny", index: int = 7) -> LedgerEvent:
    record = LedgerRecord(
        kind="export.decision",
        actor="rita",
        at=AT,
        subject="req-1",
        outcome=outcome,
        reasons=({"code": "protected-model", "message": "matches model m1"},),
    )
    return LedgerEvent.of("enclave-a", index, record.to_bytes(), AT)


@pytest.mark.parametrize("outcome", ["allow", "hold", "deny", ""])
def test_ocsf_events_carry_every_required_field(outcome: str) -> None:
    event = to_ocsf(_event(outcome), "0.1.0")
    assert ocsf_problems(event) == []
    assert event["unmapped"]["airlock_record"]["outcome"] == outcome


def test_a_deny_is_high_severity_and_a_failure() -> None:
    event = to_ocsf(_event("deny"), "0.1.0")
    assert (event["severity_id"], event["status_id"]) == (4, 2)
    assert event["message"] == "matches model m1"
    assert event["time"] == int(AT.timestamp() * 1000)


def test_the_validator_catches_a_missing_field() -> None:
    event = to_ocsf(_event(), "0.1.0")
    del event["src_endpoint"]
    assert ocsf_problems(event) == ["src_endpoint: missing or not dict"]


def test_proof_handle_leaf_hash_is_recomputable_from_the_exported_record() -> None:
    line = to_event(_event(), ExportFormat.JSONL, "0.1.0")
    assert line["index"] == 7 and line["cursor"] == 8
    assert line["proof"]["leaf_hash"] == hash_leaf(canonical_json(line["record"])).hex()
    assert encode_line(line) == encode_line(dict(reversed(list(line.items()))))


def test_a_non_canonical_body_is_refused() -> None:
    with pytest.raises(LedgerIntegrityError):
        LedgerEvent.of("enclave-a", 0, b'{"b": 1, "a": 2}', AT)
