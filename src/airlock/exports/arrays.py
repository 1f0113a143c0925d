"""Judge one numeric array (a column, a dataset, a pixel plane) by what it is.

A loss curve, a confusion matrix or a three-element metric is small or smooth; weights are
many small numbers around zero with random low mantissa bits and no order. The array's own
bytes, in its stored dtype, go through the same recogniser as raw files
(:func:`airlock.exports.tensor_stats.guess_tensor`); float64 is judged as float32 (weights
exported in double precision keep their shape).

Integers are judged by the information they carry (issue 15): a value's bits are estimated
as the summed entropy of its byte planes, of the values and of their successive differences,
whichever is less, so a millisecond timestamp column that steps by 1000 carries almost
nothing while the same column whose steps are weight bit patterns carries them all. The
values and the differences are narrowed to the smallest integer type that holds them (weights
as bit patterns are their own bytes again) and tested as weights; a column carrying more than
a byte of information a value is counted as unexplained even when it has no weight shape.
What is counted is the information (``counted``), never more than the stored bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from airlock.exports.tensor_stats import MIN_WINDOW, entropy_bits, guess_tensor, is_opaque

DENSE_BITS = 8.0  # integers carrying more than this a value are a channel, weights or not
SMOOTH_CORRELATION = 0.9  # lag-1 autocorrelation of a curve; weights are near 0
WIDE_FLOATS = frozenset({"float32", "float16", "bfloat16"})
_FLOAT_AS = {8: "float32", 4: "float32", 2: "float16"}  # what a float array's values read as
SAMPLE_VALUES = 65_536  # values taken from each of the array's start, middle and end
MIN_SERIES = 16


@dataclass(frozen=True, slots=True)
class ArrayJudgement:
    """``explained``: benign structure; else ``tensorish`` says whether it looks like weights."""

    explained: bool
    tensorish: bool
    what: str
    nbytes: int
    counted: int = -1  # the bytes of information counted; -1: all of ``nbytes``
    # Weight-like as the numbers they are (a float column of weight-like floats), not only
    # when its bytes are read as another type (integers as bit patterns, bytes as float16).
    as_values: bool = False

    @property
    def size(self) -> int:
        """What the information account counts for this array."""
        return self.nbytes if self.counted < 0 else min(self.counted, self.nbytes)


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
    if kind in "iu" and flat.dtype.itemsize > 1:
        return _integers(flat, sample)
    return _by_bytes(flat, sample)


def _by_bytes(flat: npt.NDArray[Any], sample: npt.NDArray[Any]) -> ArrayJudgement:
    """Floats, bytes and booleans by their bytes in the stored dtype (float64 as float32)."""
    nbytes, kind = int(flat.nbytes), flat.dtype.kind
    if kind == "f" and _smooth(sample):
        return ArrayJudgement(True, False, f"smooth series of {flat.size} {flat.dtype}", nbytes)
    raw = _as_stored(sample)
    guess = guess_tensor(np.frombuffer(raw.tobytes(), dtype=np.uint8))
    if guess is not None:
        what = f"{flat.size} weight-like values ({guess.dtype} stored as {flat.dtype})"
        as_values = kind == "f" and guess.dtype == _FLOAT_AS.get(flat.dtype.itemsize)
        return ArrayJudgement(False, True, what, nbytes, as_values=as_values)
    if is_opaque(np.frombuffer(sample.tobytes(), dtype=np.uint8)):
        what = f"{flat.size} {flat.dtype} values with random bytes (encrypted or packed data)"
        return ArrayJudgement(False, False, what, nbytes)
    return ArrayJudgement(True, False, f"{flat.size} {flat.dtype} values, not weight-like", nbytes)


def _integers(flat: npt.NDArray[Any], sample: npt.NDArray[Any]) -> ArrayJudgement:
    """Integers by their information: what the values or their steps carry, as weights or not."""
    nbytes, count = int(flat.nbytes), int(flat.size)
    values = _int64(sample)
    steps = np.concatenate([np.diff(_int64(part)) for part in _parts(flat)])  # wraps: same bits
    bits = min(plane_bits(values), plane_bits(steps) if steps.size else 64.0)
    carried = int(np.ceil(bits * count / 8))
    named = f"{count} {flat.dtype} values carrying {bits:.1f} bits each ({carried} bytes)"
    if carried < MIN_WINDOW:
        return ArrayJudgement(True, False, f"{named}: a counter or labels", nbytes, carried)
    for label, series in (("values", values), ("steps", steps)):
        narrow = narrowed(series)
        guess = guess_tensor(np.frombuffer(narrow.tobytes(), dtype=np.uint8))
        # Bytes of wider integers are not single-byte weights: a counter's low bytes pass
        # the fp8 tests by themselves; only floats of a width the integers have count.
        if guess is not None and (narrow.dtype.itemsize == 1 or guess.dtype in WIDE_FLOATS):
            what = f"{named}, whose {label} are weight-like ({guess.dtype} as {narrow.dtype})"
            return ArrayJudgement(False, True, what, nbytes, carried)
    if bits > DENSE_BITS:
        what = f"{named}: more than a byte of free information a value"
        return ArrayJudgement(False, False, what, nbytes, carried)
    return ArrayJudgement(True, False, f"{named}, not weight-like", nbytes, carried)


def plane_bits(values: npt.NDArray[np.int64]) -> float:
    """Bits per value: the summed entropy of the values' eight byte planes.

    An upper bound on the values' information when the planes are independent and close to
    it otherwise (sign extension is counted once per plane); it needs no more samples than
    a byte histogram does, where counting distinct values would stop at log2(samples).
    """
    if not values.size:
        return 0.0
    planes = np.ascontiguousarray(values.astype("<i8")).view(np.uint8).reshape(-1, 8)
    return sum(entropy_bits(planes[:, i]) for i in range(8))


def narrowed(values: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    """The values in the smallest integer type that holds them all (unsigned when >= 0)."""
    if not values.size:
        return values
    low, high = int(values.min()), int(values.max())
    for kind in ("u1", "i1", "u2", "i2", "u4", "i4"):
        info = np.iinfo(np.dtype(kind))
        if low >= info.min and high <= info.max:
            return values.astype("<" + kind)
    return values.astype("<i8")


def _sample(flat: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The start, middle and end of ``flat``: fixed places, so a verdict never varies by run."""
    parts = _parts(flat)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _parts(flat: npt.NDArray[Any]) -> list[npt.NDArray[Any]]:
    """``flat`` whole, or its start, middle and end (steps are taken within each part)."""
    if flat.size <= 3 * SAMPLE_VALUES:
        return [flat]
    middle = flat.size // 2 - SAMPLE_VALUES // 2
    return [flat[:SAMPLE_VALUES], flat[middle : middle + SAMPLE_VALUES], flat[-SAMPLE_VALUES:]]


def _int64(values: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Integers as int64; uint64 by its bits (steps wrap around the same way)."""
    return values.view(np.int64) if values.dtype == np.uint64 else values.astype(np.int64)


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
    """The bytes weights would have had: float64 as float32 (wider integers: ``narrowed``)."""
    if sample.dtype == np.float64:
        return sample.astype(np.float32)
    return sample.astype(sample.dtype.newbyteorder("<"))
