"""The watermark workflow: files in, ledger details out, keys checked against commitments."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

import airlock.identity.marking as marking
from airlock.errors import InvalidInput
from airlock.identity.watermark import MarkParams, copy_key

SECRET = bytes(32)


def save(path: Path, tensors: dict[str, npt.NDArray[np.float64]]) -> None:
    tensors = {n: v.astype("<f4") for n, v in tensors.items()}
    header: dict[str, object] = {}
    offset = 0
    for name, v in tensors.items():
        end = offset + v.nbytes
        header[name] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [offset, end]}
        offset = end
    text = json.dumps(header).encode()
    body = b"".join(v.tobytes() for v in tensors.values())
    path.write_bytes(struct.pack("<Q", len(text)) + text + body)


def test_marked_file_is_recorded_and_traced(tmp_path: Path) -> None:
    source = tmp_path / "m.safetensors"
    save(source, {"w": np.random.default_rng(0).normal(0, 1, (64, 64)), "b": np.zeros(64)})
    digest = marking.file_digest(source)
    key = copy_key(SECRET, digest, "alice")
    marked = marking.write_marked(source, tmp_path / ".staged", key, MarkParams())
    out = tmp_path / "alice.safetensors"
    marking.publish(marked, out)
    assert not (tmp_path / ".staged").exists() and marked.tensors == 1
    details = marking.mark_details(digest, key, marked, MarkParams())
    record = {"kind": marking.MARK_KIND, "subject": "alice", "details": details}
    mark = marking.recorded_mark(7, record)
    assert mark is not None and mark.params == MarkParams() and mark.index == 7
    assert marking.recorded_mark(8, {"kind": "weights.register"}) is None

    def key_of(d: str, c: str) -> bytes:
        return copy_key(SECRET, d, c)

    copies = marking.candidates([mark], key_of)
    result = marking.trace_file(out, copies)
    assert result.named is not None and result.named.copy == "alice"
    assert marking.trace_file(source, copies).named is None
    with pytest.raises(InvalidInput, match="no longer matches its commitment"):
        marking.candidates([mark], lambda d, c: copy_key(b"\1" * 32, d, c))


def test_a_model_with_nothing_to_mark_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "tiny.safetensors"
    save(source, {"b": np.ones(16)})
    with pytest.raises(InvalidInput, match="no float tensor"):
        marking.write_marked(source, tmp_path / ".staged", bytes(32), MarkParams())
    assert not (tmp_path / ".staged").exists()
