"""Judge one numeric array (a column, a dataset, a pixel plane) by what it is.

A loss curve, a confusion matrix or a three-element metric is small or smooth; weights are
many small numbers around zero with random low mantissa bits and no order. The array's own
bytes, in its stored dtype, go through the same recogniser as raw files
(:func:`airlock.exports.tensor_stats.guess_tensor`); float64 is judged as float32 (weights
exported in double precision keep their shape) and integers that fit in a byte as int8.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from airlock.exports.tensor_stats import MIN_WINDOW, guess_tensor, is_opaque

SMOOTH_CORRELATION = 0.9  # lag-1 autocorrelation of a curve; weights are near 0
SAMPLE_VALUES = 65_536  # values taken from each of the array's start, middle and end
MIN_SERIES = 16


@dataclass(frozen=True, slots=True)
class ArrayJudgement:
    """``explained``: benign structure; else ``tensorish`` says whether it looks like weights."""

    explained: bool
    tensorish: bool
    what: str
    nbytes: int


def judge_array(values: npt.NDArray[Any]) -> ArrayJudgement:
    """What one array is, and whether its bytes count as unexplained."""
    flat = np.ascontiguousarray(values).reshape(-1)
    nbytes = int(flat.nbytes)
    kind = flat.dtype.kind
    if kind not in "fiub":
        return ArrayJudgement(True, False, f"{flat.dtype} values (text or records)", nbytes)
    if nbytes < MIN_WINDOW:
        return ArrayJudgement(True, False, f"small array of {flat.size} {flat.dtype}", nbytes)
    sample = _sample(flat)
    if kind == "f" and _smooth(sample):
        return ArrayJudgement(True, False, f"smooth series of {flat.size} {flat.dtype}", nbytes)
    raw = _as_stored(sample)
    guess = guess_tensor(np.frombuffer(raw.tobytes(), dtype=np.uint8))
    if guess is not None:
        what = f"{flat.size} weight-like values ({guess.dtype} stored as {flat.dtype})"
        return ArrayJudgement(False, True, what, nbytes)
    if is_opaque(np.frombuffer(sample.tobytes(), dtype=np.uint8)):
        what = f"{flat.size} {flat.dtype} values with random bytes (encrypted or packed data)"
        return ArrayJudgement(False, False, what, nbytes)
    return ArrayJudgement(True, False, f"{flat.size} {flat.dtype} values, not weight-like", nbytes)


def _sample(flat: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The start, middle and end of ``flat``: fixed places, so a verdict never varies by run."""
    if flat.size <= 3 * SAMPLE_VALUES:
        return flat
    middle = flat.size // 2 - SAMPLE_VALUES // 2
    return np.concatenate(
        [flat[:SAMPLE_VALUES], flat[middle : middle + SAMPLE_VALUES], flat[-SAMPLE_VALUES:]]
    )


def _smooth(sample: npt.NDArray[Any]) -> bool:
    """A curve: neighbours close compared with the spread (lag-1 autocorrelation high)."""
    series = sample.astype(np.float64)
    series = series[np.isfinite(series)]
    if series.size < MIN_SERIES:
        return False
    centred = series - series.mean()
    denominator = float((centred * centred).sum())
    if denominator == 0.0:
        return True  # constant
    correlation = float((centred[:-1] * centred[1:]).sum()) / denominator
    return correlation >= SMOOTH_CORRELATION


def _as_stored(sample: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The bytes weights would have had: float64 as float32, byte-sized integers as int8."""
    if sample.dtype == np.float64:
        return sample.astype(np.float32)
    if sample.dtype.kind in "iu" and sample.dtype.itemsize > 1 and sample.size:
        low, high = int(sample.min()), int(sample.max())
        if low >= -128 and high <= 127:
            return sample.astype(np.int8)
    return sample.astype(sample.dtype.newbyteorder("<"))
