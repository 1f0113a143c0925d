"""Recognise raw tensor bytes with no header, one window at a time.

Trained weights are small numbers spread around zero. Their floating-point encodings
therefore share a narrow band of exponents while sign and low mantissa bits look random;
quantized weights are bell-shaped integers around zero. Each test below checks those
shapes on byte histograms of one window, for each plausible alignment, with numpy, so a
renamed or header-stripped weight file is still recognised. The tests say nothing about
ordinary binary formats, compressed data (flat histograms) or text (no sign bits).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Bytes = npt.NDArray[np.uint8]
Ints = npt.NDArray[np.integer[Any]]
MIN_WINDOW = 4096


@dataclass(frozen=True, slots=True)
class TensorGuess:
    dtype: str
    confidence: float


def entropy_bits(values: Ints, symbols: int = 256) -> float:
    counts = np.bincount(values, minlength=symbols).astype(np.float64)
    p = counts[counts > 0] / values.size
    return float(-(p * np.log2(p)).sum())


def _balanced(signs: Ints) -> bool:
    share = float(signs.mean())
    return 0.25 <= share <= 0.75


def _float_high_bytes(high: Ints, low: Ints) -> bool:
    """float32 / bfloat16: sign + top exponent bits in a band around |x| in [2^-30, 8]."""
    magnitude = high & 0x7F
    in_band = ((magnitude >= 0x30) & (magnitude <= 0x41)) | (magnitude == 0)
    return (
        float(in_band.mean()) >= 0.97
        and _balanced(high >> 7)
        and entropy_bits(high) <= 5.5
        and entropy_bits(low) >= 6.5
    )


def _float16(high: Ints, low: Ints) -> bool:
    exponent = (high & 0x7F) >> 2
    return (
        float((exponent <= 17).mean()) >= 0.97
        and float((exponent >= 3).mean()) >= 0.8
        and _balanced(high >> 7)
        and entropy_bits(exponent, 32) <= 3.6
        and entropy_bits(low) >= 7.0
    )


def _fp8(window: Bytes, exponent_bits: int) -> bool:
    mantissa_bits = 7 - exponent_bits
    exponent = (window >> mantissa_bits) & ((1 << exponent_bits) - 1)
    mantissa = window & ((1 << mantissa_bits) - 1)
    return (
        _balanced(window >> 7)
        and 1.5 <= entropy_bits(exponent, 1 << exponent_bits) <= exponent_bits - 0.6
        and entropy_bits(mantissa, 1 << mantissa_bits) >= mantissa_bits - 0.25
    )


def _int8(window: Bytes) -> bool:
    signed = window.view(np.int8).astype(np.int16)
    positive, negative = float((signed > 0).mean()), float((signed < 0).mean())
    small = float((np.abs(signed) <= 64).mean())
    tiny = float((np.abs(signed) <= 4).mean())
    return (
        abs(positive - negative) <= 0.06
        and small >= 0.9
        and 0.03 <= tiny <= 0.6
        and abs(float(signed.mean())) <= 4
        and entropy_bits(window) >= 4.5
    )


def _nibbles(window: Bytes) -> bool:
    for nibble in (window & 0x0F, window >> 4):
        centred = float(((nibble >= 4) & (nibble <= 12)).mean())
        if centred < 0.85 or abs(float(nibble.mean()) - 8.0) > 0.8:
            return False
        if not 2.2 <= entropy_bits(nibble, 16) <= 3.7:
            return False
    return True


def _pairs(window: Bytes, shift: int) -> tuple[Ints, Ints]:
    pairs = window[shift : window.size - 2 + shift]
    return pairs[1::2], pairs[0::2]


def _words(window: Bytes, shift: int) -> tuple[Ints, Ints]:
    words = window[shift : window.size - 4 + shift]
    return words[3::4], words[0::4]


# Tried in order; the first that matches names the dtype. bfloat16 comes before float32
# because its high bytes sit in float32's exponent band at every other byte.
_CANDIDATES: tuple[tuple[str, float, Callable[[Bytes], bool]], ...] = (
    ("bfloat16", 0.9, lambda w: any(_float_high_bytes(*_pairs(w, s)) for s in range(2))),
    ("float32", 0.95, lambda w: any(_float_high_bytes(*_words(w, s)) for s in range(4))),
    ("float16", 0.9, lambda w: any(_float16(*_pairs(w, s)) for s in range(2))),
    ("4-bit quantized", 0.75, _nibbles),
    ("int8 quantized", 0.75, _int8),
    ("fp8 e4m3", 0.7, lambda w: _fp8(w, 4)),
    ("fp8 e5m2", 0.7, lambda w: _fp8(w, 5)),
)


def _has_top_bits(window: Bytes) -> bool:
    return bool(window.max(initial=0) >= 0x80)


def guess_tensor(window: Bytes) -> TensorGuess | None:
    """The dtype this window most plausibly encodes as weights, or None.

    Every test needs bytes with the top bit set, so a window without any (ASCII text) is
    answered at once (issue 4): the float and fp8 tests want balanced sign bits; int8 as
    many negative bytes as positive ones (with none, >= 94% would be zero bytes, far under
    its entropy floor); 4-bit values a mean high nibble within 0.8 of 8 (ASCII's is <= 7);
    GGML Q8_0/Q4_0 blocks (:mod:`airlock.exports.ggml_blocks`) small fp16 scales.
    """
    if window.size < MIN_WINDOW:
        return None
    usable = window[: window.size - window.size % 4]
    if not _has_top_bits(usable):
        return None
    for dtype, confidence, matches in _CANDIDATES:
        if matches(usable):
            return TensorGuess(dtype, confidence)
    from airlock.exports.ggml_blocks import guess_blocks  # noqa: PLC0415 -- it imports this

    blocks = guess_blocks(window)
    return TensorGuess(blocks, 0.85) if blocks else None


def is_opaque(window: Bytes) -> bool:
    """High-entropy bytes: compressed, encrypted or random."""
    # Bytes below 0x80 carry at most 7 bits each: skip the histogram for text.
    return window.size >= MIN_WINDOW and _has_top_bits(window) and entropy_bits(window) >= 7.95
