"""Weights dressed up to slip past, and the benign look-alikes that must still pass."""

from __future__ import annotations

import base64
import bz2
import gzip
import io
import json
import lzma
import zlib

import numpy as np
import pytest
import zstandard

from airlock.domain.requests import Outcome
from airlock.exports import FindingKind, InspectionLimits, inspect_stream
from scripts.make_inspection_corpus import jpeg, notebook, pdf, pdf_with_image, png, weights

RNG = np.random.default_rng(21)
RAW16 = weights(RNG, 1 << 20, "float16")
LIMITS = InspectionLimits()


def scan(data: bytes) -> tuple[Outcome, set[tuple[FindingKind, str]]]:
    report = inspect_stream("x", io.BytesIO(data), limits=LIMITS, size=len(data))
    return report.verdict, {(f.kind, f.member) for f in report.findings}


def pdf_stream(payload: bytes) -> bytes:
    stream = zlib.compress(payload)
    extra = b"5 0 obj\n<< /Filter /FlateDecode >>\nstream\n" + stream + b"\nendstream\nendobj\n"
    return pdf(["cover"]).replace(b"trailer", extra + b"trailer")


@pytest.mark.parametrize(
    ("data", "kind", "member"),
    [
        (png(32, 32, RNG) + RAW16, FindingKind.RAW_TENSOR, "#after-end"),
        (jpeg(RNG, 5000) + RAW16, FindingKind.RAW_TENSOR, "#after-end"),
        (png(32, 32, RNG) + RNG.bytes(1 << 20), FindingKind.OPAQUE, "#after-end"),
        (pdf_stream(RAW16), FindingKind.RAW_TENSOR, "#streams"),
        (base64.b32encode(RAW16), FindingKind.RAW_TENSOR, "~base32"),
        (base64.a85encode(RAW16, wrapcol=76), FindingKind.RAW_TENSOR, "~ascii85"),
        (json.dumps(list(RAW16)).encode(), FindingKind.TENSOR_TEXT, ""),
        (
            " ".join(f"{v:.2e}" for v in RNG.normal(0, 0.02, 300_000)).encode(),
            FindingKind.TENSOR_TEXT,
            "",
        ),
        (
            ",".join(str(int(v)) for v in np.round(RNG.normal(0, 30, 300_000))).encode(),
            FindingKind.TENSOR_TEXT,
            "",
        ),
    ],
    ids=[
        "png-appended",
        "jpeg-appended",
        "png-appended-encrypted",
        "pdf-flate-stream",
        "base32",
        "ascii85",
        "byte-list",
        "floats-2e",
        "int8-as-text",
    ],
)
def test_disguised_weights_do_not_pass(data: bytes, kind: FindingKind, member: str) -> None:
    verdict, found = scan(data)
    assert verdict is not Outcome.ALLOW
    assert (kind, member) in found


def test_bytes_appended_to_an_image_are_held_even_when_unremarkable() -> None:
    verdict, found = scan(png(32, 32, RNG) + b"\x01\x02\x03\x04" * 4096)
    assert verdict is Outcome.HOLD
    assert (FindingKind.UNKNOWN_FORMAT, "#after-end") in found


@pytest.mark.parametrize(
    "data",
    [
        png(640, 480, RNG),
        png(640, 480, RNG) + b"\n",  # a stray newline is not a payload
        jpeg(RNG, 200_000),
        pdf_with_image(RNG, ["Figure 1"]),
        notebook(RNG),
        b"wOF2" + RNG.bytes(100_000),  # a web font
        "\n".join(f"{i},{i * 7 % 1000},{i * 13 % 97}" for i in range(100_000)).encode(),
        "文字列の例。モデルの評価結果を報告します。".encode() * 20_000,
    ],
    ids=["png", "png-newline", "jpeg", "pdf-image", "notebook", "font", "int-csv", "utf8-cjk"],
)
def test_benign_look_alikes_pass(data: bytes) -> None:
    verdict, found = scan(data)
    assert verdict is Outcome.ALLOW, found


