"""MediaScan finds an image's end and a PDF's streams however the bytes are cut."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.exports.formats import Format
from airlock.exports.media import MediaScan
from scripts.make_inspection_corpus import jpeg, pdf, png

RNG = np.random.default_rng(4)
TAIL = b"appended payload " * 300


def feed(fmt: Format, data: bytes, cuts: list[int]) -> tuple[bytes, bytes]:
    trailing: list[bytes] = []
    decoded: list[bytes] = []
    scan = MediaScan(fmt, trailing.append, decoded.append, lambda n: None)
    start = 0
    for cut in [*sorted({c % (len(data) + 1) for c in cuts}), len(data)]:
        scan.feed(data[start:cut])
        start = cut
    return b"".join(trailing), b"".join(decoded)


@pytest.mark.parametrize(
    ("fmt", "image"),
    [(Format.PNG, png(100, 80, RNG)), (Format.JPEG, jpeg(RNG, 30_000))],
    ids=["png", "jpeg"],
)
@pytest.mark.parametrize("step", [1, 7, 4096, 10**9])
def test_bytes_after_the_image_end_are_found_at_any_cut(
    fmt: Format, image: bytes, step: int
) -> None:
    data = image + TAIL
    trailing, _ = feed(fmt, data, list(range(step, len(data), step)))
    assert trailing == TAIL
    assert feed(fmt, image, list(range(step, len(image), step)))[0] == b""


@pytest.mark.parametrize("step", [1, 13, 5000, 10**9])
def test_pdf_flate_streams_are_decoded_at_any_cut(step: int) -> None:
    payload = RNG.bytes(3000) * 10
    extra = b"9 0 obj\n<< /Filter /FlateDecode >>\nstream\r\n" + zlib.compress(payload)
    data = pdf(["x"]).replace(b"trailer", extra + b"\nendstream\nendobj\ntrailer")
    _, decoded = feed(Format.PDF, data, list(range(step, len(data), step)))
    assert payload in decoded


def test_corrupt_pdf_stream_is_skipped_not_fatal() -> None:
    data = b"%PDF-1.4\nstream\n\x78\x9c garbage that is not deflate\nendstream\n"
    assert feed(Format.PDF, data, [])[1] == b""


@settings(max_examples=200, deadline=None)
@given(
    fmt=st.sampled_from([Format.PNG, Format.JPEG, Format.PDF]),
    data=st.binary(max_size=3000),
    cuts=st.lists(st.integers(0, 3000), max_size=5),
)
def test_random_media_bytes_never_crash(fmt: Format, data: bytes, cuts: list[int]) -> None:
    prefix = {Format.PNG: b"\x89PNG\r\n\x1a\n", Format.JPEG: b"\xff\xd8", Format.PDF: b"%PDF"}
    trailing, _ = feed(fmt, prefix[fmt] + data, cuts)
    assert len(trailing) <= len(data)
