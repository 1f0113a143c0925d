"""The OpenAI-compatible wire format, as the gateway forces and reads it. Pure.

The gateway rewrites every request so that the response is replayable and every token is
accounted for: one choice, the logged seed, top-p 1 and no top-k, penalties or logit bias
(each would make choices the verifier cannot replay), ``max_tokens`` capped, and token ids
asked for (vLLM's ``return_token_ids``; the ``token_id:N`` form of ``logprobs`` tokens is
accepted too). Responses without token ids are refused (fail closed).

Nothing the upstream wrote leaves as it wrote it: the caller's response (and each streamed
event) is composed here from what was read, counted and logged: the text, a finish reason
of ``stop`` or ``length``, and the gateway's own id, time, model name and token counts
(:func:`answer`, :func:`event`). Any other member of the upstream's answer (its ``id``,
``system_fingerprint``, ``usage``, log-probs, token ids, a ``reasoning_content`` or any
field a compromised server adds) would be a channel that no budget counts, no transcript
holds and no replay checks (docs/adr/0056).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson

from airlock.errors import InvalidInput, SourceError
from airlock.outputs.transcript import MAX_TEMPERATURE

MAX_PROMPT_TOKENS = 1 << 20
# Token ids above any vocabulary's: refused as read, so that a transcript's size is bounded
# by its number of ids before its tokens leave (at most 9 bytes an id; docs/adr/0058).
MAX_TOKEN_ID = 1 << 24
_STRIPPED = ("logprobs", "token_ids", "prompt_token_ids", "prompt_logprobs")
_REFUSED = ("logit_bias", "best_of", "guided_json", "guided_regex", "guided_choice")
# What a caller may send: every key is forced, checked or harmless to the replay. Anything
# else is refused, not forwarded: a server's other parameters (beam search, allowed or
# banned tokens, grammars, tools, logits processors, minimum lengths, chat templates, and
# whatever its next release adds) would make choices the verifier cannot replay, or run
# code the caller names on the server beside the weights (docs/adr/0056).
_ACCEPTED = frozenset(
    {
        "model",
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "seed",
        "stream",
        "stream_options",
        "n",
        "top_p",
        "top_k",
        "presence_penalty",
        "frequency_penalty",
        "repetition_penalty",
        "logprobs",
        "top_logprobs",
        "stop",
        "user",
        *_STRIPPED,
        *_REFUSED,
    }
)
_ACCEPTED_BY_ENDPOINT = {"completions": _ACCEPTED | {"prompt"}, "chat": _ACCEPTED | {"messages"}}
# What a chat message may hold: text a chat template renders, nothing the server fetches
# or runs (docs/adr/0058).
_MESSAGE_KEYS = frozenset({"role", "content", "name"})
_ROLES = ("system", "developer", "user", "assistant")
_TOKEN_ID_PREFIX = "token_id:"  # noqa: S105 -- vLLM's token naming, not a secret
# The only finish reasons that leave: with n = 1 and no tools or guided decoding these are
# all an honest server sends for a response that ended (vLLM's "abort" ends nothing).
FINISH_REASONS = ("stop", "length")


class Endpoint(StrEnum):
    COMPLETIONS = "completions"
    CHAT = "chat"

    @property
    def path(self) -> str:
        return "/v1/completions" if self is Endpoint.COMPLETIONS else "/v1/chat/completions"


@dataclass(frozen=True, slots=True)
class ForcedRequest:
    body: dict[str, Any]
    temperature: float
    max_tokens: int
    stream: bool
    prompt_tokens: tuple[int, ...] | None  # when the caller sent token ids itself
    # Otherwise the caller's prompt as the transcript records it (prompt_text): the
    # verifier checks the upstream's prompt ids against it (docs/adr/0058).
    prompt: str = ""


def force_request(
    endpoint: Endpoint, raw: object, *, model: str, seed: int, max_tokens_cap: int
) -> ForcedRequest:
    """The request the upstream gets. Raises: InvalidInput for what cannot be forced."""
    if not isinstance(raw, dict):
        raise InvalidInput("the request body must be a JSON object")
    body = dict(raw)
    unknown = sorted(k for k in body if k not in _ACCEPTED_BY_ENDPOINT[endpoint.value])
    if unknown:
        shown = ", ".join(repr(k)[:60] for k in unknown[:5])
        raise InvalidInput(
            f"{shown} {'is' if len(unknown) == 1 else 'are'} not accepted through the airlock: "
            "it forwards only parameters its verifier can replay ("
            + ", ".join(sorted(_ACCEPTED_BY_ENDPOINT[endpoint.value] - {*_STRIPPED, *_REFUSED}))
            + ")"
        )
    asked_model = body.get("model", model)
    if asked_model != model:
        raise InvalidInput(f"this gateway serves model {model!r}, not {asked_model!r}")
    for key in _REFUSED:
        if body.get(key) not in (None, 1 if key == "best_of" else None):
            raise InvalidInput(f"{key} is not allowed through the airlock: remove it")
    if body.get("n", 1) != 1:
        raise InvalidInput("n must be 1: each choice is logged and verified on its own")
    temperature = _temperature(body.get("temperature", 1.0))
    asked = body.get("max_completion_tokens", body.get("max_tokens", max_tokens_cap))
    if isinstance(asked, bool) or not isinstance(asked, int) or asked < 1:
        raise InvalidInput("max_tokens must be a positive integer")
    max_tokens = min(asked, max_tokens_cap)
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise InvalidInput("stream must be true or false")
    prompt_tokens = _prompt_tokens(endpoint, body)
    if endpoint is Endpoint.CHAT:
        body["messages"] = [_text_message(m) for m in body["messages"]]
    prompt = "" if prompt_tokens is not None else prompt_text(endpoint, body)
    for key in (*_STRIPPED, "top_logprobs", "max_completion_tokens", "stream_options"):
        body.pop(key, None)
    body |= {
        "model": model,
        "seed": seed,
        "temperature": float(temperature),
        "top_p": 1.0,
        "top_k": -1,
        "n": 1,
        "presence_penalty": 0.0,
        "frequency_penalty": 0.0,
        "repetition_penalty": 1.0,
        "max_tokens": max_tokens,
        "return_token_ids": True,
        "return_tokens_as_token_ids": True,
        "logprobs": True if endpoint is Endpoint.CHAT else 1,
    }
    if body.get("stop"):
        # The server cuts a stop string from the text but not from the token ids; kept, the
        # text stays what the ids decode to, which the verifier checks (docs/adr/0056).
        body["include_stop_str_in_output"] = True
    if stream:
        body["stream_options"] = {"include_usage": True}
    return ForcedRequest(body, float(temperature), max_tokens, stream, prompt_tokens, prompt)


@dataclass(frozen=True, slots=True)
class Piece:
    """What one response (or one streamed chunk) carried."""

    tokens: tuple[int, ...]
    text: str
    prompt_tokens: tuple[int, ...] | None
    finish_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Frame:
    """What the gateway writes around a response of its own: the request's id, the time it
    was admitted (Unix seconds) and the model's configured name."""

    request_id: str
    created: int
    model: str


