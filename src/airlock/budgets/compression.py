"""How far a model's bytes shrink under lossless compression, measured on a sample.

The time-to-exfiltrate estimate assumes the attacker's best lossy compression (100x, see
:mod:`airlock.budgets.exfiltration`); the lossless ratio is the other end: what any attacker
gets for free. It is measured when a model is registered, on its first bytes (a model file's
tensors are alike throughout, and compressing a whole terabyte to register it would cost more
than the registration itself).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import zstandard

SAMPLE_BYTES = 64 * 1024 * 1024
LEVEL = 3  # zstd's default: what a hurried attacker would use


class LosslessSample:
    """Pass ``pieces`` through unchanged while compressing their first ``limit`` bytes."""

    def __init__(self, limit: int = SAMPLE_BYTES) -> None:
        self._limit = limit
        self._compressor = zstandard.ZstdCompressor(level=LEVEL).compressobj()
        self._fed = 0
        self._out = 0

    def feed(self, pieces: Iterable[bytes]) -> Iterator[bytes]:
        for piece in pieces:
            room = self._limit - self._fed
            if room > 0:
                taken = piece[:room]
                self._out += len(self._compressor.compress(taken))
                self._fed += len(taken)
            yield piece

    def ratio(self) -> float:
        """Sampled bytes over their compressed size (1.0 for nothing sampled)."""
        if self._fed == 0:
            return 1.0
        compressed = self._out + len(self._compressor.flush())
        self._compressor = zstandard.ZstdCompressor(level=LEVEL).compressobj()
        return max(1.0, self._fed / max(1, compressed))
