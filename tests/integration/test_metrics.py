"""GET /metrics on a 2-worker gateway under load: the counters add up to the ledger, the
latency histogram sums both workers, the token guards it, and the logs are JSON lines."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.gateway import CliRunner, export_from_threads, free_port, serve_process


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_metrics_from_two_workers_add_up_to_the_ledger(
    cli: CliRunner, tmp_path: Path, request: pytest.FixtureRequest, backend: str
) -> None:
    if backend == "postgresql":
        cli.env["AIRLOCK_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    assert cli("init").code == 0
    scrape_token = cli("scrape-token")
    token_line = scrape_token.err.splitlines()[-1]
    config = cli.home / "config.toml"
    config.write_text(config.read_text() + "\n[metrics]\n" + token_line + "\n")
    assert cli("budget", "set", "enclave", "--bytes", "10000", "--window", "1d").code == 0
    token = cli("principal", "add", "rita", "--role", "researcher").out.strip()
    env = {**os.environ, **cli.env}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("AIRLOCK_LOG_FORMAT", None)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    scraper = {"Authorization": f"Bearer {scrape_token.out.strip()}"}
    log_path = tmp_path / "gateway.log"
    during: list[int] = []
    with log_path.open("w") as log:
        server = serve_process(env, port, 2, log)
        try:
            deadline = time.monotonic() + 60
            while log_path.read_text().count("Application startup complete") < 2:
                assert time.monotonic() < deadline, log_path.read_text()
                assert server.poll() is None, log_path.read_text()
                time.sleep(0.1)
            assert httpx.get(url + "/metrics").status_code == 401
            assert (
                httpx.get(url + "/metrics", headers={"Authorization": "Bearer x"}).status_code
                == 401
            )
            done = threading.Event()

            def scrape_while_loaded() -> None:
                while not done.is_set():
                    during.append(httpx.get(url + "/metrics", headers=scraper).status_code)
                    time.sleep(0.05)

            watcher = threading.Thread(target=scrape_while_loaded)
            watcher.start()
            try:
                outcomes = export_from_threads([url], token, threads=6, each=4)
            finally:
                done.set()
                watcher.join()
            # Consecutive scrapes land on either worker; each must report the whole gateway.
            scrapes = [
                _samples(httpx.get(url + "/metrics", headers=scraper).text) for _ in range(6)
            ]
        finally:
            server.terminate()
            server.wait(timeout=20)
    assert during and set(during) == {200}
    ledger = [json.loads(x)["record"] for x in cli("ledger", "export").out.splitlines()]
    decided = Counter(r["outcome"] for r in ledger if r["kind"] == "export.decision")
    assert decided == Counter(outcomes) and sum(decided.values()) == 24
    # The two unauthenticated scrapes are counted and written as summaries when the gateway
    # stops (issue 14), after the last scrape: the gauge saw the ledger without them.
    summaries = [
        r
        for r in ledger
        if r["kind"] == "access.refused" and r["details"].get("coalesced") == "summary"
    ]
    assert {r["subject"] for r in summaries} == {"GET /metrics"}
    at_scrape = len(ledger) - len(summaries)
    for samples in scrapes:
        for outcome in ("allow", "deny"):
            key = ("airlock_decisions_total", (("kind", "export"), ("outcome", outcome)))
            assert samples[key] == decided[outcome]
        assert samples[("airlock_decision_seconds_count", (("kind", "export"),))] == 24
        assert samples[("airlock_inspected_requests_total", (("kind", "export"),))] == 24
        assert samples[("airlock_ledger_entries", ())] == at_scrape
        released = samples[("airlock_released_bytes_total", (("kind", "export"),))]
        assert released == 1000 * decided["allow"]
        budget = (("scope", "enclave"), ("subject", "*"))
        assert samples[("airlock_budget_limit_bytes", budget)] == 10000
        assert samples[("airlock_budget_used_bytes", budget)] == 1000 * decided["allow"]
    # The log, written off a terminal, is JSON lines; decisions name principal and outcome.
    events = [json.loads(line) for line in log_path.read_text().splitlines()]
    decisions = [e for e in events if e.get("message") == "export decided"]
    assert len(decisions) == 24
    assert {e["principal"] for e in decisions} == {"rita"}
    assert Counter(e["outcome"] for e in decisions) == decided
    assert all(len(e["request_id"]) == 16 for e in decisions)