def _temperature(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput("temperature must be a number")
    if not 0.0 <= float(value) <= MAX_TEMPERATURE:
        raise InvalidInput(f"temperature must be between 0 and {MAX_TEMPERATURE}")
    return float(value)


def _prompt_tokens(endpoint: Endpoint, body: Mapping[str, Any]) -> tuple[int, ...] | None:
    """The caller's prompt as token ids, when it sent them; validates the prompt's shape."""
    if endpoint is Endpoint.CHAT:
        messages = body.get("messages")
        if not isinstance(messages, list):
            raise InvalidInput("messages must be a list")
        return None
    prompt = body.get("prompt")
    if isinstance(prompt, list) and all(type(t) is int and 0 <= t < MAX_TOKEN_ID for t in prompt):
        if len(prompt) > MAX_PROMPT_TOKENS:
            raise InvalidInput("the prompt is too long")
        if not prompt:
            # Not "no prompt ids given": the prompt would be the upstream's word (ADR 0058).
            raise InvalidInput("the prompt is empty: send text or at least one token id")
        return tuple(prompt)
    if not isinstance(prompt, str):
        raise InvalidInput("prompt must be one string or one list of token ids")
    return None


def _text_message(message: object) -> dict[str, Any]:
    """``message`` as forwarded and recorded: a list of text parts joined into one string
    with newlines, as vLLM joins them for a template of string content (so that the server
    and the verifier's template render the same text, whatever the template expects).

    Raises: InvalidInput unless ``message`` is text a chat template renders: a role of
    :data:`_ROLES`, string content (or a list of text parts) and at most a name. Image,
    audio and video parts name URLs the server fetches beside the weights, and tool calls
    and results need tools (refused): none of them can be replayed (docs/adr/0058)."""
    if not isinstance(message, dict) or not set(message) <= _MESSAGE_KEYS:
        raise InvalidInput(
            "each message must be an object of role, content and optionally name, nothing else"
        )
    if message.get("role") not in _ROLES:
        raise InvalidInput(f"a message's role must be one of {', '.join(_ROLES)}")
    if not isinstance(message.get("name", ""), str):
        raise InvalidInput("a message's name must be a string")
    content = message.get("content")
    if isinstance(content, str):
        return message
    if isinstance(content, list) and all(
        isinstance(p, dict)
        and set(p) == {"type", "text"}
        and p["type"] == "text"
        and isinstance(p["text"], str)
        for p in content
    ):
        return message | {"content": "\n".join(p["text"] for p in content)}
    raise InvalidInput(
        "a message's content must be text (a string, or a list of text parts): images, "
        "audio, video and files are not accepted through the airlock"
    )


def prompt_text(endpoint: Endpoint, body: Mapping[str, Any]) -> str:
    """A text prompt as a transcript records it: a completion's prompt string, or a chat's
    messages as JSON with sorted keys (what the server's chat template renders). Only the
    upstream says which token ids a text prompt is; recorded, the verifier can check them
    (a claimed prompt steers what the model says, and the replay would follow it).

    Raises:
        InvalidInput: the prompt holds a lone surrogate (its transcript could not be
            written, and only after a stream's tokens had left).
    """
    try:
        if endpoint is Endpoint.COMPLETIONS:
            text: str = body["prompt"]
            text.encode()
            return text
        return orjson.dumps(body["messages"], option=orjson.OPT_SORT_KEYS).decode()
    except (UnicodeEncodeError, orjson.JSONEncodeError) as e:
        raise InvalidInput(f"the prompt cannot be recorded: {e}") from e


def read_piece(endpoint: Endpoint, document: object, *, final: bool) -> Piece:
    """Token ids and text of a response (``final``) or of one streamed chunk.

    Raises:
        SourceError: the upstream's answer is malformed or lacks token ids.
    """
    if not isinstance(document, dict):
        raise SourceError("the upstream's answer is not a JSON object")
    choices = document.get("choices")
    if not isinstance(choices, list) or len(choices) > 1:
        raise SourceError("the upstream answered with other than one choice")
    if not choices:  # a usage-only chunk at the end of a stream
        return Piece((), "", _token_list(document.get("prompt_token_ids")))
    choice = choices[0]
    if not isinstance(choice, dict):
        raise SourceError("the upstream's choice is not an object")
    if endpoint is Endpoint.COMPLETIONS:
        text = choice.get("text") or ""
    else:
        holder = choice.get("message" if final else "delta") or {}
        text = holder.get("content") or "" if isinstance(holder, dict) else ""
    _check_text(text)
    tokens = _token_list(choice.get("token_ids"))
    if tokens is None:
        tokens = _logprob_tokens(choice.get("logprobs"))
    if tokens is None:
        if not text and not final:
            tokens = ()  # a role-only or finish-only chunk
        else:
            raise SourceError(
                "the upstream sent no token ids, so the response cannot be verified: run "
                "vLLM with return_token_ids support (see README, 'Model outputs')"
            )
    prompt = _token_list(choice.get("prompt_token_ids"))
    if prompt is None:
        prompt = _token_list(document.get("prompt_token_ids"))
    return Piece(tokens, text, prompt, _finish_reason(choice.get("finish_reason")))


def _check_text(text: object) -> None:
    """Raises: SourceError unless ``text`` is a string of valid Unicode (no lone
    surrogate: no caller could read one, and its bytes could not be counted)."""
    if not isinstance(text, str):
        raise SourceError("the upstream's text is not a string")
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError as e:
            raise SourceError("the upstream's text is not valid Unicode") from e


def _finish_reason(value: object) -> str | None:
    """Raises: SourceError for a finish reason other than none, stop or length."""
    if value is None or value in FINISH_REASONS:
        return value
    raise SourceError(
        f"the upstream's finish_reason {str(value)[:40]!r} is not one of "
        f"{', '.join(FINISH_REASONS)}, so the response is not sent"
    )


def answer(endpoint: Endpoint, frame: Frame, piece: Piece, prompt_tokens: int) -> dict[str, Any]:
    """The caller's response to a request that did not stream, from what was read only."""
    kind = "text_completion" if endpoint is Endpoint.COMPLETIONS else "chat.completion"
    return _document(endpoint, frame, piece, kind, "message") | {
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(piece.tokens),
            "total_tokens": prompt_tokens + len(piece.tokens),
        }
    }


