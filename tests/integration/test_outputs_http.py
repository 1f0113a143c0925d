"""The model-output channel end to end over real HTTP on 127.0.0.1 (issue 20 acceptance).

An in-test OpenAI-compatible upstream serves a tiny transformers model (fixed random
weights, built here) with the airlock-gumbel-v1 sampler; `airlock serve`'s app sits in
front of it; callers use the gateway's bearer tokens; `airlock outputs verify` replays on
the same model saved to disk.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from airlock.budgets.limits import ENCLAVE_SUBJECT, Budget, BudgetScope
from airlock.domain.principals import Role
from airlock.outputs.adversary import NearTieEncoder
from airlock.outputs.reference import model_digest
from airlock.service import Actor, Airlock
from airlock.settings import Settings
from tests.support.gateway import CliRunner, Gateway, start_gateway
from tests.support.openai_upstream import (
    build_upstream,
    chat_prompt,
    need_torch,
    save_tiny_model,
    start_upstream,
)

MODEL = "tiny-gpt2"
TOLERANCE = "0.001"  # CPU float32 replay vs a KV-cached generation differs by ~1e-6


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    need_torch()
    directory = tmp_path_factory.mktemp("model") / "tiny"
    return directory, save_tiny_model(directory)


def _gateway(
    cli: CliRunner,
    model_dir: tuple[Path, Any],
    chooser_for: Callable[[], Any] | None,
    *,
    tokens_limit: int = 10_000_000,
) -> Iterator[tuple[Gateway, str]]:
    directory, model = model_dir
    for url in start_upstream(build_upstream(model, chooser_for)):
        config = cli.home / "config.toml"
        config.write_text(
            config.read_text()
            + "\n[outputs]\n"
            + f'upstream_url = "{url}"\nmodel = "{MODEL}"\n'
            + f'model_digest = "{model_digest(directory)}"\nmax_tokens = 512\n'
            + f"logit_tolerance = {TOLERANCE}\nlock_bits = 8\nbatch_seconds = 1\n"
        )
        airlock = Airlock.from_settings(Settings.load(cli.env, cli.home))
        admin = Actor.local_operator()
        window = timedelta(days=1)
        airlock.set_budget(
            admin, Budget(BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT, tokens_limit, window)
        )
        airlock.set_budget(
            admin, Budget(BudgetScope.OUTPUT_ENCLAVE, ENCLAVE_SUBJECT, 10**9, window)
        )
        rita = airlock.add_principal(admin, "rita", Role.RESEARCHER)
        try:
            for gateway in start_gateway(airlock):
                yield gateway, rita.token
        finally:
            airlock.close()


def _complete(http: httpx.Client, i: int, tokens: int, stream: bool) -> str:
    """One request (completions or chat by parity); returns the transcript digest."""
    chat = i % 2 == 1
    body: dict[str, Any] = {"model": MODEL, "max_tokens": tokens, "temperature": 0.7 + i % 3 / 10}
    if chat:
        body["messages"] = [{"role": "user", "content": f"question {i}"}]
    else:
        body["prompt"] = f"prompt number {i}: "
    path = "/v1/chat/completions" if chat else "/v1/completions"
    if not stream:
        answer = http.post(path, json=body)
        assert answer.status_code == 200, answer.text
        document = answer.json()
        assert "token_ids" not in document["choices"][0]  # a second channel, stripped
        assert document["choices"][0]["logprobs"] is None
        return str(document["airlock"]["transcript"])
    with http.stream("POST", path, json=body | {"stream": True}) as answer:
        assert answer.status_code == 200, answer.read()
        assert answer.headers["X-Airlock-Seed"].isdigit()
        digest, pieces = "", 0
        for line in answer.iter_lines():
            if line.startswith(": airlock transcript="):
                digest = line.split("=", 1)[1]
            elif line.startswith("data: {"):
                event = json.loads(line[6:])
                for choice in event["choices"]:
                    assert "token_ids" not in choice
                    pieces += 1
        assert pieces >= tokens
        assert digest
        return digest


@pytest.mark.slow
def test_honest_upstream_passes_verification_at_10000_tokens(
    initialised_cli: CliRunner, model_dir: tuple[Path, Any]
) -> None:
    for gateway, token in _gateway(initialised_cli, model_dir, None):
        with gateway.client(token) as http:
            http.timeout = httpx.Timeout(120)
            digests = [_complete(http, i, 256, stream=i % 4 == 3) for i in range(40)]
            unauthenticated = httpx.post(gateway.url + "/v1/completions", json={"prompt": "x"})
            assert unauthenticated.status_code == 401
    result = initialised_cli(
        "outputs", "verify", "--model-dir", str(model_dir[0]), "--fraction", "1", "--json"
    )
    assert result.code == 0, result.err + result.out
    report = json.loads(result.out)
    assert report["replayed"] == 40 and report["unverifiable"] == 0
    assert report["replayed_tokens"] >= 10_000
    assert report["unexplained_tokens"] == [] and report["locks"] == []
    assert report["callers"]["rita"]["unexplained_bits"] == 0
    # a response is provably in the log, offline
    proof = initialised_cli.home.parent / "proof.json"
    assert initialised_cli("outputs", "prove", digests[3], "-o", str(proof)).code == 0
    key = initialised_cli("ledger", "key").out.strip()
    checked = initialised_cli("outputs", "verify-proof", str(proof), "--key", key)
    assert checked.code == 0 and "valid" in checked.out, checked.err
    metrics = initialised_cli("metrics")
    assert "output tokens served" in metrics.out and "100.0% of tokens" in metrics.out


@pytest.mark.slow
def test_dishonest_upstream_is_detected_and_locked(
    initialised_cli: CliRunner, model_dir: tuple[Path, Any]
) -> None:
    encoders: list[NearTieEncoder] = []

    def chooser() -> NearTieEncoder:
        encoders.append(NearTieEncoder(b"weights!", gap=0.3))
        return encoders[-1]

    for gateway, token in _gateway(initialised_cli, model_dir, chooser):
        with gateway.client(token) as http:
            http.timeout = httpx.Timeout(120)
            for i in range(8):
                _complete(http, i, 128, stream=i % 2 == 0)
        result = initialised_cli(
            "outputs", "verify", "--model-dir", str(model_dir[0]), "--fraction", "1", "--json"
        )
        assert result.code == 11, result.err + result.out
        report = json.loads(result.out)
        hidden = sum(e.hidden_bits for e in encoders)
        positions = sum(e.positions for e in encoders)
        assert hidden > 0
        assert report["callers"]["rita"]["unexplained_bits"] >= 8
        assert sorted(report["locks"]) == ["principal:rita", "upstream:upstream"]
        assert report["unexplained_tokens"], "the tokens that did not fit are shown"
        # what it could still hide undetected: the near-tie capacity within the tolerance
        capacity = report["callers"]["rita"]["capacity_bits"] / report["replayed_tokens"]
        print(f"hidden {hidden / positions:.3f} bits/token; undetected capacity {capacity:.5f}")
        assert capacity < 0.01
        with gateway.client(token) as http:
            locked = http.post("/v1/completions", json={"prompt": "again", "max_tokens": 4})
            assert locked.status_code == 403 and "locked" in locked.text


@pytest.mark.slow
def test_output_token_budget_holds_exactly_under_concurrency(
    initialised_cli: CliRunner, model_dir: tuple[Path, Any]
) -> None:
    limit, each = 300, 10
    statuses: list[int] = []
    lock = threading.Lock()
    for gateway, token in _gateway(initialised_cli, model_dir, None, tokens_limit=limit):

        def client(gateway: Gateway, token: str) -> None:
            with gateway.client(token) as http:
                http.timeout = httpx.Timeout(120)
                for _ in range(6):
                    answer = http.post(
                        "/v1/completions", json={"prompt": [1, 2, 3], "max_tokens": each}
                    )
                    with lock:
                        statuses.append(answer.status_code)

        threads = [threading.Thread(target=client, args=(gateway, token)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses.count(200) == limit // each
        assert statuses.count(403) == len(statuses) - limit // each
        airlock = gateway.airlock
        assert airlock.output_metrics().totals.tokens == limit


def test_chat_prompt_is_the_upstreams() -> None:
    assert chat_prompt([{"role": "user", "content": "a"}])[:6] == list(b"<user>")


def test_a_response_that_cannot_be_logged_never_reaches_the_caller(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    from fastapi import FastAPI  # noqa: PLC0415

    app = FastAPI()

    @app.post("/v1/completions")
    async def no_token_ids() -> dict[str, object]:
        return {"choices": [{"index": 0, "text": "secret weights here"}]}

    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "w.bin").write_bytes(b"w")
    for url in start_upstream(app):
        config = initialised_cli.home / "config.toml"
        config.write_text(
            config.read_text()
            + f'\n[outputs]\nupstream_url = "{url}"\nmodel = "{MODEL}"\n'
            + f'model_digest = "{model_digest(tmp_path / "m")}"\n'
        )
        airlock = Airlock.from_settings(Settings.load(initialised_cli.env, initialised_cli.home))
        try:
            admin = Actor.local_operator()
            rita = airlock.add_principal(admin, "rita", Role.RESEARCHER)
            for gateway in start_gateway(airlock):
                with gateway.client(rita.token) as http:
                    refused = http.post("/v1/completions", json={"prompt": "x"})
                    assert refused.status_code == 400 and "budget" in refused.text  # none set
                    window = timedelta(days=1)
                    for scope in (BudgetScope.TOKENS_ENCLAVE, BudgetScope.OUTPUT_ENCLAVE):
                        airlock.set_budget(admin, Budget(scope, ENCLAVE_SUBJECT, 10**6, window))
                    answer = http.post("/v1/completions", json={"prompt": "x"})
                    assert answer.status_code == 503, answer.text
                    assert "secret" not in answer.text
            now = airlock.ledger.now()
            key = (BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT)
            assert airlock._store.budgets.used(key, now) == 0  # the reservation went back
            assert airlock.output_metrics().totals.responses == 0
        finally:
            airlock.close()
