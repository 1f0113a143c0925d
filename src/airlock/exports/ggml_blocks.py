"""Recognise GGML Q8_0 / Q4_0 quantised weights by their block structure, with no header.

A Q8_0 block is an fp16 scale and 32 int8 values (34 bytes); a Q4_0 block an fp16 scale and
32 4-bit values packed in 16 bytes (18 bytes). Neither passes the byte-histogram tests of
:mod:`airlock.exports.tensor_stats` as a whole (the scales pollute the int8 and nibble
histograms), but the structure is plain once the stride is known (issue 15):

- one column of every block is the scale's high byte: a small fp16 (|scale| < 2), whose
  exponents cluster, because neighbouring blocks of one tensor have similar ranges;
- Q8_0: the largest |value| of (nearly) every block is 127 -- the scale is amax / 127 --
  and -128 never appears;
- Q4_0: the nibbles are centred on 8 and crowd its middle like a bell, not uniform.

Every stride phase and both byte orders of the scale are tried (a byte-swapped scale is the
attacker's first move), on parts of ``PART_BYTES`` so that a keyed sample made of slices
(each at its own phase) is judged slice by slice; most parts must agree. A one-op column
filter (which position of the stride always holds a small exponent) keeps the cost to a few
numpy operations per part on data that is not blocks.

Deliberately not recognised: scales stored apart from the values (struct of arrays), k-quants
and i-quants (super-blocks of 144-210 bytes), and blocks whose scales are not fp16.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from airlock.exports.tensor_stats import Bytes, entropy_bits

if TYPE_CHECKING:
    from airlock.identity.dtypes import Floats

PART_BYTES = 16 * 1024
MIN_BLOCKS = 64
KINDS = (("ggml q8_0 blocks", 34), ("ggml q4_0 blocks", 18))
_SMALL = 0x3C  # the high byte of |fp16| below 2 (exponent field <= 14)


def guess_blocks(window: Bytes) -> str | None:
    """The GGML block kind ``window`` holds, or None (judged on parts of ``PART_BYTES``)."""
    parts = [window[i : i + PART_BYTES] for i in range(0, window.size, PART_BYTES)]
    parts = [p for p in parts if p.size >= MIN_BLOCKS * 18] or [window]
    votes: dict[str, int] = {}
    for part in parts:
        kind = _part_kind(part)
        if kind is not None:
            votes[kind] = votes.get(kind, 0) + 1
    if not votes:
        return None
    kind, count = max(votes.items(), key=lambda item: item[1])
    return kind if 2 * count > len(parts) else None


def _part_kind(part: Bytes) -> str | None:
    layout = locate_blocks(part)
    return layout[0] if layout else None


def locate_blocks(part: Bytes) -> tuple[str, int, int, bool] | None:
    """``(kind, stride, phase, big_endian_scale)`` of the blocks ``part`` holds, or None."""
    small = (part & 0x7F) < _SMALL
    for kind, stride in KINDS:
        n = part.size // stride - 1
        if n < MIN_BLOCKS:
            continue
        share = small[: n * stride].reshape(n, stride).mean(axis=0)
        for column in np.flatnonzero(share >= 0.97).tolist():
            # the high byte at ``column``: little-endian scale starts one byte before it
            for phase, big in (((column - 1) % stride, False), (column, True)):
                blocks = part[phase : phase + n * stride].reshape(n, stride)
                if _blocks_match(blocks, stride, big=big):
                    return kind, stride, phase, big
    return None


def dequantise(data: Bytes, stride: int, phase: int, *, big: bool) -> Floats:
    """The values of the whole blocks of ``data`` from byte ``phase`` on: scale x q.

    Q4_0: ``(nibble - 8) x d``, low nibbles the first 16 values, high nibbles the next 16.
    A Q4_0 block with no -8 but a +7 had a positive peak clipped (scale = amax / 8, rounded
    to nearest); its first +7 is restored to +8, so the block's peak keeps its magnitude.
    """
    n = (data.size - phase) // stride
    blocks = data[phase : phase + n * stride].reshape(n, stride)
    scale = blocks[:, :2].copy().view(">f2" if big else "<f2").astype(np.float32)
    if stride == 34:
        q = blocks[:, 2:].view(np.int8).astype(np.float32)
    else:
        nibbles = np.empty((n, 32), dtype=np.uint8)
        np.bitwise_and(blocks[:, 2:], 0x0F, out=nibbles[:, :16])
        np.right_shift(blocks[:, 2:], 4, out=nibbles[:, 16:])
        top = nibbles == 15
        clipped = np.flatnonzero(top.any(axis=1) & ~(nibbles == 0).any(axis=1))
        q = nibbles.astype(np.float32)
        q -= 8
        q[clipped, top[clipped].argmax(axis=1)] = 8
    q *= scale
    values: Floats = q.reshape(-1)
    values[~np.isfinite(values)] = 0  # a corrupt scale must not poison the anchors
    return values


def _blocks_match(blocks: Bytes, stride: int, *, big: bool) -> bool:
    scale = blocks[:, :2].astype(np.uint16)
    high, low = (scale[:, 0], scale[:, 1]) if big else (scale[:, 1], scale[:, 0])
    if float(((high & 0x7F) < _SMALL).mean()) < 0.97:
        return False
    exponent = (high & 0x7F) >> 2
    nonzero = (high | low) != 0
    if nonzero.mean() < 0.9 or entropy_bits(exponent[nonzero], 32) > 3.0:
        return False
    values = blocks[nonzero, 2:]
    if stride == 34:
        signed = values.view(np.int8).astype(np.int16)
        peak = np.abs(signed).max(axis=1)
        return float(((peak == 127) | (peak == 126)).mean()) >= 0.9 and not (signed == -128).any()
    nibbles = np.concatenate([values & 0x0F, values >> 4], axis=1)
    middle = float(((nibbles >= 5) & (nibbles <= 11)).mean())  # uniform: 7/16 = 0.44
    return middle >= 0.52 and abs(float(nibbles.mean()) - 8.0) <= 0.7
