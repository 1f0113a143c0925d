"""`airlock principal token issue|list|revoke` (issue 14): rotation and revocation, ledgered."""

from __future__ import annotations

import json

from airlock.service import Airlock
from airlock.settings import Settings
from tests.support.gateway import CliRunner


def test_issue_list_revoke_and_the_ledger_entries(initialised_cli: CliRunner) -> None:
    cli = initialised_cli
    first = cli("principal", "add", "rita", "--role", "researcher", "--days", "7")
    assert first.code == 0, first.err
    issued = cli("principal", "token", "issue", "rita", "--days", "30")
    assert issued.code == 0 and issued.out.strip().startswith("alk_")
    assert "expires" in issued.err
    listed = json.loads(cli("principal", "token", "list", "rita", "--json").out)
    assert len(listed) == 2 and all(t["revoked_at"] is None for t in listed)
    old = listed[0]["token_id"]
    revoked = cli("principal", "token", "revoke", old, "--reason", "rotated")
    assert revoked.code == 0 and "revoked 1 token of" in revoked.out
    again = cli("principal", "token", "revoke", old)
    assert again.code == 2 and "revoked already" in again.err
    table = cli("principal", "token", "list", "rita").out
    assert "revoked" in table and "active" in table
    assert cli("principal", "token", "revoke", "rita").out.startswith("revoked 1 token ")
    reserved = cli("principal", "add", "airlock", "--role", "admin")
    assert reserved.code == 2 and "reserved" in reserved.err
    bad_days = cli("principal", "token", "issue", "rita", "--days", "400")
    assert bad_days.code == 2

    airlock = Airlock.from_settings(Settings.load(cli.env, cli.home))
    try:
        records = [airlock.ledger.record(i) for i in range(airlock.ledger.size())]
    finally:
        airlock.close()
    kinds = [(r["kind"], dict(r["details"]).get("token_id")) for r in records]  # type: ignore[call-overload]
    assert ("principal.token.revoke", old) in kinds
    assert ("principal.token.revoke", "*") in kinds
    assert sum(k == "principal.token" for k, _ in kinds) == 1
