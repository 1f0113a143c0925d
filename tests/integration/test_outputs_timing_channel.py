"""A compromised upstream that hides bits in *when* it answers, over real HTTP on 127.0.0.1
(issue 20; docs/adr/0064).

No replay sees timing: an upstream that answers honest tokens, but sends each one (or each
whole answer) now or a little later, passes verification while the caller outside reads a
bit per delay. With ``[outputs] release_quantum_ms`` the gateway fixes when a response
leaves: a fast answer waits for its release point, a stream is read whole and leaves in
one write after the upstream's last event, a failure waits for its point too, and an
upstream that trickles past the timeout fails there. Each check here is causal (a lower
bound on a time, or an order of events), so machine load cannot make it pass or fail.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from airlock.domain.principals import Role
from airlock.errors import ConfigError
from airlock.outputs.relay import UPSTREAM_FAILED
from airlock.service import Actor
from airlock.settings import OutputsSettings
from tests.support.gateway import CliRunner, Gateway, start_gateway
from tests.support.openai_upstream import outputs_airlock, start_upstream

TOKENS = list(range(65, 81))
QUANTUM = 0.4  # seconds: far above what a fast answer takes on a loaded machine
BIT_DELAY = 0.1  # what the upstream adds to say "1"


class TimingUpstream:
    """Honest tokens; a secret bit per answer (non-streaming) or per token (streaming) in
    how long it waits. It notes when it sent its last event (the test's own clock)."""

    def __init__(self, bits: list[int], *, fail: bool = False, trickle: float = 0.0) -> None:
        self.bits = bits
        self.fail = fail
        self.trickle = trickle
        self.answers = 0
        self.last_event_sent: list[float] = []

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/completions")
        async def complete(request: Request) -> Response:
            body = await request.json()
            if body.get("stream"):
                return StreamingResponse(self._events(), media_type="text/event-stream")
            bit = self.bits[self.answers % len(self.bits)]
            self.answers += 1
            await asyncio.sleep(BIT_DELAY * bit)
            if self.fail:
                return JSONResponse({"error": "down"}, status_code=500)
            choice = {
                "index": 0,
                "text": bytes(TOKENS).decode(),
                "token_ids": TOKENS,
                "prompt_token_ids": [1, 2, 3],
            }
            return JSONResponse({"id": "x", "object": "text_completion", "choices": [choice]})

        return app

    async def _events(self) -> AsyncIterator[bytes]:
        for i, token in enumerate(TOKENS):
            await asyncio.sleep(self.trickle or BIT_DELAY * self.bits[i % len(self.bits)])
            choice: dict[str, Any] = {"index": 0, "text": chr(token), "token_ids": [token]}
            if i == 0:
                choice["prompt_token_ids"] = [1, 2, 3]
            event = {"id": "x", "object": "text_completion", "choices": [choice]}
            yield b"data: " + json.dumps(event).encode() + b"\n\n"
        self.last_event_sent.append(time.monotonic())
        yield b"data: [DONE]\n\n"


def _served(
    cli: CliRunner, folder: Path, upstream: TimingUpstream, outputs: str
) -> Iterator[tuple[Gateway, str]]:
    for url in start_upstream(upstream.app()):
        airlock = outputs_airlock(cli, folder, url, f"flush_window_ms = 10\n{outputs}")
        token = airlock.add_principal(Actor.local_operator(), "rita", Role.RESEARCHER).token
        try:
            for gateway in start_gateway(airlock):
                yield gateway, token
        finally:
            airlock.close()


def _timed_answers(gateway: Gateway, token: str, count: int) -> list[tuple[int, float]]:
    out = []
    with gateway.client(token) as rita:
        for _ in range(count):
            start = time.monotonic()
            answer = rita.post("/v1/completions", json={"prompt": [1, 2, 3], "max_tokens": 16})
            out.append((answer.status_code, time.monotonic() - start))
    return out


QUANTIZED = f"release_quantum_ms = {int(QUANTUM * 1000)}\n"


def test_open_release_hands_the_upstreams_delay_to_the_caller(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    upstream = TimingUpstream([1, 0])
    for gateway, token in _served(initialised_cli, tmp_path, upstream, ""):
        answers = _timed_answers(gateway, token, 4)
        assert all(status == 200 for status, _ in answers)
        # the bits the upstream chose are in the caller's timings (what the release hides)
        assert all(took >= BIT_DELAY for _, took in answers[::2])


def test_a_quick_answer_waits_for_its_release_point(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    upstream = TimingUpstream([1, 0])
    for gateway, token in _served(initialised_cli, tmp_path, upstream, QUANTIZED):
        answers = _timed_answers(gateway, token, 4)
        assert all(status == 200 for status, _ in answers)
        # an answer without the delay is not told apart by arriving early
        assert all(took >= QUANTUM for _, took in answers), answers


def test_a_failure_waits_for_its_release_point_and_says_nothing_of_the_upstream(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    upstream = TimingUpstream([0], fail=True)
    for gateway, token in _served(initialised_cli, tmp_path, upstream, QUANTIZED):
        ((status, took),) = _timed_answers(gateway, token, 1)
        assert status == 503
        assert took >= QUANTUM


def _stream(gateway: Gateway, token: str) -> tuple[list[tuple[float, bytes]], str]:
    """Each chunk of a stream's body with when it arrived, and the whole body."""
    chunks: list[tuple[float, bytes]] = []
    with (
        httpx.Client(base_url=gateway.url, timeout=30) as client,
        client.stream(
            "POST",
            "/v1/completions",
            json={"prompt": [1, 2, 3], "max_tokens": 16, "stream": True},
            headers={"Authorization": f"Bearer {token}"},
        ) as answer,
    ):
        assert answer.status_code == 200
        chunks.extend((time.monotonic(), chunk) for chunk in answer.iter_raw())
    return chunks, b"".join(c for _, c in chunks).decode()


def test_an_open_stream_relays_each_token_when_the_upstream_sends_it(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    upstream = TimingUpstream([1])  # 0.1 s before each of 16 tokens
    for gateway, token in _served(initialised_cli, tmp_path, upstream, ""):
        chunks, body = _stream(gateway, token)
        assert "[DONE]" in body
        # tokens left while the upstream was still choosing when to send the next ones
        assert chunks[0][0] < upstream.last_event_sent[0]


def test_a_held_stream_leaves_whole_after_the_upstreams_last_event(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    upstream = TimingUpstream([1, 0, 0, 1])
    for gateway, token in _served(initialised_cli, tmp_path, upstream, QUANTIZED):
        chunks, body = _stream(gateway, token)
        tokens = [
            json.loads(line[6:])["choices"][0]["text"]
            for line in body.splitlines()
            if line.startswith("data: {")
        ]
        assert "".join(tokens) == bytes(TOKENS).decode()
        assert "airlock transcript=" in body and body.endswith("data: [DONE]\n\n")
        # not one byte of the events before the upstream had sent all of them
        first_event = next(at for at, chunk in chunks if b"data:" in chunk)
        assert first_event >= upstream.last_event_sent[0]
        assert gateway.airlock.output_metrics().totals.tokens == len(TOKENS)


def test_a_stream_trickled_past_the_timeout_fails_at_the_deadline(
    initialised_cli: CliRunner, tmp_path: Path
) -> None:
    # each read comes well within the read timeout; the whole would take 16 x 0.3 = 4.8 s,
    # far enough past the 1 s deadline that a loaded machine cannot blur the two
    upstream = TimingUpstream([0], trickle=0.3)
    outputs = QUANTIZED + "timeout_seconds = 1\n"
    for gateway, token in _served(initialised_cli, tmp_path, upstream, outputs):
        start = time.monotonic()
        _, body = _stream(gateway, token)
        took = time.monotonic() - start
        assert "upstream failed" in body and "[DONE]" not in body
        assert UPSTREAM_FAILED not in body  # the stream's error event, the same as ever
        assert 1.0 <= took < 4.0
        assert not upstream.last_event_sent  # cut off before the upstream finished


def test_the_release_quantum_is_bounded() -> None:
    with pytest.raises(ConfigError, match="release_quantum_ms"):
        OutputsSettings(release_quantum_ms=-1)
    with pytest.raises(ConfigError, match="release_quantum_ms"):
        OutputsSettings(release_quantum_ms=60_001)
