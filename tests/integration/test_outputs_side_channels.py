"""A compromised upstream cannot send bytes around the verified tokens, over real HTTP on
127.0.0.1 (issue 20; docs/adr/0056).

The attacker is the inference server itself. It answers with honest token ids and text,
and puts its payload where an OpenAI-compatible answer has room: the response's ``id``,
``system_fingerprint``, ``usage``, an extra member of the answer or of the choice, vLLM's
``stop_reason``, a chat message's ``reasoning_content`` or ``tool_calls``, a streamed
event's delta, or the finish reason itself. Before, every one of those reached the caller
uncounted, unlogged and never replayed. Now the caller's answer is composed by the gateway
from what it counted and logged, so the payload is nowhere in the bytes the caller gets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from airlock.domain.principals import Role
from tests.support.gateway import CliRunner, Gateway
from tests.support.openai_upstream import serve_outputs, start_upstream

TOKENS = list(range(65, 81))
TEXT = bytes(TOKENS).decode()
PAYLOAD = "W8" + "0123456789abcdef" * 256  # 4 KiB standing in for a slice of weights
MARK = b"W80123456789abcdef"


def _smuggling_upstream(
    finish_reason: str = "length", text: str = TEXT, tokens: list[int] = TOKENS
) -> FastAPI:
    app = FastAPI()

    def extras() -> dict[str, Any]:
        return {
            "id": PAYLOAD,
            "system_fingerprint": PAYLOAD,
            "usage": {"prompt_tokens": 3, "completion_tokens": 16, "note": PAYLOAD},
            "kv_transfer_params": PAYLOAD,
        }

    def choice(chat: bool, text: str, tokens: list[int], *, delta: bool) -> dict[str, Any]:
        holder: dict[str, Any] = {"role": "assistant", "content": text}
        holder["reasoning_content"] = PAYLOAD
        holder["tool_calls"] = [{"id": PAYLOAD, "function": {"arguments": PAYLOAD}}]
        body: dict[str, Any] = {"index": 0, "token_ids": tokens, "stop_reason": PAYLOAD}
        body |= {"prompt_token_ids": [1, 2, 3], "extra": PAYLOAD}
        if chat:
            body["delta" if delta else "message"] = holder
        else:
            body["text"] = text
        return body

    async def answer(request: Request, chat: bool) -> Any:
        asked = await request.json()
        if not asked.get("stream"):
            whole = choice(chat, text, tokens, delta=False) | {"finish_reason": finish_reason}
            return extras() | {"choices": [whole]}

        async def events() -> Any:
            for i, token in enumerate(tokens):
                one = choice(chat, chr(token) if text == TEXT else text, [token], delta=True)
                one["finish_reason"] = finish_reason if i == len(tokens) - 1 else None
                yield f"data: {json.dumps(extras() | {'choices': [one]})}\n\n".encode()
            yield f"data: {json.dumps(extras() | {'choices': []})}\n\n".encode()
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.post("/v1/completions")
    async def completions(request: Request) -> Any:
        return await answer(request, chat=False)

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Any:
        return await answer(request, chat=True)

    return app


def _serve(cli: CliRunner, tmp_path: Path, url: str) -> Iterator[tuple[Gateway, str]]:
    for gateway, tokens in serve_outputs(cli, tmp_path, url):
        yield gateway, tokens[Role.RESEARCHER]


@pytest.fixture
def smuggled(initialised_cli: CliRunner, tmp_path: Path) -> Iterator[tuple[Gateway, str]]:
    for url in start_upstream(_smuggling_upstream()):
        yield from _serve(initialised_cli, tmp_path, url)


@pytest.fixture
def odd_finish(initialised_cli: CliRunner, tmp_path: Path) -> Iterator[tuple[Gateway, str]]:
    for url in start_upstream(_smuggling_upstream(finish_reason=PAYLOAD[:64])):
        yield from _serve(initialised_cli, tmp_path, url)


@pytest.fixture
def wordy(initialised_cli: CliRunner, tmp_path: Path) -> Iterator[tuple[Gateway, str]]:
    for url in start_upstream(_smuggling_upstream(text=PAYLOAD[:400], tokens=TOKENS[:2])):
        yield from _serve(initialised_cli, tmp_path, url)


def _ask(gateway: Gateway, token: str, chat: bool, stream: bool) -> tuple[int, bytes]:
    path = "/v1/chat/completions" if chat else "/v1/completions"
    body: dict[str, Any] = {"max_tokens": 16, "stream": stream}
    body |= {"messages": [{"role": "user", "content": "hi"}]} if chat else {"prompt": [1, 2, 3]}
    with gateway.client(token) as http, http.stream("POST", path, json=body) as answer:
        return answer.status_code, answer.read()


@pytest.mark.parametrize("chat", [False, True], ids=["completions", "chat"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_nothing_but_the_counted_text_leaves(
    smuggled: tuple[Gateway, str], chat: bool, stream: bool
) -> None:
    gateway, token = smuggled
    status, raw = _ask(gateway, token, chat, stream)
    assert status == 200, raw[:300]
    assert MARK not in raw
    assert len(raw) < 8 * 1024  # the 16 tokens and the gateway's own framing, no more
    if not stream:
        document = json.loads(raw)
        choice = document["choices"][0]
        assert (choice["message"]["content"] if chat else choice["text"]) == TEXT
        assert document["usage"]["completion_tokens"] == len(TOKENS)
        assert document["id"].endswith(document["airlock"]["request"])
    else:
        assert raw.count(b"data: {") == len(TOKENS)  # the upstream's usage-only event: not relayed
        assert b"airlock transcript=" in raw


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_a_finish_reason_that_is_not_stop_or_length_is_not_sent(
    odd_finish: tuple[Gateway, str], stream: bool
) -> None:
    gateway, token = odd_finish
    status, raw = _ask(gateway, token, chat=False, stream=stream)
    assert MARK not in raw
    if not stream:
        assert status >= 500
    else:
        assert b'"type": "SourceError"' in raw  # the stream ends there, its text cut short


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_text_beyond_max_bytes_per_token_for_the_tokens_sent_is_not_sent(
    wordy: tuple[Gateway, str], stream: bool
) -> None:
    """Two token ids with 400 bytes of text each (within the 16 x 64 bytes reserved for
    a plain answer, but 200 or 400 bytes a token): the text is not replayed, so it may
    only be as long as the tokens that are allow."""
    gateway, token = wordy
    status, raw = _ask(gateway, token, chat=False, stream=stream)
    assert MARK not in raw
    assert status >= 500 if not stream else b'"type": "SourceError"' in raw
