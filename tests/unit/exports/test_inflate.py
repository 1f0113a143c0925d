"""Gzip inflation: ISA-L and zlib agree byte for byte, bound every output, fail closed."""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.domain.requests import Outcome
from airlock.exports import FindingKind, InspectionLimits, inspect_stream
from airlock.exports.inflate import HAVE_ISAL, GzipInflater, GzipReader, InflateError

BACKENDS = [pytest.param(False, id="zlib"), pytest.param(True, id="isal")]
TEXT = b"".join(b"step=%d loss=%.4f\n" % (i, 1 / (i + 1)) for i in range(20_000))
MEMBERS = gzip.compress(TEXT[:100_000]) + gzip.compress(b"") + gzip.compress(TEXT[100_000:])


def test_isal_is_the_default_backend() -> None:
    assert HAVE_ISAL  # a declared dependency: zlib is only a fallback


def push(data: bytes, cuts: list[int], *, use_isal: bool, limit: int = 1 << 16) -> bytes:
    inflater = GzipInflater(use_isal=use_isal)
    out: list[bytes] = []
    for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True):
        piece = inflater.inflate(data[start:end], limit)
        while piece:
            assert len(piece) <= limit
            out.append(piece)
            piece = b"" if inflater.needs_input else inflater.inflate(b"", limit)
    assert inflater.complete
    return b"".join(out)


def pull(data: bytes, *, use_isal: bool, size: int = 1 << 20) -> bytes:
    reader = GzipReader(io.BytesIO(data), use_isal=use_isal)
    out: list[bytes] = []
    while piece := reader.read(size):
        assert len(piece) <= size
        out.append(piece)
    return b"".join(out)


@pytest.mark.parametrize("use_isal", BACKENDS)
def test_members_and_zero_padding_are_read_in_turn(use_isal: bool) -> None:
    padded = MEMBERS + bytes(1000)
    assert pull(padded, use_isal=use_isal) == TEXT
    assert pull(padded, use_isal=use_isal, size=4097) == TEXT
    assert push(padded, [3, 10, 5000, 5001], use_isal=use_isal) == TEXT


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(1, len(MEMBERS) - 1), max_size=8), limit=st.integers(1, 99_999))
def test_backends_agree_at_any_cut_and_output_bound(cuts: list[int], limit: int) -> None:
    ordered = sorted(set(cuts))
    assert push(MEMBERS, ordered, use_isal=True, limit=limit) == TEXT
    assert push(MEMBERS, ordered, use_isal=False, limit=limit) == TEXT


@pytest.mark.parametrize("use_isal", BACKENDS)
def test_a_bomb_comes_out_one_bounded_piece_at_a_time(use_isal: bool) -> None:
    inflater = GzipInflater(use_isal=use_isal)
    piece = inflater.inflate(gzip.compress(bytes(64 << 20)), 1 << 20)
    assert len(piece) == 1 << 20
    assert not inflater.needs_input


@pytest.mark.parametrize("use_isal", BACKENDS)
@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda d: d[:-8] + bytes(4) + d[-4:], id="bad-crc"),
        pytest.param(lambda d: d[:-4] + b"\xff\xff\xff\x7f", id="bad-length"),
        pytest.param(lambda d: d[:20] + b"\xff" * 64 + d[84:], id="bad-deflate"),
        pytest.param(lambda d: d + b"not gzip at all", id="trailing-garbage"),
    ],
)
def test_corruption_raises_inflate_error(use_isal: bool, damage: Callable[[bytes], bytes]) -> None:
    data = damage(gzip.compress(os.urandom(50_000) + TEXT))
    with pytest.raises(InflateError):
        pull(data, use_isal=use_isal)


@pytest.mark.parametrize("use_isal", BACKENDS)
def test_truncation_is_an_eof_error_and_not_complete(use_isal: bool) -> None:
    data = gzip.compress(TEXT)[:-5]
    with pytest.raises(EOFError):
        pull(data, use_isal=use_isal)
    inflater = GzipInflater(use_isal=use_isal)
    piece = inflater.inflate(data, 1 << 20)
    while piece and not inflater.needs_input:
        piece = inflater.inflate(b"", 1 << 20)
    assert not inflater.complete


def test_corrupt_gzip_holds_through_the_engine() -> None:
    data = bytearray(gzip.compress(TEXT))
    data[-6] ^= 0xFF  # the CRC
    report = inspect_stream("x.gz", io.BytesIO(bytes(data)), limits=InspectionLimits())
    assert report.verdict is Outcome.HOLD
    assert any(f.kind is FindingKind.MALFORMED for f in report.findings)
