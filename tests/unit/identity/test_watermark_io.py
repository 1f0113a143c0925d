"""The small safetensors reader/writer of the watermark, against the real format."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from airlock.errors import InvalidInput
from airlock.identity.watermark_io import SafetensorsFile


def write(path: Path, tensors: dict[str, tuple[str, tuple[int, ...], bytes]]) -> None:
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    data, offset = b"", 0
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {
            "dtype": dtype,
            "shape": list(shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        data, offset = data + raw, offset + len(raw)
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)


def test_reads_and_rewrites_f32_f16_and_bf16(tmp_path: Path) -> None:
    values = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    bf16 = (values.view(np.uint32) >> 16).astype("<u2").tobytes()
    path = tmp_path / "m.safetensors"
    write(
        path,
        {
            "a": ("F32", (3, 4), values.tobytes()),
            "b": ("F16", (3, 4), values.astype("<f2").tobytes()),
            "c": ("BF16", (3, 4), bf16),
            "d": ("F8_E4M3", (4,), b"\0" * 4),  # numpy cannot represent it: skipped
        },
    )
    with SafetensorsFile(path, writable=True) as model:
        read = {e.name: (e, v) for e, v in model.tensors()}
        assert sorted(read) == ["a", "b", "c"]
        np.testing.assert_array_equal(read["a"][1], values)
        np.testing.assert_allclose(read["b"][1], values, atol=1e-3)
        np.testing.assert_allclose(read["c"][1], values, atol=1e-2)
        for entry, v in read.values():
            model.write(entry, np.asarray(v, dtype=np.float64) * 2)
    with SafetensorsFile(path) as model:
        again = {e.name: v for e, v in model.tensors()}
    np.testing.assert_allclose(again["a"], values * 2)
    np.testing.assert_allclose(again["c"], values * 2, atol=2e-2)


def test_malformed_files_are_refused(tmp_path: Path) -> None:
    short = tmp_path / "short.safetensors"
    write(short, {"a": ("F32", (4, 4), b"\0" * 60)})  # 60 bytes for 64
    with pytest.raises(InvalidInput, match="byte length"), SafetensorsFile(short):
        pass
    outside = tmp_path / "outside.safetensors"
    write(outside, {"a": ("F32", (1,), b"\0" * 4)})
    outside.write_bytes(outside.read_bytes()[:-2])
    with pytest.raises(InvalidInput, match="outside the file"), SafetensorsFile(outside):
        pass
