from __future__ import annotations

import pytest

from airlock.errors import InvalidInput, SourceError
from airlock.outputs.openai import (
    Endpoint,
    ForcedRequest,
    Frame,
    Piece,
    answer,
    force_request,
    read_events,
    read_piece,
)

FRAME = Frame("r1", 1700000000, "m")


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


@pytest.mark.parametrize(
    ("endpoint", "extra"),
    [
        (Endpoint.COMPLETIONS, {"use_beam_search": True}),
        (Endpoint.COMPLETIONS, {"allowed_token_ids": [1, 2]}),
        (Endpoint.COMPLETIONS, {"logits_processors": ["pkg.module:steer"]}),
        (Endpoint.COMPLETIONS, {"min_p": 0.2}),
        (Endpoint.COMPLETIONS, {"echo": True}),
        (Endpoint.COMPLETIONS, {"messages": []}),
        (Endpoint.CHAT, {"response_format": {"type": "json_object"}}),
        (Endpoint.CHAT, {"tools": [], "tool_choice": "required"}),
        (Endpoint.CHAT, {"chat_template": "{{ 7 * 7 }}"}),
        (Endpoint.CHAT, {"prompt": "x"}),
    ],
)
def test_parameters_the_verifier_cannot_replay_are_refused_not_forwarded(
    endpoint: Endpoint, extra: dict[str, object]
) -> None:
    base: dict[str, object] = (
        {"prompt": "x"} if endpoint is Endpoint.COMPLETIONS else {"messages": []}
    )
    with pytest.raises(InvalidInput, match="not accepted through the airlock") as refused:
        _force(base | extra, endpoint)
    assert sorted(extra)[0] in refused.value.message


def test_the_parameters_a_client_library_sends_by_default_are_accepted() -> None:
    chat = {"messages": [], "model": "m", "stream": True, "stream_options": {}, "user": "u"}
    chat |= {"max_completion_tokens": 9, "logprobs": False, "top_logprobs": None, "n": 1}
    assert _force(chat, Endpoint.CHAT)["max_tokens"] == 9
    completion = {"prompt": "x", "stop": ["\n"], "best_of": 1, "logit_bias": None}
    forced = _force(completion)
    assert forced["stop"] == ["\n"] and forced["include_stop_str_in_output"] is True
    assert "include_stop_str_in_output" not in _force({"prompt": "x"})


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


def test_the_callers_answer_holds_only_what_the_gateway_counted() -> None:
    piece = Piece((1, 2), "ab", (9,), "length")
    assert answer(Endpoint.COMPLETIONS, FRAME, piece, 1) == {
        "id": "cmpl-r1",
        "object": "text_completion",
        "created": 1700000000,
        "model": "m",
        "choices": [{"index": 0, "text": "ab", "logprobs": None, "finish_reason": "length"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }
    chat = answer(Endpoint.CHAT, FRAME, piece, 1)
    assert chat["object"] == "chat.completion" and chat["id"] == "chatcmpl-r1"
    assert chat["choices"][0]["message"] == {"role": "assistant", "content": "ab"}


@pytest.mark.parametrize("where", ["document", "choice", "message"])
def test_nothing_else_the_upstream_wrote_is_read_into_a_piece(where: str) -> None:
    payload = "x" * 1000
    choice: dict[str, object] = {"message": {"content": "a"}, "token_ids": [5]}
    document: dict[str, object] = {"choices": [choice]}
    holder = {"document": document, "choice": choice, "message": choice["message"]}[where]
    holder["system_fingerprint"] = payload  # type: ignore[index]
    piece = read_piece(Endpoint.CHAT, document, final=True)
    assert payload not in repr(answer(Endpoint.CHAT, FRAME, piece, 0))


@pytest.mark.parametrize("reason", ["abort", "tool_calls", "x" * 40, 1])
def test_a_finish_reason_other_than_stop_or_length_fails_closed(reason: object) -> None:
    document = {"choices": [{"text": "a", "token_ids": [1], "finish_reason": reason}]}
    with pytest.raises(SourceError, match="finish_reason"):
        read_piece(Endpoint.COMPLETIONS, document, final=True)


def test_sse_lines() -> None:
    event = b'data: {"choices": [{"text": "a", "token_ids": [7]}], "prompt_token_ids": [1]}'
    lines = [event, b"", b"data: [DONE]", event]
    pieces, out, done = read_events(Endpoint.COMPLETIONS, lines, FRAME)
    assert done and [p.tokens for p in pieces] == [(7,)]  # nothing after [DONE] is read
    assert out == (
        b'data: {"id":"cmpl-r1","object":"text_completion","created":1700000000,"model":"m",'
        b'"choices":[{"index":0,"text":"a","logprobs":null,"finish_reason":null}]}\n\n'
    )
    assert read_events(Endpoint.COMPLETIONS, [b"\r", event + b"\r"], FRAME)[1:] == (out, False)
    wide = '{"choices": [{"text": "\u2028\u00e9", "token_ids": [7]}]}'.encode()
    pieces, out, _ = read_events(Endpoint.COMPLETIONS, [b"data: " + wide], FRAME)
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
    ],
)
def test_malformed_upstream_events_fail_closed(line: bytes, message: str) -> None:
    good = b'data: {"choices": [{"text": "a", "token_ids": [7]}]}'
    with pytest.raises(SourceError, match=message):
        read_events(Endpoint.COMPLETIONS, [good, line], FRAME)


