"""Throughput by design (issues 15, 19): chunk matching samples keyed windows once a scan
denies as raw tensor data, or past a bound of 7-bit text; large logs have no total cap.

Small windows (64 KiB) stand in for the 1 MiB ones so that the files stay small.
"""

from __future__ import annotations

import gzip
import io

import numpy as np

from airlock.domain.requests import Outcome
from airlock.exports.chunking import FingerprintIndex, ModelFingerprint
from airlock.exports.engine import Inspector
from airlock.exports.findings import FindingKind
from airlock.exports.flat_scan import FlatScan
from airlock.exports.limits import InspectionLimits

WINDOW = 64 * 1024
LIMITS = InspectionLimits(window_bytes=WINDOW, sample_chunks_after_tensor_bytes=4 * WINDOW)


def _fp16(n_bytes: int, seed: int) -> bytes:
    return np.random.default_rng(seed).normal(0, 0.02, n_bytes // 2).astype(np.float16).tobytes()


def _scan(data: bytes, index: FingerprintIndex, *, after: int, key: int = 7) -> FlatScan:
    scan = FlatScan("x", LIMITS, index, sample_key=key, sample_chunks_after=after)
    for start in range(0, len(data), WINDOW):
        scan.feed(data[start : start + WINDOW])
    return scan


def test_a_denied_tensor_file_is_chunked_in_keyed_windows_only_and_still_named() -> None:
    model = _fp16(8 * 1024 * 1024, seed=1)
    index = FingerprintIndex([ModelFingerprint.of("secret", [model])])
    sampled = _scan(model, index, after=4 * WINDOW)
    found = sampled.finish()
    assert sampled.chunked_bytes < len(model) // 4  # ~1/16 after the first 4 windows
    kinds = {f.kind: f for f in found}
    assert kinds[FindingKind.RAW_TENSOR].verdict is Outcome.DENY
    assert kinds[FindingKind.RAW_TENSOR].size == len(model)  # every window still judged
    assert "secret" in kinds[FindingKind.PROTECTED_MODEL].detail
    again = _scan(model, index, after=4 * WINDOW)
    assert again.finish() == found  # a function of the bytes and the key
    assert again.chunked_bytes == sampled.chunked_bytes


def test_without_the_bound_every_byte_is_chunked() -> None:
    data = _fp16(2 * 1024 * 1024, seed=2)
    index = FingerprintIndex([ModelFingerprint.of("other", [_fp16(256 * 1024, seed=3)])])
    scan = _scan(data, index, after=0)
    scan.finish()
    assert scan.chunked_bytes == len(data)


def test_bytes_that_are_not_tensors_are_chunked_in_full() -> None:
    rng = np.random.default_rng(4)
    opaque = rng.bytes(2 * 1024 * 1024)  # random: not a tensor, not 7-bit
    index = FingerprintIndex([ModelFingerprint.of("m", [_fp16(256 * 1024, seed=5)])])
    scan = _scan(opaque, index, after=4 * WINDOW)
    scan.finish()
    assert scan.chunked_bytes == len(opaque)


def test_seven_bit_text_past_the_bound_is_chunked_in_keyed_windows() -> None:
    text = b"".join(
        b"step=%d loss=%.4f host=node%d\n" % (i, 2 / (i + 1), i % 7) for i in range(80_000)
    )
    index = FingerprintIndex([ModelFingerprint.of("m", [_fp16(256 * 1024, seed=6)])])
    scan = _scan(text, index, after=4 * WINDOW)
    assert scan.finish() == []
    assert 4 * WINDOW <= scan.chunked_bytes < len(text) // 3
    # The windows picked depend on the offset and the key, not the content: a copy edited
    # in place is chunked in the same windows (its refusal sketch compares).
    edited = b"X" + text[1:]
    assert _scan(edited, index, after=4 * WINDOW).chunked_bytes == scan.chunked_bytes


def test_utf8_text_is_sampled_but_not_with_weights_spliced_in() -> None:
    bar = "█" * 30
    text = "".join(f"epoch {i} |{bar}| loss={2 / (i + 1):.4f} ✓\n" for i in range(20_000))
    data = text.encode()
    index = FingerprintIndex([ModelFingerprint.of("m", [_fp16(256 * 1024, seed=9)])])
    scan = _scan(data, index, after=4 * WINDOW)
    scan.finish()
    assert scan.chunked_bytes < len(data) // 3
    middle = len(data) // 2
    spliced = data[:middle] + _fp16(2048, seed=10) + data[middle:]
    full = _scan(spliced, index, after=4 * WINDOW)
    full.finish()
    # the window the weights fall in (not one the keyed pick takes) is chunked in full
    assert full.chunked_bytes >= scan.chunked_bytes + WINDOW


def test_a_large_log_is_scanned_whatever_it_inflates_to() -> None:
    rng = np.random.default_rng(8)
    lines = b"".join(
        b"step=%d loss=%.4f req=%012x\n" % (i, rng.uniform(), int(rng.integers(0, 2**48)))
        for i in range(200_000)
    )
    packed = gzip.compress(lines, compresslevel=6)
    small = InspectionLimits(max_expanded_bytes=1024 * 1024)
    assert len(lines) > small.max_expanded_bytes  # the old cap would have held it
    report = Inspector(small).inspect("log.gz", io.BytesIO(packed), len(packed))
    assert report.verdict is Outcome.ALLOW, report.findings
    # ...but the work per byte stays bounded: past max_ratio x the file's size, it holds.
    tiny = InspectionLimits(max_expanded_bytes=1024 * 1024, max_ratio=2)
    nested = gzip.compress(gzip.compress(lines))
    held = Inspector(tiny).inspect("log.gz.gz", io.BytesIO(nested), len(nested))
    assert held.verdict is Outcome.HOLD
    assert any(f.kind is FindingKind.LIMIT for f in held.findings)
