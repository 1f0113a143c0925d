"""The gateway's stream relay: events of one upstream read leave together, stripped; a
stream cut inside an event fails."""

from __future__ import annotations

import asyncio
import json

import pytest

from airlock.errors import SourceError
from airlock.outputs.openai import Endpoint, Piece
from airlock.outputs.upstream import ScriptedUpstream
from tests.unit.outputs.test_gateway_durability import BODY, _gateway


def _event(token: int) -> bytes:
    choice = {"index": 0, "text": chr(token), "token_ids": [token], "prompt_token_ids": [1]}
    return b"data: " + json.dumps({"choices": [choice]}).encode() + b"\n\n"


def _relay(reads: list[bytes]) -> tuple[list[bytes], list[Piece]]:
    gateway, _ = _gateway(10)
    gateway.upstream = ScriptedUpstream(reads)
    admission = gateway.admit("rita", Endpoint.COMPLETIONS, BODY | {"stream": True})
    pieces: list[Piece] = []

    async def run() -> list[bytes]:
        return [chunk async for chunk in gateway.stream(admission, pieces)]

    return asyncio.run(run()), pieces


def test_events_of_one_read_leave_in_one_write_without_token_ids() -> None:
    first = _event(65) + _event(66)[:20]  # the second event is split across reads
    writes, pieces = _relay([first, _event(66)[20:] + _event(67), b"data: [DONE]\n\n"])
    assert len(writes) == 2
    assert [p.tokens for p in pieces] == [(65,), (66,), (67,)]
    text = b"".join(writes).decode()
    assert text.count("data: ") == 3 and "token_ids" not in text


def test_a_stream_cut_inside_an_event_fails() -> None:
    with pytest.raises(SourceError, match="inside an event"):
        _relay([_event(65) + _event(66)[:20]])


def test_an_answer_nested_past_the_stack_is_an_upstream_failure() -> None:
    """Not a RecursionError out of the gateway (a 500): the fixed upstream failure."""
    gateway, _ = _gateway(10)
    gateway.upstream = ScriptedUpstream([b"[" * 100_000 + b"]" * 100_000])
    admission = gateway.admit("rita", Endpoint.COMPLETIONS, BODY)
    with pytest.raises(SourceError, match="failed or answered"):
        asyncio.run(gateway.call(admission))
