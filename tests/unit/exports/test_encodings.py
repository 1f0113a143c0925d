"""Mail and news encodings (issue 15): each decodes exactly, a registered model inside any
of them is named, and text that is none of them is left to the raw judgement."""

from __future__ import annotations

import base64
import binascii
import io
import quopri
import zlib
from collections.abc import Callable

import numpy as np
import pytest

from airlock.domain.requests import Outcome
from airlock.exports.chunking import ModelFingerprint
from airlock.exports.encodings import (
    MAX_LINE,
    Base85Run,
    EncodedRun,
    LineDecoder,
    classify_run,
    decode_base32,
    decode_yenc_line,
)
from airlock.exports.engine import Inspector
from airlock.exports.findings import FindingKind

RNG = np.random.default_rng(1515)
MODEL = RNG.normal(0, 0.02, 2 << 20).astype(np.float16).tobytes()  # 4 MiB
PIECE = MODEL[1 << 20 : (1 << 20) + (1 << 20) + 2 * 777]
INSPECTOR = Inspector(protected=[ModelFingerprint.of("frontier-x", [MODEL])])


def uuencode(data: bytes) -> bytes:
    lines = [binascii.b2a_uu(data[i : i + 45]) for i in range(0, len(data), 45)]
    return b"begin 644 w.bin\n" + b"".join(lines) + b"`\nend\n"


def yenc(data: bytes, line: int = 128) -> bytes:
    table = [
        bytes([61, (o + 64) % 256]) if o in (0, 10, 13, 61) else bytes([o])
        for o in ((b + 42) % 256 for b in range(256))
    ]
    out, current = [b"=ybegin line=128 size=%d name=w.bin\r\n" % len(data)], bytearray()
    for b in data:
        current += table[b]
        if len(current) >= line:
            out.append(bytes(current) + b"\r\n")
            current = bytearray()
    out.append(bytes(current) + b"\r\n")
    out.append(b"=yend size=%d crc32=%08x\r\n" % (len(data), zlib.crc32(data)))
    return b"".join(out)


def _wrap(text: bytes) -> bytes:
    return b"\n".join(text[i : i + 76] for i in range(0, len(text), 76))


ENCODERS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "base32": ("base32", base64.b32encode),
    "base32-nopad": ("base32", lambda d: base64.b32encode(d).rstrip(b"=")),
    "base32-wrapped": ("base32", lambda d: _wrap(base64.b32encode(d))),
    "base32hex": ("base32hex", base64.b32hexencode),
    "base32hex-nopad": ("base32hex", lambda d: base64.b32hexencode(d).rstrip(b"=")),
    "uuencode": ("uuencode", uuencode),
    "quoted-printable": ("quoted-printable", quopri.encodestring),
    "yenc": ("yenc", yenc),
    "ascii85": ("ascii85", lambda d: base64.a85encode(d, wrapcol=76)),
    "ascii85-adobe": ("ascii85", lambda d: base64.a85encode(d, wrapcol=76, adobe=True)),
    "base85": ("base85", base64.b85encode),
    "base64": ("base64", base64.encodebytes),
}


@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_a_registered_model_is_named_through_every_encoding(name: str) -> None:
    member, encode = ENCODERS[name]
    data = encode(PIECE)
    report = INSPECTOR.inspect("x", io.BytesIO(data), len(data))
    assert report.verdict is Outcome.DENY
    named = [f for f in report.findings if f.kind is FindingKind.PROTECTED_MODEL]
    assert named, report.findings
    assert "frontier-x" in named[0].detail
    assert named[0].member == f"~{member}"


def _decoded(feed: Callable[[LineDecoder | Base85Run, bytes], None], data: bytes) -> list[bytes]:
    bodies: list[bytearray] = []

    def open_nested(encoding: str) -> Callable[[bytes], None]:
        bodies.append(bytearray())
        return bodies[-1].extend

    decoder = (
        Base85Run(open_nested, lambda _: None)
        if feed is _feed85
        else LineDecoder(open_nested, lambda _: None)
    )
    for start in range(0, len(data), 1000):  # windows that cut lines and groups anywhere
        feed(decoder, data[start : start + 1000])
    decoder.finish()
    return [bytes(b) for b in bodies]


