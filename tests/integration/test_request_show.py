"""`airlock request show`: approvals in and needed, the votes, and the ledger entry behind the
request's state, which `ledger receipt` proves offline (issues 13 and 18)."""

from __future__ import annotations

import io
import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from airlock.domain.principals import Role
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from tests.support.gateway import CliRunner


def held_export(cli: CliRunner, tmp_path: Path) -> str:
    for name in ("bob", "carol"):
        assert cli("principal", "add", name, "--role", "approver").code == 0
    assert cli("principal", "add", "rita", "--role", "researcher").code == 0
    blob = tmp_path / "blob.bin"
    blob.write_bytes(os.urandom(100_000))
    assert cli("export", str(blob), "--purpose", "results", env=cli.signed_in("rita")).code == 10
    held = json.loads(cli("request", "list", "--status", "held", "--json").out)
    return str(held[0]["id"])


def test_show_says_how_many_approvals_are_in_and_who_voted(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    rid = held_export(initialised_cli, tmp_path)
    assert (
        initialised_cli(
            "approve", rid, "--reason", "checked", env=initialised_cli.signed_in("bob")
        ).code
        == 0
    )
    shown = initialised_cli("request", "show", rid)
    assert shown.code == 0, shown.err
    assert "approvals  1 of 2" in shown.out
    assert "eligible   carol" in shown.out
    assert "blob.bin (98 KiB; export, application/octet-stream)" in shown.out
    assert "bob: approve - checked" in shown.out
    assert "status     held" in shown.out


def test_the_ledger_entry_shown_is_the_decision_that_released_it(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    cli = initialised_cli
    rid = held_export(cli, tmp_path)
    assert cli("approve", rid, "--reason", "checked", env=cli.signed_in("bob")).code == 0
    assert cli("approve", rid, "--reason", "agreed", env=cli.signed_in("carol")).code == 0
    detail = json.loads(cli("request", "show", rid, "--json").out)
    assert detail["approval"]["approvals"] == 2
    assert detail["approval"]["required"] == 2
    assert [v["voter"] for v in detail["approval"]["votes"]] == ["bob", "carol"]
    index = detail["ledger_entry"]
    assert isinstance(index, int)
    record = json.loads(cli("ledger", "show", str(index)).out)["record"]
    assert record["kind"] == "export.decision"
    assert record["subject"] == rid
    assert record["outcome"] == "allow"
    # The closing vote's entry points back at the first decision, so the review still knows
    # what the file is once votes have released it.
    assert isinstance(record["details"]["origin"], int) and record["details"]["origin"] < index
    assert "blob.bin (98 KiB; export, application/octet-stream)" in cli("request", "show", rid).out
    receipt = tmp_path / "receipt.json"
    assert cli("ledger", "receipt", str(index), "-o", str(receipt)).code == 0
    key = (cli.home / "ledger.pub").read_text().strip()
    verified = cli("ledger", "verify-receipt", str(receipt), "--key", key)
    assert verified.code == 0, verified.err
    assert f"entry {index} (export.decision by carol)" in verified.out


def test_a_vote_answers_with_the_new_state_and_the_next_step(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    cli = initialised_cli
    rid = held_export(cli, tmp_path)
    voted = cli("approve", rid, "--reason", "checked", env=cli.signed_in("bob"))
    assert voted.code == 0, voted.err
    assert f"{rid}: held, 1 of 2 (you)" in voted.out
    assert "next: you voted; waiting for 1 more approval from carol" in voted.out
    again = cli("approve", rid, "--reason", "again", env=cli.signed_in("bob"))
    assert again.code == 2
    assert "already voted" in again.err
    mine = json.loads(cli("request", "show", rid, "--json", env=cli.signed_in("carol")).out)
    shown = mine["progress"]
    assert shown["summary"] == "1 of 2"
    assert shown["viewer_may_vote"] is True
    assert shown["name"] == "blob.bin"
    assert shown["eligible"] == ["carol"]
    assert shown["findings"], "an opaque blob is held for a reason"
    assert f"airlock approve {rid}" in shown["next_step"]


def test_a_held_export_prints_who_may_approve_and_the_next_step(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    cli = initialised_cli
    for name in ("bob", "carol"):
        assert cli("principal", "add", name, "--role", "approver").code == 0
    assert cli("principal", "add", "rita", "--role", "researcher").code == 0
    blob = tmp_path / "blob.bin"
    blob.write_bytes(os.urandom(10_000))
    held = cli("export", str(blob), "--purpose", "results", env=cli.signed_in("rita"))
    assert held.code == 10
    assert "approvals 0 of 2; may approve: bob, carol" in held.out
    assert "you cannot approve your own request" in held.out


def test_the_export_answer_s_progress_equals_the_one_read_back(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    # The gateway answers an export with a progress view built from the result in hand
    # (no reads); it must be the view `request show` and GET /requests/{id} read back.
    cli = initialised_cli
    airlock = Airlock.from_settings(Settings.load(cli.env, cli.home))
    try:
        airlock.add_principal(Actor.local_operator(), "rita", role=Role.RESEARCHER)
        rita = airlock.principal("rita")
        seen: set[str] = set()
        weights = np.random.default_rng(1).normal(0, 0.02, 1_500_000).astype(np.float16)
        for name, body in (
            (
                "loss.csv",
                b"step,loss\n" + b"".join(b"%d,%.3f\n" % (i, 1 / (i + 1)) for i in range(40)),
            ),
            ("w.bin", weights.tobytes()),
        ):
            result = airlock.submit_export(rita, io.BytesIO(body), name, "results")
            seen.add(result.decision.outcome.value)
            actor = Actor.of(rita)
            fast = airlock.export_progress(actor, result)
            read = airlock.request_progress(actor, result.request.id)
            # Equal but for the time waited, which each reads at its own now.
            assert replace(fast, waited_text="") == replace(read, waited_text=""), (fast, read)
            assert fast.name == name
        assert seen == {"allow", "deny"}  # both paths that skip the reads were compared
    finally:
        airlock.close()
