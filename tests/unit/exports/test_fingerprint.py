"""Protected-model fingerprints: per-tensor info, serialisation, and matching pieces."""

from __future__ import annotations

import base64
import bz2
import hashlib
import io
import lzma
import tarfile
from collections.abc import Callable

import numpy as np
import pytest

from airlock.domain.requests import Outcome
from airlock.errors import InvalidInput
from airlock.exports import (
    FindingKind,
    InspectionLimits,
    ModelFingerprint,
    TensorInfo,
    fingerprint_model,
    inspect_stream,
    overall_verdict,
    report_to_json,
)
from airlock.exports.chunking import chunk_stream
from airlock.exports.fingerprint import npy_tensor, safetensors_tensors
from scripts.make_inspection_corpus import npy, safetensors, weights, zip_of

RNG = np.random.default_rng(8)
LIMITS = InspectionLimits()
MODEL = safetensors(weights(RNG, 4 << 20, "bfloat16"), "bfloat16")
PRINT = fingerprint_model("frontier-x", io.BytesIO(MODEL), limits=LIMITS)


def matched(data: bytes, protected: list[ModelFingerprint]) -> list[str]:
    report = inspect_stream("x", io.BytesIO(data), limits=LIMITS, protected=protected)
    return [f.detail for f in report.findings if f.kind is FindingKind.PROTECTED_MODEL]


def test_fingerprint_lists_tensors_and_covers_the_file() -> None:
    assert PRINT.size == len(MODEL)
    assert len(PRINT.chunks) > 100
    (tensor,) = [TensorInfo.from_text(t) for t in PRINT.tensors]
    assert tensor == TensorInfo("layer.weight", "BF16", (2 << 20,), 4 << 20)


def test_npy_tensor_info_comes_from_the_header_literal() -> None:
    array = RNG.normal(0, 1, (64, 32)).astype(np.float16)
    assert npy_tensor(npy(array)) == TensorInfo("array", "<f2", (64, 32), 64 * 32 * 2)
    with pytest.raises(InvalidInput):
        npy_tensor(b"\x93NUMPY\x01\x00\x10\x00{'descr': __import__('os')}")


def test_safetensors_tensor_list_rejects_malformed_entries() -> None:
    with pytest.raises(InvalidInput):
        safetensors_tensors(b'\x0c\x00\x00\x00\x00\x00\x00\x00{"a": {"x":1}}', 1 << 20)
    with pytest.raises(InvalidInput):
        safetensors_tensors((1 << 40).to_bytes(8, "little") + b"{}", 1 << 20)


def test_fingerprint_round_trips_through_json() -> None:
    assert ModelFingerprint.from_json(PRINT.to_json()) == PRINT
    bad_values: list[object] = [{}, {"name": "x", "size": 1, "chunks": ["zz"]}, [], {"name": ""}]
    for bad in bad_values:
        with pytest.raises(InvalidInput):
            ModelFingerprint.from_json(bad)


def test_constant_file_cannot_be_fingerprinted() -> None:
    with pytest.raises(InvalidInput):
        fingerprint_model("zeros", io.BytesIO(bytes(1 << 20)))


def _tar(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz") as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "wrap",
    [
        lambda d: d,
        base64.encodebytes,
        lambda d: d.hex().encode(),
        bz2.compress,
        lzma.compress,
        lambda d: zip_of("piece.bin", d),
        lambda d: _tar("dir/piece.bin", d),
    ],
    ids=["raw", "base64-mime", "hex", "bz2", "xz", "zip", "tar.xz"],
)
def test_every_64_kib_piece_is_named_through_wrappers(wrap: Callable[[bytes], bytes]) -> None:
    for _ in range(3):
        start = int(RNG.integers(0, len(MODEL) - 65536))
        piece = RNG.bytes(int(RNG.integers(0, 999))) + MODEL[start : start + 65536]
        data = wrap(piece)
        report = inspect_stream("x", io.BytesIO(data), limits=LIMITS, protected=[PRINT])
        assert report.verdict is Outcome.DENY
        assert any("frontier-x" in d for d in matched(data, [PRINT]))


def test_many_random_pieces_of_64_kib_all_match() -> None:
    # Content-defined chunks resynchronise after any shift: no offset may slip through.
    misses = 0
    for _ in range(60):
        start = int(RNG.integers(0, len(MODEL) - 65536))
        if not matched(MODEL[start : start + 65536], [PRINT]):
            misses += 1
    assert misses == 0


def test_other_weights_of_the_same_kind_do_not_match() -> None:
    other = safetensors(weights(np.random.default_rng(1234), 2 << 20, "bfloat16"), "bfloat16")
    assert matched(other, [PRINT]) == []


def test_api_report_shape_and_overall_verdict() -> None:
    ok = inspect_stream("a.csv", io.BytesIO(b"step,loss\n1,0.5\n"), limits=LIMITS)
    bad = inspect_stream("m.bin", io.BytesIO(MODEL), limits=LIMITS, protected=[PRINT])
    assert overall_verdict([ok]) is Outcome.ALLOW
    assert overall_verdict([ok, bad]) is Outcome.DENY
    assert overall_verdict([]) is Outcome.ALLOW
    shape = report_to_json([ok, bad])
    assert shape["verdict"] == "deny"
    files = shape["files"]
    assert isinstance(files, list)
    assert [f["path"] for f in files] == ["a.csv", "m.bin"]
    assert files[0]["findings"] == []
    for finding in files[1]["findings"]:
        assert {"kind", "detail", "offset"} <= finding.keys()


def test_chunk_boundaries_and_digests_are_stable() -> None:
    # Fingerprints are stored; a change to the chunker would silently stop every match.
    # This digest was taken from the original 64-bit rolling-sum implementation.
    rng = np.random.default_rng(2024)
    data = rng.normal(0, 0.02, 1 << 20).astype(np.float16).tobytes()
    data += bytes(40000) + b"abc" * 9000
    chunks = list(chunk_stream(data[i : i + 100003] for i in range(0, len(data), 100003)))
    summary = b"".join(
        c.digest + c.offset.to_bytes(8, "little") + bytes([c.informative]) for c in chunks
    )
    assert len(chunks) == 451
    assert hashlib.sha256(summary).hexdigest() == (
        "071f501772ab7437de285350989b35bf6b7468912abb38d00916be53e0bdc41b"
    )
