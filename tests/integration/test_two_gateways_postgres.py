"""Two gateway processes sharing one PostgreSQL never release more than the budget."""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from tests.support.gateway import (
    CliRunner,
    answers_healthz,
    export_from_threads,
    free_port,
    serve_process,
)
from tests.support.waiting import wait_until


@pytest.fixture
def two_gateways(
    cli: CliRunner, postgres_url: str, tmp_path: Path
) -> Iterator[tuple[list[str], str]]:
    env = {**os.environ, "AIRLOCK_HOME": str(cli.home), "AIRLOCK_DATABASE_URL": postgres_url}
    cli.env.update({"AIRLOCK_DATABASE_URL": postgres_url})
    assert cli("init").code == 0
    assert cli("budget", "set", "enclave", "--bytes", "20000", "--window", "1d").code == 0
    token = cli("principal", "add", "rita", "--role", "researcher").out.strip()
    ports = [free_port(), free_port()]
    logs = [(tmp_path / f"gateway-{port}.log").open("w") for port in ports]
    # One process each: what is under test is two gateways sharing PostgreSQL; several
    # workers per gateway are tested in test_serve_workers.py.
    processes = [serve_process(env, port, 1, log) for port, log in zip(ports, logs, strict=True)]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url in urls:
            wait_until(partial(answers_healthz, url), f"the gateway at {url} to answer /healthz")
        yield urls, token
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        for log in logs:
            log.close()


def test_concurrent_exports_through_two_gateways_respect_the_budget(
    two_gateways: tuple[list[str], str], cli: CliRunner
) -> None:
    urls, token = two_gateways
    outcomes = export_from_threads(urls, token, threads=6, each=8)
    assert len(outcomes) == 48
    assert outcomes.count("allow") == 20
    assert cli("ledger", "verify").code == 0
