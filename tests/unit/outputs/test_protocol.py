from __future__ import annotations

import math

import numpy as np
import pytest

from airlock.errors import InvalidInput
from airlock.outputs.protocol import gumbel_noise, perturbed, sample
from airlock.outputs.transcript import Transcript


def test_noise_is_a_keyed_function_of_seed_and_position() -> None:
    a = gumbel_noise(7, 3, 50)
    assert np.array_equal(a, gumbel_noise(7, 3, 50))
    assert not np.array_equal(a, gumbel_noise(8, 3, 50))
    assert not np.array_equal(a, gumbel_noise(7, 4, 50))
    # a prefix of a longer draw: the vocabulary size does not reshuffle the noise
    assert np.array_equal(a, gumbel_noise(7, 3, 80)[:50])


def test_noise_is_pinned() -> None:
    # The protocol is an interface with upstreams: any change here breaks replay.
    assert gumbel_noise(1, 0, 4).tolist() == [
        -0.17575800360186303,
        1.8076498398198795,
        -0.6189814975417193,
        -1.2442527174409206,
    ]
    value = float(gumbel_noise(12345, 6, 3)[2])
    words = np.random.Philox(key=12345 + (6 << 64)).random_raw(3)
    u = ((int(words[2]) >> 11) + 0.5) / 2**53
    assert value == -math.log(-math.log(u))


def test_gumbel_max_samples_the_softmax() -> None:
    logits = np.array([0.0, 1.0, 2.0, -1.0])
    temperature = 0.7
    counts = np.bincount(
        [sample(logits, temperature, seed, 0) for seed in range(20_000)], minlength=4
    )
    expected = np.exp(logits / temperature) / np.exp(logits / temperature).sum()
    assert np.abs(counts / counts.sum() - expected).max() < 0.015


def test_greedy_is_argmax_without_noise() -> None:
    logits = np.array([0.1, 3.0, 2.9])
    assert np.array_equal(perturbed(logits, 0.0, 5, 0), logits)
    assert sample(logits, 0.0, 5, 0) == 1


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(InvalidInput):
        gumbel_noise(-1, 0, 10)
    with pytest.raises(InvalidInput):
        gumbel_noise(1, 0, 0)
    with pytest.raises(InvalidInput):
        perturbed(np.zeros((2, 2)), 1.0, 1, 0)


def _transcript(**changes: object) -> Transcript:
    fields: dict[str, object] = {
        "model": "m",
        "model_digest": "ab" * 32,
        "caller": "rita",
        "upstream": "upstream",
        "endpoint": "completions",
        "prompt_tokens": (1, 2),
        "output_tokens": (3, 4),
        "temperature_milli": 700,
        "seed": 9,
        "request_id": "r",
        "at": "2026-01-01T00:00:00+00:00",
    }
    fields.update(changes)
    return Transcript(**fields)  # type: ignore[arg-type]


def test_transcript_digest_is_content_address_and_round_trips() -> None:
    t = _transcript()
    assert Transcript.from_json(t.to_json()) == t
    assert t.digest == _transcript().digest
    assert t.digest != _transcript(output_tokens=(3, 5)).digest
    assert t.temperature == 0.7


def test_transcript_refuses_bad_fields() -> None:
    with pytest.raises(InvalidInput):
        _transcript(seed=-1)
    with pytest.raises(InvalidInput):
        _transcript(protocol="other")
    with pytest.raises(InvalidInput):
        Transcript.from_json({"model": "m"})
