"""`airlock serve --workers 2`: two processes, one exact budget, one intact ledger."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

from tests.support.gateway import CliRunner, export_from_threads, free_port, serve_process
from tests.support.waiting import wait_until


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_worker_processes_share_the_budget_and_the_ledger(
    cli: CliRunner, tmp_path: Path, request: pytest.FixtureRequest, backend: str
) -> None:
    env = {**os.environ, "AIRLOCK_HOME": str(cli.home)}
    if backend == "postgresql":
        env["AIRLOCK_DATABASE_URL"] = request.getfixturevalue("postgres_url")
        cli.env["AIRLOCK_DATABASE_URL"] = env["AIRLOCK_DATABASE_URL"]
    assert cli("init").code == 0
    assert cli("budget", "set", "enclave", "--bytes", "10000", "--window", "1d").code == 0
    token = cli("principal", "add", "rita", "--role", "researcher").out.strip()
    port = free_port()
    log_path = tmp_path / "gateway.log"
    with log_path.open("w") as log:
        server = serve_process(env, port, 2, log)
        try:
            url = f"http://127.0.0.1:{port}"

            def both_started() -> bool:
                assert server.poll() is None, log_path.read_text()
                return log_path.read_text().count("Application startup complete") >= 2

            wait_until(both_started, "both workers to start")
            outcomes = export_from_threads([url], token, threads=8, each=4)
            forged = httpx.get(url + "/principals/me", headers={"Authorization": "Bearer alk_x"})
            assert forged.status_code == 401
        finally:
            server.terminate()
            server.wait(timeout=20)
    assert sorted(outcomes) == ["allow"] * 10 + ["deny"] * 22
    # Not on a terminal, the log is JSON lines (issue 21).
    events = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert any("(2 workers)" in e["message"] for e in events)
    # The default access log keeps refusals only: the forged token, not the 32 exports.
    access = [(e["method"], e["path"], e["status"]) for e in events if "status" in e]
    assert access == [("GET", "/principals/me", 401)]
    assert cli("ledger", "verify").code == 0
