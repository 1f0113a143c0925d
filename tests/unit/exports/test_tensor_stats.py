"""Raw tensor recognition per dtype and alignment, and silence on ordinary data."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from airlock.exports.tensor_stats import guess_tensor, is_opaque
from scripts.make_inspection_corpus import DTYPES, weights

RNG = np.random.default_rng(11)


def as_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shift", [0, 1, 3])
def test_weights_are_recognised_at_any_offset(dtype: str, shift: int) -> None:
    data = weights(RNG, 256 * 1024, dtype)[shift:]
    assert guess_tensor(as_bytes(data)) is not None


@pytest.mark.parametrize(
    "data",
    [
        RNG.integers(0, 1000, 65536).astype(np.int32).tobytes(),  # counters
        RNG.uniform(0, 1, 65536).astype(np.float32).tobytes(),  # an image in [0, 1]
        RNG.normal(0.5, 0.1, 32768).astype(np.float64).tobytes(),  # float64 metrics
        b"step=1 loss=0.52\n" * 20000,
        bytes(262144),
        gzip.compress(b"".join(b"line %d ok\n" % i for i in range(200000))),
    ],
    ids=["int32", "float32-image", "float64", "text", "zeros", "gzip"],
)
def test_ordinary_data_is_not_called_weights(data: bytes) -> None:
    assert guess_tensor(as_bytes(data)) is None


def test_random_bytes_are_opaque_and_text_is_not() -> None:
    assert is_opaque(as_bytes(RNG.bytes(262144)))
    assert not is_opaque(as_bytes(b"hello world " * 30000))
    assert guess_tensor(as_bytes(b"short")) is None
