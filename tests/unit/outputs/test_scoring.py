from __future__ import annotations

import math

import numpy as np
import pytest

from airlock.errors import InvalidInput
from airlock.outputs.protocol import perturbed, sample
from airlock.outputs.scoring import Fit, score_response, score_token

RNG = np.random.default_rng(3)
LOGITS = RNG.normal(0, 3, size=(40, 64))
T, SEED = 0.8, 1234


def _honest() -> list[int]:
    return [sample(LOGITS[t], T, SEED, t) for t in range(len(LOGITS))]


def test_exact_replay_has_no_unexplained_bits() -> None:
    score = score_response(LOGITS, _honest(), temperature=T, seed=SEED, tolerance=1e-6)
    assert all(s.fit is Fit.EXACT for s in score.tokens)
    assert score.unexplained_bits == 0
    assert score.surprise_bits == 0


def test_float_noise_within_tolerance_is_forgiven() -> None:
    noisy = LOGITS + RNG.uniform(-1e-4, 1e-4, size=LOGITS.shape)
    score = score_response(noisy, _honest(), temperature=T, seed=SEED, tolerance=1e-4)
    assert score.unexplained_bits == 0


def test_a_swapped_token_counts_log2_of_its_rank() -> None:
    tokens = _honest()
    z = perturbed(LOGITS[5], T, SEED, 5)
    third = int(np.argsort(z)[::-1][2])
    tokens[5] = third
    score = score_response(LOGITS, tokens, temperature=T, seed=SEED, tolerance=1e-6)
    (bad,) = score.unexplained
    assert bad.position == 5
    assert bad.rank == 2
    assert bad.unexplained_bits == pytest.approx(math.log2(3))
    assert bad.replayed == tokens[5] or bad.replayed == int(np.argmax(z))
    assert bad.surprise_bits > 20


def test_near_tie_inside_tolerance_is_capacity_not_unexplained() -> None:
    logits = np.array([5.0, 5.0 - 1e-3, 0.0, -3.0])
    z = perturbed(logits, 0.0, 0, 0)
    second = int(np.argsort(z)[::-1][1])
    score = score_token(logits, second, temperature=0.0, seed=0, position=0, tolerance=1e-3)
    assert score.fit is Fit.WITHIN_TOLERANCE
    assert score.unexplained_bits == 0
    assert score.capacity_bits == 1.0
    strict = score_token(logits, second, temperature=0.0, seed=0, position=0, tolerance=1e-4)
    assert strict.fit is Fit.UNEXPLAINED
    assert strict.unexplained_bits == 1.0


def test_shape_and_vocabulary_are_checked() -> None:
    with pytest.raises(InvalidInput):
        score_response(LOGITS[:3], [1, 2], temperature=T, seed=SEED)
    with pytest.raises(InvalidInput):
        score_token(LOGITS[0], 64, temperature=T, seed=SEED, position=0)
