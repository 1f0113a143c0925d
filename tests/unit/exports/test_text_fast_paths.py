"""The vectorised text paths give exactly what the slow, obvious versions give (issue 4)."""

from __future__ import annotations

import base64
import re

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from airlock.exports.chunking import FingerprintIndex
from airlock.exports.flat_scan import SAMPLE_SLICES, FlatScan
from airlock.exports.limits import InspectionLimits
from airlock.exports.tensor_stats import _CANDIDATES, guess_tensor
from airlock.exports.text_numbers import (
    count_decimals,
    count_standalone_ints,
    decimal_floats,
    standalone_ints,
)
from airlock.exports.text_scan import _ALPHABET, LONG_RUN, MIN_RUN_CHARS, TextScanner, _long_runs

# The patterns the numpy versions replace, kept here as their specification.
DECIMALS = re.compile(rb"\.\d\d")
INT = re.compile(rb"(?<![\w.])-?\d{1,6}(?![\w.])")
FLOAT = re.compile(rb"-?\d*\.\d{2,}(?:[eE][-+]?\d+)?")

numeric_text = st.binary(max_size=300).map(
    lambda raw: bytes(b"0123456789-.eE+_a ,\n:\x80"[b % 22] for b in raw)
)


@settings(max_examples=600, deadline=None)
@given(text=numeric_text, limit=st.integers(0, 50))
def test_number_finders_match_their_patterns(text: bytes, limit: int) -> None:
    assert count_decimals(text) == len(DECIMALS.findall(text))
    ints = [int(token) for token in INT.findall(text)]
    assert standalone_ints(text).tolist() == ints
    assert count_standalone_ints(text) == len(ints)
    floats = [float(token) for token in FLOAT.findall(text)]
    assert decimal_floats(text, 10**6) == floats
    assert decimal_floats(text, limit) == floats[:limit]


def test_number_finders_on_a_log_line() -> None:
    line = b"2026-05-01T12:00:01.123 step=-12 loss=-2.5e-3 x=.50 v1.2.33 7 -8 1234567 a-9\n"
    assert standalone_ints(line).tolist() == [int(t) for t in INT.findall(line)]
    assert decimal_floats(line, 99) == [float(t) for t in FLOAT.findall(line)]


def _slow_long_runs(text: bytes) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in re.finditer(rb"[A-Za-z0-9+/=\r\n]+", text)]
    return [(a, b) for a, b in spans if b - a >= LONG_RUN]


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(
        st.tuples(st.integers(0, 600), st.sampled_from([b" ", b":", b"-", b"\x00", b"."])),
        max_size=12,
    )
)
def test_long_runs_are_found_exactly(pieces: list[tuple[int, bytes]]) -> None:
    text = b"".join(b"Ab9+/="[: 1 + n % 6] * (n // 6) + sep for n, sep in pieces)
    assert _long_runs(text) == _slow_long_runs(text)


def _decoded_by_scanner(windows: list[bytes]) -> bytes:
    decoded: list[bytes] = []
    scanner = TextScanner(lambda _: decoded.append, lambda _: None)
    for window in windows:
        scanner.feed(window)
    scanner.finish()
    return b"".join(decoded)


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(1, 20_000), prefix=st.integers(0, 300))
def test_runs_carried_across_windows_are_decoded_whole(cut: int, prefix: int) -> None:
    payload = np.random.default_rng(cut).bytes(12_000)
    blob = base64.b64encode(payload)
    text = b"log line " + b"x" * prefix + b" " + blob + b"\nend of log: done\n"
    cut = min(cut, len(text) - 1)
    assert len(blob) >= MIN_RUN_CHARS
    expected = _decoded_by_scanner([text])
    assert payload in expected
    assert _decoded_by_scanner([text[:cut], text[cut:]]) == expected


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.sampled_from(["uniform", "small", "nibbles", "text"]),
)
def test_windows_without_top_bits_match_no_tensor_test(seed: int, shape: str) -> None:
    # guess_tensor answers such windows at once; no test may have matched them anyway.
    rng = np.random.default_rng(seed)
    values: npt.NDArray[np.float64]
    if shape == "uniform":
        values = rng.integers(0, 128, 8192).astype(np.float64)
    elif shape == "small":
        values = np.clip(np.abs(rng.normal(0, 8, 8192)), 0, 127)
    elif shape == "nibbles":
        values = np.clip(rng.normal(8, 2, 8192), 0, 15).round() + (7 << 4)
    else:
        text = b"step=12 loss=0.1234 lr=3e-4\n" * 300
        values = np.frombuffer(text, dtype=np.uint8)[:8192].astype(np.float64)
    window = values.astype(np.uint8)
    assert not any(matches(window) for _, _, matches in _CANDIDATES)
    assert guess_tensor(window) is None


def test_sample_slices_are_keyed_distinct_and_in_range() -> None:
    def picks(key: int, offset: int) -> list[int]:
        scan = FlatScan("", InspectionLimits(), FingerprintIndex([]), sample_key=key)
        scan._offset = offset
        return scan._picks(64)

    first = picks(1, 0)
    assert first == sorted(set(first)) and len(first) == SAMPLE_SLICES
    assert all(0 <= p < 64 for p in first)
    assert picks(1, 0) == first
    seen = {tuple(picks(key, offset)) for key in range(20) for offset in (0, 1 << 20)}
    assert len(seen) > 30  # keyed: different keys and offsets look at different bytes
    assert all(len(set(p)) == SAMPLE_SLICES for p in seen)
    assert len(set(picks(7, 0)) | set(picks(7, 1 << 20))) > SAMPLE_SLICES


def test_alphabet_is_what_the_run_filter_assumes() -> None:
    assert set(_ALPHABET) == set(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n"
    )


def test_long_run_filter_holds_at_every_alignment_and_at_the_edges() -> None:
    for offset in range(17):
        for length in (LONG_RUN - 1, LONG_RUN, LONG_RUN + 7):
            for text in (
                b" " * offset + b"A" * length + b" ",
                b" " * offset + b"A" * length,
                b"A" * length + b" " * offset,
            ):
                assert _long_runs(text) == _slow_long_runs(text), (offset, length)
