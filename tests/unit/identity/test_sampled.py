"""The sampled keyed fingerprint: its size bound and its recall, measured on random data."""

from __future__ import annotations

import numpy as np

from airlock.exports.chunking import Chunk, FingerprintIndex
from airlock.exports.flat_scan import FlatScan
from airlock.exports.limits import InspectionLimits
from airlock.identity.sampled import (
    SAMPLE_DENOMINATOR,
    WINNOW,
    keyed_value,
    miss_probability,
    sampled_fingerprint,
    sampled_values,
)

KEY = bytes(range(32))
MiB = 1024 * 1024


def _model(size: int, seed: int = 7) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()


def test_size_is_under_64_mb_per_tb_and_the_math_says_99_percent() -> None:
    raw = _model(32 * MiB)
    model = sampled_fingerprint(KEY, "m", [raw[i : i + MiB] for i in range(0, len(raw), MiB)])
    assert model.sampled
    per_tb = len(model.chunks) * 8 * (2**40 / len(raw))
    assert per_tb <= 64e6, per_tb
    # the worst mean chunk the bound allows, and the chunker's observed mean on this data
    assert miss_probability(MiB, 5 * 1024, 1 / SAMPLE_DENOMINATOR) < 0.01


def _chunks(n: int) -> list[Chunk]:
    return [Chunk(i, 5000, i.to_bytes(32, "little"), informative=i % 7 != 3) for i in range(n)]


def test_winnowing_keeps_one_chunk_of_every_window_and_about_one_in_thirty() -> None:
    chunks = _chunks(20_000)
    kept = {c.offset for c, _ in sampled_values(KEY, chunks)}
    informative = [c.offset for c in chunks if c.informative]
    for start in range(len(informative) - WINNOW + 1):
        assert kept & set(informative[start : start + WINNOW]), start
    assert not kept - set(informative)
    assert 1 / 34 <= len(kept) / len(informative) <= 1 / 28
    # the kept chunks are the window minima of the keyed values, not a fixed stride
    values = {c.offset: keyed_value(KEY, c.digest) for c in chunks if c.informative}
    first = min(informative[:WINNOW], key=lambda o: values[o])
    assert first in kept
    tiny = list(sampled_values(KEY, _chunks(10)))  # fewer chunks than one window: one kept
    assert len(tiny) == 1


def test_any_one_mib_piece_is_named() -> None:
    raw = _model(48 * MiB, seed=3)
    model = sampled_fingerprint(KEY, "m", [raw])
    index = FingerprintIndex([model], key=KEY)
    rng = np.random.default_rng(11)
    trials, named = 200, 0
    for _ in range(trials):
        start = int(rng.integers(0, len(raw) - MiB))
        scan = FlatScan("x", InspectionLimits(), index, check_opacity=False)
        scan.feed(b"prefix bytes that shift the piece" + raw[start : start + MiB])
        named += any(f.kind == "protected-model" for f in scan.finish())
    assert named == trials, named  # winnowing: every piece of >= 62 whole chunks


def test_without_the_key_or_for_unrelated_bytes_nothing_is_named() -> None:
    raw = _model(8 * MiB)
    model = sampled_fingerprint(KEY, "m", [raw])
    other = _model(8 * MiB, seed=99)
    for index, data in ((FingerprintIndex([model], key=KEY), other),):
        scan = FlatScan("x", InspectionLimits(), index, check_opacity=False)
        scan.feed(data)
        assert not [f for f in scan.finish() if f.kind == "protected-model"]
    wrong_key = FingerprintIndex([model], key=b"\x01" * 32)
    scan = FlatScan("x", InspectionLimits(), wrong_key, check_opacity=False)
    scan.feed(raw)
    assert not [f for f in scan.finish() if f.kind == "protected-model"]