def test_media_over_the_size_limit_holds() -> None:
    small = InspectionLimits(max_media_bytes=1 << 20)
    data = jpeg(RNG, 2 << 20)
    report = inspect_stream("x", io.BytesIO(data), limits=small, size=len(data))
    assert report.verdict is Outcome.HOLD
    assert FindingKind.LIMIT in {f.kind for f in report.findings}


def test_compressed_then_encoded_weights_are_decompressed_and_denied() -> None:
    for compress in (gzip.compress, bz2.compress, lzma.compress, zstandard.compress):
        data = json.dumps({"blob": base64.b64encode(compress(RAW16)).decode()}).encode()
        verdict, found = scan(data)
        assert verdict is Outcome.DENY, compress
        assert any(kind is FindingKind.RAW_TENSOR for kind, _ in found)


def test_bombs_and_truncation_inside_encoded_text_hold() -> None:
    bomb = base64.b64encode(gzip.compress(bytes(300 << 20)))
    verdict, found = scan(bomb)
    assert verdict is Outcome.HOLD
    assert FindingKind.LIMIT in {kind for kind, _ in found}
    truncated = base64.b64encode(gzip.compress(RNG.bytes(200_000))[:100_000])
    verdict, found = scan(truncated)
    assert verdict is Outcome.HOLD
    assert (FindingKind.MALFORMED, "~base64!gzip") in found


def test_flate_bomb_inside_a_pdf_holds() -> None:
    verdict, found = scan(pdf_stream(bytes(200 << 20)))
    assert verdict is Outcome.HOLD
    assert FindingKind.LIMIT in {kind for kind, _ in found}


def benign_log_numbers(lines: int, seed: int) -> bytes:
    """Training-log lines: positive losses, learning rates and timings, never weight-like."""
    rng = np.random.default_rng(seed)
    loss = rng.uniform(0.1, 3.0, lines)
    return b"".join(
        f"step {i} loss {loss[i]:.4f} lr 0.0003 time {rng.uniform(1, 2):.3f}\n".encode()
        for i in range(lines)
    )


@pytest.mark.parametrize("separator", [b",", b"\n"])
def test_weights_as_text_after_a_long_benign_prefix_are_still_found(separator: bytes) -> None:
    # The first 200,000 numbers fill the samples and look like a log; the weights come after.
    prefix = benign_log_numbers(90_000, seed=1)
    values = np.random.default_rng(2).normal(0, 0.02, 400_000).astype(np.float32)
    payload = separator.join(f"{v:.5f}".encode() for v in values)
    verdict, kinds = scan(prefix + payload)
    assert verdict is Outcome.DENY
    assert (FindingKind.TENSOR_TEXT, "") in kinds


def test_a_long_training_log_alone_passes() -> None:
    verdict, kinds = scan(benign_log_numbers(120_000, seed=3))
    assert verdict is Outcome.ALLOW, kinds


def test_weights_diluted_between_logs_are_still_found() -> None:
    # Pooled samples would be three parts log to one part weights: not weight-like overall.
    values = np.random.default_rng(4).normal(0, 0.02, 300_000).astype(np.float32)
    payload = b",".join(f"{v:.5f}".encode() for v in values) + b"\n"
    data = benign_log_numbers(60_000, seed=5) + payload + benign_log_numbers(60_000, seed=6)
    verdict, kinds = scan(data)
    assert verdict is Outcome.DENY and (FindingKind.TENSOR_TEXT, "") in kinds


def test_weights_as_byte_values_after_a_long_log_are_still_held() -> None:
    listed = b", ".join(str(b).encode() for b in RAW16[:600_000]) + b"\n"
    verdict, kinds = scan(benign_log_numbers(90_000, seed=7) + listed)
    assert verdict in {Outcome.HOLD, Outcome.DENY}
    assert {k for k, _ in kinds} & {FindingKind.TENSOR_TEXT, FindingKind.UNKNOWN_FORMAT}
