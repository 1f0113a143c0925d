"""Where the disk flush of ``flush_window_ms = 0`` runs, over real HTTP (docs/adr/0020
decision 10): a request alone on the gateway's event loop flushes in the loop's own thread
(no hop to the flusher thread and back); with another request in flight the flusher thread
runs it, so the loop is not blocked. Either way no response (and no stream's closing
comment) reaches the caller before a finished flush covers its transcript and charge.
(A flush slower than FAST_FLUSH_SECONDS also sends the next one to the flusher thread:
tests/unit/store/test_shared_sync.py.)"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from airlock.domain.principals import Role
from airlock.service import Actor, Airlock
from tests.support.gateway import CliRunner, Gateway, start_gateway
from tests.support.openai_upstream import outputs_airlock, start_upstream

TOKENS = list(range(65, 75))
BODY: dict[str, Any] = {"prompt": [1], "max_tokens": 10}


@dataclass
class Flushes:
    """Every flush of the store: whether it ran on an event loop, and how many responses
    were logged before it began (what it made durable)."""

    seen: list[tuple[bool, int]] = field(default_factory=list)

    def kept(self) -> int:
        return max((kept for _, kept in self.seen), default=0)

    def covering(self, responses: int) -> list[bool]:
        """On a loop or not, for each flush that first covered ``responses`` responses."""
        return [on_loop for on_loop, kept in self.seen if kept == responses]


def _on_a_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _upstream(hold: threading.Event) -> FastAPI:
    """Ten tokens a response; a stream with ``"user": "hold"`` (a key the gateway forwards)
    stops after its first event until ``hold`` is set."""
    app = FastAPI()

    @app.post("/v1/completions")
    async def complete(request: Request) -> Response:
        body: dict[str, Any] = json.loads(await request.body())
        choice: dict[str, Any] = {"index": 0, "token_ids": TOKENS, "prompt_token_ids": [1]}
        if not body.get("stream"):
            return JSONResponse({"choices": [choice | {"text": bytes(TOKENS).decode()}]})

        async def events() -> Any:
            for i, token in enumerate(TOKENS):
                event = {"choices": [choice | {"text": chr(token), "token_ids": [token]}]}
                yield b"data: " + json.dumps(event).encode() + b"\n\n"
                if i == 0 and body.get("user") == "hold":
                    await asyncio.to_thread(hold.wait, 60)
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


def _airlock(cli: CliRunner, tmp_path: Path, url: str) -> tuple[Airlock, str, Flushes]:
    """An airlock in front of ``url``, a researcher's token, and its store's flushes."""
    # flush_window_ms left at its default, 0
    airlock = outputs_airlock(cli, tmp_path, url, outputs="")
    token = airlock.add_principal(Actor.local_operator(), "rita", Role.RESEARCHER).token
    flushes = Flushes()
    store = airlock._store
    sync: Callable[[], None] = store.sync

    def recorded() -> None:
        kept = store.outputs.totals().responses  # committed before the flush began
        sync()
        flushes.seen.append((_on_a_loop(), kept))

    store.sync = recorded  # type: ignore[method-assign]  # before the gateway is built
    # Every flush counts as fast, whatever this machine's disk: which thread flushes must
    # not depend on the wall clock here (FAST_FLUSH_SECONDS has its own unit test).
    airlock.outputs_gateway()._flushes._clock = lambda: 0.0
    return airlock, token, flushes


@pytest.fixture
def served(
    initialised_cli: CliRunner, tmp_path: Path
) -> Iterator[tuple[Gateway, str, Flushes, threading.Event]]:
    hold = threading.Event()
    for url in start_upstream(_upstream(hold)):
        airlock, token, flushes = _airlock(initialised_cli, tmp_path, url)
        try:
            for gateway in start_gateway(airlock):
                yield gateway, token, flushes, hold
        finally:
            hold.set()
            airlock.close()


def _digest(answer: httpx.Response) -> str:
    for line in answer.text.splitlines():
        if line.startswith(": airlock transcript="):
            return line.split("=", 1)[1]
    return str(answer.json()["airlock"]["transcript"])


def test_a_request_alone_is_flushed_on_the_loop_before_it_leaves(
    served: tuple[Gateway, str, Flushes, threading.Event],
) -> None:
    gateway, token, flushes, _ = served
    with gateway.client(token) as rita:
        for n, stream in enumerate([False, False, True, True, False], start=1):
            answer = rita.post("/v1/completions", json=BODY | {"stream": stream})
            assert answer.status_code == 200, answer.text
            assert len(_digest(answer)) == 64
            # Durable before it left: a finished flush covers this response's transcript.
            assert flushes.kept() >= n
            # ... and that flush ran in the event loop's thread, not the flusher's.
            assert flushes.covering(n) == [True]
    assert gateway.airlock.output_metrics().totals.responses == 5


def test_with_another_request_in_flight_the_flusher_thread_flushes(
    served: tuple[Gateway, str, Flushes, threading.Event],
) -> None:
    gateway, token, flushes, hold = served
    with gateway.client(token) as sam, gateway.client(token) as rita:
        with sam.stream(
            "POST", "/v1/completions", json=BODY | {"stream": True, "user": "hold"}
        ) as held:
            assert held.status_code == 200
            chunks = held.iter_raw()
            first = next(chunks)  # the stream is under way, its upstream held
            assert first.startswith(b"data: ")
            answer = rita.post("/v1/completions", json=BODY)
            assert answer.status_code == 200, answer.text
            # Durable before it left, by a flush that did not block the loop serving sam.
            assert flushes.kept() >= 1
            assert flushes.covering(1) == [False]
            hold.set()
            rest = first + b"".join(chunks)
        assert b": airlock transcript=" in rest and rest.endswith(b"data: [DONE]\n\n")
    # sam's closing comment waited for the flush of its transcript, alone by then: on the loop.
    assert flushes.kept() >= 2
    assert flushes.covering(2) == [True]
