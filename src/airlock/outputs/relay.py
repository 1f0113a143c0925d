"""What the gateway reads from the upstream, and the checks every piece passes before it
may leave: within the reservation, no more text per token than the budgets allow, and a
transcript that can still be written (docs/adr/0056, 0058). No store, no ledger: the
gateway (:mod:`airlock.outputs.gateway`) admits, records and settles around it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence

from airlock.errors import SourceError
from airlock.outputs.admission import Admission
from airlock.outputs.openai import MAX_TOKEN_ID, Frame, Piece, read_events, read_piece
from airlock.outputs.transcript import MAX_TRANSCRIPT_BYTES, transcript_bound
from airlock.settings import OutputsSettings

MAX_UPSTREAM_BYTES = 64 * 1024 * 1024
# What a caller is told of any upstream failure: always these words, never the upstream's.
UPSTREAM_FAILED = (
    "the inference upstream failed or answered what cannot be sent; the gateway's log says "
    "why: try again, or ask an operator"
)
MAX_EVENT_BYTES = 4 * 1024 * 1024  # one server-sent event of a stream
# After a stream's [DONE], what is read (and discarded) so its connection can be reused.
DRAIN_BYTES = 64 * 1024
DRAIN_SECONDS = 0.25
OUTPUT_ID_BYTES = len(str(MAX_TOKEN_ID - 1)) + 1  # an output id and its comma, at most


class Relay:
    """The reading side of one gateway (its settings: model, budgets per token)."""

    def __init__(self, settings: OutputsSettings) -> None:
        self.settings = settings

    def read_answer(self, admission: Admission, status: int, content: bytes) -> Piece:
        """Raises: SourceError, saying what was wrong (for the log, not the caller)."""
        if status != 200:
            shown = content[:200].decode(errors="replace")
            raise SourceError(f"the inference upstream answered {status}: {shown}")
        try:
            document = json.loads(content)
        except (ValueError, RecursionError) as e:  # RecursionError: nested past the stack
            raise SourceError("the inference upstream's answer is not JSON") from e
        piece = read_piece(admission.endpoint, document, final=True)
        self.check(admission, len(piece.tokens), len(piece.text.encode()))
        self.check_room(admission, prompt_of(admission, [piece]))
        return piece

    def frame(self, admission: Admission) -> Frame:
        return Frame(admission.request_id, admission.created, self.settings.model)

    async def events(
        self, admission: Admission, reads: AsyncIterator[bytes], pieces: list[Piece]
    ) -> AsyncIterator[bytes]:
        """The caller's events, from the upstream's reads: every event of one read leaves in
        one write (one pass through the ASGI stack per read, not per token: a token per
        event is vLLM's default), each checked against the reservation first."""
        tokens = size = 0
        pending = b""
        frame = self.frame(admission)
        prompt = admission.prompt_tokens
        async for chunk in reads:
            *lines, pending = (pending + chunk).split(b"\n")
            if len(pending) > MAX_EVENT_BYTES:
                raise SourceError("the inference upstream sent an event too large to read")
            read, out, done = read_events(admission.endpoint, lines, frame)
            for piece in read:
                tokens += len(piece.tokens)
                size += len(piece.text.encode())
                if prompt is None and piece.prompt_tokens:
                    prompt = piece.prompt_tokens  # the one _record takes: the first given
                    self.check_room(admission, prompt)
            self.check(admission, tokens, size)
            if tokens and prompt is None:
                # Its transcript could not be written at the end (nothing to replay from),
                # after every token had left (docs/adr/0058).
                raise SourceError(
                    "the inference upstream streamed tokens before the prompt's token ids"
                )
            pieces.extend(read)
            if out:
                yield out
            if done:
                await drain(reads)
                return
        if pending.strip():
            raise SourceError("the inference upstream's stream ended inside an event")

    def fits(self, caller: str, prompt: Sequence[int], max_tokens: int, text: int) -> bool:
        """Whether a transcript of ``prompt``, up to ``max_tokens`` output ids and ``text``
        bytes of prompt text can be written (a transcript is at most a ledger record)."""
        s = self.settings
        strings = (caller, s.model, s.model_digest, s.upstream_name)
        bound = transcript_bound(strings, prompt, max_tokens, OUTPUT_ID_BYTES, text)
        return bound <= MAX_TRANSCRIPT_BYTES

    def check_room(self, admission: Admission, prompt: Sequence[int] | None) -> None:
        """Before any token of the response leaves: that its transcript can be written.

        Raises:
            SourceError: the upstream's prompt token ids are too many for a transcript (a
                stream's transcript failed only once every token had left: docs/adr/0058).
        """
        if (
            prompt is not None
            and admission.prompt_tokens is None  # the caller's: checked at admission
            and not self.fits(
                admission.caller, prompt, admission.max_tokens, admission.prompt_bytes
            )
        ):
            raise SourceError(
                f"the inference upstream's {len(prompt)} prompt token ids and "
                f"{admission.max_tokens} output tokens would not fit in one transcript"
            )

    @staticmethod
    def check(admission: Admission, tokens: int, size: int) -> None:
        """Raises: SourceError for more than was reserved, or more text than
        ``max_bytes_per_token`` for each token sent so far (the text is not replayed, so
        what it may carry is bounded by the tokens that are: docs/adr/0056)."""
        if tokens > admission.max_tokens or size > admission.max_bytes:
            raise SourceError(
                f"the upstream sent {tokens} tokens / {size} bytes, more than the "
                f"{admission.max_tokens} tokens / {admission.max_bytes} bytes reserved"
            )
        per_token = admission.max_bytes // admission.max_tokens
        if size > tokens * per_token:
            raise SourceError(
                f"the upstream sent {size} bytes of text for {tokens} tokens, more than "
                f"{per_token} bytes a token (outputs.max_bytes_per_token)"
            )


async def drain(reads: AsyncIterator[bytes]) -> None:
    """After ``[DONE]``: read the rest of the upstream's body (normally only the end of its
    chunked encoding, in flight) and discard it, so that its keep-alive connection goes back
    to the pool. A body not read to its end closes the connection, and every stream then
    paid for a new TCP connection to the upstream, in both processes. Nothing read here is
    relayed or logged (nothing after ``[DONE]`` ever is). Bounded by :data:`DRAIN_BYTES` and
    :data:`DRAIN_SECONDS`; past either, or on any error, the connection is closed, as before.
    """
    size = 0
    try:
        async with asyncio.timeout(DRAIN_SECONDS):
            async for read in reads:
                size += len(read)
                if size > DRAIN_BYTES:
                    return
    except Exception:  # noqa: BLE001 -- the response is complete: a failed drain only costs the connection
        return


def prompt_of(admission: Admission, pieces: Sequence[Piece]) -> tuple[int, ...] | None:
    """The prompt a transcript records: the caller's token ids, or else the first non-empty
    prompt ids the upstream sent (an empty list the caller sent is refused at admission)."""
    if admission.prompt_tokens is not None:
        return admission.prompt_tokens
    return next((p.prompt_tokens for p in pieces if p.prompt_tokens), None)
