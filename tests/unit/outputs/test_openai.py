from __future__ import annotations

import pytest

from airlock.errors import InvalidInput, SourceError
from airlock.outputs.openai import Endpoint, force_request, read_events, read_piece, strip


def _force(body: object, endpoint: Endpoint = Endpoint.COMPLETIONS) -> dict[str, object]:
    return force_request(endpoint, body, model="m", seed=42, max_tokens_cap=100).body


def test_sampling_parameters_are_forced() -> None:
    body = _force(
        {
            "prompt": "hi",
            "temperature": 0.5,
            "top_p": 0.1,
            "top_k": 3,
            "seed": 7,
            "max_tokens": 1000,
            "presence_penalty": 1.5,
            "logprobs": 5,
        }
    )
    assert body["seed"] == 42 and body["top_p"] == 1.0 and body["top_k"] == -1
    assert body["max_tokens"] == 100  # capped
    assert body["presence_penalty"] == 0.0 and body["return_token_ids"] is True
    assert body["temperature"] == 0.5


@pytest.mark.parametrize(
    "body",
    [
        {"prompt": "x", "n": 2},
        {"prompt": "x", "logit_bias": {"5": 100}},
        {"prompt": "x", "model": "other"},
        {"prompt": "x", "temperature": 3},
        {"prompt": {"no": 1}},
        {"messages": "x"},
        [],
    ],
)
def test_what_cannot_be_forced_is_refused(body: object) -> None:
    endpoint = Endpoint.CHAT if isinstance(body, dict) and "messages" in body else None
    with pytest.raises(InvalidInput):
        _force(body, endpoint or Endpoint.COMPLETIONS)


def test_token_ids_are_read_from_either_vllm_form() -> None:
    direct = {"choices": [{"text": "ab", "token_ids": [1, 2], "prompt_token_ids": [9]}]}
    assert read_piece(Endpoint.COMPLETIONS, direct, final=True).tokens == (1, 2)
    named = {"choices": [{"text": "ab", "logprobs": {"tokens": ["token_id:1", "token_id:2"]}}]}
    assert read_piece(Endpoint.COMPLETIONS, named, final=True).tokens == (1, 2)
    chat = {
        "choices": [
            {"message": {"content": "a"}, "logprobs": {"content": [{"token": "token_id:5"}]}}
        ]
    }
    assert read_piece(Endpoint.CHAT, chat, final=True).tokens == (5,)


def test_a_response_without_token_ids_fails_closed() -> None:
    with pytest.raises(SourceError):
        read_piece(Endpoint.COMPLETIONS, {"choices": [{"text": "ab"}]}, final=True)
    with pytest.raises(SourceError):
        read_piece(Endpoint.COMPLETIONS, {"choices": [{}, {}]}, final=True)


def test_second_channels_are_stripped() -> None:
    out = strip(
        {"choices": [{"text": "a", "logprobs": {}, "token_ids": [1]}], "prompt_token_ids": []}
    )
    assert out == {"choices": [{"text": "a"}]}


def test_sse_lines() -> None:
    event = b'data: {"choices": [{"text": "a", "token_ids": [7]}], "prompt_token_ids": [1]}'
    pieces, out, done = read_events(Endpoint.COMPLETIONS, [event, b"", b"data: [DONE]", event])
    assert done and [p.tokens for p in pieces] == [(7,)]  # nothing after [DONE] is read
    assert out == b'data: {"choices":[{"text":"a"}]}\n\n'
    assert read_events(Endpoint.COMPLETIONS, [b"\r", event + b"\r"])[1:] == (out, False)
    wide = '{"choices": [{"text": "\u2028\u00e9", "token_ids": [7]}]}'.encode()
    pieces, out, _ = read_events(Endpoint.COMPLETIONS, [b"data: " + wide])
    assert pieces[0].text == "\u2028\u00e9" and out.isascii()  # no raw line separators


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"event: x", "not 'data:'"),
        (b": a comment", "not 'data:'"),
        (b'data: {"choices": [', "malformed JSON"),
        (b'data: {"a": 1} {"b": 2}', "malformed JSON"),
        (b"data: NaN", "malformed JSON"),
        (b"data: \xff", "malformed JSON"),
        (b"data: [1]", "not a JSON object"),
        (b'data: {"choices": [{"text": "a"}]}', "no token ids"),
        (b'data: {"choices": [{"text": "a", "token_ids": [-1]}]}', "non-negative"),
        (b'data: {"choices": [{}, {}]}', "other than one choice"),
        (
            b'data: {"choices": [{"text": "a", "token_ids": [7]}], "x": '
            + b"[" * 300
            + b"]" * 300
            + b"}",
            "too deep",
        ),
    ],
)
def test_malformed_upstream_events_fail_closed(line: bytes, message: str) -> None:
    good = b'data: {"choices": [{"text": "a", "token_ids": [7]}]}'
    with pytest.raises(SourceError, match=message):
        read_events(Endpoint.COMPLETIONS, [good, line])
