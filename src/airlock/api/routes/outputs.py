"""The OpenAI-compatible inference gateway (issue 20): /v1/completions, /v1/chat/completions.

Thin: authenticate (the gateway's bearer tokens), read the JSON body, and hand it to the
output workflow (:mod:`airlock.outputs.gateway`), which forces the parameters, reserves the
budgets, calls the upstream and logs the transcript. The response carries an ``airlock``
member (non-streaming) or headers and a closing SSE comment (streaming) naming the seed
and the transcript.
In a running gateway these requests are answered by :mod:`airlock.api.fast_outputs` in
front of the router, through :func:`serve` below and the same gate; the routes here are
what OpenAPI and the permission table see (and serve an app built without that layer).
With ``[outputs] release_quantum_ms`` set, responses leave only at release points the
gateway fixes (:mod:`airlock.outputs.release`): a stream is read whole first, and a failure
waits for its point too, so the upstream's timing carries a few bits per response at most.
Nothing of :mod:`airlock.outputs` is imported until the first request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, aclosing, nullcontext
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from airlock.api.auth import AirlockDep, PrincipalDep
from airlock.api.event_stream import EventStream, LastChunk
from airlock.domain.principals import Principal
from airlock.errors import AirlockError, ConfigError, InvalidInput
from airlock.service import Airlock

if TYPE_CHECKING:
    from airlock.outputs.admission import Admission
    from airlock.outputs.gateway import OutputGateway
    from airlock.outputs.openai import Piece
    from airlock.outputs.release import Release

router = APIRouter(tags=["outputs"])
_log = logging.getLogger("airlock.outputs")
# What a caller sees of a stream the upstream broke off (never the upstream's own words).
FAILED_EVENT = b'data: {"error": {"type": "SourceError", "message": "upstream failed"}}\n\n'


@router.post("/v1/completions")
async def completions(request: Request, airlock: AirlockDep, caller: PrincipalDep) -> Response:
    """OpenAI-compatible text completion through the airlock (streaming or not)."""
    return await serve(request, airlock, caller, "completions")


@router.post("/v1/chat/completions")
async def chat_completions(request: Request, airlock: AirlockDep, caller: PrincipalDep) -> Response:
    """OpenAI-compatible chat completion through the airlock (streaming or not)."""
    return await serve(request, airlock, caller, "chat")


async def serve(request: Request, airlock: Airlock, caller: Principal, kind: str) -> Response:
    """One inference request of ``caller``, already through the gate (the routes above, or
    :mod:`airlock.api.fast_outputs` in front of the router, which serves them in practice).

    Raises:
        ConfigError: no upstream is configured.
        InvalidInput, PolicyViolation, BudgetExceeded: refused at admission.
        SourceError: the upstream failed or answered what cannot be logged; nothing leaves.
    """
    from airlock.outputs.openai import Endpoint
    from airlock.outputs.release import release_for

    if not airlock.settings.outputs.upstream_url:
        raise ConfigError("no inference upstream is configured: set [outputs] upstream_url")
    release = release_for(airlock.settings.outputs)  # None: responses leave at once
    try:
        body = json.loads(await request.body())
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise InvalidInput(f"the request body is not JSON: {e}") from e
    gateway = airlock.outputs_gateway()
    # On the event loop, not in a worker thread: a lazy commit (a fraction of a millisecond
    # of CPU) that waits only for the database's write lock, where a thread hop per step
    # cost more than the step (docs/adr/0020). Only disk flushes run in a thread: the
    # gateway's flusher, which resolves what the loop awaits (decision 8).
    admission = gateway.admit(caller.name, Endpoint(kind), body)
    if admission.stream:
        headers = {"X-Airlock-Seed": str(admission.seed), "X-Airlock-Request": admission.request_id}
        events = (
            _events(gateway, admission) if release is None else _held(gateway, admission, release)
        )
        return EventStream(events, media_type="text/event-stream", headers=headers)
    try:
        with gateway.serving():
            async with _deadline(release):
                document, piece = await gateway.call(admission)
            digest, durable = gateway.logged(admission, [piece])
            # Encoded while the disk flushes (unless it flushed already, alone on the loop
            # with a fast disk); sent only once the flush covering its transcript and
            # charge has finished (with flush_window_ms = 0).
            document["airlock"] = {
                "transcript": digest,
                "seed": admission.seed,
                "request": admission.request_id,
            }
            response = JSONResponse(document)
            await durable
    except BaseException as e:
        # Nothing reached the caller: a response that cannot be logged is not sent.
        await run_in_threadpool(gateway.abandon, admission)
        if release is not None and isinstance(e, Exception):
            await release.wait()  # when it failed would be the upstream's choice
        raise
    if release is not None:
        await release.wait()
    return response


def _deadline(release: Release | None) -> AbstractAsyncContextManager[None]:
    return nullcontext() if release is None else release.deadline()


async def _events(gateway: OutputGateway, admission: Admission) -> AsyncIterator[bytes]:
    with gateway.serving():  # from the first read until the trailer left
        pieces: list[Piece] = []
        # Tokens leave as they come: the gateway accounts for the stream in the store (and,
        # with flush_window_ms = 0, on disk) before the first one does.
        try:
            # Closed at once when this generator is (the client left: EventStream closes it),
            # so the upstream's answer is released before the partial stream is logged.
            async with aclosing(gateway.stream(admission, pieces)) as chunks:
                async for chunk in chunks:
                    yield chunk
        except AirlockError as e:
            _log.warning("stream %s ended early: %s", admission.request_id, e.message)
            yield FAILED_EVENT
            _settle_partial(gateway, admission, pieces)
            return
        except BaseException:
            _settle_partial(gateway, admission, pieces)
            raise
        # An SSE comment naming the transcript, and the end, in one write with the end of the
        # body (LastChunk), once the flush that covers the transcript has finished
        # (flush_window_ms = 0; encoded meanwhile).
        yield LastChunk(await _trailer(gateway, admission, pieces))


async def _held(
    gateway: OutputGateway, admission: Admission, release: Release
) -> AsyncIterator[bytes]:
    """A stream read whole, under the deadline, then sent in one write at its release point
    (docs/adr/0064): when its tokens came stays with the gateway. A failure is sent at its
    point too, with the tokens read before it (logged, as in :func:`_events`)."""
    with gateway.serving():
        pieces: list[Piece] = []
        held: list[bytes] = []
        try:
            async with release.deadline(), aclosing(gateway.stream(admission, pieces)) as chunks:
                async for chunk in chunks:
                    held.append(chunk)
        except AirlockError as e:
            _log.warning("stream %s ended early: %s", admission.request_id, e.message)
            _settle_partial(gateway, admission, pieces)
            await release.wait()
            yield LastChunk(b"".join([*held, FAILED_EVENT]))
            return
        except BaseException:
            _settle_partial(gateway, admission, pieces)
            raise
        trailer = await _trailer(gateway, admission, pieces)
        await release.wait()
        yield LastChunk(b"".join([*held, trailer]))


async def _trailer(gateway: OutputGateway, admission: Admission, pieces: list[Piece]) -> bytes:
    """The stream's end, once its transcript is logged (and on disk, when it must be)."""
    digest, durable = gateway.logged(admission, pieces)
    trailer = f": airlock transcript={digest}\n\ndata: [DONE]\n\n".encode()
    await durable
    return trailer


def _settle_partial(gateway: OutputGateway, admission: Admission, pieces: list[Piece]) -> None:
    """A stream cut short: log what left and keep the whole reservation (fail closed)."""
    if not any(p.tokens for p in pieces):
        gateway.keep_reserved(admission)
        return  # nothing left; the reservation stays until it expires, never under-counting
    try:
        gateway.finish(admission, pieces, partial=True)
    except AirlockError as e:
        _log.error("could not log the partial stream %s: %s", admission.request_id, e.message)