def test_role_only_usage_only_and_deep_events_relay_nothing_of_the_upstream() -> None:
    role = b'data: {"choices": [{"delta": {"role": "assistant"}}]}'
    usage = b'data: {"choices": [], "usage": {"completion_tokens": 1, "x": "payload"}}'
    deep = b'data: {"choices": [{"delta": {"content": "a"}, "token_ids": [7]}], "x": '
    deep += b"[" * 300 + b"]" * 300 + b"}"
    pieces, out, _ = read_events(Endpoint.CHAT, [role, usage, deep], FRAME)
    assert len(pieces) == 3 and out.count(b"data: ") == 1
    assert b"payload" not in out and b"[[" not in out
    assert b'"delta":{"role":"assistant","content":"a"}' in out


def test_a_text_prompt_is_kept_for_the_transcript_and_token_ids_are_not() -> None:
    """The verifier checks the upstream's prompt ids against the caller's text
    (docs/adr/0058); a caller's own ids need no check, and an empty list is refused."""

    def forced(endpoint: Endpoint, body: dict[str, object]) -> ForcedRequest:
        return force_request(endpoint, body, model="m", seed=1, max_tokens_cap=10)

    assert forced(Endpoint.COMPLETIONS, {"prompt": "hi"}).prompt == "hi"
    assert forced(Endpoint.COMPLETIONS, {"prompt": [1, 2]}).prompt == ""
    chat = forced(Endpoint.CHAT, {"messages": [{"role": "user", "content": "hi"}]})
    assert chat.prompt == '[{"content":"hi","role":"user"}]'
    with pytest.raises(InvalidInput, match="empty"):
        forced(Endpoint.COMPLETIONS, {"prompt": []})
    with pytest.raises(InvalidInput, match="cannot be recorded"):
        forced(Endpoint.COMPLETIONS, {"prompt": "a\ud800"})
    with pytest.raises(InvalidInput, match="cannot be recorded"):
        forced(Endpoint.CHAT, {"messages": [{"role": "user", "content": "\udfff"}]})


@pytest.mark.parametrize(
    "message",
    [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://x/"}}]},
        {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "AA"}}]},
        {"role": "tool", "content": "42", "tool_call_id": "c1"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1"}]},
        {"role": "user", "content": "hi", "chat_template_kwargs": {}},
        "hi",
    ],
    ids=["image", "audio", "tool-result", "tool-call", "extra-key", "not-an-object"],
)
def test_chat_messages_are_text_only(message: object) -> None:
    """A message part naming a URL is fetched by the server, beside the weights; tool
    messages need the tools that are refused. Neither can be replayed (docs/adr/0058)."""
    with pytest.raises(InvalidInput, match="message"):
        _force({"messages": [message]}, Endpoint.CHAT)


def test_text_messages_are_accepted() -> None:
    parts = [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]
    messages: list[dict[str, object]] = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": parts, "name": "rita"},
        {"role": "assistant", "content": "ok"},
    ]
    forwarded = _force({"messages": messages}, Endpoint.CHAT)["messages"]
    # Text parts joined as vLLM joins them for a template of string content, so the
    # server and the verifier's template render the same text.
    joined = {"role": "user", "content": "a\nb", "name": "rita"}
    assert forwarded == [messages[0], joined, messages[2]]