def event(endpoint: Endpoint, frame: Frame, piece: Piece) -> dict[str, Any]:
    """One streamed event for the caller, from one read piece only."""
    kind = "text_completion" if endpoint is Endpoint.COMPLETIONS else "chat.completion.chunk"
    return _document(endpoint, frame, piece, kind, "delta")


def _document(
    endpoint: Endpoint, frame: Frame, piece: Piece, kind: str, holder: str
) -> dict[str, Any]:
    """The members every answer and event has, written by the gateway (``holder``: where a
    chat's text goes, ``message`` or ``delta``)."""
    choice: dict[str, Any] = {"index": 0}
    if endpoint is Endpoint.COMPLETIONS:
        choice["text"] = piece.text
    else:
        choice[holder] = {"role": "assistant", "content": piece.text}
    choice |= {"logprobs": None, "finish_reason": piece.finish_reason}
    prefix = "cmpl-" if endpoint is Endpoint.COMPLETIONS else "chatcmpl-"
    return {
        "id": prefix + frame.request_id,
        "object": kind,
        "created": frame.created,
        "model": frame.model,
        "choices": [choice],
    }


def read_events(
    endpoint: Endpoint, lines: Sequence[bytes], frame: Frame
) -> tuple[list[Piece], bytes, bool]:
    """The complete lines of a server-sent-events stream, as read: each event's piece, the
    events the caller gets (``data:`` lines, each composed by :func:`event` from a piece
    with text or a finish reason; role-only and usage-only events are not relayed), and
    whether ``[DONE]`` came (lines after it are not read). Blank lines separate events.

    orjson parses and writes each event: a stream is an event per token, and the standard
    library's ``json`` cost about 2.5 times as much for these small objects. What the caller
    gets stays ASCII (``\\uXXXX`` escapes, as ``json.dumps`` writes them).

    Raises:
        SourceError: a line that is not ``data:`` with one JSON object, or an event
            :func:`read_piece` refuses (the stream must end there: fail closed).
    """
    pieces: list[Piece] = []
    out: list[bytes] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not line.startswith(b"data:"):
            raise SourceError("the upstream's stream holds a line that is not 'data:'")
        payload = line[5:].strip()
        if payload == b"[DONE]":
            return pieces, b"".join(out), True
        try:
            got = orjson.loads(payload)
        except orjson.JSONDecodeError as e:
            raise SourceError(f"the upstream's stream holds malformed JSON: {e}") from e
        piece = read_piece(endpoint, got, final=False)
        pieces.append(piece)
        if not (piece.text or piece.finish_reason):
            continue
        composed = event(endpoint, frame, piece)
        data = orjson.dumps(composed)
        if not data.isascii():
            # Escaped, as before: some clients split lines on U+2028, U+0085 and the like.
            data = json.dumps(composed, separators=(",", ":")).encode()
        out.append(b"data: " + data + b"\n\n")
    return pieces, b"".join(out), False


def _token_list(value: object) -> tuple[int, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        type(t) is int and 0 <= t < MAX_TOKEN_ID for t in value
    ):
        raise SourceError(
            f"the upstream's token ids are not a list of non-negative integers below {MAX_TOKEN_ID}"
        )
    return tuple(value)


def _logprob_tokens(value: object) -> tuple[int, ...] | None:
    """``token_id:N`` strings from completions' ``tokens`` or chat's ``content[].token``."""
    if not isinstance(value, Mapping):
        return None
    names: list[object]
    if isinstance(value.get("tokens"), list):
        names = list(value["tokens"])
    elif isinstance(value.get("content"), list):
        names = [c.get("token") if isinstance(c, Mapping) else None for c in value["content"]]
    else:
        return None
    ids: list[int] = []
    for name in names:
        if not isinstance(name, str) or not name.startswith(_TOKEN_ID_PREFIX):
            return None
        try:
            ids.append(int(name[len(_TOKEN_ID_PREFIX) :]))
        except ValueError:
            return None
    # Through the same bound as token_ids: a negative id was refused only when the
    # transcript was written, after a stream's tokens had left (docs/adr/0058).
    return _token_list(ids)
