"""A compromised upstream cannot stream tokens that the gateway then fails to log, over
real HTTP on 127.0.0.1 (docs/adr/0058).

A stream's tokens leave as they arrive; its transcript is written after the last one. Any
reason the transcript cannot be written that the upstream controls, and that is only
found at the end, let a whole stream reach the caller with no transcript: never
committed, never replayed. Three such reasons: no prompt token ids at all (the transcript
has no prompt to replay from), prompt token ids too many for a transcript (a transcript
is at most a ledger record's 256 KiB), and negative ids in the ``token_id:N`` form. Now
each is found before the first token leaves, and the stream ends with the fixed error
event instead.

Also here: an upstream that answers with a redirect. The gateway's HTTP client followed
it, sending the caller's forced request to wherever the upstream named (another host the
gateway reaches and the upstream may not) and relaying that host's answer. And one that
answers compressed: the client asked for gzip and inflated whatever came, before any of
the gateway's bounds saw a byte (a thousandfold, for gzip).
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from airlock.budgets.limits import ENCLAVE_SUBJECT, BudgetScope
from airlock.domain.principals import Role
from airlock.service import Actor, Airlock
from tests.support.gateway import CliRunner, Gateway
from tests.support.openai_upstream import serve_outputs, start_upstream
from tests.support.waiting import wait_until

TOKENS = list(range(65, 81))
TEXT = bytes(TOKENS).decode()
KEY = (BudgetScope.TOKENS_ENCLAVE, ENCLAVE_SUBJECT)


def _charged(airlock: Airlock) -> int:
    """Counted against the enclave's token budget, less what leases hold unused."""
    operator = Actor.local_operator()
    used = {b.key: n for b, n in airlock.budget_usage(operator)}
    return used[KEY] - airlock.budget_leased(operator).get(KEY, 0)


def _slow_upstream() -> FastAPI:
    """Streams 16 tokens, one event every 50 ms."""
    app = FastAPI()

    @app.post("/v1/completions")
    async def completions() -> Response:
        async def events() -> Any:
            for i, token in enumerate(TOKENS):
                choice: dict[str, Any] = {"index": 0, "text": chr(token), "token_ids": [token]}
                if i == 0:
                    choice["prompt_token_ids"] = [1, 2, 3]
                yield f"data: {json.dumps({'choices': [choice]})}\n\n".encode()
                await asyncio.sleep(0.05)
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


def _streaming_upstream(prompt_ids: list[int] | None, *, negative: bool = False) -> FastAPI:
    """Streams honest-looking tokens; ``prompt_ids`` in its first event (None: never);
    with ``negative``, each token's id as ``token_id:-N`` in its log-probs instead."""
    app = FastAPI()

    @app.post("/v1/completions")
    async def completions(request: Request) -> Response:
        asked = await request.json()
        assert asked.get("stream")

        async def events() -> Any:
            for i, token in enumerate(TOKENS):
                choice: dict[str, Any] = {"index": 0, "text": chr(token), "token_ids": [token]}
                if negative:
                    del choice["token_ids"]
                    choice["logprobs"] = {"tokens": [f"token_id:-{token}"]}
                if i == 0 and prompt_ids is not None:
                    choice["prompt_token_ids"] = prompt_ids
                yield f"data: {json.dumps({'choices': [choice]})}\n\n".encode()
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


def _redirecting_upstream(target: str) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/completions")
    async def completions() -> Response:
        return RedirectResponse(target + "/v1/completions", status_code=307)

    return app


def _elsewhere() -> FastAPI:
    """What the redirect points at: answers anything, with a marker in its text."""
    app = FastAPI()

    @app.post("/v1/completions")
    async def completions() -> Response:
        choice = {"index": 0, "text": "ELSEWHERE", "token_ids": [69] * 9, "finish_reason": "stop"}
        return JSONResponse({"choices": [choice | {"prompt_token_ids": [1, 2, 3]}]})

    return app


def _gzip_upstream() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/completions")
    async def completions() -> Response:
        choice = {"index": 0, "text": "ABC", "token_ids": [65, 66, 67], "finish_reason": "stop"}
        document = {"choices": [choice | {"prompt_token_ids": [1, 2, 3]}]}
        body = gzip.compress(json.dumps(document).encode())
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        return Response(body, headers=headers)

    return app


