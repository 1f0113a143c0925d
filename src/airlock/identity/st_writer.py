"""Serialise tensors as safetensors bytes without the safetensors package (tests, bench,
marked copies). Plain little-endian numpy dtypes only; bf16/fp8 via ``dtype_names``."""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

_NAMES = {"float32": "F32", "float16": "F16", "float64": "F64", "int8": "I8", "uint8": "U8"}
_NAMES |= {"int16": "I16", "int32": "I32", "int64": "I64", "bfloat16": "BF16"}
_NAMES |= {"float8_e4m3fn": "F8_E4M3", "float8_e5m2": "F8_E5M2"}


def safetensors_bytes(
    tensors: Mapping[str, np.ndarray[Any, Any]], metadata: Mapping[str, str] | None = None
) -> bytes:
    """The safetensors file holding ``tensors`` in the given order."""
    header: dict[str, object] = {"__metadata__": dict(metadata or {"format": "pt"})}
    parts: list[bytes] = []
    offset = 0
    for name, values in tensors.items():
        raw = np.ascontiguousarray(values).tobytes()
        header[name] = {
            "dtype": _NAMES[values.dtype.name],
            "shape": list(values.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        parts.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(parts)
