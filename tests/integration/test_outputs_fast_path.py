"""The inference endpoints' fast path (airlock.api.fast_outputs) over real HTTP: served in
front of the router, it keeps every guarantee of the router's path: the permission gate,
the error table, request ids, the body limit, a revoked token refused within the cache's
freshness, and an unreachable upstream failing closed with the ledger consistent."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from airlock.api.app import MAX_JSON_BODY_BYTES
from airlock.budgets.limits import ENCLAVE_SUBJECT, BudgetScope
from airlock.domain.principals import Role
from airlock.outputs.relay import UPSTREAM_FAILED
from airlock.service import FRESHNESS_SECONDS, Actor, Airlock
from tests.support.gateway import CliRunner, Gateway, free_port
from tests.support.openai_upstream import serve_outputs, start_upstream

TOKENS = list(range(65, 81))
BODY = {"prompt": [1, 2, 3], "max_tokens": 16}
KEY = (BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT)


def charged(airlock: Airlock) -> int:
    """Counted against the enclave's token budget, less what budget leases hold unused."""
    operator = Actor.local_operator()
    used = {b.key: n for b, n in airlock.budget_usage(operator)}
    return used[KEY] - airlock.budget_leased(operator).get(KEY, 0)


def _upstream() -> object:
    from fastapi import FastAPI  # noqa: PLC0415

    app = FastAPI()

    @app.post("/v1/completions")
    async def complete() -> dict[str, object]:
        choice = {
            "index": 0,
            "text": bytes(TOKENS).decode(),
            "token_ids": TOKENS,
            "prompt_token_ids": [1, 2, 3],
        }
        return {"id": "x", "object": "text_completion", "choices": [choice]}

    return app


def _serve(cli: CliRunner, tmp_path: Path, url: str) -> Iterator[tuple[Gateway, dict[Role, str]]]:
    yield from serve_outputs(cli, tmp_path, url, (Role.RESEARCHER, Role.AUDITOR))


@pytest.fixture
def served(initialised_cli: CliRunner, tmp_path: Path) -> Iterator[tuple[Gateway, dict[Role, str]]]:
    for url in start_upstream(_upstream()):  # type: ignore[arg-type]
        yield from _serve(initialised_cli, tmp_path, url)


def test_the_gate_the_error_table_and_request_ids_hold(
    served: tuple[Gateway, dict[Role, str]],
) -> None:
    gateway, tokens = served
    with gateway.client() as anonymous:
        refused = anonymous.post("/v1/completions", json=BODY)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == "Bearer"
        assert refused.json()["error"]["type"] == "AuthenticationRequired"
        assert len(refused.headers["X-Request-Id"]) == 16
        # Other methods are the router's: 405, not served by the fast path.
        assert anonymous.get("/v1/completions").status_code == 405
    with gateway.client(tokens[Role.AUDITOR]) as auditor:
        denied = auditor.post("/v1/chat/completions", json={"messages": []})
        assert denied.status_code == 403
        assert "generate model outputs" in denied.json()["error"]["message"]
    with gateway.client(tokens[Role.RESEARCHER]) as rita:
        answer = rita.post("/v1/completions", json=BODY, headers={"X-Request-Id": "abc-1"})
        assert answer.status_code == 200, answer.text
        assert answer.headers["X-Request-Id"] == "abc-1"
        document = answer.json()
        assert document["choices"][0]["text"] == bytes(TOKENS).decode()
        assert "token_ids" not in answer.text  # stripped: a channel the verifier does not score
        assert len(document["airlock"]["transcript"]) == 64
        not_json = rita.post("/v1/completions", content=b"{", headers={"X-Request-Id": "abc-2"})
        assert not_json.status_code == 400 and not_json.headers["X-Request-Id"] == "abc-2"
        deep = rita.post("/v1/completions", content=b"[" * 200_000 + b"]" * 200_000)
        assert deep.status_code == 400, deep.text  # before: RecursionError, a 500
        too_large = rita.post("/v1/completions", content=b" " * (MAX_JSON_BODY_BYTES + 1))
        assert too_large.status_code == 413
    assert gateway.airlock.output_metrics().totals.responses == 1
    assert charged(gateway.airlock) == len(TOKENS)


def test_a_revoked_token_is_refused_within_the_cache_freshness(
    served: tuple[Gateway, dict[Role, str]],
) -> None:
    gateway, tokens = served
    with gateway.client(tokens[Role.RESEARCHER]) as rita:
        assert rita.post("/v1/completions", json=BODY).status_code == 200  # now cached
        revoked = gateway.airlock.revoke_tokens(Actor.local_operator(), "the-researcher")
        assert revoked == 1
        time.sleep(FRESHNESS_SECONDS + 0.1)
        refused = rita.post("/v1/completions", json=BODY)
        assert refused.status_code == 401, refused.text


def test_an_unreachable_upstream_fails_closed_and_gives_the_reservation_back(
    initialised_cli: CliRunner, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    nothing_listens = f"http://127.0.0.1:{free_port()}"
    for gateway, tokens in _serve(initialised_cli, tmp_path, nothing_listens):
        with gateway.client(tokens[Role.RESEARCHER]) as rita:
            answer = rita.post("/v1/completions", json=BODY)
            assert answer.status_code == 503, answer.text
            error = answer.json()["error"]
            # The caller is told the same whatever went wrong (an upstream's words would be
            # a channel: docs/adr/0056); the operator's log says what.
            assert error["type"] == "SourceError" and error["message"] == UPSTREAM_FAILED
            assert "the inference upstream is unreachable" in caplog.text
            streamed = rita.post("/v1/completions", json=BODY | {"stream": True})
            assert streamed.status_code == 200  # the head left before the upstream was asked
            assert "upstream failed" in streamed.text and "[DONE]" not in streamed.text
        airlock = gateway.airlock
        # the stream never reached its upstream, so its reservation was never recorded and
        # nothing left: it goes back too (with leases, the default)
        assert charged(airlock) == 0
        assert airlock.output_metrics().totals.responses == 0
