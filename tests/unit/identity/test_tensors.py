"""iter_tensors and the push parser: every format, dtype and shard layout, made in the test."""

from __future__ import annotations

import io
import json
import struct
import tempfile
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

from airlock.errors import InvalidInput
from airlock.identity.gguf_writer import write_gguf
from airlock.identity.tensor_stream import TensorStream
from airlock.identity.tensors import iter_tensors


def _safetensors(tensors: dict[str, np.ndarray], dtypes: dict[str, str]) -> bytes:
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    body = b""
    for name, values in tensors.items():
        raw = values.tobytes()
        header[name] = {
            "dtype": dtypes[name],
            "shape": list(values.shape),
            "data_offsets": [len(body), len(body) + len(raw)],
        }
        body += raw
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + body


def test_safetensors_every_float_dtype_decodes() -> None:
    rng = np.random.default_rng(1)
    a = rng.standard_normal((16, 8)).astype(np.float32)
    tensors: dict[str, np.ndarray] = {
        "f32": a,
        "f16": a.astype(np.float16),
        "bf16": a.astype(ml_dtypes.bfloat16),
        "e4m3": a.astype(ml_dtypes.float8_e4m3fn),
        "e5m2": a.astype(ml_dtypes.float8_e5m2),
        "i8": np.clip(a * 40, -127, 127).astype(np.int8),
    }
    dtypes = {"f32": "F32", "f16": "F16", "bf16": "BF16", "e4m3": "F8_E4M3"}
    dtypes |= {"e5m2": "F8_E5M2", "i8": "I8"}
    raw = _safetensors(tensors, dtypes)  # dtype names as the safetensors spec spells them
    stream = TensorStream()
    found = {}
    for i in range(0, len(raw), 7):  # odd piece sizes: tensors straddle pieces
        found.update(dict(stream.feed(raw[i : i + 7])))
    assert set(found) == set(tensors)
    for name, values in tensors.items():
        expected = values.astype(np.float32)
        np.testing.assert_array_equal(found[name], expected)


def test_gguf_blocks_dequantise_close_to_the_original(tmp_path: Path) -> None:
    a = np.random.default_rng(2).standard_normal((8, 64)).astype(np.float32)
    path = tmp_path / "m.gguf"
    with path.open("wb") as f:
        write_gguf(f, [("q8", a, "Q8_0"), ("q4", a, "Q4_0"), ("f16", a, "F16")])
    found = dict(iter_tensors(path))
    assert found["q8"].shape == (8, 64)
    assert np.abs(found["q8"] - a).max() < 0.02 * np.abs(a).max()
    assert np.abs(found["q4"] - a).max() < 0.2 * np.abs(a).max()
    assert np.abs(found["f16"] - a).max() < 1e-2


def test_torch_zip_and_a_folder_of_shards(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    a = np.arange(24, dtype=np.float32).reshape(4, 6)
    torch.save({"w": torch.tensor(a).to(torch.bfloat16), "t": torch.tensor(a).T}, tmp_path / "a.pt")
    np.save(tmp_path / "b.npy", a)
    found = dict(iter_tensors(tmp_path))
    np.testing.assert_array_equal(found["a.pt:w"], a)
    np.testing.assert_array_equal(found["a.pt:t"], a.T)
    np.testing.assert_array_equal(found["b.npy:array"], a)


def test_torch_zip_that_runs_code_is_refused(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (print, ("pwned",))

    torch.save({"w": torch.zeros(2), "x": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(InvalidInput, match=r"print, which is not read"):
        list(iter_tensors(tmp_path / "evil.pt"))


def test_unknown_bytes_and_oversized_tensors() -> None:
    with pytest.raises(InvalidInput):
        list(iter_tensors(_write(io.BytesIO(b"hello world, not a model at all"))))
    raw = _safetensors({"big": np.zeros(1000, np.float32)}, {"big": "F32"})
    stream = TensorStream(max_tensor_bytes=100)
    assert list(stream.feed(raw)) == []
    assert stream.skipped == ["big"]


def _write(buffer: io.BytesIO) -> Path:
    path = Path(tempfile.mkdtemp()) / "x.bin"
    path.write_bytes(buffer.getvalue())
    return path
