"""Keyed values of chunk digests and the sorted index sampled fingerprints are matched on.

Split from :mod:`airlock.identity.sampled` so that :mod:`airlock.exports.chunking` can
import it without a cycle. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from airlock.exports.model_fingerprint import ModelFingerprint

SAMPLE_DENOMINATOR = 32
SAMPLED_DIGEST_BYTES = 8
# Fingerprints registered before issue 19's winnowing kept the chunks below this value.
THRESHOLD = (1 << 64) // SAMPLE_DENOMINATOR
# Winnowing (issue 19): the smallest keyed value of every WINNOW consecutive informative
# chunks is kept, so any run of WINNOW whole chunks of the model holds a kept one; about
# 2 / (WINNOW + 1) of the chunks are kept (a 1/30.5 sample).
WINNOW = 60
KEY_CONTEXT = b"airlock/identity/sampled-chunks/v1"


def identity_key(secret: bytes) -> bytes:
    """The 32-byte sampling key derived from an enclave secret (domain-separated)."""
    return hashlib.blake2b(KEY_CONTEXT, key=secret[:64], digest_size=32).digest()


def keyed_value(key: bytes, digest: bytes) -> int:
    """The keyed 64-bit value of one chunk digest."""
    return int.from_bytes(hashlib.blake2b(digest, key=key, digest_size=8).digest(), "little")


def is_sampled(value: int) -> bool:
    return value < THRESHOLD


class SampledIndex:
    """Looks keyed values up across the sampled fingerprints (sorted uint64, no dicts:
    a terabyte model's 6.7 million values take 54 MB here, not a gigabyte of objects)."""

    def __init__(self, key: bytes, models: Sequence[ModelFingerprint]) -> None:
        self.key = key
        values: list[int] = []
        owners: list[int] = []
        self.names: list[str] = []
        for model in models:
            mine = [d for d in model.chunks if len(d) == SAMPLED_DIGEST_BYTES]
            if mine:
                self.names.append(model.name)
                values += [int.from_bytes(d, "little") for d in mine]
                owners += [len(self.names) - 1] * len(mine)
        order = np.argsort(np.array(values, dtype=np.uint64), kind="stable")
        self._values = np.array(values, dtype=np.uint64)[order]
        self._owners = np.array(owners, dtype=np.int32)[order]
        self._largest = int(self._values[-1]) if self._values.size else -1

    def __bool__(self) -> bool:
        return bool(self._values.size)

    def owner(self, digest: bytes) -> str | None:
        """The model a chunk (by its SHA-256) is a sampled chunk of, if any."""
        value = keyed_value(self.key, digest)
        if value > self._largest:  # winnowed values are minima: most chunks stop here
            return None
        at = int(np.searchsorted(self._values, np.uint64(value)))
        if at < self._values.size and int(self._values[at]) == value:
            return self.names[int(self._owners[at])]
        return None
