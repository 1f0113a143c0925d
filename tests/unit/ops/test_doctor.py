"""Doctor's verdicts from facts: each problem fails or warns with a fix."""

from __future__ import annotations

from dataclasses import replace

from airlock.ops.doctor import Facts, Status, evaluate

HEALTHY = Facts(
    home="/srv/airlock",
    home_mode=0o700,
    config_error="",
    key_mode=0o600,
    key_error="",
    policy_error="",
    free_bytes=50 * 1024**3,
    total_bytes=100 * 1024**3,
    database_error="",
    schema_error="",
    clock_skew_seconds=0.2,
    newest_entry_ahead_seconds=-3.0,
    ledger_size=10,
    seconds_since_checkpoint=30.0,
    checkpoint_interval_seconds=60,
    witnesses=1,
    seconds_since_cosignature=100.0,
    metrics_enabled=True,
)


def _status(facts: Facts) -> dict[str, Status]:
    return {c.name: c.status for c in evaluate(facts)}


def test_a_healthy_deployment_passes_every_check() -> None:
    assert set(_status(HEALTHY).values()) == {Status.OK}


def test_each_problem_is_named_with_a_fix() -> None:
    cases = {
        "permissions": replace(HEALTHY, home_mode=0o755),
        "key custody": replace(HEALTHY, key_mode=0o644),
        "disk space": replace(HEALTHY, free_bytes=100 * 1024**2),
        "database": replace(HEALTHY, schema_error="schema at revision none"),
        "clock": replace(HEALTHY, clock_skew_seconds=-40.0),
    }
    for name, facts in cases.items():
        check = next(c for c in evaluate(facts) if c.name == name)
        assert check.status is Status.FAIL, name
        assert check.fix, name
    missing_key = next(
        c for c in evaluate(replace(HEALTHY, key_mode=None)) if c.name == "key custody"
    )
    assert missing_key.status is Status.FAIL


def test_stale_checkpoint_and_missing_witness_warn() -> None:
    stale = _status(replace(HEALTHY, seconds_since_checkpoint=3600.0, witnesses=0))
    assert stale["checkpoint"] is Status.WARN and stale["witness"] is Status.WARN
    future = _status(replace(HEALTHY, newest_entry_ahead_seconds=600.0))
    assert future["clock"] is Status.FAIL
    no_pg_dump = _status(replace(HEALTHY, backup_tool_error="pg_dump is not on PATH"))
    assert no_pg_dump["backup"] is Status.WARN


def test_access_names_who_can_read_and_fails_an_open_database_in_an_open_home() -> None:
    private = replace(
        HEALTHY,
        you="ops",
        home_owner="airlock",
        key_owner="airlock",
        database_file="/srv/airlock/airlock.db",
        database_mode=0o600,
        database_owner="airlock",
    )
    access = {c.name: c for c in evaluate(private)}["access"]
    assert access.status is Status.OK and "only airlock" in access.detail
    assert "you are ops" in access.detail
    open_db = {c.name: c for c in evaluate(replace(private, database_mode=0o644))}["access"]
    assert open_db.status is Status.WARN  # the home (700) still shuts others out
    both = replace(private, database_mode=0o644, home_mode=0o755)
    assert {c.name: c for c in evaluate(both)}["access"].status is Status.FAIL


def test_a_token_key_is_custody_ok_without_a_key_file() -> None:
    token = replace(HEALTHY, key_custody="pkcs11:token=hsm;object=ledger", key_mode=None)
    custody = {c.name: c for c in evaluate(token)}["key custody"]
    assert custody.status is Status.OK and "PKCS#11" in custody.detail
    gone = replace(token, key_error="cannot open the ledger key")
    assert {c.name: c for c in evaluate(gone)}["key custody"].status is Status.FAIL
