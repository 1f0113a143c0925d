"""Sizes and durations people can read, and sizes they can type (issue 18)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from airlock.render.units import format_bytes
from scripts.make_inspection_corpus import weights
from tests.support.gateway import CliRunner


def test_budget_set_takes_units_and_list_shows_use(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    cli = initialised_cli
    said = cli("budget", "set", "enclave", "--bytes", "100MB", "--window", "1d")
    assert said.code == 0, said.err
    assert said.out.strip() == "budget enclave *: 95 MiB (100,000,000 bytes) per 1 day"
    assert cli("budget", "set", "principal", "*", "--bytes", "1.5GiB").code == 0
    bad = cli("budget", "set", "enclave", "--bytes", "lots")
    assert bad.code == 2 and "100MB" in bad.err
    assert cli("principal", "add", "rita", "--role", "researcher").code == 0
    loss = tmp_path / "loss.csv"
    loss.write_text("step,loss\n" + "".join(f"{i},{1 / (i + 1):.4f}\n" for i in range(100)))
    assert cli("export", str(loss), "--purpose", "fig", env=cli.signed_in("rita")).code == 0
    table = cli("budget", "list").out.splitlines()
    assert table[0].split() == ["SCOPE", "SUBJECT", "LIMIT", "USED", "LEASED", "USE", "WINDOW"]
    enclave = next(line for line in table if line.startswith("enclave"))
    size = loss.stat().st_size
    assert enclave.split()[2:10] == [
        "95",
        "MiB",
        *format_bytes(size).split(),
        "0",
        "B",
        "0%",
        "1",
    ], enclave
    assert enclave.endswith("1 day")
    assert "timedelta" not in "\n".join(table) and "1 day, 0:00:00" not in "\n".join(table)
    listed = json.loads(cli("budget", "list", "--json").out)
    assert {"scope": "enclave", "used": size, "limit": 100_000_000}.items() <= listed[0].items()


def test_time_to_exfiltrate_reads_in_seconds_not_zero_days(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    cli = initialised_cli
    model = tmp_path / "m.bin"
    model.write_bytes(weights(np.random.default_rng(1), 3_000_000, "float16"))
    assert cli("weights", "register", str(model), "--name", "tiny").code == 0
    # 30,000 bytes at 100x; 1 GB a minute moves it in one burst: well under a minute
    assert cli("budget", "set", "enclave", "--bytes", "1GB", "--window", "1m").code == 0
    status = cli("status").out
    assert "0.0 days" not in status
    line = next(x for x in status.splitlines() if x.startswith("time to exfiltrate tiny"))
    assert " s by 1 account" in line, line
    listed = cli("weights", "list").out
    assert "2.9 MiB" in listed and "TIME (1 ACCOUNT)" in listed


def test_every_table_header_is_in_capitals(initialised_cli: CliRunner) -> None:
    cli = initialised_cli
    for argv in (("data", "list"), ("lock", "list"), ("budget", "list"), ("request", "list")):
        header = cli(*argv).out.splitlines()[0]
        assert header == header.upper(), (argv, header)


def test_budget_list_shows_what_output_workers_hold_on_lease(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    """The table, not only --json, shows LEASED: the part of USED that is a worker's block."""
    from airlock.outputs.openai import Endpoint, Piece  # noqa: PLC0415
    from airlock.outputs.reference import model_digest  # noqa: PLC0415
    from airlock.service import Airlock  # noqa: PLC0415
    from airlock.settings import Settings  # noqa: PLC0415

    cli = initialised_cli
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "w.bin").write_bytes(b"w")
    config = cli.home / "config.toml"
    config.write_text(
        config.read_text()
        + '\n[outputs]\nupstream_url = "http://127.0.0.1:9"\nmodel = "m"\n'
        + f'model_digest = "{model_digest(tmp_path / "m")}"\nlease_requests = 4\n'
    )
    assert cli("budget", "set", "tokens-enclave", "--bytes", "5000").code == 0
    assert cli("budget", "set", "output-enclave", "--bytes", "1MB").code == 0
    airlock = Airlock.from_settings(Settings.load(cli.env, cli.home))
    try:
        gateway = airlock.outputs_gateway()
        body = {"model": "m", "prompt": [1, 2], "max_tokens": 10}
        for _ in range(2):  # the first lease is one request's; the second holds four
            admission = gateway.admit("rita", Endpoint.COMPLETIONS, body)
            gateway.record(admission, [Piece((65, 66, 67), "ABC", (1, 2))])
    finally:
        airlock.close()
    table = cli("budget", "list").out.splitlines()
    tokens = next(line for line in table if line.startswith("tokens-enclave"))
    # used: 3 + 3 charged, plus the open lease's 40 less its 3; leased: 37 of them
    assert tokens.split()[2:8] == ["5,000", "tokens", "43", "tokens", "37", "tokens"], tokens
    listed = json.loads(cli("budget", "list", "--json").out)
    row = next(b for b in listed if b["scope"] == "tokens-enclave")
    assert (row["used"], row["leased"]) == (43, 37)
