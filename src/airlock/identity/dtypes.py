"""Decode stored tensor bytes to float32: IEEE and brain floats, fp8, integers, GGUF blocks.

Pure functions over bytes and numpy arrays. What they deliberately do not do: read files,
or decode the k-quant and i-quant GGUF families (Q2_K ... IQ4): those tensors are skipped
by the parsers and still covered by exact fingerprints.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Floats = NDArray[np.float32]

# safetensors dtype names -> (bytes per element); fp8 and bf16 need a decoder of their own.
SAFETENSORS_WIDTH = {
    "F64": 8,
    "F32": 4,
    "F16": 2,
    "BF16": 2,
    "F8_E4M3": 1,
    "F8_E5M2": 1,
    "I64": 8,
    "I32": 4,
    "I16": 2,
    "I8": 1,
    "U8": 1,
}
SAFETENSORS_NUMPY: dict[str, str] = {  # safetensors dtype -> numpy's spelling
    "F64": "<f8",
    "F32": "<f4",
    "F16": "<f2",
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "i1",
    "U8": "u1",
}

# GGUF tensor types this module decodes: id -> (name, elements per block, bytes per block).
GGUF_TYPES = {
    0: ("F32", 1, 4),
    1: ("F16", 1, 2),
    2: ("Q4_0", 32, 18),
    8: ("Q8_0", 32, 34),
    24: ("I8", 1, 1),
    25: ("I16", 1, 2),
    26: ("I32", 1, 4),
    28: ("F64", 1, 8),
    30: ("BF16", 1, 2),
}


@cache
def _fp8_table(exponent_bits: int) -> Floats:
    """float32 value of each of the 256 fp8 codes (E4M3FN: no infinities; E5M2: IEEE-like)."""
    mantissa_bits = 7 - exponent_bits
    bias = (1 << (exponent_bits - 1)) - 1
    codes = np.arange(256, dtype=np.int64)
    sign = np.where(codes >> 7, -1.0, 1.0)
    exponent = (codes >> mantissa_bits) & ((1 << exponent_bits) - 1)
    mantissa = codes & ((1 << mantissa_bits) - 1)
    frac = mantissa / float(1 << mantissa_bits)
    normal = (1.0 + frac) * np.power(2.0, exponent - bias)
    subnormal = frac * 2.0 ** (1 - bias)
    values = sign * np.where(exponent == 0, subnormal, normal)
    top = (1 << exponent_bits) - 1
    if exponent_bits == 4:
        values[(exponent == top) & (mantissa == (1 << mantissa_bits) - 1)] = np.nan
    else:
        values[exponent == top] = np.where(mantissa[exponent == top] == 0, np.inf, np.nan)
        values[exponent == top] *= sign[exponent == top]
    return values.astype(np.float32)


def decode_safetensors(dtype: str, data: bytes | memoryview) -> Floats | None:
    """The elements of a safetensors tensor as float32; None for a dtype not decoded here."""
    if dtype in SAFETENSORS_NUMPY:
        return np.frombuffer(data, dtype=SAFETENSORS_NUMPY[dtype]).astype(np.float32)
    if dtype == "BF16":
        return bf16_to_f32(np.frombuffer(data, dtype="<u2"))
    if dtype == "F8_E4M3":
        return _fp8_table(4)[np.frombuffer(data, dtype=np.uint8)]
    if dtype == "F8_E5M2":
        return _fp8_table(5)[np.frombuffer(data, dtype=np.uint8)]
    return None


def bf16_to_f32(bits: NDArray[np.uint16]) -> Floats:
    """bfloat16 is the high half of a float32."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def decode_gguf(type_id: int, data: bytes | memoryview) -> Floats | None:
    """The elements of a GGUF tensor as float32; None for a type not decoded here."""
    if type_id not in GGUF_TYPES:
        return None
    name, _, block = GGUF_TYPES[type_id]
    if name == "BF16":
        return bf16_to_f32(np.frombuffer(data, dtype="<u2"))
    if name in {"Q8_0", "Q4_0"}:
        raw = np.frombuffer(data, dtype=np.uint8).reshape(-1, block)
        scale = raw[:, :2].copy().view("<f2").astype(np.float32)
        if name == "Q8_0":
            quants = raw[:, 2:].view(np.int8).astype(np.float32)
        else:
            packed = raw[:, 2:]
            low = (packed & 0x0F).astype(np.int8) - 8
            high = (packed >> 4).astype(np.int8) - 8
            quants = np.concatenate([low, high], axis=1).astype(np.float32)
        return (quants * scale).reshape(-1)
    return decode_safetensors(name, data)


def gguf_nbytes(type_id: int, elements: int) -> int | None:
    """Bytes a GGUF tensor of ``elements`` occupies; None for an undecoded type."""
    if type_id not in GGUF_TYPES:
        return None
    _, per_block, block = GGUF_TYPES[type_id]
    if elements % per_block:
        return None
    return elements // per_block * block


def quantize_q8_0(values: Floats) -> bytes:
    """GGUF Q8_0 blocks of ``values`` (length a multiple of 32): for tests and the bench."""
    blocks = values.reshape(-1, 32).astype(np.float32)
    amax = np.abs(blocks).max(axis=1, keepdims=True)
    scale = amax / 127.0
    safe = np.where(scale == 0, 1.0, scale)
    quants = np.clip(np.rint(blocks / safe), -127, 127).astype(np.int8)
    out = np.empty((blocks.shape[0], 34), dtype=np.uint8)
    out[:, :2] = scale.astype("<f2").view(np.uint8)
    out[:, 2:] = quants.view(np.uint8)
    return out.tobytes()


def quantize_q4_0(values: Floats) -> bytes:
    """GGUF Q4_0 blocks of ``values`` (length a multiple of 32), as llama.cpp rounds them."""
    blocks = values.reshape(-1, 32).astype(np.float32)
    index = np.abs(blocks).argmax(axis=1)
    peak = blocks[np.arange(blocks.shape[0]), index][:, None]
    scale = peak / -8.0
    inverse = np.where(scale == 0, 0.0, 1.0 / np.where(scale == 0, 1.0, scale))
    quants = np.clip(np.floor(blocks * inverse + 8.5), 0, 15).astype(np.uint8)
    out = np.empty((blocks.shape[0], 18), dtype=np.uint8)
    out[:, :2] = scale.astype("<f2").view(np.uint8)
    out[:, 2:] = quants[:, :16] | (quants[:, 16:] << 4)
    return out.tobytes()
