"""One transcript of the output channel's log, for tests to vary with ``dataclasses.replace``."""

from __future__ import annotations

from airlock.outputs.transcript import Transcript

SAMPLE = Transcript(
    model="m",
    model_digest="ab" * 32,
    caller="rita",
    upstream="up",
    endpoint="completions",
    prompt_tokens=(1, 2),
    output_tokens=(65,),
    temperature_milli=700,
    seed=7,
    request_id="r",
    at="2026-07-01T12:00:00+00:00",
)
