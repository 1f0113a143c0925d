"""Fuzzing the parsers: random and mutated inputs give findings, never crashes or hangs."""

from __future__ import annotations

import base64
import contextlib
import gzip
import io
import pickle
import struct
import zipfile
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.domain.requests import Outcome
from airlock.errors import InvalidInput
from airlock.exports.engine import Inspector
from airlock.exports.fingerprint import npy_tensor, safetensors_tensors
from airlock.exports.formats import read_npy_header, read_pickle_opcodes, read_safetensors_header
from airlock.exports.limits import InspectionLimits

INSPECTOR = Inspector(InspectionLimits(max_expanded_bytes=64 * 1024 * 1024))
SEEDS = {
    "safetensors": b"\x20\x00\x00\x00\x00\x00\x00\x00"
    b'{"w":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}' + bytes(8),
    "npy": b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"
    + b" " * 60
    + b"\n"
    + bytes(16),
    "pickle": b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\nq\x00)Rq\x01.",
}


def _zip_seed() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a/data.pkl", SEEDS["pickle"])
        archive.writestr("a/data/0", bytes(64))
    return buffer.getvalue()


SEEDS["zip"] = _zip_seed()
# A real protocol-4 pickle of nested containers, written (never loaded) by the stdlib.
SEEDS["pickle-nested"] = pickle.dumps(
    {"a": [1, 2.5, b"\x00" * 40, ("t", None)], "b": {"c": list(range(30))}}, protocol=4
)
SEEDS["base64-gzip"] = base64.b64encode(gzip.compress(bytes(range(256)) * 40))
SEEDS["jpeg"] = b"\xff\xd8\xff\xe0\x00\x04ab\xff\xda\x00\x02" + bytes(range(200)) + b"\xff\xd9"
SEEDS["png"] = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 4) + b"IHDR" + bytes(8) + b"IEND"
SEEDS["pdf"] = b"%PDF-1.4\nstream\n" + zlib.compress(b"BT (x) Tj ET" * 50) + b"\nendstream"


def mutate(seed: bytes, edits: list[tuple[int, int]], cut: int) -> bytes:
    data = bytearray(seed)
    for position, value in edits:
        data[position % len(data)] = value
    return bytes(data[: max(1, cut % (len(data) + 1))])


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(sorted(SEEDS)),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
    cut=st.integers(0, 10_000),
)
def test_mutated_inputs_never_crash_the_engine(
    kind: str, edits: list[tuple[int, int]], cut: int
) -> None:
    data = mutate(SEEDS[kind], edits, cut)
    report = INSPECTOR.inspect("fuzz", io.BytesIO(data), len(data))
    assert report.verdict in (Outcome.ALLOW, Outcome.HOLD, Outcome.DENY)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes_never_crash_the_engine(data: bytes) -> None:
    report = INSPECTOR.inspect("fuzz", io.BytesIO(data), len(data))
    assert report.verdict in (Outcome.ALLOW, Outcome.HOLD, Outcome.DENY)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_header_readers_raise_only_invalid_input(data: bytes) -> None:
    for reader in (
        lambda d: read_safetensors_header(d, len(d), 1 << 20),
        lambda d: read_npy_header(d, len(d)),
        lambda d: read_pickle_opcodes(d, 10_000),
        lambda d: safetensors_tensors(d, 1 << 20),
        lambda d: npy_tensor(b"\x93NUMPY\x01\x00" + d),
    ):
        with contextlib.suppress(InvalidInput):
            reader(data)
