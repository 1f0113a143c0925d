"""A steganographic upstream, for the end-to-end tests and ``bench/eval_outputs.py``.

It follows the protocol except where the replayed top two tokens are nearly tied (their
``z`` values within ``gap``): there it emits the second one when the next secret bit is 1.
This is the cheapest way to hide weight bits in token choices while keeping the text
plausible (the paper's "choose among near-tied tokens"), and the rate it hides is set by
``gap``. Pure: it is a chooser for :func:`airlock.outputs.reference.generate`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from airlock.outputs.protocol import FloatArray


def secret_bits(payload: bytes) -> Iterator[int]:
    """The payload's bits, most significant first, repeated for ever."""
    while True:
        for byte in payload:
            for shift in range(7, -1, -1):
                yield (byte >> shift) & 1


@dataclass
class NearTieEncoder:
    """Chooser hiding one payload bit at each position whose top-two gap is below ``gap``."""

    payload: bytes
    gap: float
    hidden_bits: int = 0
    positions: int = 0
    _bits: Iterator[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._bits = secret_bits(self.payload)

    def __call__(self, z: FloatArray, position: int) -> int:
        del position
        self.positions += 1
        order = np.argsort(z)[::-1]
        first, second = int(order[0]), int(order[1])
        if float(z[first] - z[second]) >= self.gap:
            return first
        self.hidden_bits += 1
        return second if next(self._bits) else first
