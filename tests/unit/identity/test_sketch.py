"""Derivative sketches: every transformation of the issue is named, unrelated tensors are not."""

from __future__ import annotations

from collections.abc import Callable

import ml_dtypes
import numpy as np
import pytest

from airlock.identity.derivatives import DerivativeIndex, decode_identity, encode_identity
from airlock.identity.dtypes import decode_gguf, quantize_q4_0, quantize_q8_0
from airlock.identity.registration import register_shards
from airlock.identity.sketch import Projections, sketch_tensor
from airlock.identity.st_writer import safetensors_bytes

KEY = b"s" * 32
RNG = np.random.default_rng(5)
W = (RNG.standard_normal((512, 256)) * 0.02).astype(np.float32)


def _int8(a: np.ndarray) -> np.ndarray:
    scale = np.abs(a).max() / 127
    out: np.ndarray = np.rint(a / scale).astype(np.int8).astype(np.float32)
    return out


def _gguf(
    type_id: int, quantize: Callable[[np.ndarray], bytes]
) -> Callable[[np.ndarray], np.ndarray]:
    def apply(a: np.ndarray) -> np.ndarray:
        out = decode_gguf(type_id, quantize(a.reshape(-1)))
        assert out is not None
        return out.reshape(a.shape)

    return apply


TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "fp16": lambda a: a.astype(np.float16).astype(np.float32),
    "bf16": lambda a: a.astype(ml_dtypes.bfloat16).astype(np.float32),
    "fp8": lambda a: (a * 100).astype(ml_dtypes.float8_e4m3fn).astype(np.float32),
    "int8": _int8,
    "q8_0": _gguf(8, quantize_q8_0),
    "q4_0": _gguf(2, quantize_q4_0),
    "fine-tune 1e-3": lambda a: a + 1e-3 * np.abs(a).mean() * RNG.standard_normal(a.shape),
    "row permutation": lambda a: a[RNG.permutation(a.shape[0])] * 3.0,
    "column permutation and scaling": lambda a: (
        a[:, RNG.permutation(a.shape[1])] * RNG.uniform(0.5, 2, size=(a.shape[0], 1))
    ),
    "transposed": lambda a: np.ascontiguousarray(a.T),
}


def _index() -> DerivativeIndex:
    registration = register_shards(KEY, "secret", [("", [_safetensors(W)])], sampled=True)
    return DerivativeIndex(KEY, [registration.model])


def _safetensors(a: np.ndarray) -> bytes:
    return safetensors_bytes({"layer.0.w": a, "norm": np.ones(256, np.float32)})


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_each_transformation_is_named_with_its_tensor(name: str) -> None:
    matches = _index().match("exported", TRANSFORMS[name](W).astype(np.float32))
    assert matches, name
    assert (matches[0].model, matches[0].tensor) == ("secret", "layer.0.w")
    assert matches[0].score >= 0.5


def test_unrelated_tensors_of_the_same_shape_are_not_named() -> None:
    index = _index()
    for seed in range(20):
        other = np.random.default_rng(100 + seed).standard_normal(W.shape).astype(np.float32)
        assert index.match("other", other) == []
        assert index.match("other", np.ascontiguousarray(other.T)) == []


def test_small_and_flat_tensors_are_not_sketched_and_identity_round_trips() -> None:
    projections = Projections(KEY)
    assert sketch_tensor(np.ones(5000, np.float32), projections) == []
    assert sketch_tensor(np.ones((4, 4), np.float32), projections) == []
    text = encode_identity(1.25, [("w", sketch_tensor(W, projections))])
    identity = decode_identity(text)
    assert identity is not None and identity.lossless_ratio == 1.25
    assert identity.sketches[0][1][0].hashes.shape == (32, 2)
    assert decode_identity("") is None


def test_another_enclave_key_does_not_match() -> None:
    registration = register_shards(KEY, "secret", [("", [_safetensors(W)])], sampled=False)
    assert DerivativeIndex(b"t" * 32, [registration.model]).match("w", W) == []