def _serve(cli: CliRunner, tmp_path: Path, url: str) -> Iterator[tuple[Gateway, str]]:
    for gateway, tokens in serve_outputs(cli, tmp_path, url):
        yield gateway, tokens[Role.RESEARCHER]


def _stream(gateway: Gateway, token: str, prompt: object) -> bytes:
    body = {"max_tokens": 16, "stream": True, "prompt": prompt}
    with gateway.client(token) as http, http.stream("POST", "/v1/completions", json=body) as r:
        return r.read()


def _relayed_text(raw: bytes) -> str:
    text = ""
    for line in raw.split(b"\n"):
        if line.startswith(b"data: {") and b'"choices"' in line:
            text += json.loads(line[6:])["choices"][0]["text"]
    return text


@pytest.mark.parametrize(
    ("prompt_ids", "negative"),
    [(None, False), (list(range(60_000)), False), ([1, 2, 3], True)],
    ids=["no-prompt-ids", "prompt-too-long-to-log", "negative-token-ids"],
)
def test_no_streamed_token_leaves_that_the_gateway_cannot_log(
    initialised_cli: CliRunner, tmp_path: Path, prompt_ids: list[int] | None, negative: bool
) -> None:
    for url in start_upstream(_streaming_upstream(prompt_ids, negative=negative)):
        for gateway, token in _serve(initialised_cli, tmp_path, url):
            raw = _stream(gateway, token, "hello")
            relayed = _relayed_text(raw)
            logged = gateway.airlock.output_metrics().totals
            # Every token that reached the caller is in a transcript (before: all 16 left,
            # and none was logged).
            assert not relayed or logged.tokens >= len(relayed), (relayed, logged)
            assert relayed == ""
            assert b'"type": "SourceError"' in raw


def test_an_empty_list_of_prompt_ids_is_refused(initialised_cli: CliRunner, tmp_path: Path) -> None:
    """An empty token-id prompt left the prompt to the upstream's word (``()`` is false)."""
    for url in start_upstream(_streaming_upstream([1, 2, 3])):
        for gateway, token in _serve(initialised_cli, tmp_path, url):
            with gateway.client(token) as http:
                answer = http.post("/v1/completions", json={"prompt": [], "max_tokens": 4})
            assert answer.status_code == 400, answer.text
            assert "empty" in answer.text


def test_a_redirect_from_the_upstream_is_not_followed(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    for elsewhere in start_upstream(_elsewhere()):
        for url in start_upstream(_redirecting_upstream(elsewhere)):
            for gateway, token in _serve(initialised_cli, tmp_path, url):
                with gateway.client(token) as http:
                    answer = http.post(
                        "/v1/completions", json={"prompt": [1, 2, 3], "max_tokens": 16}
                    )
                    assert answer.status_code >= 500, answer.text
                    assert "ELSEWHERE" not in answer.text
                    raw = _stream(gateway, token, [1, 2, 3])
                    assert b"ELSEWHERE" not in raw


def test_a_compressed_answer_is_refused_not_inflated(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    for url in start_upstream(_gzip_upstream()):
        for gateway, token in _serve(initialised_cli, tmp_path, url):
            with gateway.client(token) as http:
                body = {"prompt": [1, 2, 3], "max_tokens": 16}
                answer = http.post("/v1/completions", json=body)
            assert answer.status_code == 503, answer.text
            assert "ABC" not in answer.text


def test_a_caller_that_leaves_mid_stream_is_charged_the_whole_reservation_and_logged(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    """The tokens relayed before the caller hung up are in a transcript, and the budgets
    keep the stream's whole reservation (what left cannot be known exactly)."""
    for url in start_upstream(_slow_upstream()):
        for gateway, token in _serve(initialised_cli, tmp_path, url):
            body = {"max_tokens": 16, "stream": True, "prompt": [1, 2, 3]}
            received = ""
            with (
                gateway.client(token) as http,
                http.stream("POST", "/v1/completions", json=body) as r,
            ):
                for line in r.iter_lines():
                    if line.startswith("data: {"):
                        received += json.loads(line[6:])["choices"][0]["text"]
                    if len(received) >= 3:
                        break  # the caller hangs up after three tokens
            airlock = gateway.airlock
            wait_until(
                lambda: airlock.output_metrics().totals.responses == 1,  # noqa: B023 -- called here
                "the partial stream's transcript",
            )
            logged = airlock.output_metrics().totals
            assert len(received) <= logged.tokens < len(TOKENS)
            assert _charged(airlock) == 16  # the whole reservation
