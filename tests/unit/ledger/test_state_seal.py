"""Row seals: each sealed column, the row's key, the table and the ledger index are bound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from airlock.errors import InvalidInput
from airlock.ledger.state_seal import (
    SPECS,
    RowSeal,
    canonical_value,
    compute_mac,
    seal_problem,
    seal_row,
    state_key,
)

KEY = state_key(b"\x07" * 32)
ROW: dict[str, object] = {
    "id": "req_1",
    "kind": "export",
    "principal": "rita",
    "project": None,
    "digest": "ab" * 32,
    "size_bytes": 10,
    "status": "denied",
    "decisions": 1,
    "reserved": 0,
    "purpose": "not sealed",
}


def test_key_is_derived_and_distinct_per_seed() -> None:
    assert len(KEY) == 32
    assert state_key(b"\x08" * 32) != KEY


@pytest.mark.parametrize("column", SPECS["requests"].fields)
def test_every_sealed_column_changes_the_mac(column: str) -> None:
    changed = {**ROW, column: "x" if not isinstance(ROW[column], int) else 999}
    assert compute_mac(KEY, "requests", changed, 5) != compute_mac(KEY, "requests", ROW, 5)


def test_unsealed_columns_do_not_matter_but_key_index_and_table_do() -> None:
    base = compute_mac(KEY, "requests", ROW, 5)
    assert compute_mac(KEY, "requests", {**ROW, "purpose": "other"}, 5) == base
    assert compute_mac(KEY, "requests", {**ROW, "id": "req_2"}, 5) != base
    assert compute_mac(KEY, "requests", ROW, 6) != base
    assert compute_mac(state_key(b"\x09" * 32), "requests", ROW, 5) != base


def test_seal_problem_names_edited_added_and_deleted_rows() -> None:
    seal = seal_row(KEY, "requests", ROW, 5)
    assert seal_problem(KEY, "requests", ROW, seal) is None
    edited = seal_problem(KEY, "requests", {**ROW, "status": "released"}, seal)
    assert edited == "requests row req_1 does not match its seal: it was edited outside airlock"
    assert "has no seal" in (seal_problem(KEY, "requests", ROW, None) or "")
    assert "was deleted" in (seal_problem(KEY, "requests", None, seal) or "")


def test_times_are_spelt_in_utc_and_naive_times_refused() -> None:
    at = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert canonical_value(at) == canonical_value(at.astimezone(timezone(timedelta(hours=2))))
    with pytest.raises(InvalidInput):
        canonical_value(datetime(2026, 1, 1))  # noqa: DTZ001 - the naive time under test
    with pytest.raises(InvalidInput):
        canonical_value(1.5)


def test_missing_columns_and_unknown_tables_are_refused() -> None:
    with pytest.raises(InvalidInput):
        compute_mac(KEY, "requests", {"id": "req_1"}, 0)
    with pytest.raises(InvalidInput):
        compute_mac(KEY, "lineage_edges", ROW, 0)
    with pytest.raises(InvalidInput):
        RowSeal("requests", "req_1", 0, b"short")
