"""A transcript's bytes (its address) are the canonical JSON of its fields, whichever way
:meth:`Transcript.to_bytes` takes to them, and what canonical JSON refuses stays refused."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airlock.errors import InvalidInput
from airlock.ledger.records import canonical_json
from airlock.outputs.transcript import Transcript, transcript_bound
from tests.support.transcripts import SAMPLE

BASE = SAMPLE
tokens = st.lists(st.integers(0, 2**40), max_size=40).map(tuple)


@given(
    caller=st.text(),
    endpoint=st.text(max_size=8),
    prompt=tokens,
    output=tokens,
    temperature=st.integers(0, 2000),
    seed=st.integers(0, 2**63 - 1),
)
def test_the_bytes_are_the_canonical_json_of_the_fields(
    caller: str,
    endpoint: str,
    prompt: tuple[int, ...],
    output: tuple[int, ...],
    temperature: int,
    seed: int,
) -> None:
    t = replace(
        BASE,
        caller=caller,
        endpoint=endpoint,
        prompt_tokens=prompt,
        output_tokens=output,
        temperature_milli=temperature,
        seed=seed,
    )
    try:
        expected = canonical_json(t.to_json())
    except InvalidInput:  # a lone surrogate in the text
        with pytest.raises(InvalidInput):
            t.to_bytes()
        return
    assert t.to_bytes() == expected


@pytest.mark.parametrize(
    "change",
    [
        {"caller": "\ud800"},  # a lone surrogate
        {"seed": 7.0},  # floats have more than one spelling
        {"output_tokens": (1, 2.5)},
        {"output_tokens": (65,) * 100_000},  # past the record size
    ],
)
def test_what_canonical_json_refuses_stays_refused(change: dict[str, Any]) -> None:
    t = replace(BASE, **change)
    with pytest.raises(InvalidInput):
        canonical_json(t.to_json())
    with pytest.raises(InvalidInput):
        t.to_bytes()


def test_a_field_of_another_type_takes_the_canonical_walk() -> None:
    t = replace(BASE, output_tokens=(True, 66))  # a boolean: canonical JSON writes true
    assert t.to_bytes() == canonical_json(t.to_json())
    assert b'"output_tokens":[true,66]' in t.to_bytes()


def test_a_transcript_without_the_text_hash_keeps_its_old_bytes_and_address() -> None:
    assert b"text_sha256" not in BASE.to_bytes()
    assert Transcript.from_json(BASE.to_json()) == BASE
    hashed = replace(BASE, text_sha256="0f" * 32)
    assert hashed.to_bytes() == canonical_json(hashed.to_json())
    assert b'"text_sha256":"' + b"0f" * 32 + b'"' in hashed.to_bytes()
    assert Transcript.from_json(hashed.to_json()) == hashed
    assert hashed.digest != BASE.digest


@pytest.mark.parametrize("value", ["0F" * 32, "ab", "zz" * 32])
def test_a_text_hash_must_be_a_sha256(value: str) -> None:
    with pytest.raises(InvalidInput, match="text_sha256"):
        replace(BASE, text_sha256=value)


@given(
    caller=st.text().filter(lambda t: not any(0xD800 <= ord(c) < 0xE000 for c in t)),
    prompt=st.lists(st.integers(0, 2**24 - 1), max_size=60).map(tuple),
    output=st.lists(st.integers(0, 2**24 - 1), max_size=60).map(tuple),
)
def test_the_bound_checked_before_a_stream_starts_is_never_below_the_bytes(
    caller: str, prompt: tuple[int, ...], output: tuple[int, ...]
) -> None:
    """The gateway refuses a stream whose transcript could not be written before its first
    token leaves (docs/adr/0058), from this bound: were it ever below the bytes, the
    transcript would fail after the tokens left."""
    one = replace(
        BASE,
        caller=caller,
        prompt_tokens=prompt,
        output_tokens=output,
        seed=2**63 - 1,
        request_id="0" * 36,
        at="2026-07-01T12:00:00.123456+00:00",
        text_sha256="ab" * 32,
    )
    strings = (one.caller, one.model, one.model_digest, one.upstream)
    bound = transcript_bound(strings, prompt, len(output), len(str(2**24 - 1)) + 1)
    assert len(one.to_bytes()) <= bound
