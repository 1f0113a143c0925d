"""Time to exfiltrate in `airlock status`, and the policy floor on budget changes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from scripts.make_inspection_corpus import weights
from tests.support.gateway import CliRunner


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
    assert "days to exfiltrate frontier-q" in cli("status").out