def _feed_lines(decoder: LineDecoder | Base85Run, window: bytes) -> None:
    assert isinstance(decoder, LineDecoder)
    decoder.feed(window)


def _feed85(decoder: LineDecoder | Base85Run, window: bytes) -> None:
    assert isinstance(decoder, Base85Run)
    decoder.feed(window, dense=True)


DATA = RNG.bytes(20_000) + bytes(range(256)) * 8 + b"\r\n\x00==" * 100


@pytest.mark.parametrize(
    ("data", "encode", "feed"),
    [
        (DATA, uuencode, _feed_lines),
        (DATA, yenc, _feed_lines),
        (DATA, lambda d: base64.a85encode(d, wrapcol=76, adobe=True), _feed85),
        (DATA + bytes(64), base64.a85encode, _feed85),  # 'z' for four zero bytes
        (DATA, base64.b85encode, _feed85),
    ],
    ids=["uuencode", "yenc", "ascii85-adobe", "ascii85-z", "base85"],
)
def test_streamed_decoding_is_exact(
    data: bytes,
    encode: Callable[[bytes], bytes],
    feed: Callable[[LineDecoder | Base85Run, bytes], None],
) -> None:
    assert _decoded(feed, encode(data)) == [data]


def test_quoted_printable_decodes_binary_in_one_body() -> None:
    data = RNG.bytes(30_000).replace(b"\r", b"")  # quoted-printable keeps line breaks as text
    (body,) = _decoded(_feed_lines, quopri.encodestring(data))
    assert body.rstrip(b"\n") == data.rstrip(b"\n")


@pytest.mark.parametrize("alphabet", ["base32", "base32hex"])
@pytest.mark.parametrize("length", [0, 1, 2, 3, 4, 5, 6, 7, 8, 1000, 1001])
def test_base32_decodes_padded_and_unpadded(alphabet: str, length: int) -> None:
    data = RNG.bytes(length)
    encode = base64.b32encode if alphabet == "base32" else base64.b32hexencode
    assert decode_base32(encode(data), alphabet) == data
    assert decode_base32(encode(data).rstrip(b"="), alphabet) == data


def test_base32_refuses_other_characters() -> None:
    with pytest.raises(ValueError, match="base32"):
        decode_base32(b"abcdefgh", "base32")


def test_runs_are_told_apart() -> None:
    data = RNG.bytes(3000)
    assert classify_run(data.hex().encode()) == "hex"
    assert classify_run(base64.b32encode(data)) == "base32"
    assert classify_run(base64.b32hexencode(data)) == "base32hex"
    assert classify_run(base64.b64encode(data)) == "base64"
    assert classify_run(b"=3D=4F=00" * 400) is None  # quoted-printable, not base64


def test_a_streamed_base32_run_without_padding_keeps_its_last_bytes() -> None:
    data = RNG.bytes(5003)
    out = bytearray()
    run = EncodedRun(out.extend, "base32")
    text = base64.b32encode(data).rstrip(b"=")
    for start in range(0, len(text), 333):
        run.feed(text[start : start + 333])
    run.finish()
    assert bytes(out) == data


def test_yenc_line_escapes() -> None:
    assert (
        decode_yenc_line(yenc(b"\x00\xd6\xe3\x13abc").split(b"\r\n")[1]) == b"\x00\xd6\xe3\x13abc"
    )


def test_plain_text_opens_no_body() -> None:
    text = b"step=1 loss=0.5 x=3D and some = signs here\n" * 5000 + b"M" * 61 + b"\n"
    assert _decoded(_feed_lines, text) == []


def test_a_line_longer_than_any_encoding_ends_the_body() -> None:
    data = uuencode(RNG.bytes(20_000)) + b"x" * (MAX_LINE + 10)
    bodies = _decoded(_feed_lines, data)
    assert len(bodies) == 1


def test_undecodable_dense_text_still_holds() -> None:
    text = bytes(RNG.integers(33, 127, 3 << 20, dtype=np.uint8))  # '~' and '{' mix: neither
    report = Inspector().inspect("x", io.BytesIO(text), len(text))
    assert report.verdict is Outcome.HOLD
    assert any(f.kind is FindingKind.OPAQUE for f in report.findings)
