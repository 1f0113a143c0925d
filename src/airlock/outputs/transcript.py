"""Transcripts: what the trusted logger records for every response. Pure, no numpy.

A transcript is (model digest, prompt tokens, sampling parameters, seed, output tokens)
plus who asked and through which upstream; its SHA-256 over canonical JSON is its address.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NewType

from airlock.domain.names import sha256_hex
from airlock.errors import InvalidInput
from airlock.ledger.records import MAX_RECORD_BYTES, canonical_json, canonical_json_of_checked

PROTOCOL = "airlock-gumbel-v1"  # the sampling protocol, see airlock.outputs.protocol
MAX_SEED = 2**63 - 1  # what OpenAI-compatible servers accept as a seed
MAX_TEMPERATURE = 2.0
TranscriptDigest = NewType("TranscriptDigest", str)  # hex SHA-256 of the canonical transcript
# A transcript's bytes besides its token ids and free strings (keys, seed, temperature, the
# request id, time and text digest), with room to spare.
FRAME_BYTES = 1024


@dataclass(frozen=True, slots=True)
class Transcript:
    """One response as the trusted logger records it: enough to replay it exactly.

    ``temperature_milli`` keeps the temperature as an integer (thousandths): transcripts are
    canonical JSON, which holds no floats.
    """

    model: str
    model_digest: str
    caller: str
    upstream: str
    endpoint: str
    prompt_tokens: tuple[int, ...]
    output_tokens: tuple[int, ...]
    temperature_milli: int
    seed: int
    request_id: str
    at: str  # ISO 8601, UTC
    protocol: str = PROTOCOL
    # SHA-256 (hex) of the text the caller received: the verifier checks it against what
    # the token ids decode to (docs/adr/0056). "" in transcripts written before it, whose
    # bytes, digests and proofs stay as they were.
    text_sha256: str = ""
    # The caller's prompt when it sent text, not token ids (openai.prompt_text): the
    # verifier checks that prompt_tokens, which only the upstream reported, are what the
    # model's tokenizer makes of it (docs/adr/0058). "" otherwise and in older transcripts.
    prompt: str = ""

    def __post_init__(self) -> None:
        if self.protocol != PROTOCOL:
            raise InvalidInput(f"unknown sampling protocol {self.protocol!r}")
        if self.text_sha256:
            try:
                sha256_hex(self.text_sha256)
            except InvalidInput as e:
                raise InvalidInput(f"text_sha256: {e.message}") from None
        if not 0 <= self.temperature_milli <= MAX_TEMPERATURE * 1000:
            raise InvalidInput("temperature_milli is out of range")
        if not 0 <= self.seed <= MAX_SEED:
            raise InvalidInput("the seed must be a non-negative 63-bit integer")
        if any(t < 0 for t in self.prompt_tokens) or any(t < 0 for t in self.output_tokens):
            raise InvalidInput("token ids cannot be negative")

    @property
    def temperature(self) -> float:
        return self.temperature_milli / 1000

    def to_json(self) -> dict[str, Any]:
        document = {
            "protocol": self.protocol,
            "model": self.model,
            "model_digest": self.model_digest,
            "caller": self.caller,
            "upstream": self.upstream,
            "endpoint": self.endpoint,
            "prompt_tokens": list(self.prompt_tokens),
            "output_tokens": list(self.output_tokens),
            "temperature_milli": self.temperature_milli,
            "seed": self.seed,
            "request_id": self.request_id,
            "at": self.at,
        }
        if self.text_sha256:
            document["text_sha256"] = self.text_sha256
        if self.prompt:
            document["prompt"] = self.prompt
        return document

    def to_bytes(self) -> bytes:
        """The canonical JSON (:func:`canonical_json`) of :meth:`to_json`: the same bytes.

        Once per response, so without canonical_json's walk over every value when every
        field holds exactly its declared type (the walk then accepts them all); anything
        else takes the walk, and its refusals (InvalidInput)."""
        document = self.to_json()
        texts = (
            *(self.model, self.model_digest, self.caller, self.upstream, self.endpoint),
            *(self.request_id, self.at, self.protocol, self.text_sha256, self.prompt),
        )
        if (
            all(type(t) is str for t in texts)
            and type(self.temperature_milli) is int
            and type(self.seed) is int
            and all(type(t) is int for t in self.prompt_tokens)
            and all(type(t) is int for t in self.output_tokens)
        ):
            return canonical_json_of_checked(document)
        return canonical_json(document)

    @property
    def digest(self) -> TranscriptDigest:
        return TranscriptDigest(hashlib.sha256(self.to_bytes()).hexdigest())

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Transcript:
        """Raises: InvalidInput when a field is missing or of the wrong type."""
        try:
            return cls(
                model=_str(raw["model"]),
                model_digest=_str(raw["model_digest"]),
                caller=_str(raw["caller"]),
                upstream=_str(raw["upstream"]),
                endpoint=_str(raw["endpoint"]),
                prompt_tokens=_ints(raw["prompt_tokens"]),
                output_tokens=_ints(raw["output_tokens"]),
                temperature_milli=_int(raw["temperature_milli"]),
                seed=_int(raw["seed"]),
                request_id=_str(raw["request_id"]),
                at=_str(raw["at"]),
                protocol=_str(raw["protocol"]),
                text_sha256=_str(raw.get("text_sha256", "")),
                prompt=_str(raw.get("prompt", "")),
            )
        except (KeyError, TypeError) as e:
            raise InvalidInput(f"transcript is malformed: {e}") from e


def transcript_bound(
    strings: Sequence[str],
    prompt: Sequence[int],
    outputs: int,
    output_id_bytes: int,
    text_bytes: int = 0,
) -> int:
    """At least the bytes of a transcript with these short free strings (model, caller,
    ...), ``text_bytes`` of others as encoded (:func:`encoded_size`: the prompt's text),
    this prompt and up to ``outputs`` output ids of at most ``output_id_bytes - 1`` digits
    each; never less, so a transcript bounded here below :data:`MAX_TRANSCRIPT_BYTES` can be
    written. One ``max`` over the prompt, no encoding (it runs before a stream starts)."""
    prompt_id_bytes = len(str(max(prompt, default=0))) + 1
    escaped = 6 * sum(len(s) for s in strings)  # "\u001f" is the longest a character gets
    ids = len(prompt) * prompt_id_bytes + outputs * output_id_bytes
    return FRAME_BYTES + escaped + text_bytes + ids


def encoded_size(text: str) -> int:
    """The bytes ``text`` takes in a transcript's canonical JSON, quotes and key aside."""
    return len(json.dumps(text, ensure_ascii=False).encode()) + 16


MAX_TRANSCRIPT_BYTES = MAX_RECORD_BYTES  # what canonical JSON writes (to_bytes refuses more)


def text_sha256(encoded: bytes) -> str:
    """What a transcript records of the text the caller received: the SHA-256 of its
    UTF-8 bytes."""
    return hashlib.sha256(encoded).hexdigest()


def temperature_milli(temperature: float) -> int:
    return round(temperature * 1000)


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


def _ints(value: object) -> tuple[int, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise TypeError("expected a list of token ids")
    return tuple(_int(v) for v in value)
