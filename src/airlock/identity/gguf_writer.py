"""Write a minimal GGUF v3 file (F32, F16, Q8_0, Q4_0 tensors): for tests and the bench.

Not a general GGUF writer: no metadata beyond ``general.alignment``; tensors are written in
the order given. Quantisation follows llama.cpp's reference rounding (see :mod:`.dtypes`).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from airlock.identity.dtypes import quantize_q4_0, quantize_q8_0

if TYPE_CHECKING:
    from airlock.identity.dtypes import Floats

_TYPES = {"F32": 0, "F16": 1, "Q4_0": 2, "Q8_0": 8}
ALIGNMENT = 32


def _string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def _payload(kind: str, values: Floats) -> bytes:
    flat = np.ascontiguousarray(values, dtype=np.float32).reshape(-1)
    if kind == "F32":
        return flat.astype("<f4").tobytes()
    if kind == "F16":
        return flat.astype("<f2").tobytes()
    if kind == "Q8_0":
        return quantize_q8_0(flat)
    return quantize_q4_0(flat)


def write_gguf(out: BinaryIO, tensors: list[tuple[str, Floats, str]]) -> None:
    """``tensors`` as (name, values, one of F32/F16/Q8_0/Q4_0); block types need the last
    dimension to be a multiple of 32."""
    payloads = [_payload(kind, values) for _, values, kind in tensors]
    header = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), 1)
    header += _string("general.alignment") + struct.pack("<II", 4, ALIGNMENT)
    offset = 0
    offsets = []
    for (name, values, kind), payload in zip(tensors, payloads, strict=True):
        dims = tuple(reversed(values.shape))
        header += _string(name) + struct.pack("<I", len(dims))
        header += b"".join(struct.pack("<Q", d) for d in dims)
        header += struct.pack("<IQ", _TYPES[kind], offset)
        offsets.append(offset)
        offset += -(-len(payload) // ALIGNMENT) * ALIGNMENT
    out.write(header + b"\0" * (-len(header) % ALIGNMENT))
    for payload in payloads:
        out.write(payload + b"\0" * (-len(payload) % ALIGNMENT))
