"""GGML Q8_0/Q4_0 blocks made both ways: llama.cpp's rounding and round-to-nearest."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from airlock.identity.dtypes import quantize_q4_0, quantize_q8_0


def round_to_nearest(values: np.ndarray, kind: str) -> bytes:
    """GGML blocks rounded the other way from llama.cpp: scale = amax / 127 or amax / 8,
    round to nearest, clip (Q4_0's positive peak becomes +7)."""
    blocks = values.astype(np.float32).reshape(-1, 32)
    amax = np.abs(blocks).max(axis=1, keepdims=True)
    top = 127 if kind == "q8_0" else 8
    scale = amax / top
    q = np.round(blocks / np.where(scale == 0, 1, scale))
    scales = scale.astype("<f2").view(np.uint8).reshape(-1, 2)
    if kind == "q8_0":
        quants: np.ndarray = q.clip(-127, 127).astype(np.int8).view(np.uint8)
    else:
        nibbles = (q.clip(-8, 7) + 8).astype(np.uint8)
        quants = nibbles[:, :16] | (nibbles[:, 16:] << 4)
    return np.concatenate([scales, quants], axis=1).tobytes()


QUANTISERS: dict[str, Callable[[np.ndarray], bytes]] = {
    "q8_0 llama.cpp": quantize_q8_0,
    "q4_0 llama.cpp": quantize_q4_0,
    "q8_0 nearest": lambda v: round_to_nearest(v, "q8_0"),
    "q4_0 nearest": lambda v: round_to_nearest(v, "q4_0"),
}
