"""`airlock serve --workers 2` in front of an upstream: the output-token budget holds
exactly across the two processes (lazy commits, one shared flush), and every response a
caller got has its transcript (issue 20; docs/adr/0020)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from airlock.budgets.limits import ENCLAVE_SUBJECT, BudgetScope
from airlock.outputs.reference import model_digest
from airlock.service import Airlock
from airlock.settings import Settings
from tests.support.gateway import CliRunner, free_port, serve_process
from tests.support.openai_upstream import start_upstream
from tests.support.waiting import wait_until

TOKENS = list(range(65, 75))  # every response: 10 tokens


def _upstream() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/completions")
    async def complete(request: Request) -> Response:
        body: dict[str, Any] = json.loads(await request.body())
        choice: dict[str, Any] = {"index": 0, "token_ids": TOKENS, "prompt_token_ids": [1]}
        if not body.get("stream"):
            return JSONResponse({"choices": [choice | {"text": bytes(TOKENS).decode()}]})

        async def events() -> Any:
            for token in TOKENS:
                event = {"choices": [choice | {"text": chr(token), "token_ids": [token]}]}
                yield b"data: " + json.dumps(event).encode() + b"\n\n"
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


def _both_started(log: Path) -> Callable[[], bool]:
    return lambda: log.read_text().count("Application startup complete") >= 2


def _eight_clients(url: str, token: str) -> tuple[list[int], list[str]]:
    """Eight threads, half of them streaming, six requests of 10 tokens each."""
    statuses: list[int] = []
    digests: list[str] = []
    lock = threading.Lock()

    def client(stream: bool) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        body = {"prompt": [1], "max_tokens": 10, "stream": stream}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            for _ in range(6):
                answer = http.post("/v1/completions", json=body)
                digest = ""
                for line in answer.text.splitlines():
                    if line.startswith(": airlock transcript="):
                        digest = line.split("=", 1)[1]
                if answer.status_code == 200 and not stream:
                    digest = answer.json()["airlock"]["transcript"]
                with lock:
                    statuses.append(answer.status_code)
                    if digest:
                        digests.append(digest)

    threads = [threading.Thread(target=client, args=(i % 2 == 0,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses, digests


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("window", [0, 20])
def test_two_workers_share_the_output_token_budget_exactly(
    cli: CliRunner, tmp_path: Path, request: pytest.FixtureRequest, backend: str, window: int
) -> None:
    """One reservation per request (``lease_requests = 0``): every token of the budget is
    served, none more. With leases a worker's idle block is refused to the other worker's
    clients until it returns (docs/adr/0020 decision 6), so the count of 200s varies; that
    is the test below."""
    statuses, digests = _serve_48(cli, tmp_path, request, backend, window, leases=0)
    assert statuses.count(200) == 30, statuses
    assert statuses.count(403) == 18
    assert len(set(digests)) == 30  # every response that left has its transcript
    _check_log(cli, digests, tokens=300)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_workers_with_leases_never_pass_the_budget_and_return_their_blocks(
    cli: CliRunner, tmp_path: Path, request: pytest.FixtureRequest, backend: str
) -> None:
    statuses, digests = _serve_48(cli, tmp_path, request, backend, 20, leases=16)
    served = statuses.count(200)
    assert 0 < served <= 30 and served + statuses.count(403) == 48, statuses
    assert len(set(digests)) == served  # every response that left has its transcript
    _check_log(cli, digests, tokens=10 * served)
    # the workers gave their blocks back at shutdown: the budget counts what was served
    airlock = Airlock.from_settings(Settings.load(cli.env, cli.home))
    try:
        now = airlock.ledger.now()
        key = (BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT)
        assert airlock._store.budgets.used(key, now) == 10 * served
        assert not airlock._store.leases.leases(open_only=True)
    finally:
        airlock.close()


def _serve_48(
    cli: CliRunner,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    backend: str,
    window: int,
    *,
    leases: int,
) -> tuple[list[int], list[str]]:
    """Two workers, a 300-token budget, eight clients asking 48 responses of 10 tokens."""
    env = {**os.environ, "AIRLOCK_HOME": str(cli.home)}
    if backend == "postgresql":
        env["AIRLOCK_DATABASE_URL"] = request.getfixturevalue("postgres_url")
        cli.env["AIRLOCK_DATABASE_URL"] = env["AIRLOCK_DATABASE_URL"]
    assert cli("init").code == 0
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "w.bin").write_bytes(b"w")
    assert cli("budget", "set", "tokens-enclave", "--bytes", "300").code == 0
    assert cli("budget", "set", "output-enclave", "--bytes", str(10**9)).code == 0
    token = cli("principal", "add", "rita", "--role", "researcher").out.strip()
    statuses: list[int] = []
    digests: list[str] = []
    for upstream in start_upstream(_upstream()):
        config = cli.home / "config.toml"
        config.write_text(
            config.read_text()
            + f'\n[outputs]\nupstream_url = "{upstream}"\nmodel = "m"\n'
            + f'model_digest = "{model_digest(tmp_path / "model")}"\nmax_tokens = 64\n'
            + f"batch_seconds = 1\nflush_window_ms = {window}\nlease_requests = {leases}\n"
        )
        port, log_path = free_port(), tmp_path / "gateway.log"
        with log_path.open("w") as log:
            server = serve_process(env, port, 2, log)
            try:
                url = f"http://127.0.0.1:{port}"
                wait_until(_both_started(log_path), "both workers to start")
                statuses, digests = _eight_clients(url, token)
            finally:
                server.terminate()
                server.wait(timeout=30)
    return statuses, digests


def _check_log(cli: CliRunner, digests: list[str], tokens: int) -> None:
    airlock = Airlock.from_settings(Settings.load(cli.env, cli.home))
    try:
        totals = airlock.output_metrics().totals
        assert totals.responses == len(digests) and totals.tokens == tokens
        for digest in digests:
            airlock.output_proof(digest)  # committed to the ledger, provable
    finally:
        airlock.close()
    assert cli("ledger", "verify").code == 0
