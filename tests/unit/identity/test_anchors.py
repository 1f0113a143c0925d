"""Anchor chains (issue 15): survive casts, scaling and GGML quantisation; keyed; stored."""

from __future__ import annotations

import json

import ml_dtypes
import numpy as np
import pytest

from airlock.exports.ggml_blocks import dequantise, locate_blocks
from airlock.identity.anchors import (
    RADIUS,
    SAMPLE,
    AnchorIndex,
    anchors,
    chain_keys,
    sampled_keys,
)
from airlock.identity.derivatives import decode_identity, encode_identity
from tests.support.ggml import QUANTISERS

KEY = b"anchor test key"
MODEL = np.random.default_rng(7).normal(0, 0.02, 4 * 1024 * 1024).astype(np.float16)


def _dequantised(blocks: bytes) -> np.ndarray:
    data = np.frombuffer(blocks, dtype=np.uint8)
    layout = locate_blocks(data[: 16 * 1024])
    assert layout is not None
    _, stride, phase, big = layout
    return dequantise(data, stride, phase, big=big)


def _survival(piece_values: np.ndarray) -> float:
    registered, _ = chain_keys(KEY, MODEL.astype(np.float32))
    found, _ = chain_keys(KEY, piece_values)
    return float(np.isin(found, registered).mean())


def test_anchors_are_strict_window_maxima() -> None:
    values = np.zeros(200, dtype=np.float32)
    values[[40, 50, 100, 117]] = [1.0, -2.0, 3.0, 0.5]
    # 40 is within RADIUS of the larger 50; 117 is RADIUS + 1 past 100: both windows clear
    assert anchors(values).tolist() == [50, 100, 117]
    assert RADIUS == 16


def test_chains_survive_casts_and_scaling() -> None:
    piece = MODEL[12345 : 12345 + 1024 * 1024].astype(np.float32)
    assert _survival(piece) == 1.0  # the same values at an odd offset: every chain
    assert _survival((piece * 3.5).astype(ml_dtypes.bfloat16).astype(np.float32)) > 0.8
    assert _survival(-piece) == 0.0  # signs are part of the key


@pytest.mark.parametrize(
    ("name", "floor"),
    [
        ("q8_0 llama.cpp", 0.8),
        ("q8_0 nearest", 0.8),
        ("q4_0 llama.cpp", 0.15),
        ("q4_0 nearest", 0.05),
    ],
)
def test_chains_survive_quantisation_at_an_odd_offset(name: str, floor: float) -> None:
    piece = MODEL[777_777 : 777_777 + 1024 * 1024]
    assert _survival(_dequantised(QUANTISERS[name](piece))) >= floor


def test_keys_depend_on_the_key() -> None:
    values = MODEL[:100_000].astype(np.float32)
    assert not np.isin(chain_keys(b"other", values)[0], chain_keys(KEY, values)[0]).any()


def test_sample_is_one_in_sample() -> None:
    kept = sampled_keys(KEY, MODEL.astype(np.float32))
    total = chain_keys(KEY, MODEL.astype(np.float32))[0].size
    assert 0.5 < kept.size * SAMPLE / total < 1.5
    assert (kept % np.uint64(SAMPLE) == 0).all()


def test_repeated_chains_are_not_kept() -> None:
    period = MODEL[:500_000].astype(np.float32)
    assert sampled_keys(KEY, np.tile(period, 4)).size == 0  # periodic: nothing of its own
    assert sampled_keys(KEY, period).size > 0


def test_index_counts_hits_per_model() -> None:
    keys = sampled_keys(KEY, MODEL.astype(np.float32))
    index = AnchorIndex(KEY, [("a", keys[:10]), ("b", keys[10:12])])
    hits = index.hits(chain_keys(KEY, MODEL.astype(np.float32))[0])
    assert {m: len(v) for m, v in hits.items()} == {"a": 10, "b": 2}
    assert not AnchorIndex(KEY, [])


def test_identity_keeps_anchors_and_reads_old_identities() -> None:
    keys = np.array([5, 3, 3, 2**63 + 1], dtype=np.uint64)
    decoded = decode_identity(encode_identity(1.2, [], keys))
    assert decoded is not None
    assert decoded.anchors.tolist() == [3, 5, 2**63 + 1]
    old = json.dumps({"v": 1, "lossless_ratio": 1.1, "sketches": []})
    legacy = decode_identity(old)
    assert legacy is not None
    assert legacy.anchors.size == 0
    assert "anchors" not in json.loads(encode_identity(1.1, []))


@pytest.mark.parametrize("n", [0, 10, 33, 34, 1000, 5000])
def test_blocked_anchors_equal_one_pass(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    values = np.random.default_rng(n).normal(size=n).astype(np.float32)
    whole = anchors(values)
    monkeypatch.setattr("airlock.identity.anchors.BLOCK", 7)  # under RADIUS: overlaps matter
    assert np.array_equal(anchors(values), whole)
    monkeypatch.setattr("airlock.identity.anchors.BLOCK", 1000)
    assert np.array_equal(anchors(values), whole)
