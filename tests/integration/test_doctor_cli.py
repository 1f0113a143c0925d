"""`airlock doctor` on a real home: clean after init, then names what an operator broke."""

from __future__ import annotations

import json

from tests.support.gateway import CliRunner


def test_doctor_passes_a_fresh_home_and_names_broken_parts(initialised_cli: CliRunner) -> None:
    cli = initialised_cli
    cli.home.chmod(0o700)
    fresh = cli("doctor", "--json")
    statuses = {c["check"]: c["status"] for c in json.loads(fresh.out)}
    # The disk check reads the build machine's own volume: a CI host over 90 % full fails it
    # rightly, and that must not be read as a fault of a fresh home. Nothing else may fail.
    failing = {name for name, status in statuses.items() if status == "fail"}
    assert failing <= {"disk space"}, fresh.out
    assert fresh.code == (1 if failing else 0), fresh.out
    assert statuses["database"] == "ok" and statuses["key custody"] == "ok"
    assert statuses["witness"] == "warn"  # none configured yet

    (cli.home / "ledger-signing.key").chmod(0o644)
    cli.home.chmod(0o755)
    broken = cli("doctor")
    assert broken.code == 1
    assert "FAIL  key custody" in broken.out and "chmod 600" in broken.out
    assert "FAIL  permissions" in broken.out

    (cli.home / "ledger-signing.key").chmod(0o600)
    cli.home.chmod(0o700)
    unreachable = cli("doctor", env={"AIRLOCK_DATABASE_URL": "sqlite:////nonexistent/dir/x.db"})
    assert unreachable.code == 1 and "FAIL  database" in unreachable.out
