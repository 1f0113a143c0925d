"""Time to exfiltrate in `airlock status`, and the policy floor on budget changes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from airlock.service import Airlock
from airlock.settings import Settings
from scripts.make_inspection_corpus import weights
from tests.support.gateway import CliRunner, start_gateway


def test_status_reports_days_and_the_floor_refuses_a_loose_budget(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    cli = initialised_cli
    model = tmp_path / "m.bin"
    model.write_bytes(weights(np.random.default_rng(1), 3_000_000, "float16"))
    assert cli("weights", "register", str(model), "--name", "frontier-q").code == 0
    assert cli("budget", "set", "enclave", "--bytes", "100", "--window", "1d").code == 0
    days = json.loads(cli("status", "--json").out)["exfiltration"][0]
    # 3,000,000 bytes at 100x is 30,000 bytes; 100 bytes a day is 300 bursts, 299 days apart.
    assert days["model"] == "frontier-q" and days["seconds"] == 299 * 86400

    config = cli.home / "config.toml"
    config.write_text(config.read_text() + "\n[egress]\nmin_days_to_exfiltrate = 365\n")
    refused = cli("budget", "set", "enclave", "--bytes", "50", "--window", "1h")
    assert refused.code == 11
    assert "50 bytes per 1 hour" in refused.err and "floor of 365 days" in refused.err
    assert cli("budget", "set", "enclave", "--bytes", "60", "--window", "1d").code == 0
    assert "time to exfiltrate frontier-q" in cli("status").out


def test_status_and_weights_show_one_account_and_k_colluding(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    cli = initialised_cli
    model = tmp_path / "m.bin"
    model.write_bytes(weights(np.random.default_rng(1), 3_000_000, "float16"))
    assert cli("weights", "register", str(model), "--name", "frontier-q").code == 0
    assert cli("budget", "set", "enclave", "--bytes", "1000", "--window", "1d").code == 0
    # The default for every principal: accepted now ('*' used to be refused).
    assert cli("budget", "set", "principal", "*", "--bytes", "100", "--window", "1d").code == 0
    status = json.loads(cli("status", "--json", "--accounts", "4").out)
    # 30,000 bytes to move: 100 a day for one account, 400 a day for four.
    assert status["exfiltration"][0]["seconds"] == 299 * 86400
    colluding = status["exfiltration_colluding"][0]
    assert colluding["accounts"] == 4 and colluding["seconds"] == (75 - 1) * 86400
    table = cli("status").out
    assert "by 1 account" in table and "by 5 colluding" in table  # the configured default k
    listed = cli("weights", "list", "--accounts", "10").out
    assert "TIME (10 ACCOUNTS)" in listed


def test_the_api_status_gives_one_account_and_k(initialised_cli: CliRunner, tmp_path: Path) -> None:
    cli = initialised_cli
    model = tmp_path / "m.bin"
    model.write_bytes(weights(np.random.default_rng(1), 3_000_000, "float16"))
    assert cli("weights", "register", str(model), "--name", "frontier-q").code == 0
    assert cli("budget", "set", "enclave", "--bytes", "1000", "--window", "1d").code == 0
    assert cli("budget", "set", "principal", "*", "--bytes", "100", "--window", "1d").code == 0
    airlock = Airlock.from_settings(Settings.load(cli.env, cli.home))
    try:
        for gateway in start_gateway(airlock):
            with gateway.client(gateway.admin_token) as client:
                status = client.get("/status", params={"accounts": 4}).json()
                assert client.get("/status", params={"accounts": 0}).status_code == 400
                default = client.get("/status").json()
    finally:
        airlock.close()
    assert status["days_to_exfiltrate"] == {"frontier-q": 299.0}
    assert status["time_to_exfiltrate"] == {"frontier-q": "299 days"}
    assert status["colluding_accounts"] == 4
    assert status["days_to_exfiltrate_colluding"] == {"frontier-q": 74.0}
    assert default["colluding_accounts"] == 5  # [egress] colluding_accounts
    assert default["days_to_exfiltrate_colluding"] == {"frontier-q": 59.0}


def test_a_default_budget_is_set_by_name_only(initialised_cli: CliRunner) -> None:
    cli = initialised_cli
    forgotten = cli("budget", "set", "principal", "--bytes", "10")
    assert forgotten.code == 2 and "'*' for the default" in forgotten.err
    assert cli("budget", "set", "project", "*", "--bytes", "10").code == 0
    assert cli("budget", "set", "enclave", "--bytes", "10").out.startswith("budget enclave *:")
    assert ["project", "*", "10"] in [
        line.split()[:3] for line in cli("budget", "list").out.splitlines()
    ]


def test_enclave_wide_output_budgets_need_no_subject(initialised_cli: CliRunner) -> None:
    # The command the gateway's "no tokens-enclave budget" message tells the operator to run.
    cli = initialised_cli
    done = cli("budget", "set", "tokens-enclave", "--bytes", "5000", "--window", "1d")
    assert done.code == 0, done.err
    assert "budget tokens-enclave *: 5,000 tokens per 1 day" in done.out
    assert cli("budget", "set", "output-enclave", "--bytes", "9000").code == 0
    refused = cli("budget", "set", "tokens-principal", "--bytes", "10")
    assert refused.code != 0 and "name the tokens-principal" in refused.err


def test_metrics_show_the_output_timing_channel_open_or_bounded(
    initialised_cli: CliRunner,
) -> None:
    cli = initialised_cli
    assert "open: 18.2 bits/token" in cli("metrics").out
    config = cli.home / "config.toml"
    config.write_text(config.read_text() + "\n[outputs]\nrelease_quantum_ms = 50\n")
    shown = cli("metrics").out
    assert "at release points: 6.2 bits/response" in shown
    assert "open:" not in shown
