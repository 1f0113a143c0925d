"""Lossless compressibility of model weights, measured on byte planes (as ZipNN does).

Floats compress poorly as a byte stream because sign/exponent bytes and mantissa bytes
interleave; split into planes (byte 0 of every element, byte 1, ...) the exponent plane
shrinks several-fold. zstd on each plane gives the ratio an attacker gets for free without
any ML tooling (arXiv 2411.05239). Pure: bytes in, numbers out; bounded by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import zstandard

LEVEL = 3
SAMPLE_BYTES = 64 * 1024 * 1024


class PlaneSample:
    """Feed a model's bytes; the first ``limit`` bytes are split into ``width`` planes and
    compressed per plane with zstd. ``ratio()`` is sampled bytes over compressed bytes."""

    def __init__(self, width: int = 2, limit: int = SAMPLE_BYTES) -> None:
        self.width = width
        self.limit = limit
        self._pending = bytearray()
        self._fed = 0
        self._out = 0
        self._compressors = [
            zstandard.ZstdCompressor(level=LEVEL).compressobj() for _ in range(width)
        ]
        self._flushed = False

    def feed(self, data: bytes | memoryview) -> None:
        room = self.limit - self._fed - len(self._pending)
        if room <= 0:
            return
        self._pending += data[:room]
        whole = len(self._pending) - len(self._pending) % (self.width * 65536)
        if whole:
            self._planes(bytes(self._pending[:whole]))
            del self._pending[:whole]

    def _planes(self, data: bytes) -> None:
        usable = len(data) - len(data) % self.width
        array = np.frombuffer(data[:usable], dtype=np.uint8).reshape(-1, self.width)
        for plane, compressor in enumerate(self._compressors):
            self._out += len(compressor.compress(array[:, plane].tobytes()))
        self._fed += usable

    def ratio(self) -> float:
        """At least 1.0; 1.0 when nothing was fed."""
        if not self._flushed:
            self._planes(bytes(self._pending))
            self._pending.clear()
            self._out += sum(len(c.flush()) for c in self._compressors)
            self._flushed = True
        if self._fed == 0:
            return 1.0
        return max(1.0, self._fed / max(1, self._out))


def best_ratio(samples: Iterable[PlaneSample]) -> float:
    return max((s.ratio() for s in samples), default=1.0)
